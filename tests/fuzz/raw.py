"""What schemathesis does not send: hostile bytes where the API reads JSON, cursors and headers.

Schemathesis generates from the document, so its bodies are JSON that a schema can describe. The
requests here are the ones a parser meets first: JSON nested 100 000 deep, numbers that overflow
to infinity, NaN, lone surrogates, NUL characters, invalid UTF-8, a valid body with one value
swapped for another type; forged worklist cursors; bearer tokens that are not JWTs or say
`alg: none`; content types with odd parameters; HTTP methods no route has. Every one must be answered with a 4xx (or a 2xx
where it is in fact acceptable), never a 5xx. (Found this way: a RecursionError and a TypeError
that were 500s, a forged cursor that was a 500, an infinite amount saved as null, TRACE answered 501.)
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

__all__ = ["RawRequest", "raw_requests", "send_raw"]


@dataclass(frozen=True)
class RawRequest:
    method: str
    path: str
    """With `{id}` where a real dossier id goes."""
    body: bytes | None
    headers: tuple[tuple[str, str], ...]
    role: str
    """`portal`, `clerk`, `authority` (office 031) or `anonymous`: whose token is added, if any."""

    def __repr__(self) -> str:
        return f"RawRequest({self.method} {self.path[:60]} as {self.role}, {len(self.body or b'')} bytes)"


def _nested(depth: int, opening: str) -> str:
    closing = {"[": "]", "{": "}"}[opening]
    if opening == "{":
        return '{"a":' * depth + "1" + "}" * depth
    return opening * depth + closing * depth


@st.composite
def hostile_json(draw: st.DrawFn) -> bytes:
    """A body a JSON parser, pydantic or the store chokes on first."""
    from tests.helpers import dossier_body

    kind = draw(
        st.sampled_from(["deep", "deep_unclosed", "number", "literal", "string", "bytes", "swap", "duplicate_keys"])
    )
    if kind == "deep":
        return _nested(draw(st.integers(900, 100_000)), draw(st.sampled_from(["[", "{"]))).encode()
    if kind == "deep_unclosed":
        return ("[" * draw(st.integers(900, 200_000))).encode()
    if kind == "number":
        return (
            json.dumps({"result": "approved", "amount": 0})
            .replace("0}", draw(st.sampled_from(["1e999", "-1e999", "1" * 5000, "0.0000001e-999", "-0"])) + "}")
            .encode()
        )
    if kind == "literal":
        return draw(
            st.sampled_from(
                [
                    b"NaN",
                    b"Infinity",
                    b"-Infinity",
                    b"null",
                    b"true",
                    b"0",
                    b'""',
                    b"[]",
                    b'{"result": NaN, "amount": Infinity}',
                ]
            )
        )
    if kind == "string":
        value = draw(
            st.sampled_from(["\\ud800", "\\udfff\\ud800", "\\u0000", "a" * 300_000, "\\u202e", "%00", "\u1ee6y ban"])
        )
        body = json.dumps(dossier_body())
        return body.replace('"Nguy', f'"{value}Nguy', 1).encode()
    if kind == "bytes":
        return draw(st.sampled_from([b"\xef\xbb\xbf{}", b"\xff\xfe{\x00}\x00", b"\x00" * 64, b'{"a": "\xc3"}'])) + draw(
            st.binary(max_size=64)
        )
    if kind == "swap":  # a valid create body with one value replaced by a value of another type
        body = dossier_body()
        path = draw(
            st.sampled_from(
                [
                    ("portal_code",),
                    ("procedure",),
                    ("applicant",),
                    ("applicant", "unit_code"),
                    ("applicant", "province_code"),
                    ("workers",),
                    ("workers", 0),
                    ("workers", 0, "si_number"),
                    ("workers", 0, "date_of_birth"),
                    ("workers", 0, "period_to"),
                ]
            )
        )
        value = draw(
            st.sampled_from(
                [
                    None,
                    0,
                    -1,
                    2**70,
                    1.5,
                    True,
                    [],
                    {},
                    [None],
                    {"S": "x"},
                    "",
                    " ",
                    "9999-99-99",
                    "2020-02-30",
                    "0" * 10_000,
                ]
            )
        )
        target: Any = body
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value
        return json.dumps(body).encode()
    return b'{"result": "approved", "result": "denied", "amount": 1, "amount": -1}'


@st.composite
def forged_cursor(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["json", "bytes", "text"]))
    if kind == "json":
        key = draw(
            st.dictionaries(
                st.sampled_from(["id", "office", "office_status", "created_at", "x"]),
                st.one_of(
                    st.builds(lambda s: {"S": s}, st.text(max_size=20)),
                    st.builds(lambda n: {"N": str(n)}, st.integers()),
                    st.just({"S": None}),
                    st.just([]),
                ),
                max_size=4,
            )
        )
        raw = json.dumps(key).encode()
    elif kind == "bytes":
        raw = draw(st.binary(max_size=200))
    else:
        return draw(st.text(max_size=200))
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _bad_tokens() -> st.SearchStrategy[str]:
    none_jwt = (
        ".".join(
            base64.urlsafe_b64encode(json.dumps(part).encode()).decode().rstrip("=")
            for part in (
                {"alg": "none", "typ": "JWT"},
                {"sub": "x", "role": "admin", "aud": "motcua", "exp": 9999999999},
            )
        )
        + "."
    )
    return st.sampled_from(
        [
            "Bearer",
            "Bearer ",
            "Basic dXNlcjpwYXNz",
            "Bearer " + none_jwt,
            "Bearer a.b.c",
            "Bearer " + "A" * 8000,
            "bearer  \t x",
            "Bearer \u00e9\u00e8",
        ]
    )


@st.composite
def raw_requests(draw: st.DrawFn) -> RawRequest:
    """One hostile request to one of the routes that read a body, a cursor or a header."""
    target = draw(
        st.sampled_from(
            ["create", "decision", "uploads", "callback", "verify", "worklist", "attachment", "token", "method"]
        )
    )
    if target == "method":  # a method no route has: 405, as API Gateway answers (the dev server said 501)
        method = draw(st.sampled_from(["TRACE", "PROPFIND", "BREW", "MKCOL", "LINK"]))
        return RawRequest(
            method,
            draw(st.sampled_from(["/v1/dossiers", "/v1/dossiers/{id}", "/v1/verify", "/v1/health", "/nowhere"])),
            None,
            (),
            draw(st.sampled_from(["portal", "anonymous"])),
        )
    json_headers = (
        (
            "Content-Type",
            draw(
                st.sampled_from(
                    [
                        "application/json",
                        "application/json; charset=latin-1",
                        "text/plain",
                        "application/x-www-form-urlencoded",
                    ]
                )
            ),
        ),
    )
    if target == "create":
        return RawRequest(
            "POST",
            "/v1/dossiers",
            draw(hostile_json()),
            json_headers,
            draw(st.sampled_from(["portal", "portal", "clerk"])),
        )
    if target == "decision":
        return RawRequest(
            "POST",
            "/v1/dossiers/{id}/decision",
            draw(hostile_json()),
            json_headers,
            draw(st.sampled_from(["authority", "clerk"])),
        )
    if target == "uploads":
        return RawRequest("POST", "/v1/dossiers/{id}/uploads", draw(hostile_json()), json_headers, "portal")
    if target == "callback":
        signature = draw(st.sampled_from(["", "sha256=", "sha256=\u00e9", "\u00ff" * 64, "sha256=" + "0" * 64]))
        return RawRequest(
            "POST",
            "/v1/local/portal-callback",
            draw(hostile_json()),
            (*json_headers, ("x-motcua-signature", signature)),
            "anonymous",
        )
    if target == "verify":
        return RawRequest(
            "POST",
            "/v1/verify",
            draw(st.one_of(hostile_json(), st.binary(max_size=512).map(lambda b: b"%PDF-" + b))),
            (("Content-Type", "application/pdf"),),
            "anonymous",
        )
    if target == "worklist":
        query = draw(
            st.sampled_from(
                ["next={}", "limit=1&next={}", "status=forwarded&next={}", "status=draft&overdue=false&next={}"]
            )
        )
        from urllib.parse import quote

        return RawRequest(
            "GET",
            "/v1/dossiers?" + query.format(quote(draw(forged_cursor()), safe="")),
            None,
            (),
            draw(st.sampled_from(["clerk", "authority"])),
        )
    if target == "attachment":
        content_type = draw(
            st.sampled_from(
                [
                    "application/pdf; charset=\u00e9",
                    "APPLICATION/PDF",
                    "application/pdf;;;",
                    " application/pdf ",
                    "application/pdf; boundary=" + "x" * 5000,
                    "image/png, application/pdf",
                    "*/*",
                ]
            )
        )
        return RawRequest(
            "PUT",
            "/v1/dossiers/{id}/attachments/"
            + draw(st.sampled_from(["worker_list.pdf", "a" * 100 + ".pdf", ".hidden", "x%00.pdf", "%C3%A9.pdf"])),
            b"%PDF-1.4\n%%EOF",
            (("Content-Type", content_type),),
            "portal",
        )
    return RawRequest(
        "GET",
        draw(st.sampled_from(["/v1/dossiers/{id}", "/v1/dossiers", "/v1/stats"])),
        None,
        (("Authorization", draw(_bad_tokens())),),
        "anonymous",
    )


def send_raw(
    base: str, request: RawRequest, dossier_id: str, tokens: dict[str, dict[str, str]], session: Any
) -> int | None:
    """Send one raw request (the role's token unless the request brings its own Authorization);
    answers the status, or None when the HTTP client itself refuses what was drawn."""
    import requests

    headers = dict(tokens.get(request.role, {}))
    for name, value in request.headers:
        headers[name] = value
    try:
        encoded = {k: v.encode("utf-8") if not v.isascii() else v for k, v in headers.items()}
        reply = session.request(
            request.method,
            base + request.path.replace("{id}", dossier_id),
            data=request.body,
            headers=encoded,
            timeout=60,
        )
    except (requests.RequestException, ValueError, UnicodeError):
        return None
    return reply.status_code


def fuzz_raw(stack: Any, max_examples: int = 60, seed: int = 0) -> Any:
    """`max_examples` hostile raw requests against `stack` (a draft dossier of office 031 as `{id}`)."""
    import time

    import requests
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as fixed_seed

    from tests.fuzz.api import ApiRun
    from tests.helpers import dossier_body

    started = time.monotonic()
    run = ApiRun()
    tokens = {
        role: stack.token(*spec)
        for role, spec in (("portal", ("portal",)), ("clerk", ("clerk", "031")), ("authority", ("authority", "031")))
    }
    dossier_id = requests.post(
        f"{stack.base}/v1/dossiers", json=dossier_body(), headers=tokens["portal"], timeout=60
    ).json()["id"]
    session = requests.Session()

    @fixed_seed(seed)
    @settings(
        max_examples=max_examples,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(raw_requests())
    def one(request: RawRequest) -> None:
        status = send_raw(stack.base, request, dossier_id, tokens, session)
        if status is None:
            run.unsent += 1
            return
        run.cases += 1
        run.statuses[status] = run.statuses.get(status, 0) + 1
        if status >= 500:
            run.server_errors.append(f"{request!r} -> {status}")

    one()
    run.seconds = round(time.monotonic() - started, 1)
    return run
