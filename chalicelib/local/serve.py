"""`make run`: the emulator, the stack, the API on 127.0.0.1:$PORT and the queue workers, until Ctrl-C.

The API is Chalice's own local server (the same route code as in Lambda) with one addition: a body
larger than API Gateway would take is refused with 413 before it is read. Workers are separate
processes running `motcua worker`; one that dies is started again, as Lambda would.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from chalicelib.config import settings
from chalicelib.local import oauth
from chalicelib.local.stack import PROJECT_DIR, aws_state_dir, deploy_stack, local_environment, start_emulator

__all__ = ["MAX_REQUEST_BYTES", "STACK_FILE", "loaded_summary", "make_server", "prepare", "resume_in_flight", "serve"]

STACK_FILE = "stack.json"
TSA_FILE = "tsa.url"
"""Where the running stage's own time-stamping authority answers (`chalicelib.local.tsa`), for the CLI."""
"""In the state directory while `make run` is up: its ports, so `motcua` finds the stack from anywhere."""

MAX_REQUEST_BYTES = 10 * 1024 * 1024
"""API Gateway's payload limit: a larger body never reaches a function in AWS."""
PORTAL_CALLBACK_PATH = "/v1/local/portal-callback"
"""Where the local stage's stand-in for the portal takes the status callbacks (`MOTCUA_PORTAL_CALLBACK_URL`)."""


VERIFY_PATH = "/v1/verify"


