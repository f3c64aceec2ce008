"""The insurance registry in the local emulator: loading CSVs, merging, rejecting, looking up.

The emulator is shared with the rest of the suite, so these tests use their own province ("048",
SI numbers starting 48), seeds other than the default demo's, and hand-made rows with SI numbers
starting 99 and unit codes starting ZR: nothing here collides with what another test loads.
"""

from __future__ import annotations

import collections
import csv
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chalicelib.domain.identifiers import cccd_matches_birth, is_valid_cccd, is_valid_si_number, is_valid_tax_code
from chalicelib.local import demo
from chalicelib.services import registry_load
from chalicelib.services.registry_load import PARTICIPANTS_COLUMNS, UNITS_COLUMNS, load_registry

PROVINCE = "048"
_serial = itertools.count(1)


@pytest.fixture
def reg(local_stack: dict[str, str]) -> Any:
    from chalicelib.adapters.registry import registry

    return registry()


@pytest.fixture(scope="module")
def demo_load(local_stack: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The demo registry (seed 7, 400 workers, 12 units), loaded twice."""
    directory = tmp_path_factory.mktemp("demo")
    units, participants = demo.write_demo_registry(
        directory, units=12, participants=400, seed=7, province_code=PROVINCE
    )
    first = load_registry(units, participants, progress=False)
    second = load_registry(units, participants, progress=False)
    return {
        "units": units,
        "participants": participants,
        "first": first,
        "second": second,
        "rows": list(_read(participants)),
    }


def _read(path: Path) -> Iterator[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        yield from csv.DictReader(f)


def _write(path: Path, columns: tuple[str, ...], rows: list[tuple[str, ...]] | list[str]) -> Path:
    lines = [",".join(columns)] + [r if isinstance(r, str) else ",".join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _unit_code() -> str:
    return f"ZR{next(_serial):04d}A"


def _si() -> str:
    return f"99{next(_serial):08d}"  # the emulator is new for each test session


def _units_file(directory: Path, *codes: str) -> Path:
    rows = [(code, f"Công ty TNHH Thử nghiệm {code}", "0100107518", PROVINCE) for code in codes]
    return _write(directory / f"units-{next(_serial)}.csv", UNITS_COLUMNS, rows)


# -- the demo registry -----------------------------------------------------------------------------------
def test_the_demo_registry_is_realistic_and_valid(demo_load: dict[str, Any]) -> None:
    units = list(_read(demo_load["units"]))
    rows = demo_load["rows"]
    assert len(units) == 12 and len({r["si_number"] for r in rows}) == 400
    assert all(is_valid_tax_code(u["tax_code"]) for u in units)
    assert {u["province_code"] for u in units} > {PROVINCE}, "a few units are in other provinces"
    assert any(u["unit_name"].startswith("Công ty TNHH") for u in units)
    assert all(is_valid_si_number(r["si_number"]) for r in rows)
    cccds = [r for r in rows if len(r["id_number"]) == 12]
    assert len(cccds) > 250 and all(
        is_valid_cccd(r["id_number"]) and cccd_matches_birth(r["id_number"], r["date_of_birth"]) for r in cccds
    )
    family = {r["full_name"].split()[0] for r in rows}
    assert {"Nguyễn", "Trần", "Lê", "Phạm"} <= family
    assert sum(r["full_name"].startswith("Nguyễn") for r in rows) > 0.25 * len(rows)
    by_si: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        by_si.setdefault(r["si_number"], []).append(r)
    moved = [rs for rs in by_si.values() if len({r["unit_code"] for r in rs}) == 2]
    stopped = [
        rs
        for rs in by_si.values()
        if len(rs) == 1 and rs[0]["participation_to"] and rs[0]["participation_to"] < "2020-04"
    ]
    still = [rs for rs in by_si.values() if not rs[-1]["participation_to"]]
    assert len(moved) > 10 and len(stopped) > 10 and len(still) > 0.6 * len(by_si)


def test_the_demo_is_the_same_for_a_seed_and_differs_between_seeds(tmp_path: Path) -> None:
    a = demo.write_demo_registry(tmp_path / "a", participants=50, seed=11)
    b = demo.write_demo_registry(tmp_path / "b", participants=50, seed=11)
    c = demo.write_demo_registry(tmp_path / "c", participants=50, seed=12)
    assert a[1].read_bytes() == b[1].read_bytes() and a[0].read_bytes() == b[0].read_bytes()
    assert a[1].read_bytes() != c[1].read_bytes()
    assert not {r["si_number"] for r in _read(a[1])} & {r["si_number"] for r in _read(c[1])}
    assert not {r["unit_code"] for r in _read(a[0])} & {r["unit_code"] for r in _read(c[0])}


def test_loading_the_demo_loads_every_row(demo_load: dict[str, Any]) -> None:
    first = demo_load["first"]
    assert (first.units.loaded, first.units.rejected) == (12, 0)
    assert first.participants.rows == len(demo_load["rows"]) > 400  # some workers have two periods
    assert (first.participants.loaded, first.participants.skipped, first.participants.rejected) == (
        len(demo_load["rows"]),
        0,
        0,
    )
    assert first.participants.written == 400


def test_loading_the_same_files_again_changes_nothing(demo_load: dict[str, Any]) -> None:
    second = demo_load["second"]
    assert (second.units.loaded, second.units.skipped) == (0, 12)
    assert (second.participants.loaded, second.participants.skipped, second.participants.rejected) == (
        0,
        len(demo_load["rows"]),
        0,
    )
    assert second.units.written == second.participants.written == 0
    # reads only: one BatchGetItem for the 12 units, four for the 400 workers
    assert second.dynamodb_calls == 5


def test_seeding_the_demo_twice_loads_once(local_stack: dict[str, str], tmp_path: Path) -> None:
    first = demo.seed_demo(tmp_path, units=5, participants=60, seed=31, province_code=PROVINCE)
    assert not first.already_loaded and first.participants.written == 60
    from chalicelib.adapters.registry import registry

    calls = registry().calls
    again = demo.seed_demo(tmp_path, units=5, participants=60, seed=31, province_code=PROVINCE)
    assert again.already_loaded and again.participants.written == 0 and again.units.written == 0
    # what makes `make run` quick the second time: two reads (three sample workers, one unit), no load
    assert registry().calls - calls == 2
    assert (tmp_path / "participants.csv").is_file()


# -- look-ups --------------------------------------------------------------------------------------------
def test_batch_lookup_by_si_number_finds_known_workers_in_batches_of_100(reg: Any, demo_load: dict[str, Any]) -> None:
    known = [demo.si_number_of(i, PROVINCE, seed=7) for i in range(250)]
    unknown = [f"99{n:08d}" for n in range(7)]
    calls = reg.calls
    found = reg.participants(known + unknown + known[:10])  # duplicates asked once
    assert set(found) == set(known)
    assert reg.calls - calls == 3  # 257 distinct keys: 100 + 100 + 57
    row = next(r for r in demo_load["rows"] if r["si_number"] == known[0])
    worker = found[known[0]]
    assert (worker.full_name, worker.date_of_birth, worker.id_number or "") == (
        row["full_name"],
        row["date_of_birth"],
        row["id_number"],
    )


def test_a_worker_who_moved_has_both_periods_and_the_unit_of_each_month(reg: Any, demo_load: dict[str, Any]) -> None:
    rows = demo_load["rows"]
    pairs = [(a, b) for a, b in itertools.pairwise(rows) if a["si_number"] == b["si_number"]]
    first, second = pairs[0]
    worker = reg.participants([first["si_number"]])[first["si_number"]]
    assert [(p.unit_code, p.from_month, p.to_month) for p in worker.periods] == [
        (first["unit_code"], first["participation_from"], first["participation_to"]),
        (second["unit_code"], second["participation_from"], None),
    ]
    assert worker.unit_code == second["unit_code"]
    assert worker.unit_in(first["participation_to"]) == first["unit_code"]
    assert worker.unit_in(second["participation_from"] + "-15") == second["unit_code"]
    assert worker.participated_in("2020-03")
    assert not worker.participated_in(_month_before(first["participation_from"]))


def _month_before(month: str) -> str:
    year, m = int(month[:4]), int(month[5:])
    return f"{year - (m == 1):04d}-{12 if m == 1 else m - 1:02d}"


def test_a_worker_who_stopped_before_april_2020_did_not_participate_in_march_or_april(
    reg: Any, demo_load: dict[str, Any]
) -> None:
    rows = demo_load["rows"]
    single = {si for si, n in collections.Counter(r["si_number"] for r in rows).items() if n == 1}
    stopped = next(
        r for r in rows if r["si_number"] in single and r["participation_to"] and r["participation_to"] < "2020-03"
    )
    worker = reg.participants([stopped["si_number"]])[stopped["si_number"]]
    assert worker.participated_in(stopped["participation_to"])
    assert not worker.participated_in("2020-03") and not worker.participated_in("2020-04")
    assert worker.unit_in("2020-04") is None


def test_by_unit_lists_the_workers_whose_latest_unit_it_is(reg: Any, demo_load: dict[str, Any]) -> None:
    latest: dict[str, str] = {}
    for r in demo_load["rows"]:  # rows of one worker are in time order: the last one wins
        latest[r["si_number"]] = r["unit_code"]
    unit = max(set(latest.values()), key=list(latest.values()).count)
    expected = sorted(si for si, u in latest.items() if u == unit)
    listed = reg.by_unit(unit)
    assert [p.si_number for p in listed] == expected and len(expected) > 20
    assert reg.by_unit("ZZ9999Z") == []


def test_by_identity_finds_a_worker_with_or_without_accents(reg: Any, demo_load: dict[str, Any]) -> None:
    import unicodedata

    row = next(r for r in demo_load["rows"] if r["full_name"].startswith(("Nguyễn", "Trần", "Đặng", "Phạm")))
    name, born = row["full_name"], row["date_of_birth"]
    plain = "".join(
        c
        for c in unicodedata.normalize("NFD", name.replace("Đ", "D").replace("đ", "d"))
        if not unicodedata.combining(c)
    )
    day_first = f"{born[8:10]}/{born[5:7]}/{born[:4]}"
    for query, date_of_birth in [
        (name, born),
        (plain.upper(), born),
        ("  " + plain.lower().replace(" ", "  "), day_first),
        (unicodedata.normalize("NFD", name), born),
    ]:
        found = reg.by_identity(query, date_of_birth)
        assert row["si_number"] in {p.si_number for p in found}, query
    assert reg.by_identity(name, "1900-01-01") == []
    assert reg.by_identity(name, "not a date") == []


# -- merging and updating ----------------------------------------------------------------------------------
def test_two_rows_of_one_worker_in_separate_chunks_are_merged_into_one_item(
    reg: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = _unit_code(), _unit_code()
    si = _si()
    units = _units_file(tmp_path, a, b)
    people = _write(
        tmp_path / "p.csv",
        PARTICIPANTS_COLUMNS,
        [
            (si, "Hoàng Thị Lan", "1990-05-17", "048190123456", a, "2015-01", "2019-06"),
            (_si(), "Lý Văn Nam", "1988-01-02", "", a, "2018-01", ""),
            (si, "Hoàng Thị Lan", "17/05/1990", "048190123456", b, "2019-07", ""),
        ],
    )
    monkeypatch.setattr(registry_load, "CHUNK", 1)  # each row alone: the merge goes through the table
    report = load_registry(units, people, progress=False)
    assert (report.participants.loaded, report.participants.rejected) == (3, 0)
    worker = reg.participants([si], consistent=True)[si]
    assert [(p.unit_code, p.from_month, p.to_month) for p in worker.periods] == [
        (a, "2015-01", "2019-06"),
        (b, "2019-07", None),
    ]
    assert worker.unit_code == b
    assert worker.unit_in("2019-06") == a and worker.unit_in("2020-04") == b
    again = load_registry(units, people, progress=False)
    assert (again.participants.loaded, again.participants.skipped, again.participants.written) == (0, 3, 0)


def test_a_later_file_closes_a_period_and_corrects_a_name(reg: Any, tmp_path: Path) -> None:
    unit, si = _unit_code(), _si()
    units = _units_file(tmp_path, unit)
    first = _write(
        tmp_path / "p1.csv", PARTICIPANTS_COLUMNS, [(si, "Bùi Van Hung", "1979-11-30", "", unit, "2010-03", "")]
    )
    load_registry(units, first, progress=False)
    assert reg.participants([si], consistent=True)[si].participated_in("2020-04")
    update = _write(
        tmp_path / "p2.csv", PARTICIPANTS_COLUMNS, [(si, "Bùi Văn Hùng", "1979-11-30", "", unit, "2010-03", "2020-02")]
    )
    report = load_registry(None, update, progress=False)
    assert (report.participants.loaded, report.participants.written) == (1, 1)
    worker = reg.participants([si], consistent=True)[si]
    assert worker.full_name == "Bùi Văn Hùng" and len(worker.periods) == 1
    assert worker.participated_in("2020-02") and not worker.participated_in("2020-04")
    assert si in {p.si_number for p in reg.by_identity("Bui Van Hung", "1979-11-30")}


# -- rejections and the command ------------------------------------------------------------------------------
def test_bad_rows_are_rejected_with_their_line_numbers_and_the_good_ones_load(
    reg: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    unit = _unit_code()
    good = _si()
    units = _write(
        tmp_path / "units.csv",
        UNITS_COLUMNS,
        [
            (unit, "Công ty Cổ phần Thủy sản Đà Nẵng", "0401234567", PROVINCE),  # line 2: bad check digit
            (unit, "Công ty Cổ phần Thủy sản Đà Nẵng", "0100107518", PROVINCE),  # line 3: fine
        ],
    )
    people = _write(
        tmp_path / "people.csv",
        PARTICIPANTS_COLUMNS,
        [
            (good, "Võ Thị Ánh", "1992-08-09", "048192000111", unit, "2016-04", ""),  # 2 fine
            ("48123456", "Võ Thị Bé", "1992-08-09", "", unit, "2016-04", ""),  # 3 SI too short
            (_si(), "Võ Thị Bé", "1992-02-30", "", unit, "2016-04", ""),  # 4 no such date
            (_si(), "Võ Thị Bé", "1992-08-09", "", unit, "2016-04", "2015-12"),  # 5 ends before it starts
            (_si(), "Võ Thị Bé", "1992-08-09", "", "ZZ0000Z", "2016-04", ""),  # 6 unknown unit
            (_si(), "Võ Thị Bé", "1992-08-09", "048085000111", unit, "2016-04", ""),  # 7 CCCD says 1985
            (_si(), "Võ Thị Bé", "1992-08-09", "", unit, "2016-4", ""),  # 8 month shape
            (_si(), "Võ Thị Bé", "1992-08-09", "", unit),  # 9 too few fields
            "",  # 10 blank: ignored
            (good, "Võ Thị Ánh", "1992-08-09", "048192000111", unit, "2016-04", "2016-09"),  # 11 contradicts line 2
        ],
    )
    code = registry_load.main(units, people, quiet=True)
    out = capsys.readouterr().out
    assert code == 1
    report = load_registry(units, people, progress=False)
    rejected = {(r.file, r.line, r.field) for r in report.rejections}
    assert rejected == {
        ("units.csv", 2, "tax_code"),
        ("people.csv", 3, "si_number"),
        ("people.csv", 4, "date_of_birth"),
        ("people.csv", 5, "participation_to"),
        ("people.csv", 6, "unit_code"),
        ("people.csv", 7, "id_number"),
        ("people.csv", 8, "participation_from"),
        ("people.csv", 9, ""),
        ("people.csv", 11, "participation_to"),
    }
    assert all(r.reason_vi and r.reason_en and r.reason_vi != r.reason_en for r in report.rejections)
    assert "people.csv dòng/line 6: unit_code 'ZZ0000Z'" in out and "units.csv dòng/line 2: tax_code" in out
    assert "Rejected rows: 9" in out
    assert good in reg.participants([good], consistent=True)
    assert reg.units([unit])[unit].tax_code == "0100107518"


def test_the_command_lists_fifty_rejections_then_counts_the_rest(
    local_stack: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    people = _write(
        tmp_path / "p.csv",
        PARTICIPANTS_COLUMNS,
        [(f"{n:09d}", "Lê Văn Tám", "1980-01-01", "", "ZR0001A", "2010-01", "") for n in range(70)],
    )
    assert registry_load.main(None, people, quiet=True) == 1
    out = capsys.readouterr().out
    assert out.count("p.csv dòng/line") == 50
    assert "20 more" in out and "leading zero" in out


def test_the_command_exits_0_when_all_is_loaded_and_2_when_a_file_cannot_be_read(
    local_stack: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    unit = _unit_code()
    units = _units_file(tmp_path, unit)
    people = _write(
        tmp_path / "ok.csv", PARTICIPANTS_COLUMNS, [(_si(), "Ngô Bảo Châu", "1972-06-28", "", unit, "2005-01", "")]
    )
    assert registry_load.main(units, people, quiet=True) == 0
    assert "1 nạp/loaded" in capsys.readouterr().out

    assert registry_load.main(tmp_path / "missing.csv", people, quiet=True) == 2
    assert "missing.csv" in capsys.readouterr().err

    latin = tmp_path / "latin.csv"
    latin.write_bytes(
        ",".join(PARTICIPANTS_COLUMNS).encode()
        + b"\n"
        + f"{_si()},Nguy\xean Van A,1980-01-01,,{unit},2010-01,\n".encode("latin-1")
    )
    assert registry_load.main(None, latin, quiet=True) == 2
    assert "UTF-8" in capsys.readouterr().err


def test_a_file_with_wrong_columns_loads_nothing(reg: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    unit = _unit_code()
    units = _units_file(tmp_path, unit)
    si = _si()
    wrong = _write(
        tmp_path / "wrong.csv",
        ("si_number", "name", "date_of_birth", "id_number", "unit_code", "participation_from", "participation_to"),
        [(si, "Đinh Tiên Hoàng", "1980-01-01", "", unit, "2010-01", "")],
    )
    assert registry_load.main(units, wrong, quiet=True) == 1
    out = capsys.readouterr().out
    assert "wrong.csv dòng/line 1" in out and "missing full_name" in out and "unexpected name" in out
    assert reg.units([unit], consistent=True) == {} and reg.participants([si], consistent=True) == {}


def test_columns_in_another_order_and_a_bom_are_fine(reg: Any, tmp_path: Path) -> None:
    unit = _unit_code()
    units = tmp_path / "units.csv"
    units.write_text(
        "\ufeffprovince_code,unit_code,tax_code,unit_name\r\n"
        f'{PROVINCE},{unit},0100107518,"Công ty TNHH Vận tải Hải Âu, chi nhánh Đà Nẵng"\r\n',
        encoding="utf-8",
    )
    report = load_registry(units, None, progress=False)
    assert (report.units.loaded, report.rejected) == (1, 0)
    assert reg.units([unit], consistent=True)[unit].unit_name == "Công ty TNHH Vận tải Hải Âu, chi nhánh Đà Nẵng"


# -- unemployment-insurance records (issue 16) -------------------------------------------------------------
def test_unemployment_insurance_columns_load_merge_and_keep(reg: Any, tmp_path: Path) -> None:
    """The optional columns carry BHXH's unemployment-insurance records; a file without them changes
    nothing of what an earlier file said, and a bad value is rejected with its line."""
    unit = _unit_code()
    si, other = _si(), _si()
    columns = (*PARTICIPANTS_COLUMNS, *registry_load.PARTICIPANTS_OPTIONAL)
    rows = [
        (si, "Hoàng Thị Mai", "1993-03-03", "", unit, "2019-01", "2020-06", "1", "2020-07"),
        (si, "Hoàng Thị Mai", "1993-03-03", "", unit, "2021-01", "", "0", ""),
        (other, "Lê Văn Tám", "1990-01-01", "", unit, "2019-01", "", "yes", ""),
    ]
    report = load_registry(_units_file(tmp_path, unit), _write(tmp_path / "p.csv", columns, rows), progress=False)
    assert report.participants.loaded == 2 and report.participants.rejected == 1
    (rejection,) = report.rejections
    assert (rejection.line, rejection.field) == (4, "unemployment_insurance")
    person = reg.participants([si], consistent=True)[si]
    assert [p.ui for p in person.periods] == [True, False] and person.ui_benefit_from == "2020-07"
    assert person.ui_months(["2020-05", "2020-06", "2020-07", "2021-02"]) == 2
    # the same file again writes nothing; a file without the columns keeps the records
    again = load_registry(None, _write(tmp_path / "p.csv", columns, rows[:2]), progress=False)
    assert again.participants.written == 0
    plain = [r[:7] for r in rows[:2]]
    load_registry(None, _write(tmp_path / "plain.csv", PARTICIPANTS_COLUMNS, plain), progress=False)
    kept = reg.participants([si], consistent=True)[si]
    assert [p.ui for p in kept.periods] == [True, False] and kept.ui_benefit_from == "2020-07"
