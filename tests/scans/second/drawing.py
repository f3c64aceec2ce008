"""Drawing a list of workers the way different employers' offices lay theirs out.

The project's own generator draws one layout; employers do not. Each office has its spreadsheet: its
column order, its wording of the headers (the official form's, an abbreviation, a merged "Thời gian tạm
hoãn" over "Từ ngày | Đến ngày", the form's "(1) (2) (3)" numbering row, the D02-TS habit of writing the
date of birth under "Nam" or "Nữ"), its extra columns, its font, its line spacing, portrait or landscape,
the header repeated on continuation pages or not, and a footer with the preparer, the director, a date
line and a red round stamp. A `Layout` is one such office, drawn from a seeded `random.Random`;
`render_pages` paints a document at any resolution with Pillow, laid out in millimetres so that the same
document has the same pages at 200 and 300 dpi.
"""

from __future__ import annotations

import math
import random
import subprocess
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy
from PIL import Image, ImageChops, ImageDraw, ImageFont

from tests.scans.second.people import Person, Unit

__all__ = ["Column", "Document", "Font", "Layout", "fonts", "make_layout", "paginate", "render_pages"]

ROOT = Path(__file__).resolve().parents[3]
MM_PER_PT = 25.4 / 72
_MEASURE_DPI = 600


@dataclass(frozen=True)
class Font:
    """A family with the four faces a list uses (bold headers, italic notes)."""

    name: str
    regular: str
    bold: str
    italic: str