class TokenBucket:
    """API Gateway's throttle on a route, as the local server plays it: `rate` requests a second on
    average, `burst` at once; beyond it a 429 before the function runs. In AWS the stage's method
    setting (`VerifyRateLimit`, `VerifyBurstLimit`) does this; locally it is off unless
    `MOTCUA_LOCAL_VERIFY_RATE` is set (the flood benchmark, `bench/flood.py`, sets the template's
    defaults), so the tests and `make run` are not throttled."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self.tokens = float(burst)
        self.at = time.monotonic()
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
            self.at = now
            if self.tokens < 1:
                return False
            self.tokens -= 1
            return True


def _verify_throttle() -> TokenBucket | None:
    rate = float(os.environ.get("MOTCUA_LOCAL_VERIFY_RATE") or 0)
    return TokenBucket(rate, int(os.environ.get("MOTCUA_LOCAL_VERIFY_BURST") or max(1, 2 * rate))) if rate > 0 else None


def prepare(emulator_port: int, state_dir: Path, persist: bool = True) -> Any:
    """Start (or reuse) the emulator, create the stack and the signing identity, start the stage's own
    time-stamping authority (unless `MOTCUA_TSA_URL` names one), set the environment.

    The trust anchors the operator named (`MOTCUA_TRUST_ANCHORS`) are read first: a path that is
    missing or holds no certificate stops the start with a message (exit status 1), before anything
    is started, rather than a stack that would call every real signature untrusted.

    `persist`: the emulator keeps its data in `<state_dir>/state` (the default); False keeps it in
    memory, as before issue 17 (for `bench/persistence.py`'s side-by-side figure)."""
    from chalicelib.checks.trust import TrustAnchorsError, load_anchors
    from chalicelib.local.employer import ensure_employer_ca
    from chalicelib.local.pki import ensure_signing_identity

    state_dir.mkdir(parents=True, exist_ok=True)
    ensure_employer_ca(state_dir)
    try:
        load_anchors(os.environ.get("MOTCUA_TRUST_ANCHORS"))
    except TrustAnchorsError as error:
        hint = "Fix or unset MOTCUA_TRUST_ANCHORS (the local demo CA is trusted anyway)."
        raise SystemExit(f"motcua: {error}. {hint}") from error
    emulator = start_emulator(
        emulator_port, log_file=state_dir / "emulator.log", state=aws_state_dir(state_dir) if persist else None
    )
    environment = local_environment(emulator.endpoint, state_dir)
    os.environ.update(environment)
    settings.cache_clear()  # read again, from the stage's environment
    deploy_stack()
    identity = ensure_signing_identity(state_dir, settings().signing_key_alias)
    Path(environment["MOTCUA_SIGNING_CHAIN"]).write_bytes(identity.cert_chain_pem)
    if not os.environ.get("MOTCUA_TSA_URL"):  # the operator's TSA, if named; else the stage's own
        from chalicelib.local.tsa import start_tsa

        os.environ["MOTCUA_TSA_URL"] = start_tsa(state_dir).url
        (state_dir / TSA_FILE).write_text(os.environ["MOTCUA_TSA_URL"])
        settings.cache_clear()
    return emulator


def _grouped(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


def loaded_summary(state_dir: Path) -> str:
    """What the emulator found on disk, in the words of the office (`make run`'s first line)."""
    try:
        report = json.loads((aws_state_dir(state_dir) / "loaded.json").read_text())
    except (OSError, ValueError):
        return "The emulator's state was not reported (an emulator already running was reused)."
    c = report.get("counts", {})
    where = aws_state_dir(state_dir)
    try:
        where = where.relative_to(Path.cwd())
    except ValueError:
        pass
    parts = [
        f"{_grouped(c.get('dossiers', 0))} hồ sơ",
        f"{_grouped(c.get('attachments', 0))} giấy tờ",
        f"{_grouped(c.get('slips', 0))} phiếu",
        f"{_grouped(c.get('audit', 0))} audit entries",
        f"{_grouped(c.get('units', 0) + c.get('participants', 0))} registry rows",
        f"{_grouped(c.get('claims', 0))} claims",
        f"{_grouped(c.get('slip_counters', 0))} slip counters",
        f"{_grouped(c.get('messages', 0))} queued messages",
    ]
    how = f"{report.get('journal_records', 0)} journal records replayed" + (
        "" if report.get("clean_stop", True) else "; the last run was killed"
    )
    return f"Loaded {', '.join(parts)} from {where} in {report.get('seconds', 0):.1f} s ({how}; moto imported in {report.get('import_seconds', 0):.1f} s)."


def resume_in_flight(state_dir: Path) -> int:
    """After a run that was killed, send every submitted dossier on again, at once.

    Every acknowledged message survives a kill, and a queue step's message is deleted only once its
    work is saved, so a step a kill interrupted comes back by itself. The one gap is the API's submit,
    which saves and then queues: a kill between the two leaves a dossier submitted with no message
    (its client never got the 202), which the sweep would find only after five minutes. The steps are
    keyed on the dossier's status, so one that also has its message does its work once."""
    try:
        clean = json.loads((aws_state_dir(state_dir) / "loaded.json").read_text()).get("clean_stop", True)
    except (OSError, ValueError):
        clean = True
    if clean:
        return 0
    from chalicelib.adapters import queues
    from chalicelib.adapters.store import store
    from chalicelib.domain.messages import StepMessage
    from chalicelib.domain.states import Status
    from chalicelib.services.intake import STEP_LIMITS

    sent = 0
    step = STEP_LIMITS[Status.SUBMITTED][1]
    for dossier in store().in_status(Status.SUBMITTED):
        rounds = sum(1 for h in dossier.history if h.status == Status.SUBMITTED)
        queues.send(StepMessage(dossier.id, step, rounds))
        sent += 1
    return sent


def _import_app() -> None:
    """`import app` (about 2 s): what `make_server` serves."""
    sys.path.insert(0, str(PROJECT_DIR))
    import app  # noqa: F401


def make_server(port: int, host: str = "127.0.0.1") -> Any:
    from chalice.config import Config
    from chalice.local import ChaliceRequestHandler, LocalDevServer, ThreadedHTTPServer, create_local_server

    class BackloggedServer(ThreadedHTTPServer):
        """socketserver's listen backlog is 5 connections: when 16 portal clients connect at once the
        kernel drops the connections over it and each client's TCP tries again after its initial
        retransmission timeout, one second (bench/api.py saw p50 37 ms, p99 1 021 ms). The
        backlog werkzeug (and so the emulator) uses."""

        request_queue_size = 128

    verify_throttle = _verify_throttle()

    class BoundedRequestHandler(ChaliceRequestHandler):
        def setup(self) -> None:
            super().setup()
            # Headers and body are written separately: without this, Nagle's algorithm and the
            # client's delayed ACK add ~40 ms to every answer.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def _generic_handle(self) -> None:
            try:
                length = int(self.headers.get("content-length", "0"))
            except ValueError:
                length = -1
            if length < 0 or length > MAX_REQUEST_BYTES:
                self._send_error(
                    413,
                    "body_too_large",
                    "Yêu cầu quá lớn (tối đa 10 MB).",
                    "The request body is over 10 MB or has no valid length.",
                )
                return
            if self.path.split("?", 1)[0] == PORTAL_CALLBACK_PATH:
                self._portal_callback(length)
                return
            if verify_throttle and self.path.split("?", 1)[0] == VERIFY_PATH and not verify_throttle.take():
                if length > 0:
                    self.rfile.read(length)
                self._send_error(
                    429,
                    "throttled",
                    "Quá nhiều yêu cầu, vui lòng thử lại sau giây lát.",
                    "Too many requests: the route's throttle; try again in a moment.",
                    {"Retry-After": "1"},
                )
                return
            if self.path.split("?", 1)[0] in (oauth.AUTHORIZE_PATH, oauth.TOKEN_PATH):
                self._oauth(length)
                return
            super()._generic_handle()

        def _portal_callback(self, length: int) -> None:
            """The stand-in for the portal's status callback, served here and not by `app.py`, so
            that the Lambda package holds no local-only route."""
            from chalicelib.api.errors import response_for
            from chalicelib.local import portal

            if self.command != "POST":
                self._send_error(
                    405,
                    "method_not_allowed",
                    "Phương thức HTTP không được hỗ trợ.",
                    f"The method {self.command} is not supported.",
                    {"Allow": "POST"},
                )
                return
            body = self.rfile.read(length) if length else b""
            try:
                status, answer = 202, portal.receive(body, dict(self.headers.items()))
            except Exception as error:  # a user's error in the API's shape; anything else is a fault
                reply = response_for(error)
                if reply is None:
                    raise
                status, answer = reply.status_code, reply.body
            self._send_json(status, json.dumps(answer, ensure_ascii=False).encode())

        def _oauth(self, length: int) -> None:
            """The console's sign-in (authorization code with PKCE), served here and not by `app.py`
            for the same reason as the portal's callback (`chalicelib/local/oauth.py`)."""
            path, _, query = self.path.partition("?")
            methods = "GET, POST" if path == oauth.AUTHORIZE_PATH else "POST"
            if self.command not in methods.split(", "):
                self._send_error(
                    405,
                    "method_not_allowed",
                    "Phương thức HTTP không được hỗ trợ.",
                    f"The method {self.command} is not supported.",
                    {"Allow": methods},
                )
                return
            body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
            params = dict(urllib.parse.parse_qsl(body if self.command == "POST" else query))
            host = self.headers.get("Host", "")
            no_store = {"Cache-Control": "no-store", "Pragma": "no-cache"}
            try:
                if path == oauth.TOKEN_PATH:
                    answer = oauth.grant(params)
                    self._send_json(200, json.dumps(answer).encode(), no_store)
                elif self.command == "GET":
                    page = oauth.authorize_form(params, host).encode()
                    self.send_response(200)
                    for name, value in {
                        **no_store,
                        "Content-Type": "text/html; charset=utf-8",
                        "Content-Security-Policy": "default-src 'none'; form-action 'self'; frame-ancestors 'none'",
                        "X-Frame-Options": "DENY",
                        "Referrer-Policy": "no-referrer",
                        "Content-Length": str(len(page)),
                        "Connection": "close",
                    }.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(page)
                    self.close_connection = True
                else:
                    self.send_response(303)
                    for name, value in {**no_store, "Location": oauth.issue_code(params, host)}.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", "0")
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.close_connection = True
            except oauth.OAuthError as error:
                self._send_json(400, json.dumps(error.body()).encode(), no_store)

        do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _generic_handle

        def _method_not_allowed(self) -> None:
            """Any other method (TRACE, PROPFIND, ...) is the client's error, as API Gateway has it:
            the standard library's server would answer 501, a server error (schemathesis: ST101).
            `Allow` names the methods of the route the path matches (RFC 9110; schemathesis: ST204)."""
            from chalice.local import RouteMatcher

            routes = sys.modules["app"].app.routes
            try:
                allowed = sorted(routes[RouteMatcher(list(routes)).match_route(self.path).route])
            except ValueError:
                allowed = []
            self._send_error(
                405,
                "method_not_allowed",
                "Phương thức HTTP không được hỗ trợ.",
                f"The method {self.command} is not supported.",
                {"Allow": ", ".join(allowed)},
            )

        def _send_error(
            self, status: int, code: str, message: str, message_en: str, headers: dict[str, str] | None = None
        ) -> None:
            from chalicelib.api.contracts import error_json

            self._send_json(status, error_json(code, message, message_en), headers)

        def _send_json(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True

        def _send_error_response(self, error: Any) -> None:
            """The local gateway's "Missing Authentication Token" (no such route) becomes the 404
            that `infra/aws.json`'s gateway responses make of it in AWS."""
            if error.CODE == 403:
                self._send_error(404, "not_found", "Không có địa chỉ này.", "No such route.")
                return
            super()._send_error_response(error)

        def _send_http_response(self, code: int, headers: Any, body: Any) -> None:
            # Chalice's own answer to a known path with another method: the API's error shape
            if (
                code == 405
                and isinstance(body, (bytes, str))
                and "MethodNotAllowedError" in (body.decode() if isinstance(body, bytes) else body)
            ):
                self._method_not_allowed()
                return
            super()._send_http_response(code, headers, body)

        def __getattr__(self, name: str) -> Any:
            if name.startswith("do_"):  # BaseHTTPRequestHandler looks up do_<METHOD> for each request
                return self._method_not_allowed
            raise AttributeError(name)

        def log_message(self, format: str, *args: Any) -> None:
            if os.environ.get("MOTCUA_ACCESS_LOG"):
                super().log_message(format, *args)

    sys.path.insert(0, str(PROJECT_DIR))
    import app as app_module

    config = Config.create(
        chalice_stage="local",
        app_name="motcua",
        project_dir=str(PROJECT_DIR),
        config_from_disk=json.loads((PROJECT_DIR / ".chalice" / "config.json").read_text()),
    )
    create_local_server(app_module.app, config, host, port)  # makes the app thread-safe for local use
    return LocalDevServer(
        app_module.app, config, host, port, handler_cls=BoundedRequestHandler, server_cls=BackloggedServer
    )


class WorkerPool:
    """`count` processes of `motcua worker`, restarted when one dies, stopped together."""

    def __init__(self, count: int, log_file: Path) -> None:
        self.count = count
        self.log_file = log_file
        self.processes: list[subprocess.Popen] = []
        self.stopping = threading.Event()

    def _environment(self) -> dict[str, str]:
        """The workers share the cores: each OCRs with its share of them (`MOTCUA_OCR_WORKERS`,
        unless set). A worker that believed it had every core would start a second Tesseract
        ahead of each page for a core that another worker's page is using."""
        env = dict(os.environ)
        if "MOTCUA_OCR_WORKERS" not in env:
            cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
            env["MOTCUA_OCR_WORKERS"] = str(max(1, cores // max(1, self.count)))
        return env

    def _start(self, index: int) -> subprocess.Popen:
        args = [sys.executable, "-m", "chalicelib.cli", "worker"] + ([] if index == 0 else ["--no-schedules"])
        return subprocess.Popen(
            args, cwd=PROJECT_DIR, env=self._environment(), stdout=open(self.log_file, "ab"), stderr=subprocess.STDOUT
        )

    def start(self) -> None:
        self.processes = [self._start(i) for i in range(self.count)]
        threading.Thread(target=self._supervise, daemon=True, name="workers").start()

    def _supervise(self) -> None:
        while not self.stopping.wait(1.0):
            for i, process in enumerate(self.processes):
                if process.poll() is not None and not self.stopping.is_set():
                    print(f"worker {i} exited with {process.returncode}; starting it again", file=sys.stderr)
                    self.processes[i] = self._start(i)

    def stop(self) -> None:
        self.stopping.set()
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait_healthy(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the API did not become healthy")


def serve(port: int, emulator_port: int, state_dir: Path, workers: int, persist: bool = True) -> int:
    started = time.monotonic()
    stop = threading.Event()
    # Ctrl-C and SIGTERM stop the stack, also when it was started in the background of a script
    # (which starts its children with SIGINT ignored, and Python then never raises KeyboardInterrupt)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    if not persist:
        (aws_state_dir(state_dir) / "loaded.json").unlink(missing_ok=True)
    # The API's code is imported while the emulator loads what it keeps (two processes, two cores):
    # the stage's environment is known before the emulator answers.
    os.environ.update(local_environment(f"http://127.0.0.1:{emulator_port}", state_dir))
    os.environ.setdefault("MOTCUA_PORTAL_CALLBACK_URL", f"http://127.0.0.1:{port}{PORTAL_CALLBACK_PATH}")
    os.environ.setdefault("MOTCUA_PORTAL_CALLBACK_SECRET", "local-portal-secret")
    # the slips' QR codes lead to this server's public pages, whatever port it was given
    os.environ.setdefault("MOTCUA_PUBLIC_BASE_URL", f"http://127.0.0.1:{port}")
    settings.cache_clear()
    importing = threading.Thread(target=_import_app, name="import-app", daemon=True)
    importing.start()
    emulator = prepare(emulator_port, state_dir, persist)
    phases = {"emulator, stack and keys": time.monotonic() - started}
    from chalicelib.local.demo import seed_demo

    loaded = (
        loaded_summary(state_dir)
        if persist
        else "The emulator keeps its data in memory (--in-memory): stopping it loses everything."
    )
    seeded = seed_demo(state_dir)
    resumed = resume_in_flight(state_dir)
    phases["registry check"] = time.monotonic() - started - sum(phases.values())
    settings.cache_clear()
    importing.join()
    pool = WorkerPool(workers, state_dir / "workers.log")
    server = make_server(port)
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="api")
    try:
        pool.start()
        thread.start()
        _wait_healthy(port)
        phases["API up"] = time.monotonic() - started - sum(phases.values())
        (state_dir / STACK_FILE).write_text(
            json.dumps({"api_port": port, "emulator_port": emulator_port, "pid": os.getpid()})
        )
        print(loaded + (f" {resumed} submitted dossier(s) sent on again." if resumed else ""), flush=True)
        print(
            f"motcua is ready in {time.monotonic() - started:.1f} s ({', '.join(f'{k} {v:.1f} s' for k, v in phases.items())}): API http://127.0.0.1:{port}  "
            f"(emulator {emulator.endpoint}, {workers} worker process(es), logs in {state_dir})\n"
            f"Demo registry: {state_dir / 'units.csv'} and {state_dir / 'participants.csv'} "
            f"({'already loaded' if seeded.already_loaded else f'{seeded.loaded} rows loaded'}).\n"
            + (
                f"Data is kept in {aws_state_dir(state_dir)} across Ctrl-C and kill -9; `motcua reset` starts empty."
                if persist
                else "Data is kept in memory only."
            ),
            flush=True,
        )
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        print("stopping…", file=sys.stderr)
        server.shutdown()
        pool.stop()
        emulator.stop()  # its last snapshot, so the next start replays nothing
        (state_dir / STACK_FILE).unlink(missing_ok=True)
        (state_dir / TSA_FILE).unlink(missing_ok=True)
    return 0
