"""Reading dossiers: one by id or portal code, an office's worklist and figures, the stores' health."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from chalicelib.adapters.blobs import originals
from chalicelib.adapters.store import store
from chalicelib.checks.scan import FIELDS, MIN_CONFIDENCE, differences, pair_rows
from chalicelib.domain.components import COMPONENTS, infer_components
from chalicelib.domain.dossier import Dossier, utcnow
from chalicelib.domain.procedures import VERSIONS, Procedure, UnknownProcedure, body_name, procedure_of
from chalicelib.domain.slip_check import SlipCheck
from chalicelib.domain.states import Status
from chalicelib.domain.workdays import VIETNAM_TZ
from chalicelib.errors import NotFound
from chalicelib.logs import hide_from_now

__all__ = ["by_portal_code", "dossier", "health", "stats", "worker_lists", "worklist"]


def dossier(dossier_id: str) -> Dossier:
    found = store().get(dossier_id)
    hide_from_now(found.personal_values())  # for the rest of this request: none of it in a log line
    return found


def by_portal_code(portal_code: str) -> Dossier:
    if not 4 <= len(portal_code) <= 64:
        raise NotFound()
    return store().get_by_portal_code(portal_code)


def worklist(
    office: str,
    status: Status | None,
    overdue: bool | None,
    limit: int,
    cursor: str | None,
    procedure: str | None = None,
    search: str | None = None,
    forwarded_to: str | None = None,
) -> tuple[list[Dossier], str | None]:
    return store().list_office(
        office,
        status=status,
        overdue=overdue,
        limit=limit,
        cursor=cursor,
        procedure=procedure,
        search=search,
        forwarded_to=forwarded_to,
    )


def _field(value: Any) -> str | None:
    return value.isoformat() if hasattr(value, "isoformat") else (None if value is None else str(value))


def worker_lists(d: Dossier) -> dict[str, Any]:
    """The typed list beside each signed list as read, row by row, with the fields that differ:
    the same pairing and comparison the checks use, so the clerk sees what the findings say."""
    from chalicelib.services.extracting import stored_extraction

    lists: list[dict[str, Any]] = []
    for name, attachment in sorted(d.attachments.items()):
        result = stored_extraction(d, attachment)
        # what the check step took it for; before the check, what the upload and the reading say
        taken_for = attachment.components or infer_components(
            name, attachment.declared, (result or {}).get("document_type"), False
        )
        if "worker_list" not in taken_for:
            continue
        if result is None or result.get("document_type") == "unreadable":
            lists.append(
                {"attachment": name, "state": "not_read" if result is None else "unreadable", "rows": [], "extra": []}
            )
            continue
        pairs, extra = pair_rows(d.workers, result.get("workers", []))
        reading = attachment.reading or {}
        settled = {(r["row"], r["field"]) for r in reading.get("reconciled", [])}
        rows = []
        for index, worker, row in pairs:
            confidence = (row or {}).get("confidence") or {}
            rows.append(
                {
                    "row": index,
                    "typed": {f: _field(getattr(worker, f)) for f in FIELDS},
                    "scanned": {f: _field(row.get(f)) for f in FIELDS} if row else None,
                    "differs": [f for f in differences(worker, row) if (index, f) not in settled] if row else [],
                    "uncertain": [
                        f for f in FIELDS if row and row.get(f) is not None and confidence.get(f, 1.0) < MIN_CONFIDENCE
                    ],
                }
            )
        lists.append(
            {
                "attachment": name,
                "state": "read",
                "rows": rows,
                "extra": [{f: _field(r.get(f)) for f in ("row", *FIELDS)} for r in extra],
                "reconciled": reading.get("reconciled", []),
                "notes": reading.get("notes", []),
            }
        )
    try:
        titles = {f: vi for f, (vi, _) in procedure_of(d).wording.field_titles().items()}
    except UnknownProcedure:
        titles = {}
    return {"lists": lists, "titles": titles}


def procedures() -> dict[str, Any]:
    """Every procedure and its versions per legal basis, as `GET /v1/procedures` shows them (the
    data of `chalicelib/procedures`; nothing personal, nothing of any office)."""
    items = []
    for code, found in VERSIONS.items():
        first = found[0]
        items.append(
            {
                "code": code,
                "title": first.title,
                "title_en": first.title_en,
                "submitted_by": first.submitted_by,
                "received_by_bhxh": first.received_by_bhxh,
                "filed_at": None if first.received_by_bhxh else {"vi": first.filed_at_vi, "en": first.filed_at_en},
                "bases": [_version(v) for v in found],
            }
        )
    return {"items": items}


def _version(v: Procedure) -> dict[str, Any]:
    cited = {"article", "source", "confirmed", "to_confirm"}
    return {
        "basis": v.basis.code,
        "basis_title": v.basis.title,
        "basis_title_en": v.basis.title_en,
        "basis_short": v.basis.short,
        "window_from": v.window_from,
        "window_to": v.window_to,
        "identity": v.identity.kind,
        "signature": v.identity.signature,
        "components": [
            {
                "code": c,
                "title": COMPONENTS[c].title,
                "title_en": COMPONENTS[c].title_en,
                "required": c in v.required_components,
                "signed": COMPONENTS[c].signed and v.identity.signature == "pades",
            }
            for c in v.components
        ],
        "steps": [
            {"body_name": body_name(s.body), **s.model_dump(include={"body", "task", "days"} | cited)} for s in v.steps
        ],
        "bhxh_days": v.bhxh_days,
        "time_limit_days": v.time_limit_days,
        "forwarded_to": v.forwarded_to,
        "forwarded_to_name": body_name(v.forwarded_to) if v.forwarded_to else None,
        "decision_amount": v.decision_amount,
        "rules": [
            {
                "name": name,
                **rule.model_dump(include=cited),
                "checked_by": getattr(rule, "checked_by", "bhxh"),
                "checked_by_name": body_name(getattr(rule, "checked_by", "bhxh")),
                "value": rule.model_dump(mode="json", exclude=cited | {"checked_by"}),
            }
            for name, rule in v.cited()
            if not name.startswith("steps")
        ],
        "file": v.file,
    }


def health() -> dict[str, Any]:
    """`ok` when the dossier table and the originals bucket answer, else which one does not."""
    failing = []
    for name, ping in (("dossiers", store().ping), ("originals", originals().ping)):
        try:
            ping()
        except Exception:  # noqa: BLE001 - any failure of a store is what health reports
            failing.append(name)
    return {"status": "ok"} if not failing else {"status": "unavailable", "failing": failing}


def stats(office: str, as_of: date | None = None) -> dict[str, Any]:
    """Each body's steps against their own deadlines, per procedure, body and ISO week the step began.

    A step is `on_time` when it ended on or before its deadline (the law's, not a moved one), `late`
    when it ended after it or is still open past it, `open` otherwise. `apologies` counts the steps
    whose body apologised (Mẫu 04); `escalated` the dossiers late a second time while that body held
    them, for the office's leader."""
    today = as_of or utcnow().astimezone(VIETNAM_TZ).date()
    rows: dict[tuple[str, str, str], dict[str, int]] = {}
    names: dict[str, str] = {}
    cursor = None
    while True:
        page, cursor = store().list_office(office, limit=200, cursor=cursor)
        for d in page:
            for step in d.steps:
                year, week, _ = step.started_at.astimezone(VIETNAM_TZ).isocalendar()
                body = "bhxh" if step.body == "bhxh" else step.body
                names.setdefault(body, step.name)
                row = rows.setdefault(
                    (d.procedure, body, f"{year}-W{week:02d}"),
                    {"received": 0, "on_time": 0, "late": 0, "open": 0, "apologies": 0, "escalated": 0},
                )
                row["received"] += 1
                if step.outcome in ("ahead", "on"):
                    row["on_time"] += 1
                elif step.outcome == "after" or (step.is_open and today > step.due):
                    row["late"] += 1
                else:
                    row["open"] += 1
                row["apologies"] += step.apology is not None
                row["escalated"] += bool(d.escalation) and step is d.steps[-1]
        if not cursor:
            break
    from chalicelib.services.feedback import counts as feedback_counts

    return {
        "office": office,
        "feedback": feedback_counts(office),
        "as_of": today.isoformat(),
        "bodies": names,
        "rows": [
            {"procedure": p, "body": b, "week": w, **counts}
            for (p, b, w), counts in sorted(
                rows.items(), key=lambda kv: (kv[0][2], kv[0][0], kv[0][1] != "bhxh", kv[0][1])
            )
        ],
    }


def public_standing(
    portal_code: str, slip_number: str | None, check: str | None
) -> tuple[Dossier | None, SlipCheck | None]:
    """The dossier behind a QR, or None, and what the QR's slip number and code come to."""
    from chalicelib.services.documents import genuine_slip

    try:
        dossier = by_portal_code(portal_code)
    except NotFound:
        return None, None
    if not slip_number:
        return dossier, None
    record = genuine_slip(portal_code, slip_number, check or "")
    if record is None:
        return dossier, SlipCheck(number=slip_number)
    issued = datetime.fromisoformat(record.issued_at)
    later = [x.number for x in dossier.documents if x.kind == record.kind and x.issued_at > issued]
    return dossier, SlipCheck(
        number=record.number, kind=record.kind, issued_at=issued, superseded_by=later[-1] if later else None
    )
