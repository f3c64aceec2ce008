"""What the portal may send in `POST /v1/dossiers`, checked without any AWS."""

from __future__ import annotations

import unicodedata

import pytest
from pydantic import ValidationError

from chalicelib.domain.dossier import MAX_WORKERS, CreateDossier
from tests.helpers import dossier_body


def worker(**changes: str) -> dict[str, str]:
    return {**dossier_body()["workers"][0], **changes}


def test_a_valid_body_is_read_with_names_in_nfc_and_spaces_collapsed() -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn   Thị  Ánh")
    body = CreateDossier.model_validate(dossier_body(workers=[worker(full_name=decomposed)]))
    assert body.workers[0].full_name == unicodedata.normalize("NFC", "Nguyễn Thị Ánh")


@pytest.mark.parametrize(
    "change,field",
    [
        ({"si_number": "012345678"}, "si_number"),  # 9 digits
        ({"si_number": "01234567AB"}, "si_number"),
        ({"id_number": "0310851234"}, "id_number"),  # neither CMND (9) nor CCCD (12)
        ({"date_of_birth": "1985-02-30"}, "date_of_birth"),
        ({"period_from": "2020-06-01", "period_to": "2020-04-30"}, "workers.0"),
        ({"full_name": ""}, "full_name"),
    ],
)
def test_a_wrong_worker_field_is_named(change: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        CreateDossier.model_validate(dossier_body(workers=[worker(**change)]))
    assert any(field in ".".join(map(str, e["loc"])) for e in caught.value.errors())


def test_unknown_fields_are_refused_so_a_typo_never_passes() -> None:
    with pytest.raises(ValidationError, match="workerz"):
        CreateDossier.model_validate({**dossier_body(), "workerz": []})


def test_tax_code_and_province_shapes() -> None:
    body = dossier_body()
    with pytest.raises(ValidationError, match="tax_code"):
        CreateDossier.model_validate({**body, "applicant": {**body["applicant"], "tax_code": "01012345"}})
    with pytest.raises(ValidationError, match="province_code"):
        CreateDossier.model_validate({**body, "applicant": {**body["applicant"], "province_code": "HN"}})
    branch = CreateDossier.model_validate({**body, "applicant": {**body["applicant"], "tax_code": "0101234567-001"}})
    assert branch.applicant.tax_code == "0101234567-001"


def test_at_most_max_workers_per_dossier() -> None:
    with pytest.raises(ValidationError, match="workers"):
        CreateDossier.model_validate(dossier_body(workers=[worker()] * (MAX_WORKERS + 1)))


def test_every_field_a_check_can_name_has_a_label_for_the_slips() -> None:
    # a correction slip prints "mục <label>": an internal field code must never reach the applicant
    import re
    from pathlib import Path

    from chalicelib.domain.findings import FIELD_LABELS

    root = Path(__file__).resolve().parents[2] / "chalicelib"
    named = {
        m for path in root.rglob("*.py") for m in re.findall(r'field="([a-z_.]+)"', path.read_text(encoding="utf-8"))
    }
    assert named and named <= set(FIELD_LABELS), sorted(named - set(FIELD_LABELS))
