"""Procedures are data files per legal basis: read and validated at start-up, a bad file refused with
its file and field named, and a dossier judged by the version whose window covers its period."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from chalicelib.domain.procedures import (
    PROCEDURE_DIR,
    VERSIONS,
    ProcedureFileError,
    UnknownProcedure,
    load_procedures,
    procedure,
    unconfirmed_rules,
)


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    root = tmp_path / "procedures"
    shutil.copytree(PROCEDURE_DIR, root)
    return root


def test_both_packages_are_there_with_their_bases() -> None:
    bases = {code: [v.basis.code for v in found] for code, found in VERSIONS.items()}
    assert bases["suspension_support"] == ["qd15_2020", "qd23_2021"]
    assert bases["wage_loan"] == ["qd15_2020", "qd23_2021"]
    assert bases["work_stoppage_support"] == ["qd23_2021"]
    assert bases["recovery_wage_loan"] == ["qd23_2021"]
    assert bases["household_business"] == ["qd15_2020"]


def test_a_dossier_gets_the_version_of_the_basis_covering_its_period() -> None:
    in_2020 = procedure("suspension_support", date(2020, 4, 1))
    in_2021 = procedure("suspension_support", date(2021, 7, 15))
    assert (in_2020.basis.short, in_2020.bhxh_days, in_2020.min_months) == ("QĐ 15/2020", 3, 1)
    assert (in_2021.basis.short, in_2021.bhxh_days) == ("QĐ 23/2021", 2)
    assert in_2021.rules.min_consecutive_days is not None and in_2021.rules.min_consecutive_days.value == 15
    # 2021 loans go straight to the Social Policy Bank; 2020 ones through district and province
    assert [s.body for s in procedure("wage_loan", date(2021, 6, 1)).steps] == ["bhxh", "social_policy_bank"]
    assert [s.body for s in procedure("wage_loan", date(2020, 5, 1)).steps][1:3] == ["district", "province"]
    with pytest.raises(UnknownProcedure):
        procedure("lottery_win")


def test_every_rule_cites_its_article_and_every_belief_says_what_would_confirm_it() -> None:
    for found in VERSIONS.values():
        for version in found:
            for _, rule in version.cited():
                assert rule.article and rule.source
                assert rule.confirmed or rule.to_confirm
    believed = {(v.file, name) for v, name, _ in unconfirmed_rules()}
    assert ("qd23_2021/suspension_support.toml", "rules.min_consecutive_days") not in believed  # DOMAIN: C
    assert ("qd23_2021/work_stoppage_support.toml", "rules.min_working_days_in_month") in believed  # DOMAIN: B


def test_a_pension_pause_has_no_amount_and_a_terminated_worker_files_as_a_citizen() -> None:
    assert procedure("pension_pause").decision_amount is False
    assert procedure("pension_pause").forwarded_to is None
    worker = procedure("terminated_no_benefit", date(2021, 6, 1))
    assert (worker.identity.kind, worker.identity.signature) == ("citizen", "portal_authentication")
    assert worker.forwarded_to == "labour_department"
    assert procedure("household_business").received_by_bhxh is False


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda t: t.replace("days = 2\n", "days = 0\n", 1), "steps.0.days"),
        (
            lambda t: t.replace(
                "confirmed = true\n\n[rules.min_consecutive_days]", 'confirmed = "yes"\n\n[rules.min_consecutive_days]'
            ),
            "rules.window.confirmed",
        ),
        (lambda t: t.replace('body = "bhxh"', 'body = "ministry"'), "steps.0"),
        (lambda t: "fee = 1\n" + t, "fee"),
        (lambda t: t + "\nfee = 1\n", "wording.fee"),
        (lambda t: t.replace('title_en = "Support', 'titel_en = "Support'), "title_en"),
    ],
)
def test_a_bad_procedure_file_is_refused_at_load_naming_the_file_and_field(copy: Path, edit, field: str) -> None:
    path = copy / "qd23_2021" / "suspension_support.toml"
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(ProcedureFileError) as refused:
        load_procedures(copy)
    assert str(path) in str(refused.value) and f"field {field}" in str(refused.value)


def test_a_belief_without_what_would_confirm_it_is_refused(copy: Path) -> None:
    path = copy / "qd23_2021" / "work_stoppage_support.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace('to_confirm = "Văn bản Quyết định 23/2021/QĐ-TTg: số ngày', 'note = "', 1), encoding="utf-8"
    )
    with pytest.raises(
        ProcedureFileError, match=r"work_stoppage_support\.toml: field rules\.min_working_days_in_month"
    ):
        load_procedures(copy)


def test_not_toml_and_overlapping_windows_are_refused(copy: Path) -> None:
    broken = copy / "qd15_2020" / "wage_loan.toml"
    broken.write_text("code = \n", encoding="utf-8")
    with pytest.raises(ProcedureFileError, match=r"wage_loan\.toml: not a readable TOML file"):
        load_procedures(copy)
    shutil.copy(PROCEDURE_DIR / "qd15_2020" / "wage_loan.toml", broken)
    late = copy / "qd15_2020" / "pension_pause.toml"
    late.write_text(late.read_text(encoding="utf-8").replace("end = 2020-12-31", "end = 2021-06-30"), encoding="utf-8")
    with pytest.raises(ProcedureFileError, match="overlaps"):
        load_procedures(copy)


def test_a_bad_file_stops_the_start_up(copy: Path, tmp_path: Path) -> None:
    """The app imports the procedures when it starts: with a bad file it does not start, and says which."""
    path = copy / "qd15_2020" / "pension_pause.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("days = 5", "days = 99"), encoding="utf-8")
    probe = (
        "import chalicelib.domain.procedures as p, pathlib; "
        f"p.PROCEDURE_DIR = pathlib.Path({str(copy)!r}); p.load_procedures(p.PROCEDURE_DIR)"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode != 0
    assert "pension_pause.toml: field steps.0.days" in run.stderr


def test_the_maintainers_page_names_every_rule_still_unconfirmed() -> None:
    page = (PROCEDURE_DIR.parent.parent / "docs" / "procedures.md").read_text(encoding="utf-8")
    missing = [
        f"{v.file} {name}"
        for v, name, rule in unconfirmed_rules()
        if f"| `{v.file}` | `{name}` | {rule.to_confirm} |" not in page
    ]
    assert not missing, missing
