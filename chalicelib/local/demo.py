"""A demo insurance registry made by code: realistic Vietnamese units and workers, deterministic per seed.

`write_demo_registry` writes the two CSVs of `motcua registry load` (columns in API.md); the rows
come from generators, so a million participants stream to disk without being held in memory.
`seed_demo` writes them into the state directory and loads them into the running stack, once.

What the demo holds (seed 2020, the defaults): units in the office's province and a few in other
provinces, with valid tax codes (some branches, `0123456789-001`); workers with a valid CCCD (or an
old 9-digit CMND) agreeing with their date of birth; about 80 % participating through 2020, about
8 % who stopped before April 2020, about 10 % who moved from one unit to another (two rows), and a
few who stopped in mid-2020.
"""

from __future__ import annotations

import csv
import dataclasses
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from chalicelib.domain.identifiers import CCCD_PROVINCES, tax_code_check_digit

if TYPE_CHECKING:  # pragma: no cover
    from chalicelib.services.registry_load import LoadReport

__all__ = [
    "PARTICIPANTS_COLUMNS",
    "PARTICIPANTS_OPTIONAL",
    "UNITS_COLUMNS",
    "DemoRow",
    "DemoUnit",
    "demo_rows",
    "demo_units",
    "seed_demo",
    "si_number_of",
    "write_demo_registry",
]

UNITS_COLUMNS = ("unit_code", "unit_name", "tax_code", "province_code")
PARTICIPANTS_COLUMNS = (
    "si_number",
    "full_name",
    "date_of_birth",
    "id_number",
    "unit_code",
    "participation_from",
    "participation_to",
)
PARTICIPANTS_OPTIONAL = ("unemployment_insurance", "ui_benefit_from")
"""The optional columns of BHXH's unemployment-insurance records (`chalicelib.services.registry_load`)."""

# Family names with their rough share of the population.
_FAMILY = [
    ("Nguyễn", 38),
    ("Trần", 11),
    ("Lê", 9.5),
    ("Phạm", 7),
    ("Hoàng", 3),
    ("Huỳnh", 2),
    ("Phan", 4.5),
    ("Vũ", 2.5),
    ("Võ", 1.5),
    ("Đặng", 2.1),
    ("Bùi", 2),
    ("Đỗ", 1.4),
    ("Hồ", 1.3),
    ("Ngô", 1.3),
    ("Dương", 1),
    ("Lý", 0.5),
    ("Đinh", 0.8),
    ("Đào", 0.6),
    ("Trịnh", 0.5),
    ("Mai", 0.4),
    ("Lương", 0.4),
]
_FAMILY_NAMES = [n for n, _ in _FAMILY]
_FAMILY_WEIGHTS = [w for _, w in _FAMILY]
_MIDDLE = {
    "male": ["Văn", "Văn", "Văn", "Hữu", "Đức", "Minh", "Quang", "Công", "Thanh", "Xuân", "Ngọc", "Đình", "Quốc"],
    "female": ["Thị", "Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Minh", "Phương", "Kim", "Bích", "Thùy", "Hồng"],
}
_GIVEN = {
    "male": [
        "An",
        "Bình",
        "Cường",
        "Dũng",
        "Đạt",
        "Hùng",
        "Hải",
        "Hiếu",
        "Hoàng",
        "Huy",
        "Khánh",
        "Khoa",
        "Long",
        "Lợi",
        "Mạnh",
        "Nam",
        "Nghĩa",
        "Phong",
        "Phúc",
        "Quân",
        "Quý",
        "Sơn",
        "Tài",
        "Thắng",
        "Thành",
        "Thịnh",
        "Toàn",
        "Trung",
        "Tuấn",
        "Tùng",
        "Việt",
        "Vinh",
        "Vũ",
        "Đông",
        "Hưng",
    ],
    "female": [
        "Anh",
        "Ánh",
        "Chi",
        "Diệp",
        "Dung",
        "Giang",
        "Hà",
        "Hạnh",
        "Hằng",
        "Hiền",
        "Hoa",
        "Huệ",
        "Hương",
        "Lan",
        "Liên",
        "Linh",
        "Loan",
        "Mai",
        "My",
        "Nga",
        "Ngân",
        "Nhung",
        "Oanh",
        "Phượng",
        "Quyên",
        "Thảo",
        "Thủy",
        "Trang",
        "Tuyết",
        "Uyên",
        "Vân",
        "Xuân",
        "Yến",
        "Ngọc",
    ],
}
_UNIT_KINDS = [
    "Công ty TNHH",
    "Công ty TNHH",
    "Công ty Cổ phần",
    "Công ty Cổ phần",
    "Doanh nghiệp tư nhân",
    "Hợp tác xã",
    "Công ty TNHH MTV",
]
_UNIT_TRADES = [
    "May mặc",
    "Dệt may",
    "Giày da",
    "Cơ khí",
    "Xây dựng",
    "Thương mại và Dịch vụ",
    "Vận tải",
    "Du lịch",
    "Thực phẩm",
    "Điện tử",
    "Nhựa",
    "Gỗ",
    "Thủy sản",
    "Logistics",
    "Khách sạn",
    "Bao bì",
    "Thép",
    "Dược phẩm",
    "In ấn",
    "Xuất nhập khẩu",
]
_UNIT_NAMES = [
    "Hoàng Long",
    "Phú Thịnh",
    "An Phát",
    "Minh Anh",
    "Thành Công",
    "Đại Việt",
    "Sao Mai",
    "Hưng Thịnh",
    "Bình Minh",
    "Trường Sơn",
    "Hải Âu",
    "Phương Đông",
    "Tân Cảng",
    "Việt Nhật",
    "Hồng Hà",
    "Kim Long",
    "Đông Á",
    "Nam Việt",
    "Thái Bình Dương",
    "Lạch Tray",
    "Cát Bi",
    "Đồ Sơn",
    "Bạch Đằng",
    "Quang Trung",
    "Ánh Dương",
]
_UNIT_PREFIXES = ["TA", "TB", "TC", "TD", "TE", "TH", "TK", "TM", "TN", "TP", "TQ", "TS", "TT", "TV", "TX", "YN"]
_OTHER_PROVINCES = ["001", "079", "022", "030", "034", "048"]
_MIGRANT_PROVINCES = ["034", "036", "030", "033", "038", "022", "001"]
_TAX_PREFIX = {"001": "01", "079": "03", "031": "02", "022": "57", "030": "08", "034": "10", "048": "04"}


