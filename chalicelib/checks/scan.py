"""The typed list from the portal and the signed, scanned list agree, row by row.

The employer signs the list it uploads; the portal's typed data is what the pipeline checks. A
difference means one of them is wrong, so the applicant is told which row and field differ.
Fields read with low confidence are not held against the applicant: a blurred digit is the
scanner's fault, not theirs.
"""
from __future__ import annotations

from typing import Any, Iterable

from chalicelib.domain.dossier import Worker
from chalicelib.domain.findings import Finding
from chalicelib.domain.names import normalise_name

__all__ = ["compare_lists", "pair_rows", "differences", "FIELDS", "MIN_CONFIDENCE"]

FIELDS: dict[str, str] = {
    "si_number": "mã số BHXH",
    "full_name": "họ tên",
    "date_of_birth": "ngày sinh",
    "id_number": "số CCCD/CMND",
    "period_from": "từ ngày",
    "period_to": "đến ngày",
}
MIN_CONFIDENCE = 0.6


def _typed(worker: Worker, field: str) -> str | None:
    value = getattr(worker, field)
    return value.isoformat() if hasattr(value, "isoformat") else value


def _same(field: str, typed: str | None, scanned: str | None) -> bool:
    if field == "full_name":
        return normalise_name(typed or "") == normalise_name(scanned or "")
    return (typed or "") == (scanned or "")


def pair_rows(workers: list[Worker], scanned: Iterable[dict[str, Any]]) -> tuple[list[tuple[int, Worker, dict[str, Any] | None]], list[dict[str, Any]]]:
    """Each typed worker with its scanned row (same SI number, else the same position), and the
    scanned rows that no typed worker has."""
    rows = list(scanned)
    by_si: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        if r.get("si_number"):
            by_si.setdefault(r["si_number"], []).append(r)
    pairs = []
    for index, worker in enumerate(workers, start=1):
        same_si = by_si.get(worker.si_number)
        pairs.append((index, worker, same_si.pop(0) if same_si else (rows[index - 1] if index <= len(rows) else None)))
    typed = {w.si_number for w in workers}
    extra = [r for r in rows if r.get("si_number") and r["si_number"] not in typed and (r.get("confidence") or {}).get("si_number", 1.0) >= MIN_CONFIDENCE]
    return pairs, extra


def differences(worker: Worker, row: dict[str, Any]) -> list[str]:
    """The fields, read with confidence, where the scan says something else than the typed list."""
    confidence = row.get("confidence") or {}
    return [
        field
        for field in FIELDS
        if row.get(field) is not None and confidence.get(field, 1.0) >= MIN_CONFIDENCE and not _same(field, _typed(worker, field), row[field])
    ]


def compare_lists(workers: list[Worker], scanned: Iterable[dict[str, Any]], attachment: str) -> list[Finding]:
    """Findings for rows that differ, are missing from the scan, or are only in the scan."""
    pairs, extra = pair_rows(workers, scanned)
    findings: list[Finding] = []
    for index, worker, row in pairs:
        if row is None:
            findings.append(
                Finding(
                    code="scan_mismatch",
                    field="workers",
                    row=index,
                    message=f"Người lao động {worker.full_name} (dòng {index}) có trong dữ liệu khai nhưng không có trong danh sách đã ký ({attachment}).",
                )
            )
            continue
        for field in differences(worker, row):
            findings.append(
                Finding(
                    code="scan_mismatch",
                    field=field,
                    row=index,
                    message=(
                        f"Dòng {index}: {FIELDS[field]} trong danh sách đã ký ({attachment}) là «{row[field]}», "
                        f"khác với dữ liệu khai trên Cổng «{_typed(worker, field)}»."
                    ),
                    suggestion=str(row[field]),
                )
            )
    for row in extra:
        findings.append(
            Finding(
                code="scan_mismatch",
                field="workers",
                row=row.get("row"),
                message=f"Danh sách đã ký ({attachment}) có người lao động mã số BHXH {row['si_number']} (dòng {row.get('row')}) không có trong dữ liệu khai trên Cổng.",
            )
        )
    return findings
