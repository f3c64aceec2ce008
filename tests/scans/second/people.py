"""Who is on the list: employers and workers as a Vietnamese employer would really write them down.

Written apart from the project's first generator so that the data, not only the drawing, differs:
names with the family names' real frequencies and the middle names that mark sex, 10-digit SI numbers
that begin with the province's two-digit code, CCCD numbers that encode province, century, sex and year
of birth (Circular 07/2016/TT-BCA), old 9-digit CMND numbers, tax codes with their check digit,
suspension periods of April–June 2020 (Decision 15/2020/QĐ-TTg). Everything is drawn from a
`random.Random` the caller seeds, so a seed is a document.

`mutate` makes the "deliberately different" typed data of a dossier: one field of one row changed in
the way a clerk at the employer would get it wrong (another digit, another date, another person, another
card), recorded so that a check can be held to catching it.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

__all__ = ["FIELDS", "MUTATION_KINDS", "Mismatch", "Person", "Unit", "make_people", "make_unit", "mutate"]

FIELDS = ("full_name", "si_number", "date_of_birth", "id_number", "period_from", "period_to")
"""The fields of a row that the typed data and the scan both carry (ISO dates as strings)."""

# (family name, weight): roughly the shares of the 2010s surveys (Nguyễn ~ 38 %).
_FAMILY = [
    ("Nguyễn", 38),
    ("Trần", 11),
    ("Lê", 9),
    ("Phạm", 7),
    ("Hoàng", 5),
    ("Huỳnh", 4),
    ("Phan", 4),
    ("Vũ", 4),
    ("Võ", 3),
    ("Đặng", 2),
    ("Bùi", 2),
    ("Đỗ", 2),
    ("Hồ", 1),
    ("Ngô", 1),
    ("Dương", 1),
    ("Lý", 1),
    ("Đinh", 1),
    ("Trịnh", 1),
    ("Đoàn", 1),
    ("Lưu", 1),
    ("Mai", 1),
    ("Cao", 1),
    ("Tạ", 1),
    ("Quách", 1),
]
_MIDDLE_M = [
    "Văn",
    "Văn",
    "Văn",
    "Hữu",
    "Đức",
    "Minh",
    "Quốc",
    "Công",
    "Xuân",
    "Thanh",
    "Trọng",
    "Đình",
    "Ngọc",
    "Tiến",
    "Mạnh",
    "Quang",
    "Duy",
    "Bá",
]
_MIDDLE_F = [
    "Thị",
    "Thị",
    "Thị",
    "Thị",
    "Ngọc",
    "Thu",
    "Thanh",
    "Minh",
    "Kim",
    "Hồng",
    "Phương",
    "Thùy",
    "Mỹ",
    "Bích",
    "Diệu",
    "Khánh",
]
_GIVEN_M = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Đạt",
    "Hải",
    "Hiếu",
    "Hoàng",
    "Hùng",
    "Huy",
    "Khánh",
    "Khoa",
    "Kiên",
    "Long",
    "Lộc",
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
    "Hưng",
    "Đông",
    "Lâm",
    "Nhật",
    "Tiến",
    "Trường",
    "Hậu",
    "Định",
    "Luân",
    "Khải",
    "Tú",
    "Duẩn",
    "Ước",
    "Thuận",
]
_GIVEN_F = [
    "Anh",
    "Ánh",
    "Châu",
    "Chi",
    "Dung",
    "Duyên",
    "Giang",
    "Hà",
    "Hạnh",
    "Hằng",
    "Hiền",
    "Hoa",
    "Hồng",
    "Huệ",
    "Hương",
    "Hường",
    "Lan",
    "Liên",
    "Linh",
    "Loan",
    "Mai",
    "My",
    "Nga",
    "Ngân",
    "Ngọc",
    "Nhung",
    "Oanh",
    "Phượng",
    "Quyên",
    "Quỳnh",
    "Thảo",
    "Thơm",
    "Thủy",
    "Thúy",
    "Trang",
    "Trinh",
    "Tuyết",
    "Uyên",
    "Vân",
    "Yến",
    "Xuân",
    "Điệp",
    "Ngoan",
    "Nguyệt",
    "Lụa",
    "Huyền",
    "Thắm",
    "Gấm",
]
# a second given name before the last one, as in "Nguyễn Thị Thu Hà" (some names have four or five words)
_SECOND_M = ["Anh", "Hoàng", "Minh", "Quang", "Tuấn", "Gia", "Bảo", "Đăng"]
_SECOND_F = ["Thu", "Ngọc", "Thanh", "Minh", "Kim", "Bảo", "Thảo", "Phương", "Hoài", "Diễm"]

# province: (name on the date line, CCCD code, SI/tax two-digit prefix)
_PROVINCES = [
    ("Hà Nội", "001", "01"),
    ("Hải Phòng", "031", "03"),
    ("Hồ Chí Minh", "079", "79"),
    ("Đà Nẵng", "048", "48"),
    ("Bắc Ninh", "027", "27"),
    ("Hải Dương", "030", "30"),
    ("Hưng Yên", "033", "33"),
    ("Nam Định", "036", "36"),
    ("Thái Bình", "034", "34"),
    ("Thanh Hóa", "038", "38"),
    ("Nghệ An", "040", "40"),
    ("Bình Dương", "074", "74"),
    ("Đồng Nai", "075", "75"),
    ("Long An", "080", "80"),
    ("Cần Thơ", "092", "92"),
    ("Quảng Ninh", "022", "22"),
]
_CITY = {"Hồ Chí Minh": "TP. Hồ Chí Minh", "Hà Nội": "Hà Nội", "Hải Phòng": "Hải Phòng"}

_COMPANY_KIND = [
    "Công ty TNHH",
    "Công ty TNHH MTV",
    "Công ty Cổ phần",
    "Công ty CP",
    "Doanh nghiệp tư nhân",
    "Hợp tác xã",
]
_TRADE = [
    "May mặc",
    "Dệt may",
    "Du lịch",
    "Thương mại và Dịch vụ",
    "Giày da",
    "Xây dựng",
    "Vận tải",
    "Nhà hàng",
    "Khách sạn",
    "Điện tử",
    "Chế biến Thủy sản",
    "Cơ khí",
    "Đồ gỗ Mỹ nghệ",
    "Lữ hành",
    "In ấn Bao bì",
]
_BRAND = [
    "Hưng Thịnh",
    "Phú Quý",
    "Thành Công",
    "An Phát",
    "Minh Long",
    "Sao Việt",
    "Hoàng Gia",
    "Bình Minh",
    "Tân Tiến",
    "Đại Dương",
    "Trường Sơn",
    "Phương Đông",
    "Kim Ngân",
    "Việt Á",
    "Đông Á",
    "Hòa Bình",
    "Thiên Phúc",
    "Hải Âu",
    "Sông Hồng",
    "Ánh Dương",
]
_STREETS = [
    "Lê Lợi",
    "Trần Hưng Đạo",
    "Nguyễn Trãi",
    "Lạch Tray",
    "Điện Biên Phủ",
    "Hai Bà Trưng",
    "Quang Trung",
    "Lý Thường Kiệt",
    "Phạm Văn Đồng",
    "Nguyễn Văn Linh",
]
_TITLES = [
    "Công nhân may",
    "Công nhân",
    "Nhân viên kinh doanh",
    "Hướng dẫn viên",
    "Lễ tân",
    "Nhân viên phục vụ",
    "Kế toán viên",
    "Thợ cơ khí",
    "Lái xe",
    "Bảo vệ",
    "Nhân viên bán hàng",
    "Đầu bếp",
    "Thợ hàn",
    "Tổ trưởng",
]
_NOTES = ["", "", "", "", "Nghỉ không lương", "Tạm hoãn HĐLĐ", "Nghỉ việc không hưởng lương", ""]


@dataclass(frozen=True)
class Unit:
    """The employer as its header states it."""

    name: str
    unit_code: str
    tax_code: str
    province: str
    """The province as the date line names it ("Hà Nội, ngày ...")."""
    address: str
    phone: str

    def truth(self) -> dict[str, str]:
        """The unit in the shape of `extract_document(...).to_dict()["unit"]`."""
        return {"unit_code": self.unit_code, "tax_code": self.tax_code, "name": self.name}


@dataclass(frozen=True)
class Person:
    """One row of the list: what the scan shows, and the extra cells some employers add."""

    full_name: str
    si_number: str
    date_of_birth: str
    id_number: str
    period_from: str
    period_to: str
    female: bool = False
    title: str = ""
    note: str = ""
    contract: str = ""
    extras: dict[str, str] = field(default_factory=dict)

    def fields(self) -> dict[str, str]:
        """The six compared fields, ISO dates as strings."""
        return {f: getattr(self, f) for f in FIELDS}

    @property
    def months(self) -> int:
        """How many calendar months the suspension touches (the "Số tháng" column)."""
        a, b = date.fromisoformat(self.period_from), date.fromisoformat(self.period_to)
        return (b.year - a.year) * 12 + b.month - a.month + 1


def _weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    return rng.choices([p for p, _ in pairs], weights=[w for _, w in pairs])[0]


def person_name(rng: random.Random, female: bool) -> str:
    """A Vietnamese full name, NFC, of three to five words."""
    family = _weighted(rng, _FAMILY)
    if rng.random() < 0.06:  # a double family name ("Nguyễn Phạm ...", "Tôn Nữ ..." for women)
        family += " " + _weighted(rng, _FAMILY)
    middle = rng.choice(_MIDDLE_F if female else _MIDDLE_M)
    given = rng.choice(_GIVEN_F if female else _GIVEN_M)
    parts = [family, middle]
    if rng.random() < 0.3:
        parts.append(rng.choice(_SECOND_F if female else _SECOND_M))
    parts.append(given)
    words: list[str] = []
    for word in " ".join(parts).split():  # no "Thị Thị", no "Hoàng ... Hoàng"
        if word not in words:
            words.append(word)
    return unicodedata.normalize("NFC", " ".join(words))


def _tax_code(rng: random.Random, prefix: str) -> str:
    while True:
        first9 = prefix + "".join(rng.choice("0123456789") for _ in range(7))
        check = 10 - sum(int(d) * w for d, w in zip(first9, (31, 29, 23, 19, 17, 13, 7, 5, 3), strict=False)) % 11
        if check != 10:
            return first9 + str(check)


def make_unit(rng: random.Random) -> Unit:
    """An employer: name, BHXH unit code (two letters, four digits, a letter), tax code, province."""
    province, _cccd, prefix = rng.choice(_PROVINCES)
    kind = rng.choice(_COMPANY_KIND)
    trade = rng.choice(_TRADE) if kind != "Doanh nghiệp tư nhân" or rng.random() < 0.5 else ""
    name = " ".join(w for w in (kind, trade, rng.choice(_BRAND)) if w)
    if rng.random() < 0.2:
        name += " " + _CITY.get(province, province)
    letters = "ABCDEGHKLMNPQSTVXY"
    unit_code = rng.choice("TYZ") + rng.choice(letters) + f"{rng.randrange(10_000):04d}" + rng.choice(letters)
    address = f"Số {rng.randint(1, 299)} đường {rng.choice(_STREETS)}, {_CITY.get(province, 'tỉnh ' + province)}"
    phone = (
        "0"
        + rng.choice(["24", "225", "28", "236", "222", "220", "221"])
        + "".join(rng.choice("0123456789") for _ in range(7))
    )
    return Unit(unicodedata.normalize("NFC", name), unit_code, _tax_code(rng, prefix), province, address, phone)


def _birth(rng: random.Random) -> date:
    start, end = date(1960, 1, 1), date(2003, 12, 31)
    # more workers in their twenties and thirties than in their fifties
    span = (end - start).days
    return start + timedelta(days=int(span * (rng.random() ** 0.6)))


def _cccd(rng: random.Random, province_code: str, born: date, female: bool) -> str:
    marker = (0 if born.year < 2000 else 2) + int(female)
    return f"{province_code}{marker}{born.year % 100:02d}" + "".join(rng.choice("0123456789") for _ in range(6))


def _cmnd(rng: random.Random) -> str:
    # old 9-digit cards: the first two digits are the issuing province's (01 Hà Nội, 03 Hải Phòng, 02 TP.HCM ...)
    return rng.choice(["01", "03", "02", "14", "16", "17", "12", "18", "19", "24", "28", "30", "31", "36"]) + "".join(
        rng.choice("0123456789") for _ in range(7)
    )


def _period(rng: random.Random) -> tuple[date, date]:
    start = rng.choices(
        [date(2020, 4, 1), date(2020, 5, 1), date(2020, 4, rng.randint(2, 28)), date(2020, 5, rng.randint(2, 20))],
        weights=[60, 15, 15, 10],
    )[0]
    ends = [
        e
        for e in (date(2020, 4, 30), date(2020, 5, 31), date(2020, 6, 30), date(2020, 6, rng.randint(1, 29)))
        if e > start + timedelta(days=14)
    ]
    return start, rng.choice(ends)


def make_people(rng: random.Random, unit: Unit, count: int, cccd_share: float = 0.6) -> list[Person]:
    """`count` distinct workers of `unit`, most born where the unit is, some CMND and most CCCD."""
    _province, cccd_home, si_prefix = next(p for p in _PROVINCES if p[0] == unit.province)
    people: list[Person] = []
    seen_si: set[str] = set()
    seen_names: set[str] = set()
    shared_period = _period(rng) if rng.random() < 0.6 else None  # often the whole list has one period
    while len(people) < count:
        female = rng.random() < 0.55
        name = person_name(rng, female)
        if name in seen_names:
            continue
        born = _birth(rng)
        home = cccd_home if rng.random() < 0.7 else rng.choice(_PROVINCES)[1]
        id_number = _cccd(rng, home, born, female) if rng.random() < cccd_share or born.year >= 1999 else _cmnd(rng)
        si = si_prefix + "".join(rng.choice("0123456789") for _ in range(8))
        if si in seen_si:
            continue
        start, end = shared_period if shared_period and rng.random() < 0.85 else _period(rng)
        contract = f"{rng.randint(1, 350):02d}/{rng.choice([2016, 2017, 2018, 2019, 2020])}/HĐLĐ"
        people.append(
            Person(
                name,
                si,
                born.isoformat(),
                id_number,
                start.isoformat(),
                end.isoformat(),
                female,
                rng.choice(_TITLES),
                rng.choice(_NOTES),
                contract,
            )
        )
        seen_si.add(si)
        seen_names.add(name)
    return people


MUTATION_KINDS = ("si_digit", "date_of_birth", "period", "other_person", "other_id")
"""How typed data can deliberately differ from the scan: one digit of the SI number, another date of birth,
another suspension date, another person's name, another identity card."""


