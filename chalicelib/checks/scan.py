"""The typed list from the portal and the signed, scanned list agree, row by row.

The employer signs the list it uploads; the portal's typed data is what the pipeline checks. A
difference means one of them is wrong, so the applicant is told which row and field differ, and
which of the two the insurance registry agrees with.

Never bounce a valid dossier for the reader's fault (DESIGN: the system must never be the one that
gets it wrong):
- a field read with low confidence (below `MIN_CONFIDENCE`) is not held against the applicant;
- **the registry breaks ties**: when the typed value equals the registry's and the scanned value
  differs from it only by characters OCR confuses (`CONFUSABLE`; on names, only diacritics), read
  with less confidence than `TIE_CONFIDENCE`, the reading is *reconciled* (recorded, no finding);
- a column the scan does not show (the extraction's `columns` / `missing_columns`), or shows but
  could not read on any row, is a *note* to the clerk, never a `scan_mismatch`: the applicant
  typed the field, and a list form without that column (or a reading that lost it) is no proof
  that the typed value is wrong. The clerk sees the note and can still ask; the machine does not.
A real difference (another person, another date, a digit read with high confidence) still raises
`scan_mismatch`, and its message says which side the registry supports.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any, Protocol

from chalicelib.checks.text import dmy
from chalicelib.domain.dossier import Worker
from chalicelib.domain.findings import Finding, finding
from chalicelib.domain.names import normalise_name

__all__ = [
    "CONFUSABLE",
    "FIELDS",
    "MIN_CONFIDENCE",
    "TIE_CONFIDENCE",
    "Reconciled",
    "ScanComparison",
    "ScanNote",
    "compare_lists",
    "compare_scan",
    "differences",
    "ocr_confusable",
    "pair_rows",
]

FIELDS: dict[str, str] = {
    "si_number": "mã số BHXH",
    "full_name": "họ tên",
    "date_of_birth": "ngày sinh",
    "id_number": "số CCCD/CMND",
    "period_from": "từ ngày",
    "period_to": "đến ngày",
}
FIELDS_EN = {
    "si_number": "SI number",
    "full_name": "full name",
    "date_of_birth": "date of birth",
    "id_number": "ID number",
    "period_from": "period start",
    "period_to": "period end",
}
MIN_CONFIDENCE = 0.6
"""Below this, a scanned value is not compared at all (the reader itself doubts it)."""

TIE_CONFIDENCE = 0.93
"""A scanned value that differs from a typed value the registry confirms only by confusable
characters is put down to the reader when read with less confidence than this. Tesseract's word
confidences on a clean 300-dpi print are 0.95-0.97 (measured on the project's scans, FACTS.md);
its 3/5/8 misreads come at 0.6-0.92, so a reading at 0.93 and above is taken as meant."""

CONFUSABLE: tuple[frozenset[str], ...] = (
    frozenset("358"),
    frozenset("17"),
    frozenset("0689"),
    frozenset("O0"),
    frozenset("lI1|"),
    frozenset("S5"),
    frozenset("B8"),
    frozenset("Z2"),
)
"""Characters Tesseract reads one for another on printed digits: the closed-loop digits (3/5/8,
0/6/8/9), 1/7, and the letter/digit pairs its LSTM model is known to swap (O/0, l/I/1, S/5, B/8,
Z/2; the same pairs `extraction.fields` repairs in digit fields). Two characters are confusable
when one set holds both. On names only diacritics count: a different letter is another name."""

DATE_FIELDS = ("date_of_birth", "period_from", "period_to")
REGISTRY_FIELDS = {"full_name": "full_name", "date_of_birth": "date_of_birth", "id_number": "id_number"}
"""Fields the registry has a value for (attribute of a `Participant`). The SI number is the key
the registry is looked up by: a typed SI number the registry knows is the registry's value."""


class ParticipantLike(Protocol):
    @property
    def full_name(self) -> str: ...
    @property
    def date_of_birth(self) -> str: ...
    @property
    def id_number(self) -> str | None: ...


@dataclass(frozen=True)
class Reconciled:
    """A scanned value put down to the reader: the registry agrees with the typed value."""

    row: int
    field: str
    scanned: str
    typed: str
    confidence: float
    reason: str = "ocr_confusion"

    def to_dict(self) -> dict:
        return {
            "row": self.row,
            "field": self.field,
            "scanned": self.scanned,
            "typed": self.typed,
            "confidence": self.confidence,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class ScanNote:
    """Something the clerk should see that is not a reason to send the dossier back."""

    code: str  # "column_not_found" | "column_unreadable"
    field: str | None
    message: str
    message_en: str
    attachment: str = ""

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "field": self.field,
            "message": self.message,
            "message_en": self.message_en,
            "attachment": self.attachment,
        }


@dataclass
class ScanComparison:
    findings: list[Finding] = dc_field(default_factory=list)
    reconciled: list[Reconciled] = dc_field(default_factory=list)
    notes: list[ScanNote] = dc_field(default_factory=list)


def _typed(worker: Worker, field: str) -> str | None:
    value = getattr(worker, field)
    return value.isoformat() if hasattr(value, "isoformat") else value


def _same(field: str, typed: str | None, scanned: str | None) -> bool:
    """Equal values; names compared as a clerk does (no accents, case) and without the spaces: a
    reader that runs two syllables together ("ThanhNgoan") has not read another name, as no
    Vietnamese name differs from another by a space alone."""
    if field == "full_name":
        return normalise_name(typed or "").replace(" ", "") == normalise_name(scanned or "").replace(" ", "")
    return (typed or "") == (scanned or "")


def _shown(field: str, value: Any) -> str:
    if value is None:
        return ""
    if field in DATE_FIELDS:
        try:
            return dmy(str(value))
        except ValueError:
            return str(value)
    return str(value)


def ocr_confusable(field: str, typed: str, scanned: str) -> bool:
    """Whether `scanned` could be `typed` misread: same length, every differing character pair in
    one `CONFUSABLE` set (names: equal once diacritics, case and spaces are folded away)."""
    if field == "full_name":
        return normalise_name(typed) == normalise_name(scanned)
    if len(typed) != len(scanned) or typed == scanned:
        return False
    return all(a == b or any(a in s and b in s for s in CONFUSABLE) for a, b in zip(typed, scanned, strict=False))


def _registry_value(field: str, worker: Worker, registry: Mapping[str, ParticipantLike] | None) -> str | None:
    if registry is None:
        return None
    person = registry.get(worker.si_number)
    if person is None:
        return None
    if field == "si_number":
        return worker.si_number
    attr = REGISTRY_FIELDS.get(field)
    return getattr(person, attr, None) if attr else None


def pair_rows(
    workers: list[Worker], scanned: Iterable[dict[str, Any]]
) -> tuple[list[tuple[int, Worker, dict[str, Any] | None]], list[dict[str, Any]]]:
    """Each typed worker with its scanned row (same SI number, else the same position), and the
    scanned rows that no typed worker has.

    A row another worker's SI number already claims is never taken by position: when the scan lacks
    one worker (a page left out, a row cut off), the rows after it belong to the next workers, and
    pairing the missing one with its neighbour's row would report four false differences on a person
    who is there, instead of the one worker who is not. A row taken by position (its SI number
    misread) is that worker's, not also a stranger's."""
    rows = list(scanned)
    by_si: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        if r.get("si_number"):
            by_si.setdefault(r["si_number"], []).append(r)
    found: dict[int, dict[str, Any]] = {}
    for index, worker in enumerate(workers, start=1):
        same_si = by_si.get(worker.si_number)
        if same_si:
            found[index] = same_si.pop(0)
    claimed = {id(r) for r in found.values()}
    pairs: list[tuple[int, Worker, dict[str, Any] | None]] = []
    for index, worker in enumerate(workers, start=1):
        row = found.get(index)
        if row is None and index <= len(rows) and id(rows[index - 1]) not in claimed:
            row = rows[index - 1]
            claimed.add(id(row))
        pairs.append((index, worker, row))
    typed = {w.si_number for w in workers}
    extra = [
        r
        for r in rows
        if id(r) not in claimed
        and r.get("si_number")
        and r["si_number"] not in typed
        and (r.get("confidence") or {}).get("si_number", 1.0) >= MIN_CONFIDENCE
    ]
    return pairs, extra


def differences(
    worker: Worker, row: dict[str, Any], registry: Mapping[str, ParticipantLike] | None = None
) -> list[str]:
    """The fields, read with confidence, where the scan says something else than the typed list.

    A field read with less confidence than `MIN_CONFIDENCE` counts too when what was read is exactly
    the registry's value for that worker: a misreading does not land on the person's true date of birth
    or ID number by chance, so the reading is right, and the typed value that differs from both is not."""
    confidence = row.get("confidence") or {}
    out = []
    for field in FIELDS:
        read = row.get(field)
        if read is None or _same(field, _typed(worker, field), read):
            continue
        if confidence.get(field, 1.0) >= MIN_CONFIDENCE or _same(field, read, _registry_value(field, worker, registry)):
            out.append(field)
    return out


def compare_lists(
    workers: list[Worker],
    scanned: Iterable[dict[str, Any]],
    attachment: str,
    registry: Mapping[str, ParticipantLike] | None = None,
    found_columns: Mapping[str, str] | None = None,
    titles: Mapping[str, tuple[str, str]] | None = None,
) -> list[Finding]:
    """Findings for rows that differ, are missing from the scan, or are only in the scan.

    `registry` (SI number -> participant, as `registry().participants(...)` answers) breaks ties;
    `found_columns` is the extraction's `columns`. The findings only: see `compare_scan` for the
    reconciled readings and the clerk's notes."""
    return compare_scan(workers, scanned, attachment, registry, found_columns, titles).findings


def compare_scan(
    workers: list[Worker],
    scanned: Iterable[dict[str, Any]],
    attachment: str,
    registry: Mapping[str, ParticipantLike] | None = None,
    found_columns: Mapping[str, str] | None = None,
    titles: Mapping[str, tuple[str, str]] | None = None,
) -> ScanComparison:
    """Findings, reconciled readings and notes of one scanned list against the typed workers.

    `titles`: how the messages name some fields, (vi, en), over `FIELDS`: the period's columns in
    the words of the dossier's procedure (`Wording.field_titles`: "Từ ngày (ngừng việc)")."""
    names = _names(titles)
    rows = list(scanned)
    pairs, extra = pair_rows(workers, rows)
    out = ScanComparison()
    for index, worker, row in pairs:
        if row is None:
            out.findings.append(
                finding("scan.not_in_scan", field="workers", row=index, name=worker.full_name, attachment=attachment)
            )
            continue
        confidence = row.get("confidence") or {}
        for field in differences(worker, row, registry):
            typed, read = _typed(worker, field), row[field]
            known = _registry_value(field, worker, registry)
            conf = float(confidence.get(field, 1.0))
            typed_is_registry = known is not None and _same(field, typed, known)
            if typed_is_registry and conf < TIE_CONFIDENCE and ocr_confusable(field, str(typed), str(read)):
                out.reconciled.append(Reconciled(index, field, str(read), str(typed), round(conf, 3)))
                continue
            out.findings.append(_mismatch(index, field, typed, read, attachment, known, names[field]))
    for row in extra:
        out.findings.append(
            finding(
                "scan.only_in_scan",
                field="workers",
                row=row.get("row"),
                attachment=attachment,
                si_number=row["si_number"],
            )
        )
    out.notes = _column_notes(workers, rows, attachment, found_columns, names)
    return out


def _names(titles: Mapping[str, tuple[str, str]] | None) -> dict[str, tuple[str, str]]:
    """Each field as a sentence names it, (vi, en): `FIELDS`, or the title given, lower-cased."""
    out = {f: (FIELDS[f], FIELDS_EN[f]) for f in FIELDS}
    for f, (vi, en) in (titles or {}).items():
        if f in out:
            out[f] = (vi[:1].lower() + vi[1:], en[:1].lower() + en[1:])
    return out


def _mismatch(
    index: int, field: str, typed: Any, read: Any, attachment: str, known: str | None, name: tuple[str, str]
) -> Finding:
    """A real difference. The message says which side the registry supports, and the suggestion is
    the value the registry confirms (the typed one: the signed list is to be corrected and signed
    again; the scanned one: the typed data are to be corrected), or none when the registry does not
    tell: a misread value is never put forward as the fix."""
    values: dict[str, Any] = {
        "what": name,
        "attachment": attachment,
        "read": _shown(field, read),
        "typed": _shown(field, typed),
        "known": _shown(field, known),
    }
    if known is not None and _same(field, typed, known):
        return finding("scan.registry_has_typed", field=field, row=index, suggestion=_shown(field, typed), **values)
    if known is not None and _same(field, read, known):
        return finding("scan.registry_has_read", field=field, row=index, suggestion=_shown(field, read), **values)
    return finding("scan.differs", field=field, row=index, **values)


def _column_notes(
    workers: list[Worker],
    rows: list[dict[str, Any]],
    attachment: str,
    found_columns: Mapping[str, str] | None,
    names: Mapping[str, tuple[str, str]],
) -> list[ScanNote]:
    """A clerk's note for each field the portal typed that the scan gives on no row: the column is
    not in the list (per `found_columns`), or it is but was read on no row."""
    if not rows or not workers:
        return []
    notes = []
    for field in FIELDS:
        if all(_typed(w, field) in (None, "") for w in workers):
            continue
        if any(r.get(field) not in (None, "") for r in rows):
            continue
        absent = found_columns is not None and field not in found_columns
        if absent:
            vi = (
                f"Danh sách đã ký ({attachment}) không có cột {names[field][0]}: "
                "trường này chỉ có trong dữ liệu khai trên Cổng."
            )
            en = (
                f"The signed list ({attachment}) has no {names[field][1]} column: that field is only in the typed data."
            )
            code = "column_not_found"
        else:
            vi = f"Không đọc được cột {names[field][0]} của danh sách đã ký ({attachment}): cán bộ đối chiếu bằng mắt."
            en = f"The {names[field][1]} column of the signed list ({attachment}) could not be read: check it by eye."
            code = "column_unreadable"
        notes.append(ScanNote(code, field, vi, en, attachment))
    return notes
