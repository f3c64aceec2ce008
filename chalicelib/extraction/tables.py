"""Lines, segments and table rows recovered from word boxes by their layout.

Input is a list of `Word`s (from Tesseract's `image_to_data`, or from a PDF's text layer) in a
top-left coordinate system of any unit. The steps:

1. words are grouped into visual lines (tilt undone with the measured skew);
2. the table's header line is the line where the most column titles ("Họ và tên", "Mã số BHXH",
   "Ngày sinh", "Số CCCD/CMND", "Từ ngày", "Đến ngày", ...) are found by fuzzy match (rapidfuzz),
   possibly over two lines;
3. the columns' extents come from the data itself: the x ranges covered by the words below the
   header, split where no word of any row reaches, each range given to the header title above it;
4. each line below the header is cut into cells by those ranges; a line that only continues the
   name cell of the line above is joined to it.
"""
from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field

__all__ = ["Word", "Line", "Column", "TableRow", "group_lines", "split_segments", "find_header",
           "parse_table", "unaccent", "COLUMN_TITLES"]


@dataclass
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    conf: float = 1.0
    line: tuple = ()

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def height(self) -> float:
        return self.y1 - self.y0


@dataclass
class Line:
    words: list[Word]
    y: float  # skew-corrected centre

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def x0(self) -> float:
        return min(w.x0 for w in self.words)

    @property
    def height(self) -> float:
        hs = sorted(w.height for w in self.words)
        return hs[len(hs) // 2]


@dataclass
class Column:
    name: str  # a field name, "stt", or "_N" for a column we do not read
    x0: float
    x1: float
    title_cx: float = 0.0


@dataclass
class TableRow:
    cells: dict[str, str] = field(default_factory=dict)
    conf: dict[str, float] = field(default_factory=dict)
    boxes: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)
    y: float = 0.0


COLUMN_TITLES: dict[str, tuple[str, ...]] = {
    "stt": ("stt", "so tt", "tt", "so thu tu"),
    "full_name": ("ho va ten", "ho ten", "ho va ten nguoi lao dong", "ten nguoi lao dong", "ho, ten"),
    "si_number": ("ma so bhxh", "ma so bao hiem xa hoi", "so so bhxh", "ma bhxh", "so bhxh", "ma so bhxh/so so"),
    "date_of_birth": ("ngay sinh", "ngay thang nam sinh", "ngay, thang, nam sinh", "ngay/thang/nam sinh"),
    "id_number": ("so cccd/cmnd", "so cmnd/cccd", "so cccd", "so cmnd", "cccd/cmnd", "cmnd/cccd",
                  "so dinh danh", "so can cuoc cong dan", "so cmnd/ho chieu", "so cccd/cmnd/ho chieu"),
    "period_from": ("tu ngay", "ngay bat dau", "thoi gian tu"),
    "period_to": ("den ngay", "ngay ket thuc", "thoi gian den"),
}
MIN_TITLE_SCORE = 80.0
_JUNK_EDGES = "|_[]{}()—–-=~`'\"‘’“”.,;:"


def unaccent(text: str) -> str:
    """Lower case without diacritics ('Đến ngày' -> 'den ngay'): what titles are matched on."""
    text = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).lower()


def clean_words(words: list[Word]) -> list[Word]:
    """Drop table rulings read as text ('|', '_') and strip them from the edges of words."""
    out = []
    for w in words:
        text = w.text.strip("|_[]{}—")
        if not text or not any(ch.isalnum() for ch in text):
            continue
        out.append(Word(text, w.x0, w.y0, w.x1, w.y1, w.conf, w.line))
    return out