@lru_cache(maxsize=1)
def fonts() -> tuple[Font, ...]:
    """Every family with Vietnamese glyphs and regular, bold and italic faces, sorted by name (fc-list), and
    the project's own DejaVu Sans (templates/fonts) first, which is always there."""
    own = ROOT / "templates" / "fonts"
    found = [
        Font(
            "DejaVu Sans (templates)",
            str(own / "DejaVuSans.ttf"),
            str(own / "DejaVuSans-Bold.ttf"),
            str(own / "DejaVuSans-Oblique.ttf"),
        )
    ]
    try:
        listing = subprocess.run(
            ["fc-list", ":lang=vi", "--format", "%{file}|%{family[0]}|%{style[0]}\n"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        listing = ""
    faces: dict[str, dict[str, str]] = {}
    for line in sorted(listing.splitlines()):
        parts = line.split("|")
        if len(parts) != 3 or not parts[0].lower().endswith((".ttf", ".otf")):
            continue
        path, family, style = parts
        words = style.replace("Oblique", "Italic").split()
        condensed = "Condensed" in words
        words = [w for w in words if w != "Condensed"]
        key = family + (" Condensed" if condensed else "")
        face = {
            (): "regular",
            ("Book",): "regular",
            ("Regular",): "regular",
            ("Bold",): "bold",
            ("Italic",): "italic",
        }.get(tuple(words))
        if face:
            faces.setdefault(key, {})[face] = path
    for key in sorted(faces):
        got = faces[key]
        if {"regular", "bold", "italic"} <= set(got) and not got["regular"].startswith(str(own)):
            found.append(Font(key, got["regular"], got["bold"], got["italic"]))
    return tuple(found)


@lru_cache(maxsize=512)
def _font(path: str, px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, max(px, 4))


@lru_cache(maxsize=1 << 16)
def measure(text: str, path: str, pt: float) -> float:
    """Width of `text` in millimetres."""
    font = _font(path, round(pt * _MEASURE_DPI / 72))
    return font.getlength(text) / _MEASURE_DPI * 25.4


def wrap(text: str, path: str, pt: float, width_mm: float) -> list[str]:
    """Greedy word wrap into lines no wider than `width_mm` (a word wider than that stays whole)."""
    lines: list[str] = []
    for chunk in text.split("\n"):
        current = ""
        for word in chunk.split():
            trial = f"{current} {word}".strip()
            if current and measure(trial, path, pt) > width_mm:
                lines.append(current)
                current = word
            else:
                current = trial
        lines.append(current)
    return lines


@dataclass(frozen=True)
class Column:
    """One column of the table; `group` is the label of a merged header cell above it, if any."""

    key: str
    header: str
    group: str = ""
    align: str = "center"
    weight: float = 0.3
    """Its share of the table's spare width."""


_HEADERS: dict[str, list[str]] = {
    "stt": ["STT", "TT", "Số TT"],
    "full_name": ["Họ và tên", "Họ và tên người lao động", "Họ tên", "Họ và tên NLĐ", "Họ, chữ đệm và tên"],
    "si_number": ["Mã số BHXH", "Số sổ BHXH", "Mã số bảo hiểm xã hội", "Số sổ BHXH/ Mã số BHXH"],
    "date_of_birth": ["Ngày sinh", "Ngày tháng năm sinh", "Ngày, tháng, năm sinh"],
    "id_number": ["Số CMND/CCCD", "Số CCCD/CMND", "Số CMND/ Thẻ CCCD", "Số CMND", "Số định danh/ CMND"],
    "gender": ["Giới tính", "Nam/ Nữ"],
    "title": ["Chức danh", "Chức danh nghề nghiệp", "Vị trí việc làm", "Chức vụ"],
    "months": ["Số tháng", "Số tháng tạm hoãn", "Số tháng đề nghị hỗ trợ"],
    "note": ["Ghi chú"],
    "contract": ["Số HĐLĐ", "Số hợp đồng lao động"],
}
_PERIOD_SEPARATE = [
    ("Tạm hoãn từ", "Tạm hoãn đến"),
    ("Từ ngày", "Đến ngày"),
    ("Thời gian bắt đầu tạm hoãn", "Thời gian kết thúc tạm hoãn"),
    ("Ngày bắt đầu tạm hoãn HĐLĐ", "Ngày kết thúc tạm hoãn HĐLĐ"),
    ("Tạm hoãn HĐLĐ từ ngày", "Tạm hoãn HĐLĐ đến ngày"),
]
_PERIOD_GROUPS = [
    "Thời gian tạm hoãn",
    "Thời gian tạm hoãn HĐLĐ",
    "Thời gian tạm hoãn HĐLĐ/ nghỉ việc không hưởng lương",
    "Thời gian nghỉ việc không hưởng lương",
]
_PERIOD_SUBS = [("Từ ngày", "Đến ngày"), ("Từ", "Đến"), ("Bắt đầu", "Kết thúc")]
_TITLES = [
    (
        "DANH SÁCH NGƯỜI LAO ĐỘNG ĐỀ NGHỊ HỖ TRỢ",
        "(Người lao động tạm hoãn thực hiện hợp đồng lao động, nghỉ việc không hưởng lương)",
    ),
    ("DANH SÁCH NGƯỜI LAO ĐỘNG ĐỀ NGHỊ HỖ TRỢ", "Do đại dịch COVID-19"),
    (
        "DANH SÁCH NGƯỜI LAO ĐỘNG ĐỀ NGHỊ HỖ TRỢ DO ĐẠI DỊCH COVID-19",
        "(Kèm theo Đề nghị hỗ trợ của đơn vị, theo Quyết định số 15/2020/QĐ-TTg ngày 24/4/2020)",
    ),
    (
        "Danh sách người lao động đề nghị hỗ trợ",
        "tạm hoãn thực hiện hợp đồng lao động hoặc nghỉ việc không hưởng lương",
    ),
    ("DANH SÁCH NGƯỜI LAO ĐỘNG ĐỀ NGHỊ HỖ TRỢ", ""),
]
_DATE_FORMATS = [("%d/%m/%Y", 70), ("%d-%m-%Y", 12), ("%d.%m.%Y", 10), ("%d/%m/%y", 0)]


@dataclass(frozen=True)
class Layout:
    """One office's way of drawing the list."""

    landscape: bool
    font: Font
    body_pt: float
    spacing: float
    """Row height over font size (1.5: tight; 2.6: airy)."""
    columns: tuple[Column, ...]
    date_format: str
    number_row: bool
    """A row "(1) (2) (3) ..." under the headers, as the official forms have."""
    grid: str
    """"full": every cell boxed; "rules": horizontal rules and an outer frame only."""
    header_bold: bool
    header_on_continuation: bool
    motto: bool
    """"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM / Độc lập - Tự do - Hạnh phúc" at the top."""
    unit_first: bool
    """The unit's lines above the title (letterhead style), else below it."""
    unit_combined: bool
    """"Mã đơn vị" and "Mã số thuế" on one line."""
    title: str
    subtitle: str
    address: bool
    footer_titles: tuple[str, str]
    stamp: bool
    page_numbers: bool
    margin_mm: float
    name_align: str
    dob_by_gender: bool

    @property
    def size_mm(self) -> tuple[float, float]:
        return (297.0, 210.0) if self.landscape else (210.0, 297.0)

    def describe(self) -> dict[str, object]:
        """What a reader of a failing test needs to picture the page."""
        return {
            "orientation": "landscape" if self.landscape else "portrait",
            "font": self.font.name,
            "body_pt": round(self.body_pt, 1),
            "spacing": round(self.spacing, 2),
            "columns": [f"{c.group + ' / ' if c.group else ''}{c.header} [{c.key}]" for c in self.columns],
            "date_format": self.date_format,
            "number_row": self.number_row,
            "grid": self.grid,
            "header_on_continuation": self.header_on_continuation,
            "dob_by_gender": self.dob_by_gender,
            "stamp": self.stamp,
            "title": self.title,
        }


def _order(rng: random.Random) -> list[str]:
    templates = [
        ["full_name", "si_number", "date_of_birth", "id_number", "period"],
        ["si_number", "full_name", "date_of_birth", "id_number", "period"],
        ["full_name", "date_of_birth", "id_number", "si_number", "period"],
        ["full_name", "date_of_birth", "si_number", "id_number", "period"],
        ["full_name", "id_number", "date_of_birth", "si_number", "period"],
        ["si_number", "full_name", "id_number", "date_of_birth", "period"],
    ]
    if rng.random() < 0.2:  # an office that ordered its columns its own way
        rest = ["si_number", "date_of_birth", "id_number", "period"]
        rng.shuffle(rest)
        return ["full_name", *rest] if rng.random() < 0.7 else [rest[0], "full_name", *rest[1:]]
    return list(rng.choice(templates))


def make_layout(rng: random.Random, **overrides: object) -> Layout:
    """A random office. `overrides` fixes any `Layout` field, or one of: `period_style` ("separate",
    "tam_hoan" for "Tạm hoãn từ/đến", "merged"), `extras` (a list of extra column keys), `order` (the core
    keys: full_name, si_number, date_of_birth, id_number, period), `headers` (column key, or "period_group",
    to the header text it gets)."""
    headers = dict(overrides.pop("headers", None) or {})  # type: ignore[call-overload]

    def pick(key: str) -> str:
        return str(headers[key]) if key in headers else rng.choice(_HEADERS[key])

    period_style = str(overrides.pop("period_style", rng.choice(["separate", "tam_hoan", "merged", "merged"])))
    extras = overrides.pop("extras", None)
    order = overrides.pop("order", None) or _order(rng)
    landscape = bool(overrides.get("landscape", rng.random() < 0.5))
    dob_by_gender = bool(overrides.get("dob_by_gender", rng.random() < 0.12))
    if extras is None:
        pool = ["gender", "title", "months", "note", "contract"] if not dob_by_gender else ["title", "months", "note"]
        extras = [e for e in pool if rng.random() < (0.45 if landscape else 0.25)]
    if not landscape:
        extras = list(extras)[:2]

    cols: list[Column] = [Column("stt", pick("stt"), weight=0.0)]
    name_align = "left" if rng.random() < 0.85 else "center"
    for key in order:
        if key == "period":
            if "contract" in extras:
                cols.append(Column("contract", pick("contract")))
            if "title" in extras and rng.random() < 0.5:
                cols.append(Column("title", pick("title"), align="left", weight=1.2))
                extras = [e for e in extras if e != "title"]
            if period_style == "merged":
                group = str(headers.get("period_group") or rng.choice(_PERIOD_GROUPS))
                a, b = rng.choice(_PERIOD_SUBS)
                a, b = str(headers.get("period_from", a)), str(headers.get("period_to", b))
                cols += [Column("period_from", a, group), Column("period_to", b, group)]
            else:
                a, b = _PERIOD_SEPARATE[0] if period_style == "tam_hoan" else rng.choice(_PERIOD_SEPARATE[1:])
                a, b = str(headers.get("period_from", a)), str(headers.get("period_to", b))
                cols += [Column("period_from", a), Column("period_to", b)]
            if "months" in extras:
                cols.append(Column("months", pick("months"), weight=0.1))
        elif key == "date_of_birth" and dob_by_gender:
            group = rng.choice(["Ngày tháng năm sinh", "Ngày, tháng, năm sinh", "Năm sinh"])
            cols += [Column("dob_male", "Nam", group), Column("dob_female", "Nữ", group)]
        else:
            align = name_align if key == "full_name" else ("left" if rng.random() < 0.25 else "center")
            cols.append(Column(key, pick(key), align=align, weight=3.0 if key == "full_name" else 0.3))
            if key == "full_name" and "gender" in extras:
                cols.append(Column("gender", pick("gender"), weight=0.1))
            if key == "full_name" and "title" in extras and rng.random() < 0.5:
                extras = [e for e in extras if e != "title"]
                cols.append(Column("title", pick("title"), align="left", weight=1.2))
    if "title" in extras and not any(c.key == "title" for c in cols):
        cols.insert(
            len(cols) - (1 if cols[-1].key == "months" else 0), Column("title", pick("title"), align="left", weight=1.2)
        )
    if "note" in extras:
        cols.append(Column("note", "Ghi chú", align="left", weight=1.5))

    family = fonts()
    title, subtitle = rng.choice(_TITLES)
    formats = [f for f, w in _DATE_FORMATS if w]
    values: dict[str, object] = dict(
        landscape=landscape,
        font=rng.choice(family),
        body_pt=rng.choice([9.5, 10, 10.5, 11, 11, 12, 12, 13]),
        spacing=rng.uniform(1.55, 2.6),
        columns=tuple(cols),
        date_format=rng.choices(formats, weights=[w for _, w in _DATE_FORMATS if w])[0],
        number_row=rng.random() < 0.3,
        grid="full" if rng.random() < 0.8 else "rules",
        header_bold=rng.random() < 0.85,
        header_on_continuation=rng.random() < 0.6,
        motto=rng.random() < 0.7,
        unit_first=rng.random() < 0.55,
        unit_combined=rng.random() < 0.4,
        title=title,
        subtitle=subtitle,
        address=rng.random() < 0.5,
        footer_titles=rng.choice(
            [
                ("Người lập biểu", "Thủ trưởng đơn vị"),
                ("NGƯỜI LẬP BIỂU", "THỦ TRƯỞNG ĐƠN VỊ"),
                ("Người lập danh sách", "Giám đốc"),
                ("NGƯỜI LẬP", "THỦ TRƯỞNG ĐƠN VỊ"),
            ]
        ),
        stamp=rng.random() < 0.85,
        page_numbers=rng.random() < 0.4,
        margin_mm=rng.uniform(12, 20),
        name_align=name_align,
        dob_by_gender=dob_by_gender,
    )
    values.update({k: v for k, v in overrides.items() if k in values})
    return Layout(**values)  # type: ignore[arg-type]


@dataclass
class Document:
    """A list as the employer printed it: who is on it, how it is drawn, and when it was signed."""

    unit: Unit
    people: list[Person]
    layout: Layout
    signed_on: date
    ink_seed: int
    preparer: str
    director: str
    plan: list[list[int]] = field(default_factory=list)
    """Indices of `people` on each page; an empty last page holds only the footer."""
    widths: list[float] = field(default_factory=list)
    body_pt: float = 0.0


def cell_text(doc: Document, person: Person, key: str, index: int) -> str:
    fmt = doc.layout.date_format

    def day(iso: str) -> str:
        return date.fromisoformat(iso).strftime(fmt)

    match key:
        case "stt":
            return str(index + 1)
        case "full_name" | "si_number" | "id_number":
            return getattr(person, key)
        case "date_of_birth" | "period_from" | "period_to":
            return day(getattr(person, key))
        case "dob_male":
            return "" if person.female else day(person.date_of_birth)
        case "dob_female":
            return day(person.date_of_birth) if person.female else ""
        case "gender":
            return "Nữ" if person.female else "Nam"
        case "title":
            return person.title
        case "months":
            return str(person.months)
        case "note":
            return person.note
        case "contract":
            return person.contract
    raise KeyError(key)


# ---------------------------------------------------------------- geometry, in millimetres

_PAD = 1.6


def _header_pt(doc: Document) -> float:
    return doc.body_pt * 0.92


def _header_font(layout: Layout) -> str:
    return layout.font.bold if layout.header_bold else layout.font.regular


def _fit_widths(doc: Document) -> None:
    """Column widths that hold every cell on one line and every header in at most three, filling the
    table's width; the body font shrinks (to 7.5 pt at least) when the columns would not fit."""
    layout = doc.layout
    avail = layout.size_mm[0] - 2 * layout.margin_mm
    pt = layout.body_pt
    while True:
        hpt = pt * 0.92
        hfont = _header_font(layout)
        widths = []
        for col in layout.columns:
            texts = [cell_text(doc, p, col.key, i) for i, p in enumerate(doc.people)]
            content = max((measure(t, layout.font.regular, pt) for t in texts), default=0) + 2 * _PAD
            longest = max(measure(w, hfont, hpt) for w in col.header.split()) + 2 * _PAD
            need = longest
            while len(wrap(col.header, hfont, hpt, need - 2 * _PAD)) > 3:
                need += 1.0
            widths.append(max(content, need, 8.0 if col.key != "stt" else 7.0))
        # a merged header cell must fit over its columns in two lines
        for group in {c.group for c in layout.columns if c.group}:
            idx = [i for i, c in enumerate(layout.columns) if c.group == group]
            while len(wrap(group, hfont, hpt, sum(widths[i] for i in idx) - 2 * _PAD)) > 2:
                for i in idx:
                    widths[i] += 0.5
        if sum(widths) <= avail or pt <= 7.5:
            break
        pt -= 0.5
    spare = max(avail - sum(widths), 0.0)
    total_weight = sum(c.weight for c in layout.columns) or 1.0
    doc.widths = [w + spare * c.weight / total_weight for w, c in zip(widths, layout.columns, strict=False)]
    doc.body_pt = pt


def _row_h(doc: Document) -> float:
    return doc.body_pt * MM_PER_PT * doc.layout.spacing


def _line_h(pt: float) -> float:
    return pt * MM_PER_PT * 1.3


def _header_rows(doc: Document) -> tuple[float, float]:
    """(height of the merged row, or 0; height of the column header row) in mm."""
    layout = doc.layout
    hpt, hfont = _header_pt(doc), _header_font(layout)
    lines = max(len(wrap(c.header, hfont, hpt, w - 2 * _PAD)) for c, w in zip(layout.columns, doc.widths, strict=False))
    grouped = any(c.group for c in layout.columns)
    top = 0.0
    if grouped:
        spans = {
            g: sum(w for c, w in zip(layout.columns, doc.widths, strict=False) if c.group == g)
            for g in {c.group for c in layout.columns if c.group}
        }
        top = max(len(wrap(g, hfont, hpt, span - 2 * _PAD)) for g, span in spans.items()) * _line_h(hpt) + 2 * _PAD
    return top, lines * _line_h(hpt) + 2 * _PAD


def _header_h(doc: Document) -> float:
    top, bottom = _header_rows(doc)
    return top + bottom + (_line_h(_header_pt(doc)) + 1.0 if doc.layout.number_row else 0.0)


def _letterhead_lines(doc: Document) -> list[tuple[str, str, float, str]]:
    """(text, face, pt, where) top to bottom; where is "left", "center", "right" or "gap"."""
    layout, unit = doc.layout, doc.unit
    pt = min(layout.body_pt + 0.5, 12.5)
    font = layout.font
    unit_lines: list[tuple[str, str, float, str]] = [(f"Tên đơn vị: {unit.name}", font.bold, pt, "left")]
    if layout.unit_combined:
        codes = f"Mã đơn vị: {unit.unit_code}          Mã số thuế: {unit.tax_code}"
        unit_lines.append((codes, font.regular, pt, "left"))
    else:
        unit_lines += [
            (f"Mã đơn vị: {unit.unit_code}", font.regular, pt, "left"),
            (f"Mã số thuế: {unit.tax_code}", font.regular, pt, "left"),
        ]
    if layout.address:
        unit_lines.append((f"Địa chỉ: {unit.address}", font.regular, pt, "left"))
        unit_lines.append((f"Điện thoại: {unit.phone}", font.regular, pt, "left"))
    title = [(layout.title, font.bold, pt + 2.5, "center")]
    if layout.subtitle:
        title.append((layout.subtitle, font.italic, pt - 0.5, "center"))
    motto = (
        [
            ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", font.bold, pt, "right"),
            ("Độc lập - Tự do - Hạnh phúc", font.bold, pt, "right"),
        ]
        if layout.motto
        else []
    )
    gap = [("", font.regular, pt * 0.8, "gap")]
    if layout.unit_first:
        return motto + gap + unit_lines + gap + title + gap
    return motto + gap + title + gap + unit_lines + gap


def _letterhead_h(doc: Document) -> float:
    return sum(_line_h(pt) * (1.15 if where != "gap" else 1.0) for _t, _f, pt, where in _letterhead_lines(doc))


_FOOTER_H = 58.0


def paginate(doc: Document) -> None:
    """Rows per page: as many as the page holds under the letterhead (first page) or the repeated header,
    and the footer on the last page, which gets a page of its own when the rows leave no room."""
    _fit_widths(doc)
    layout = doc.layout
    height = layout.size_mm[1] - 2 * layout.margin_mm - (6 if layout.page_numbers else 0)
    row_h = _row_h(doc)
    doc.plan = []
    left = list(range(len(doc.people)))
    first = True
    while left:
        header = _header_h(doc) if first or layout.header_on_continuation else 0.0
        used = (_letterhead_h(doc) if first else 0.0) + header
        fits = max(int((height - used) // row_h), 1)
        page, left = left[:fits], left[fits:]
        doc.plan.append(page)
        if not left:
            if used + len(page) * row_h + _FOOTER_H > height:
                doc.plan.append([])
        first = False


def capacity(layout: Layout, doc_probe: Document, first: bool) -> int:
    """How many rows a page of this layout holds (for choosing row counts per number of pages)."""
    if not doc_probe.widths:
        _fit_widths(doc_probe)
    height = layout.size_mm[1] - 2 * layout.margin_mm - (6 if layout.page_numbers else 0)
    used = (_letterhead_h(doc_probe) if first else 0.0) + (
        _header_h(doc_probe) if first or layout.header_on_continuation else 0.0
    )
    return max(int((height - used) // _row_h(doc_probe)), 1)


# ---------------------------------------------------------------- painting


class _Pen:
    """Millimetres to pixels at one resolution."""

    def __init__(self, image: Image.Image, dpi: int) -> None:
        self.image, self.dpi = image, dpi
        self.draw = ImageDraw.Draw(image)

    def px(self, mm: float) -> int:
        return round(mm * self.dpi / 25.4)

    def font(self, path: str, pt: float) -> ImageFont.FreeTypeFont:
        return _font(path, round(pt * self.dpi / 72))

    def text(
        self,
        x: float,
        y: float,
        s: str,
        path: str,
        pt: float,
        anchor: str = "lm",
        fill: tuple[int, int, int] = (20, 20, 20),
    ) -> None:
        if s:
            self.draw.text((self.px(x), self.px(y)), s, font=self.font(path, pt), fill=fill, anchor=anchor)

    def line(
        self,
        x0: float,
        y0: float,
        x1: float,
        y1: float,
        width_mm: float = 0.25,
        fill: tuple[int, int, int] = (30, 30, 30),
    ) -> None:
        self.draw.line(
            [(self.px(x0), self.px(y0)), (self.px(x1), self.px(y1))], fill=fill, width=max(1, self.px(width_mm))
        )


def _paint_letterhead(pen: _Pen, doc: Document, y: float) -> float:
    layout = doc.layout
    width = layout.size_mm[0]
    left, right = layout.margin_mm, width - layout.margin_mm
    for text, face, pt, where in _letterhead_lines(doc):
        h = _line_h(pt) * (1.15 if where != "gap" else 1.0)
        mid = y + h / 2
        if where == "left":
            pen.text(left, mid, text, face, pt)
        elif where == "center":
            pen.text(width / 2, mid, text, face, pt, anchor="mm")
        elif where == "right":
            cx = right - 55 if not layout.landscape else right - 70
            pen.text(cx, mid, text, face, pt, anchor="mm")
            if text.startswith("Độc lập"):
                half = measure(text, face, pt) / 2
                pen.line(cx - half, mid + _line_h(pt) * 0.45, cx + half, mid + _line_h(pt) * 0.45, 0.2)
        y += h
    return y


def _xs(doc: Document) -> list[float]:
    xs = [doc.layout.margin_mm]
    for w in doc.widths:
        xs.append(xs[-1] + w)
    return xs


def _paint_header(pen: _Pen, doc: Document, y: float) -> float:
    layout = doc.layout
    xs = _xs(doc)
    top_h, col_h = _header_rows(doc)
    hpt, hfont = _header_pt(doc), _header_font(layout)
    lh = _line_h(hpt)
    bottom = y + top_h + col_h
    pen.line(xs[0], y, xs[-1], y, 0.3)
    done: set[str] = set()
    for i, col in enumerate(layout.columns):
        x0, x1 = xs[i], xs[i + 1]
        if col.group:
            if col.group not in done:
                done.add(col.group)
                idx = [j for j, c in enumerate(layout.columns) if c.group == col.group]
                gx0, gx1 = xs[idx[0]], xs[idx[-1] + 1]
                lines = wrap(col.group, hfont, hpt, gx1 - gx0 - 2 * _PAD)
                start = y + (top_h - len(lines) * lh) / 2 + lh / 2
                for k, s in enumerate(lines):
                    pen.text((gx0 + gx1) / 2, start + k * lh, s, hfont, hpt, anchor="mm")
                pen.line(gx0, y + top_h, gx1, y + top_h, 0.25)
            cell_top, cell_h = y + top_h, col_h
        else:
            cell_top, cell_h = y, top_h + col_h
        lines = wrap(col.header, hfont, hpt, x1 - x0 - 2 * _PAD)
        start = cell_top + (cell_h - len(lines) * lh) / 2 + lh / 2
        for k, s in enumerate(lines):
            pen.text((x0 + x1) / 2, start + k * lh, s, hfont, hpt, anchor="mm")
    # vertical lines: through the merged row only at group edges
    for i, x in enumerate(xs):
        inside_group = (
            0 < i < len(xs) - 1
            and layout.columns[i - 1].group
            and layout.columns[i - 1].group == layout.columns[i].group
        )
        pen.line(x, y + top_h if inside_group else y, x, bottom, 0.25)
    y = bottom
    if layout.number_row:
        h = _line_h(hpt) + 1.0
        style = doc.ink_seed % 3
        for i in range(len(layout.columns)):
            label = {0: f"({i + 1})", 1: str(i + 1), 2: "ABCDEFGHIJKLMN"[i] if i < 2 else str(i - 1)}[style]
            pen.text((xs[i] + xs[i + 1]) / 2, y + h / 2, label, layout.font.italic, hpt * 0.9, anchor="mm")
            pen.line(xs[i], y, xs[i], y + h, 0.25)
        pen.line(xs[-1], y, xs[-1], y + h, 0.25)
        pen.line(xs[0], y, xs[-1], y, 0.25)
        y += h
    pen.line(xs[0], y, xs[-1], y, 0.3)
    return y


def _paint_rows(pen: _Pen, doc: Document, y: float, indices: list[int]) -> float:
    layout = doc.layout
    xs = _xs(doc)
    row_h = _row_h(doc)
    top = y
    for index in indices:
        person = doc.people[index]
        for i, col in enumerate(layout.columns):
            text = cell_text(doc, person, col.key, index)
            if col.align == "left":
                pen.text(xs[i] + _PAD, y + row_h / 2, text, layout.font.regular, doc.body_pt)
            else:
                pen.text((xs[i] + xs[i + 1]) / 2, y + row_h / 2, text, layout.font.regular, doc.body_pt, anchor="mm")
        y += row_h
        pen.line(xs[0], y, xs[-1], y, 0.2 if layout.grid == "full" else 0.15)
    for i, x in enumerate(xs):
        if layout.grid == "full" or i in (0, len(xs) - 1):
            pen.line(x, top, x, y, 0.25)
    pen.line(xs[0], y, xs[-1], y, 0.3)
    return y


def _scribble(pen: _Pen, rng: random.Random, cx: float, cy: float, w: float) -> None:
    points = []
    for k in range(40):
        t = k / 39
        x = cx - w / 2 + w * t + rng.uniform(-1, 1)
        y = cy + math.sin(t * rng.uniform(7, 12) + rng.random()) * rng.uniform(2, 5) * (1 - t * 0.5)
        points.append((pen.px(x), pen.px(y)))
    pen.draw.line(points, fill=(25, 40, 150), width=max(1, pen.px(0.45)), joint="curve")
    pen.draw.line(
        [(pen.px(cx - w / 2), pen.px(cy + 5)), (pen.px(cx + w / 3), pen.px(cy + 3))],
        fill=(25, 40, 150),
        width=max(1, pen.px(0.35)),
    )


def _stamp(doc: Document, dpi: int, rng: random.Random) -> Image.Image:
    """A red round company seal: name around the ring, star and tax code in the middle, uneven ink."""
    radius = 19.0
    size = round(2 * radius * dpi / 25.4) + 4
    seal = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(seal)
    c = size / 2
    r = radius * dpi / 25.4
    draw.ellipse([c - r, c - r, c + r, c + r], outline=255, width=max(2, round(0.7 * dpi / 25.4)))
    r2 = r * 0.66
    draw.ellipse([c - r2, c - r2, c + r2, c + r2], outline=255, width=max(1, round(0.35 * dpi / 25.4)))
    ring = doc.unit.name.upper() + " * " + doc.unit.province.upper() + " * "
    font = _font(doc.layout.font.bold, round(2.6 * dpi / 25.4))
    step = 360 / len(ring)
    for k, ch in enumerate(ring):
        angle = -90 + k * step
        glyph = Image.new("L", (font.size * 2, font.size * 2), 0)
        ImageDraw.Draw(glyph).text((font.size, font.size), ch, font=font, fill=255, anchor="mm")
        glyph = glyph.rotate(-angle - 90, resample=Image.BICUBIC)
        rr = (r + r2) / 2
        gx = c + rr * math.cos(math.radians(angle)) - glyph.width / 2
        gy = c + rr * math.sin(math.radians(angle)) - glyph.height / 2
        seal.paste(255, (round(gx), round(gy)), glyph)
    star = [
        (
            c + r2 * 0.35 * math.cos(math.radians(-90 + 36 * k)) * (1 if k % 2 == 0 else 0.4),
            c - r2 * 0.25 + r2 * 0.35 * math.sin(math.radians(-90 + 36 * k)) * (1 if k % 2 == 0 else 0.4),
        )
        for k in range(10)
    ]
    draw.polygon(star, fill=255)
    small = _font(doc.layout.font.bold, round(2.2 * dpi / 25.4))
    draw.text((c, c + r2 * 0.45), f"M.S.D.N: {doc.unit.tax_code}", font=small, fill=255, anchor="mm")
    # uneven ink: some parts of the seal pressed harder than others
    coarse = numpy.random.default_rng(rng.getrandbits(32)).uniform(0, 255, (12, 12)).astype("uint8")
    ink = Image.fromarray(coarse).resize((size, size), Image.BICUBIC)
    seal = Image.composite(seal, Image.new("L", seal.size, 0), ink.point(lambda v: 255 if v > 70 else 130))
    return seal.rotate(rng.uniform(-25, 25), resample=Image.BICUBIC)


def _paint_footer(pen: _Pen, doc: Document, y: float, rng: random.Random) -> None:
    layout = doc.layout
    width = layout.size_mm[0]
    pt = min(layout.body_pt + 0.5, 12.5)
    font = layout.font
    left_x = layout.margin_mm + (40 if layout.landscape else 30)
    right_x = width - layout.margin_mm - (55 if layout.landscape else 40)
    y += 6
    city = doc.unit.province if doc.unit.province != "Hồ Chí Minh" else "TP. Hồ Chí Minh"
    day = doc.signed_on
    pen.text(right_x, y, f"{city}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}", font.italic, pt, "mm")
    y += _line_h(pt) * 1.3
    pen.text(left_x, y, doc.layout.footer_titles[0], font.bold, pt, "mm")
    pen.text(right_x, y, doc.layout.footer_titles[1], font.bold, pt, "mm")
    y += _line_h(pt) * 1.1
    pen.text(left_x, y, "(Ký, ghi rõ họ tên)", font.italic, pt - 1, "mm")
    pen.text(right_x, y, "(Ký tên, đóng dấu)", font.italic, pt - 1, "mm")
    sig_y = y + 14
    _scribble(pen, rng, left_x, sig_y, 28)
    _scribble(pen, rng, right_x, sig_y, 32)
    if layout.stamp:
        seal = _stamp(doc, pen.dpi, rng)
        ox = pen.px(right_x - 14 + rng.uniform(-3, 3)) - seal.width // 2
        oy = pen.px(sig_y + rng.uniform(-3, 2)) - seal.height // 2
        red = Image.new("RGB", seal.size, (205, 30, 40))
        region = pen.image.crop((ox, oy, ox + seal.width, oy + seal.height))
        inked = ImageChops.multiply(region, red)
        region.paste(inked, (0, 0), seal.point(lambda v: int(v * 0.85)))
        pen.image.paste(region, (ox, oy))
    y = sig_y + 16
    pen.text(left_x, y, doc.preparer, font.bold, pt, "mm")
    pen.text(right_x, y, doc.director, font.bold, pt, "mm")


def render_pages(doc: Document, dpi: int) -> list[Image.Image]:
    """The clean printed pages (RGB, white paper) of `doc` at `dpi`."""
    if not doc.plan:
        paginate(doc)
    layout = doc.layout
    w_mm, h_mm = layout.size_mm
    rng = random.Random(doc.ink_seed)
    pages: list[Image.Image] = []
    for number, indices in enumerate(doc.plan, start=1):
        image = Image.new("RGB", (round(w_mm * dpi / 25.4), round(h_mm * dpi / 25.4)), (255, 255, 255))
        pen = _Pen(image, dpi)
        y = layout.margin_mm
        if number == 1:
            y = _paint_letterhead(pen, doc, y)
        if indices:
            if number == 1 or layout.header_on_continuation:
                y = _paint_header(pen, doc, y)
            y = _paint_rows(pen, doc, y, indices)
        if number == len(doc.plan):
            _paint_footer(pen, doc, y, rng)
        if layout.page_numbers:
            pen.text(
                w_mm / 2, h_mm - layout.margin_mm + 2, f"Trang {number}/{len(doc.plan)}", layout.font.italic, 9, "mm"
            )
        pages.append(image)
    return pages


def with_layout(doc: Document, **changes: object) -> Document:
    """The same people drawn by another office (for comparing layouts on one list)."""
    new = Document(
        doc.unit, doc.people, replace(doc.layout, **changes), doc.signed_on, doc.ink_seed, doc.preparer, doc.director
    )
    paginate(new)
    return new