@dataclass(frozen=True)
class DemoUnit:
    unit_code: str
    unit_name: str
    tax_code: str
    province_code: str

    def row(self) -> tuple[str, ...]:
        return (self.unit_code, self.unit_name, self.tax_code, self.province_code)


@dataclass(frozen=True)
class DemoRow:
    """One participation period of one worker: a row of the participants CSV."""

    si_number: str
    full_name: str
    date_of_birth: str
    id_number: str
    unit_code: str
    participation_from: str
    participation_to: str
    unemployment_insurance: str = "1"
    """`1`: unemployment insurance paid alongside in this period; `0`: not (issue 16)."""
    ui_benefit_from: str = ""
    """The month an unemployment benefit decision took effect, for a worker who left."""

    def row(self) -> tuple[str, ...]:
        return (
            self.si_number,
            self.full_name,
            self.date_of_birth,
            self.id_number,
            self.unit_code,
            self.participation_from,
            self.participation_to,
            self.unemployment_insurance,
            self.ui_benefit_from,
        )


def _with_ui_records(rows: Iterator[DemoRow], seed: int) -> Iterator[DemoRow]:
    """Each worker's rows (adjacent in the demo) with their unemployment-insurance records; only a
    worker whose last period ended may have a benefit."""
    group: list[DemoRow] = []
    for row in itertools.chain(rows, [None]):
        if group and (row is None or row.si_number != group[0].si_number):
            last_ended = bool(group[-1].participation_to)
            for member in group:
                done = _with_ui(member, seed)
                yield done if last_ended and member is group[-1] else dataclasses.replace(done, ui_benefit_from="")
            group = []
        if row is not None:
            group.append(row)


def _with_ui(row: DemoRow, seed: int) -> DemoRow:
    """The row with BHXH's unemployment-insurance records, drawn from a generator of its own (per SI
    number) so that every other column stays what it was before these columns existed: about 1 in 10
    periods without unemployment insurance, and half the workers who left in 2019 or 2020 with an
    unemployment benefit from the month after they left."""
    rng = random.Random(f"ui/{seed}/{row.si_number}/{row.participation_from}")
    ui = "0" if rng.random() < 0.1 else "1"
    benefit = ""
    if row.participation_to and ui == "1" and rng.random() < 0.5:
        benefit = _month(int(row.participation_to[:4]), int(row.participation_to[5:]) + 1)
    return dataclasses.replace(row, unemployment_insurance=ui, ui_benefit_from=benefit)


