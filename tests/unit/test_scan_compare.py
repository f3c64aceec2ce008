"""The registry breaks ties between the typed list and the scanned one, not the applicant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from chalicelib.checks.scan import TIE_CONFIDENCE, compare_lists, compare_scan, ocr_confusable
from chalicelib.domain.dossier import Worker


@dataclass
class Person:  # duck-typed like adapters.registry.Participant
    full_name: str
    date_of_birth: str
    id_number: str | None


TYPED = Worker(
    full_name="Nguyễn Văn An",
    si_number="0123456789",
    date_of_birth=date(1985, 10, 12),
    id_number="031085123456",
    period_from=date(2020, 4, 1),
    period_to=date(2020, 5, 31),
)
REGISTRY = {"0123456789": Person("Nguyễn Văn An", "1985-10-12", "031085123456")}


def _row(**changes) -> dict:
    row = {
        "full_name": "Nguyễn Văn An",
        "si_number": "0123456789",
        "date_of_birth": "1985-10-12",
        "id_number": "031085123456",
        "period_from": "2020-04-01",
        "period_to": "2020-05-31",
        "row": 1,
        "page": 1,
        "confidence": {},
    }
    conf = changes.pop("conf", {})
    row.update(changes)
    row["confidence"] = {
        k: conf.get(k, 0.96)
        for k in ("full_name", "si_number", "date_of_birth", "id_number", "period_from", "period_to")
    }
    return row


def test_a_3_read_as_5_at_low_confidence_is_reconciled_by_the_registry():
    scan = [_row(id_number="051085123456", conf={"id_number": 0.82})]
    result = compare_scan([TYPED], scan, "danh_sach.pdf", registry=REGISTRY)
    assert result.findings == []
    [rec] = result.reconciled
    assert (rec.row, rec.field, rec.scanned, rec.typed) == (1, "id_number", "051085123456", "031085123456")
    assert rec.to_dict()["reason"] == "ocr_confusion"
    assert compare_lists([TYPED], scan, "danh_sach.pdf", registry=REGISTRY) == []


def test_without_the_registry_the_difference_stands_and_the_misread_value_is_not_suggested():
    [finding] = compare_lists([TYPED], [_row(id_number="051085123456", conf={"id_number": 0.82})], "ds.pdf")
    assert finding.code == "scan_mismatch" and finding.field == "id_number"
    assert finding.suggestion is None


def test_the_same_misread_at_high_confidence_is_a_finding_that_says_which_side_the_registry_takes():
    scan = [_row(id_number="051085123456", conf={"id_number": max(0.97, TIE_CONFIDENCE)})]
    [finding] = compare_lists([TYPED], scan, "ds.pdf", registry=REGISTRY)
    assert finding.code == "scan_mismatch" and finding.row == 1
    assert "051085123456" in finding.message and "031085123456" in finding.message
    assert "cơ sở dữ liệu BHXH" in finding.message and "ký số lại" in finding.message
    assert finding.suggestion == "031085123456"  # the value the signed list should carry


def test_another_person_is_a_finding():
    scan = [_row(full_name="Trần Thị Bình", id_number="079190654321", conf={"full_name": 0.7, "id_number": 0.7})]
    findings = compare_lists([TYPED], scan, "ds.pdf", registry=REGISTRY)
    assert {f.field for f in findings} == {"full_name", "id_number"}
    assert all(f.code == "scan_mismatch" for f in findings)


def test_another_date_is_a_finding_even_at_low_confidence():
    scan = [_row(date_of_birth="1986-11-12", conf={"date_of_birth": 0.7})]  # 5->6 fine, 0->1 is no OCR slip
    [finding] = compare_lists([TYPED], scan, "ds.pdf", registry=REGISTRY)
    assert finding.field == "date_of_birth" and "12/11/1986" in finding.message


def test_a_date_misread_by_confusable_digits_is_reconciled():
    scan = [_row(date_of_birth="1988-10-12", conf={"date_of_birth": 0.75})]  # 5 read as 8
    result = compare_scan([TYPED], scan, "ds.pdf", registry=REGISTRY)
    assert result.findings == [] and [r.field for r in result.reconciled] == ["date_of_birth"]


def test_names_differ_only_by_diacritics():
    scan = [_row(full_name="Nguyen Văn Án", conf={"full_name": 0.7})]
    result = compare_scan([TYPED], scan, "ds.pdf", registry=REGISTRY)
    assert result.findings == []
    # a different letter is another name
    scan = [_row(full_name="Nguyễn Văn Ân", conf={"full_name": 0.7})]
    assert compare_scan([TYPED], scan, "ds.pdf", registry=REGISTRY).findings == []  # â vs a: a diacritic
    scan = [_row(full_name="Nguyễn Văn Anh", conf={"full_name": 0.7})]
    assert [f.field for f in compare_lists([TYPED], scan, "ds.pdf", registry=REGISTRY)] == ["full_name"]


def test_when_the_registry_agrees_with_the_scan_the_typed_data_are_to_be_fixed():
    scan = [_row(id_number="031085123459")]
    registry = {"0123456789": Person("Nguyễn Văn An", "1985-10-12", "031085123459")}
    [finding] = compare_lists([TYPED], scan, "ds.pdf", registry=registry)
    assert finding.suggestion == "031085123459" and "Cổng" in finding.message


def test_a_typed_field_the_scan_does_not_show_is_a_note_not_a_finding():
    scan = [_row(period_from=None, period_to=None)]
    result = compare_scan(
        [TYPED],
        scan,
        "ds.pdf",
        registry=REGISTRY,
        found_columns={"full_name": "Họ và tên", "si_number": "", "date_of_birth": "", "id_number": ""},
    )
    assert result.findings == []
    assert [(n.code, n.field) for n in result.notes] == [
        ("column_not_found", "period_from"),
        ("column_not_found", "period_to"),
    ]
    assert "không có cột từ ngày" in result.notes[0].message
    # the column is there but nothing in it was read
    result = compare_scan([TYPED], scan, "ds.pdf", found_columns={"period_from": "Từ ngày", "period_to": ""})
    assert [n.code for n in result.notes] == ["column_unreadable", "column_unreadable"]


def test_confusable_sets():
    assert ocr_confusable("id_number", "031", "051") and ocr_confusable("si_number", "0123", "0723")
    assert not ocr_confusable("id_number", "031", "041") and not ocr_confusable("id_number", "031", "0311")


def _worker(n: int) -> Worker:
    return Worker(
        full_name=f"Người Số {n}",
        si_number=f"012345678{n}",
        date_of_birth=date(1980 + n, 1, 1 + n),
        id_number=f"03108512345{n}",
        period_from=date(2020, 4, 1),
        period_to=date(2020, 5, 31),
    )


def _scanned(w: Worker, row: int) -> dict:
    return _row(
        full_name=w.full_name,
        si_number=w.si_number,
        date_of_birth=w.date_of_birth.isoformat(),
        id_number=w.id_number,
        row=row,
    )


def test_a_worker_missing_from_the_scan_is_one_finding_not_four_on_the_next_worker():
    # a row cut off the page: the scan has workers 1, 3 and 4; the rows after the gap are theirs
    typed = [_worker(n) for n in (1, 2, 3, 4)]
    scan = [_scanned(w, row) for row, w in enumerate((typed[0], typed[2], typed[3]), start=1)]
    findings = compare_lists(typed, scan, "ds.pdf")
    assert [(f.row, f.field) for f in findings] == [(2, "workers")]
    assert typed[1].full_name in findings[0].message


def test_a_misread_si_number_pairs_by_position_and_is_not_also_a_stranger():
    typed = [_worker(1), _worker(2)]
    scan = [_scanned(typed[0], 1), _scanned(typed[1], 2) | {"si_number": "0123456770"}]
    findings = compare_lists(typed, scan, "ds.pdf")
    assert [(f.row, f.field) for f in findings] == [(2, "si_number")]