@dataclass(frozen=True)
class Mismatch:
    """The one difference between the typed data and the scan that a check must report."""

    row: int
    """1-based position in the typed list (as `compare_lists` numbers rows)."""
    field: str
    scanned: str
    typed: str
    kind: str

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "field": self.field, "scanned": self.scanned, "typed": self.typed, "kind": self.kind}


def _fold(name: str) -> str:
    decomposed = unicodedata.normalize("NFD", name.replace("Đ", "D").replace("đ", "d"))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).lower().split())


def _other_date(rng: random.Random, iso: str, low: date, high: date) -> str:
    day = date.fromisoformat(iso)
    while True:
        other = day + timedelta(days=rng.choice([-1, 1]) * rng.randint(1, 400))
        if low <= other <= high and other != day:
            return other.isoformat()


def mutate(
    rows: list[dict[str, str]], rng: random.Random, kind: str | None = None
) -> tuple[list[dict[str, str]], Mismatch]:
    """Typed data equal to `rows` (dicts with `FIELDS`) but for one field of one row; and that difference.

    Works on the ground truth of any generator. The changed value is always valid in itself (ten digits, a
    real date, a CCCD of the same shape, a period still in order), so that only the comparison with the scan
    can tell.
    """
    kind = kind or rng.choice(MUTATION_KINDS)
    if kind not in MUTATION_KINDS:
        raise ValueError(f"unknown mutation kind {kind!r}; one of {', '.join(MUTATION_KINDS)}")
    typed = [{f: r[f] for f in FIELDS} for r in rows]
    candidates = [i for i, r in enumerate(typed) if kind != "other_id" or r.get("id_number")]
    index = rng.choice(candidates)
    row = typed[index]
    if kind == "si_digit":
        field_name = "si_number"
        si = row["si_number"]
        pos = rng.randrange(2, 10)
        others = {r["si_number"] for r in typed}
        while True:
            new = si[:pos] + rng.choice([d for d in "0123456789" if d != si[pos]]) + si[pos + 1 :]
            if new not in others:
                break
    elif kind == "date_of_birth":
        field_name = "date_of_birth"
        new = _other_date(rng, row["date_of_birth"], date(1960, 1, 1), date(2003, 12, 31))
    elif kind == "period":
        field_name = rng.choice(["period_from", "period_to"])
        start, end = date.fromisoformat(row["period_from"]), date.fromisoformat(row["period_to"])
        if field_name == "period_from":
            new = _other_date(rng, row["period_from"], date(2020, 4, 1), min(end, date(2020, 6, 30)))
        else:
            new = _other_date(rng, row["period_to"], max(start, date(2020, 4, 1)), date(2020, 6, 30))
    elif kind == "other_person":
        field_name = "full_name"
        taken = {_fold(r["full_name"]) for r in typed}
        female = any(w in row["full_name"].split() for w in _MIDDLE_F[:1])
        while True:
            new = person_name(rng, female)
            if _fold(new) not in taken:
                break
    else:
        field_name = "id_number"
        old = row["id_number"]
        while True:
            if len(old) == 12:
                new = old[:6] + "".join(rng.choice("0123456789") for _ in range(6))
            else:
                new = old[:2] + "".join(rng.choice("0123456789") for _ in range(7))
            if new != old:
                break
    scanned = row[field_name]
    row[field_name] = new
    return typed, Mismatch(index + 1, field_name, scanned, new, kind)