def group_lines(words: list[Word], skew_deg: float = 0.0) -> list[Line]:
    """Visual lines, top to bottom; words in a line left to right."""
    if not words:
        return []
    slope = math.tan(math.radians(skew_deg))
    heights = sorted(w.height for w in words)
    tol = max(heights[len(heights) // 2] * 0.55, 1e-6)
    items = sorted((((w.y0 + w.y1) / 2 - w.cx * slope, w) for w in words), key=lambda it: it[0])
    lines: list[list] = []
    for y, w in items:
        if lines and abs(y - lines[-1][0]) <= tol:
            group = lines[-1]
            group[1].append(w)
            group[2].append(y)
            group[0] = sum(group[2]) / len(group[2])
        else:
            lines.append([y, [w], [y]])
    return [Line(sorted(ws, key=lambda w: w.x0), y) for y, ws, _ in lines]


def split_segments(line: Line, gap_factor: float = 1.5) -> list[list[Word]]:
    """Cut a line where the gap between two words is wide (text in separate places of the page)."""
    gap = line.height * gap_factor
    segments: list[list[Word]] = [[line.words[0]]]
    for prev, w in zip(line.words, line.words[1:]):
        if w.x0 - prev.x1 > gap:
            segments.append([w])
        else:
            segments[-1].append(w)
    return segments


def _match_titles(line: Line, found: dict[str, tuple[float, float, float]]) -> dict[str, tuple[float, float, float]]:
    """Column titles in one line: name -> (score, x0, x1); longest, best matches first."""
    words = line.words
    normal = [unaccent(w.text).strip(_JUNK_EDGES) for w in words]
    candidates = []
    for i in range(len(words)):
        for n in range(1, 7):
            if i + n > len(words):
                break
            text = " ".join(normal[i:i + n]).strip()
            if not text:
                continue
            candidates.extend((score, n, name, i) for name, score in _title_scores(text).items())
    candidates.sort(key=lambda c: (-c[0], -c[1]))
    used: set[int] = set()
    out = dict(found)
    for score, n, name, i in candidates:
        span = set(range(i, i + n))
        if name in out or span & used:
            continue
        used |= span
        out[name] = (score, min(w.x0 for w in words[i:i + n]), max(w.x1 for w in words[i:i + n]))
    return out


_TITLES = [(name, title) for name, titles in COLUMN_TITLES.items() for title in titles]
_TITLE_TEXTS = [title for _, title in _TITLES]
_BY_FIRST_WORD: dict[str, list[tuple[str, str]]] = {}
for _name, _title in _TITLES:
    if " " in _title:
        _BY_FIRST_WORD.setdefault(_title.split()[0], []).append((_name, _title))


def _title_scores(text: str) -> dict[str, float]:
    """The columns whose title `text` matches, each with its best score (at least MIN_TITLE_SCORE).

    A title of several words whose last word is garbled ("Đến ngày" read as "Đến ni") still matches
    on its start, when its first word is exact and most of its length is there. Every word run of
    every line is scored against every title, so the titles go to rapidfuzz in one call with the
    cut-off (a Python loop over them took ~80 ms of a page's reading)."""
    from rapidfuzz import fuzz, process

    best: dict[str, float] = {}
    for _, score, index in process.extract(text, _TITLE_TEXTS, scorer=fuzz.ratio, score_cutoff=MIN_TITLE_SCORE, limit=None):
        name = _TITLES[index][0]
        best[name] = max(best.get(name, 0.0), score)
    if " " in text:
        for name, title in _BY_FIRST_WORD.get(text.split()[0], ()):
            if len(text) >= 0.6 * len(title):
                score = fuzz.ratio(text, title[:len(text)], score_cutoff=MIN_TITLE_SCORE)
                if score:
                    best[name] = max(best.get(name, 0.0), score)
    return {name: best[name] for name in COLUMN_TITLES if name in best}  # in the titles' order, as ties were


def find_header(lines: list[Line]) -> tuple[int, dict[str, tuple[float, float, float]]] | None:
    """(index of the header's last line, titles found) or None when the page has no worker table."""
    best = None
    for idx, line in enumerate(lines):
        titles = _match_titles(line, {})
        if len(titles) < 2:
            continue
        last = idx
        # a two-row header ("Thời gian" over "Từ ngày | Đến ngày"): take titles from the next line too
        if idx + 1 < len(lines) and lines[idx + 1].y - line.y < 2.6 * line.height:
            more = _match_titles(lines[idx + 1], titles)
            if len(more) > len(titles) + 1 or ("period_from" in more and "period_from" not in titles):
                titles, last = more, idx + 1
        key = [k for k in titles if k != "stt"]
        if len(key) >= 3 and ("si_number" in titles or "full_name" in titles):
            if best is None or len(titles) > len(best[1]):
                best = (last, titles)
    return best


def _columns(titles: dict[str, tuple[float, float, float]], rows: list[Line]) -> list[Column]:
    """Column extents: one column per title, cut between two neighbouring titles at the widest
    stretch that no word of the table's rows covers.

    Cells sit between the edges of their titles: the boundary between two columns lies between the
    right edge of the left title and the left edge of the right one (a left-aligned name may start
    left of its centred title, so the title centres are no guide). Only the table's own rows (lines
    with numbers in them) are looked at: a footer or a signature line spanning two columns would
    otherwise hide the gap between them. The result does not depend on how many rows there are.
    """
    heads = sorted((((x0 + x1) / 2, x0, x1, name) for name, (_, x0, x1) in titles.items()))
    data = [line for line in rows if _looks_like_data(line)] or rows
    words = [w for line in data for w in line.words]
    if not words:
        return [Column(name, x0, x1, cx) for cx, x0, x1, name in heads]
    spans = sorted((w.x0, w.x1) for w in words)
    cuts = [_best_cut(spans, a, b) for a, b in zip(heads, heads[1:])]
    left = min(heads[0][1], spans[0][0])
    right = max(heads[-1][2], max(x1 for _, x1 in spans))
    bounds = [left] + cuts + [right]
    return [Column(name, lo, hi, cx) for (cx, _, _, name), lo, hi in zip(heads, bounds, bounds[1:])]


def _looks_like_data(line: Line) -> bool:
    """A table row: at least two words that are mostly digits (numbers, dates)."""
    return sum(1 for w in line.words if _digits(w.text) >= 4) >= 2


def _gaps(spans: list[tuple[float, float]], lo: float, hi: float) -> list[tuple[float, float]]:
    """The stretches of [lo, hi] that no span covers."""
    out = []
    reach = lo
    for x0, x1 in spans:  # sorted by x0
        if x1 <= reach:
            continue
        if x0 >= hi:
            break
        if x0 > reach:
            out.append((reach, x0))
        reach = max(reach, x1)
    if hi > reach:
        out.append((reach, hi))
    return out


def _best_cut(spans: list[tuple[float, float]], a: tuple, b: tuple) -> float:
    """Where to cut between the columns of titles `a` and `b` (cx, x0, x1, name), left to right:
    the middle of the widest stretch between the two titles' facing edges that no word covers;
    when words cover all of it, the widest such stretch between the title centres; else halfway."""
    lo, hi = a[2], b[1]
    if hi <= lo:  # titles touching or overlapping: only their centres are apart
        lo, hi = a[0], b[0]
    gaps = _gaps(spans, lo, hi) or _gaps(spans, a[0], b[0])
    if not gaps:
        return (lo + hi) / 2
    g0, g1 = max(gaps, key=lambda g: g[1] - g[0])
    return (g0 + g1) / 2


def _cell_of(word: Word, columns: list[Column]) -> Column:
    for col in columns:
        if col.x0 <= word.cx <= col.x1:
            return col
    return min(columns, key=lambda c: min(abs(word.cx - c.x0), abs(word.cx - c.x1)))


def parse_table(lines: list[Line], header: tuple[int, dict] | None,
                columns: list[Column] | None = None) -> tuple[list[TableRow], list[Column]]:
    """Rows of the worker table below `header` (or, on a continuation page, using `columns`)."""
    if header is not None:
        start, titles = header
        body = lines[start + 1:]
        # unknown columns (e.g. "Ghi chú"): words of the header line that matched no title
        hline = lines[start]
        known = [(x0, x1) for _, x0, x1 in titles.values()]
        extra = {}
        for w in hline.words:
            if not any(x0 - 1 <= w.cx <= x1 + 1 for x0, x1 in known):
                extra[f"_{len(extra)}"] = (0.0, w.x0, w.x1)
        columns = _columns({**titles, **_merge_extra(extra, hline.height)}, body)
    elif columns is None:
        return [], []
    else:
        body = lines
    rows: list[TableRow] = []
    pitch = None
    for line in body:
        cells: dict[str, list[Word]] = {}
        for w in line.words:
            col = _cell_of(w, columns)
            if col.name in _FIELDS or col.name == "stt":
                cells.setdefault(col.name, []).append(w)
        data = {k: v for k, v in cells.items() if k in _FIELDS}
        if not data:
            continue
        only_name = set(data) == {"full_name"}
        if only_name and rows and "full_name" in rows[-1].cells and pitch is not None \
                and line.y - rows[-1].y < 1.6 * pitch and not _digits(rows[-1].cells.get("full_name", "")):
            # a long name wrapped in its cell: continue the row above
            prev = rows[-1]
            prev.cells["full_name"] += " " + " ".join(w.text for w in data["full_name"])
            prev.conf["full_name"] = min(prev.conf["full_name"], min(w.conf for w in data["full_name"]))
            prev.boxes.pop("full_name", None)  # two lines: not re-read as one
            continue
        row = TableRow(y=line.y)
        for name, ws in cells.items():
            row.cells[name] = " ".join(w.text for w in ws)
            row.conf[name] = min(w.conf for w in ws)
            row.boxes[name] = (min(w.x0 for w in ws), min(w.y0 for w in ws),
                               max(w.x1 for w in ws), max(w.y1 for w in ws))
        if not _is_worker_row(row):
            if rows and len(data) == 1 and not only_name:
                break  # a lone line of text below the table (signatures, notes): the table is over
            continue
        if rows:
            pitch = line.y - rows[-1].y if pitch is None else min(pitch, line.y - rows[-1].y)
        rows.append(row)
    return rows, columns


_FIELDS = ("full_name", "si_number", "date_of_birth", "id_number", "period_from", "period_to")


def _merge_extra(extra: dict, height: float) -> dict:
    """Words of unknown titles that stand together form one unknown column."""
    merged: dict[str, tuple[float, float, float]] = {}
    for _, x0, x1 in sorted(extra.values(), key=lambda e: e[1]):
        if merged:
            key = list(merged)[-1]
            _, mx0, mx1 = merged[key]
            if x0 - mx1 < 1.5 * height:
                merged[key] = (0.0, mx0, max(mx1, x1))
                continue
        merged[f"_{len(merged)}"] = (0.0, x0, x1)
    return merged


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def _is_worker_row(row: TableRow) -> bool:
    filled = [k for k in _FIELDS if row.cells.get(k, "").strip()]
    if len(filled) < 2:
        return False
    return any(_digits(row.cells.get(k, "")) >= 6 for k in _FIELDS if k != "full_name")
