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

__all__ = ["compare_lists", "FIELDS", "MIN_CONFIDENCE"]

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


def compare_lists(workers: list[Worker], scanned: Iterable[dict[str, Any]], attachment: str) -> list[Finding]:
    """Findings for rows that differ, are missing from the scan, or are only in the scan."""
    rows = list(scanned)
    by_si: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        if r.get("si_number"):
            by_si.setdefault(r["si_number"], []).append(r)
    findings: list[Finding] = []
    for index, worker in enumerate(workers, start=1):
        same_si = by_si.get(worker.si_number)
        row = same_si.pop(0) if same_si else (rows[index - 1] if index <= len(rows) else None)
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
        confidence = row.get("confidence") or {}
        for field, label in FIELDS.items():
            scanned_value = row.get(field)
            if scanned_value is None or confidence.get(field, 1.0) < MIN_CONFIDENCE:
                continue
            if not _same(field, _typed(worker, field), scanned_value):
                findings.append(
                    Finding(
                        code="scan_mismatch",
                        field=field,
                        row=index,
                        message=(
                            f"Dòng {index}: {label} trong danh sách đã ký ({attachment}) là «{scanned_value}», "
                            f"khác với dữ liệu khai trên Cổng «{_typed(worker, field)}»."
                        ),
                        suggestion=str(scanned_value),
                    )
                )
    typed = {w.si_number for w in workers}
    for row in rows:
        if row.get("si_number") and row["si_number"] not in typed and (row.get("confidence") or {}).get("si_number", 1.0) >= MIN_CONFIDENCE:
            findings.append(
                Finding(
                    code="scan_mismatch",
                    field="workers",
                    row=row.get("row"),
                    message=f"Danh sách đã ký ({attachment}) có người lao động mã số BHXH {row['si_number']} (dòng {row.get('row')}) không có trong dữ liệu khai trên Cổng.",
                )
            )
    return findings