def _tax_code(rng: random.Random, province_code: str) -> str:
    prefix = _TAX_PREFIX.get(province_code, f"{int(province_code) % 100:02d}")
    while True:
        first9 = prefix + f"{rng.randrange(10**7):07d}"
        check = tax_code_check_digit(first9)
        if check is not None:
            return f"{first9}{check}"


def _unit_code(i: int, seed: int) -> str:
    prefix = _UNIT_PREFIXES[(seed - 2020 + i // 10_000) % len(_UNIT_PREFIXES)]
    return f"{prefix}{(7919 * i + 1234) % 10_000:04d}{chr(ord('A') + (i * 7) % 26)}"


def demo_units(units: int = 12, seed: int = 2020, province_code: str = "031") -> list[DemoUnit]:
    """The demo's units: about 1 in 6 (at least one when there are 4 or more) in another province.

    At most 160 000 (the unit codes are unique up to there).
    """
    if units > 10_000 * len(_UNIT_PREFIXES):
        raise ValueError("at most 160 000 demo units")
    rng = random.Random(f"units/{seed}")
    result = []
    for i in range(units):
        elsewhere = units >= 4 and i % 6 == 5
        province = _OTHER_PROVINCES[(i // 6) % len(_OTHER_PROVINCES)] if elsewhere else province_code
        tax = _tax_code(rng, province)
        if i % 10 == 9:  # a branch with its own code under the head office's tax number
            tax += f"-{rng.randrange(1, 20):03d}"
        name = f"{rng.choice(_UNIT_KINDS)} {rng.choice(_UNIT_TRADES)} {rng.choice(_UNIT_NAMES)}"
        result.append(DemoUnit(_unit_code(i, seed), name, tax, province))
    return result


def si_number_of(index: int, province_code: str = "031", seed: int = 2020) -> str:
    """The SI number of the demo's worker number `index` (0-based): unique for index < 10⁸.

    Two digits of the province, then 8 digits spread by an affine map (48 271 is prime to 10⁸).
    """
    offset = (20_200_401 + (seed - 2020) * 7_777_777) % 100_000_000
    return f"{int(province_code) % 100:02d}{(48_271 * index + offset) % 100_000_000:08d}"


def _month(year: int, month: int) -> str:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return f"{year:04d}-{month:02d}"


def demo_rows(
    participants: int = 1500, units: list[DemoUnit] | None = None, seed: int = 2020, province_code: str = "031"
) -> Iterator[DemoRow]:
    """Rows of the participants CSV, worker after worker (one row per period), lazily."""
    units = units if units is not None else demo_units(seed=seed, province_code=province_code)
    rng = random.Random(f"participants/{seed}")
    home_cccd = province_code if province_code in CCCD_PROVINCES else "031"
    for i in range(participants):
        sex = "female" if rng.random() < 0.52 else "male"
        name = f"{rng.choices(_FAMILY_NAMES, _FAMILY_WEIGHTS)[0]} {rng.choice(_MIDDLE[sex])}"
        if rng.random() < 0.25:
            name += f" {rng.choice(_MIDDLE[sex])}" if sex == "male" else f" {rng.choice(_GIVEN[sex])}"
        name += f" {rng.choice(_GIVEN[sex])}"
        born = date(rng.randint(1962, 2001), rng.randint(1, 12), rng.randint(1, 28))
        kind = rng.random()
        if kind < 0.78:  # a CCCD: place of birth, century and sex, year of birth, 6 digits
            place = home_cccd if rng.random() < 0.8 else rng.choice(_MIGRANT_PROVINCES)
            marker = (0 if born.year < 2000 else 2) + (1 if sex == "female" else 0)
            id_number = f"{place}{marker}{born.year % 100:02d}{rng.randrange(10**6):06d}"
        elif kind < 0.98:  # an old CMND
            id_number = f"{rng.randrange(10**8, 10**9)}" if rng.random() < 0.5 else f"0{rng.randrange(10**7, 10**8)}"
        else:
            id_number = ""
        si = si_number_of(i, province_code, seed)
        # Participation starts at 18 at the earliest, no earlier than 1995.
        first_year = max(born.year + 18, 1995)
        start = _month(rng.randint(first_year, 2019), rng.randint(1, 12))
        if start > "2019-12":
            start = "2019-12"
        unit_index = int(rng.random() ** 1.3 * len(units))  # bigger units first
        unit = units[unit_index]
        fate = rng.random()
        if fate < 0.08 and start < "2019-06":  # stopped before April 2020
            yield DemoRow(
                si, name, born.isoformat(), id_number, unit.unit_code, start, _month(2019, rng.randint(6, 15))
            )
        elif fate < 0.18 and start < "2019-01" and len(units) > 1:  # moved to another unit
            moved = _month(int(start[:4]) + rng.randint(1, 2020 - int(start[:4])), rng.randint(1, 12))
            moved = min(moved, "2020-02")
            left = _month(int(moved[:4]), int(moved[5:]) - 1)
            other = units[(unit_index + 1 + rng.randrange(len(units) - 1)) % len(units)]
            yield DemoRow(si, name, born.isoformat(), id_number, unit.unit_code, start, left)
            yield DemoRow(si, name, born.isoformat(), id_number, other.unit_code, moved, "")
        elif fate < 0.21:  # stopped in mid-2020, after the support months started
            yield DemoRow(si, name, born.isoformat(), id_number, unit.unit_code, start, _month(2020, rng.randint(5, 9)))
        else:
            yield DemoRow(si, name, born.isoformat(), id_number, unit.unit_code, start, "")


def write_demo_registry(
    directory: Path, units: int = 12, participants: int = 1500, seed: int = 2020, province_code: str = "031"
) -> tuple[Path, Path]:
    """Write `units.csv` and `participants.csv` into `directory`; returns their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    unit_list = demo_units(units, seed, province_code)
    units_path = directory / "units.csv"
    participants_path = directory / "participants.csv"
    for path, header, rows in (
        (units_path, UNITS_COLUMNS, (u.row() for u in unit_list)),
        (
            participants_path,
            PARTICIPANTS_COLUMNS + PARTICIPANTS_OPTIONAL,
            (r.row() for r in _with_ui_records(demo_rows(participants, unit_list, seed, province_code), seed)),
        ),
    ):
        partial = path.with_suffix(".csv.part")
        with open(partial, "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
        partial.replace(path)
    return units_path, participants_path


def seed_demo(
    state_dir: Path,
    units: int = 12,
    participants: int = 1500,
    seed: int = 2020,
    province_code: str = "031",
    progress: bool = False,
) -> LoadReport:
    """Write the demo registry into `state_dir` and load it, unless this emulator already holds it.

    "Already holds it" is decided by the first, middle and last demo workers and the first unit being
    in the tables as generated; then the report says `already_loaded` and nothing is written.
    """
    from chalicelib.adapters.registry import registry
    from chalicelib.services.registry_load import LoadReport, load_registry

    units_path, participants_path = write_demo_registry(state_dir, units, participants, seed, province_code)
    unit_list = demo_units(units, seed, province_code)
    stamps: dict[str, DemoRow] = {}
    wanted = {0, participants // 2, participants - 1}
    for index, row in enumerate(_workers(demo_rows(participants, unit_list, seed, province_code))):
        if index in wanted:
            stamps[row.si_number] = row
    reg = registry()
    found = reg.participants(stamps, consistent=True)
    known_units = reg.units([unit_list[0].unit_code], consistent=True) if unit_list else {}
    if (
        len(found) == len(stamps)
        and all(
            found[si].full_name == row.full_name
            and found[si].date_of_birth == row.date_of_birth
            and found[si].has_ui_records  # loaded before the unemployment-insurance columns: load again
            for si, row in stamps.items()
        )
        and (
            not unit_list
            or (
                known_units.get(unit_list[0].unit_code) is not None
                and known_units[unit_list[0].unit_code].unit_name == unit_list[0].unit_name
            )
        )
    ):
        return LoadReport(already_loaded=True)
    return load_registry(units_path, participants_path, progress=progress)


def _workers(rows: Iterator[DemoRow]) -> Iterator[DemoRow]:
    """The last row of each worker (rows of one worker are adjacent in the demo)."""
    previous: DemoRow | None = None
    for row in rows:
        if previous is not None and row.si_number != previous.si_number:
            yield previous
        previous = row
    if previous is not None:
        yield previous
