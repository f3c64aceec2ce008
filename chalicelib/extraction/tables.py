"""Lines, segments and table rows recovered from word boxes by their layout.

Input is a list of `Word`s (from Tesseract's `image_to_data`, or from a PDF's text layer) in a
top-left coordinate system of any unit. The steps:

1. words are grouped into visual lines (tilt undone with the measured skew);
2. the table's header is the band of lines (wrapped titles, a merged parent cell such as "Thời gian
   tạm hoãn" over "Từ ngày | Đến ngày") where the most column titles (`COLUMN_TITLES`: the wording of
   the official forms and its variants) are found by fuzzy match (rapidfuzz), in any order; where no
   header is legible, the lines above the first line that looks like a table row;
3. the columns come from the data: the rows are brought into one frame (`straighten`: a phone photo's
   perspective makes columns drift from row to row), and the x axis is cut wherever no word of any
   row reaches; each title names the data column under it;
4. a column no title names is typed by its content (`cell_kind`: 10 digits an SI number, 9 or 12 an
   ID, capitalised words a name, dates the date of birth, then the period's start and end);
5. each line below the header is cut into cells by those columns; a line that only continues the
   name cell of the line above is joined to it.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from dataclasses import dataclass, field

__all__ = [
    "COLUMN_TITLES",
    "Column",
    "Line",
    "TableRow",
    "Word",
    "align_columns",
    "cell_kind",
    "find_header",
    "group_lines",
    "parse_table",
    "split_segments",
    "straighten",
    "titled",
    "unaccent",
]


@dataclass
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    conf: float = 1.0
    line: tuple[int, ...] = ()
    nx0: float = math.nan
    """x0 in the frame of the table's first row (see `straighten`); x0 itself when not set."""
    nx1: float = math.nan

    def __post_init__(self) -> None:
        if math.isnan(self.nx0):
            self.nx0 = self.x0
        if math.isnan(self.nx1):
            self.nx1 = self.x1

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def ncx(self) -> float:
        return (self.nx0 + self.nx1) / 2

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
    name: str  # a field name, "stt", "period" (both dates in one cell), "job", or "_N" for a column we do not read
    x0: float
    x1: float
    title_cx: float = 0.0
    label: str = ""
    """The title the column was named by, as read; empty when it was named by its content."""


@dataclass
class TableRow:
    cells: dict[str, str] = field(default_factory=dict)
    conf: dict[str, float] = field(default_factory=dict)
    boxes: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)
    y: float = 0.0


COLUMN_TITLES: dict[str, tuple[str, ...]] = {
    "stt": ("stt", "so tt", "tt", "so thu tu"),
    "full_name": (
        "ho va ten",
        "ho ten",
        "ho va ten nguoi lao dong",
        "ten nguoi lao dong",
        "ho, ten",
        "ho va ten nld",
        "ho ten nguoi lao dong",
        "ho, chu dem va ten",
        "ho chu dem va ten",
        "ho, chu dem, ten",
    ),
    "si_number": (
        "ma so bhxh",
        "ma so bao hiem xa hoi",
        "so so bhxh",
        "ma bhxh",
        "so bhxh",
        "ma so bhxh/so so",
        "ma so bhxh so so",
        "ma so bhxh (so so)",
        "so so bao hiem xa hoi",
        "ma so so bhxh",
    ),
    "date_of_birth": (
        "ngay sinh",
        "ngay thang nam sinh",
        "ngay, thang, nam sinh",
        "ngay/thang/nam sinh",
        "ngay thang sinh",
        "nam sinh",
    ),
    "id_number": (
        "so cccd/cmnd",
        "so cmnd/cccd",
        "so cccd",
        "so cmnd",
        "cccd/cmnd",
        "cmnd/cccd",
        "so dinh danh",
        "so can cuoc cong dan",
        "so cmnd/ho chieu",
        "so cccd/cmnd/ho chieu",
        "so dinh danh ca nhan",
        "so cmnd/the can cuoc",
        "so cmt/cccd",
        "so cmt",
    ),
    # a parent cell over "Từ ngày | Đến ngày", or one column holding "dd/mm/yyyy - dd/mm/yyyy"; before
    # the two below, so that a tie ("thoi gian" starts both) goes to the parent, which decides nothing
    "period": (
        "thoi gian tam hoan",
        "thoi gian nghi khong luong",
        "thoi gian nghi viec khong huong luong",
        "thoi gian tam hoan hdld",
        "thoi gian tam hoan hop dong lao dong",
        "tam hoan hdld",
        "thoi gian tam hoan thuc hien hdld",
        "thoi gian nghi",
        "thoi han tam hoan",
    ),
    "period_from": (
        "tu ngay",
        "ngay bat dau",
        "thoi gian tu",
        "thoi gian bat dau tam hoan",
        "thoi gian bat dau",
        "ngay bat dau tam hoan",
        "bat dau tam hoan",
        "ngay bat dau nghi",
        "tam hoan tu",
        "tam hoan tu ngay",
        "nghi tu ngay",
        "nghi khong luong tu",
        "nghi khong luong tu ngay",
        "thoi gian tam hoan tu",
        "thoi gian tam hoan tu ngay",
        "bat dau tu",
        "bat dau",
        "tu",
    ),
    "period_to": (
        "den ngay",
        "ngay ket thuc",
        "thoi gian den",
        "thoi gian ket thuc tam hoan",
        "thoi gian ket thuc",
        "ngay ket thuc tam hoan",
        "ket thuc tam hoan",
        "ngay ket thuc nghi",
        "tam hoan den",
        "tam hoan den ngay",
        "nghi den ngay",
        "nghi khong luong den",
        "nghi khong luong den ngay",
        "thoi gian tam hoan den",
        "thoi gian tam hoan den ngay",
        "ket thuc",
        "den",
    ),
    # a column we do not read, whose title parts it from its neighbours: job titles written in capitals
    # ("Nhân Viên Bán Hàng") run on from the name with no gap between the columns to cut at
    "job": ("vi tri viec lam", "chuc danh", "chuc danh cong viec", "nghe nghiep", "chuc vu", "vi tri cong viec"),
}
"""The wording of the column titles in the official forms (the lists annexed to Decision 15/2020/QĐ-TTg
and Decision 23/2021/QĐ-TTg, the lists exported by BHXH's declaration software) and the variants
employers write, without diacritics. Short titles ("tu", "den") must match exactly, and a longer
title over the same words wins (best score, then longest first)."""
MIN_TITLE_SCORE = 80.0
_JUNK_EDGES = "|_[]{}()—–-=~`'\"‘’“”.,;:"


def unaccent(text: str) -> str:
    """Lower case without diacritics ('Đến ngày' -> 'den ngay'): what titles are matched on."""
    text = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).lower()


_RULINGS = frozenset("lIiÌÍìí!/\\()")
"""A lone character of these is a table ruling Tesseract read as a letter (a vertical line is an
'l', 'I' or 'Ì'): no cell holds a one-letter word of them (a name's one-letter syllable is 'Ý')."""


def clean_words(words: list[Word]) -> list[Word]:
    """Drop table rulings read as text ('|', '_') and strip them from the edges of words."""
    out = []
    for w in words:
        text = w.text.strip("|_[]{}—")
        if not text or not any(ch.isalnum() for ch in text) or text in _RULINGS:
            continue
        out.append(Word(text, w.x0, w.y0, w.x1, w.y1, w.conf, w.line))
    return _trimmed(_without_echoes(out))


def _trimmed(words: list[Word]) -> list[Word]:
    """The words with a box that reaches over the next words of its line cut back.

    Tesseract now and then gives a word the box of a whole run of the line ("Đặng" over "Kim Hiền", a
    contract number over the two dates beside it) and reports those words too. Two words of one line
    never overlap on the page, so the box ends before the first word inside it begins, and no further
    than its characters reach (a quarter more than the page's median width of a character); left as it
    was, it would bridge the gap between two columns and join them. A ruling's trace (`stray`) is
    neither cut nor cuts: it is no text."""
    if not words:
        return words
    heights = sorted(w.height for w in words)
    h = heights[len(heights) // 2]
    widths = sorted((w.x1 - w.x0) / len(w.text) for w in words if len(w.text) >= 4)
    char = widths[len(widths) // 2] if widths else h
    order = sorted(words, key=lambda w: w.x0)
    out = []
    for k, a in enumerate(order):
        cut = a.x1
        if not stray(a, h):
            for b in order[k + 1 :]:
                if b.x0 >= a.x1:
                    break
                if (
                    b.x0 > a.x0 + 0.5 * a.height
                    and not stray(b, h)
                    and min(a.y1, b.y1) - max(a.y0, b.y0) >= 0.5 * min(a.height, b.height)
                ):
                    cut = min(cut, b.x0 - 1, a.x0 + 1.25 * len(a.text) * char)
        out.append(a if cut == a.x1 else Word(a.text, a.x0, a.y0, max(cut, a.x0 + 1), a.y1, a.conf, a.line))
    return out


def _without_echoes(words: list[Word]) -> list[Word]:
    """The words without those Tesseract read twice: on an unevenly lit photo it now and then gives a
    word again, whole ("01/05/2020" twice over one date) or in part ("1975" inside "09/09/1975"), and the
    cell then holds both. A word whose box lies (80 %) inside another's, on the same text line, and whose
    text is part of the other's, is that other word read again: the less confident of the two goes (the
    longer when they tie)."""
    order = sorted(range(len(words)), key=lambda i: words[i].x0)
    gone: set[int] = set()
    for k, i in enumerate(order):
        a = words[i]
        for j in order[k + 1 :]:
            b = words[j]
            if b.x0 >= a.x1:
                break
            if i in gone or j in gone or min(a.y1, b.y1) - max(a.y0, b.y0) < 0.5 * min(a.height, b.height):
                continue
            inner, outer = (a, b) if a.x1 - a.x0 <= b.x1 - b.x0 else (b, a)
            overlap = min(a.x1, b.x1) - max(a.x0, b.x0)
            if overlap < 0.8 * max(inner.x1 - inner.x0, 1e-6) or inner.text not in outer.text:
                continue
            if inner.text == outer.text:
                gone.add(i if a.conf < b.conf else j)
            else:
                gone.add(i if inner is a else j)
    return [w for k, w in enumerate(words) if k not in gone]


DRIFT = 0.02
"""How far (a fiftieth, about 1.1°) a line may drift up or down from its last word to the next, beyond
the page's measured tilt: what `group_lines` weighs two candidate lines by."""


def _lean(words: list[Word], ys: list[float], h: float) -> float:
    """The slope of a line so far (its first word to its last), once it is ten line heights long (a
    shorter one's slope is mostly the diacritics' noise), at most a twentieth."""
    span = words[-1].cx - words[0].cx
    if span < 10 * h:
        return 0.0
    return max(-0.05, min(0.05, (ys[-1] - ys[0]) / span))


def group_lines(words: list[Word], skew_deg: float = 0.0) -> list[Line]:
    """Visual lines, top to bottom; words in a line left to right.

    Each line is followed from left to right: a word joins the line whose last words stand level with
    it (within about half a line height, once the page's measured tilt `skew_deg` is undone; the nearer
    of two such lines). Following the line, rather than cutting the page into bands of one height, keeps
    a row whole where its tilt is not the page's: a phone photo's perspective bends the rows near one
    edge a degree or two away from the rest, so that the right half of a long row stands level with
    the left half of the next when seen as one band."""
    if not words:
        return []
    slope = math.tan(math.radians(skew_deg))
    heights = sorted(w.height for w in words)
    h = heights[len(heights) // 2]
    tol = max(h * 0.55, 1e-6)
    runs: list[tuple[list[Word], list[float]]] = []
    for w in sorted(words, key=lambda w: (w.x0, w.y0)):
        y = (w.y0 + w.y1) / 2 - w.cx * slope
        best = None
        for run in runs:
            ws, ys = run
            k = next((k for k in range(len(ws) - 1, -1, -1) if not stray(ws[k], h)), len(ws) - 1)
            last = ws[k]  # a ruling's trace stretches over its neighbours' places: the word before it counts
            tail = ys[k] + _lean(ws[: k + 1], ys[: k + 1], h) * (w.cx - last.cx)
            dy = abs(y - tail)
            # of two lines level with the word, the one whose last word is nearer: a tilt the page's does
            # not undo moves a line by about a fiftieth of the way from its last word
            score = dy + DRIFT * max(0.0, w.x0 - last.x1)
            if dy <= tol and (best is None or score < best[0]):
                best = (score, run)
        if best is None:
            runs.append(([w], [y]))
        else:
            best[1][0].append(w)
            best[1][1].append(y)
    lines = [Line(ws, sum(ys) / len(ys)) for ws, ys in runs]
    return sorted(lines, key=lambda line: line.y)


def split_segments(line: Line, gap_factor: float = 1.5) -> list[list[Word]]:
    """Cut a line where the gap between two words is wide (text in separate places of the page)."""
    gap = line.height * gap_factor
    segments: list[list[Word]] = [[line.words[0]]]
    for prev, w in zip(line.words, line.words[1:], strict=False):
        if w.x0 - prev.x1 > gap:
            segments.append([w])
        else:
            segments[-1].append(w)
    return segments


def _match_titles(line: Line, found: Titles) -> Titles:
    """Column titles in one line: name -> (score, x0, x1, text); longest, best matches first."""
    return _match_line(line, found)[0]


def _match_line(line: Line, found: Titles, rows: list[int] | None = None) -> tuple[Titles, set[int]]:
    """`_match_titles`, and the positions of the words the new titles took. `rows`: the text line of
    each word when `line` is a stack of several (see `_band_titles`). A run of words never spans a
    wide gap between two words of one text line: those stand in different cells."""
    words = line.words
    rows = rows or [0] * len(words)
    normal = [unaccent(w.text).strip(_JUNK_EDGES) for w in words]
    gap = 1.5 * max(line.height, 1e-6)
    candidates: list[tuple[float, int, str, int]] = []
    for i in range(len(words)):
        for n in range(1, 7):
            if i + n > len(words):
                break
            k = i + n - 1
            if n > 1 and rows[k] == rows[k - 1] and words[k].x0 - words[k - 1].x1 > gap:
                break
            text = " ".join(normal[i : i + n]).strip()
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
        out[name] = (
            score,
            min(w.x0 for w in words[i : i + n]),
            max(w.x1 for w in words[i : i + n]),
            " ".join(w.text for w in words[i : i + n]),
        )
    return out, used


_UNREAD = ("job",)
"""Titles of columns that are not read: they only say where a column is, and its cells are no field's."""
_NOT_KEYS = ("stt", "period", *_UNREAD)
"""Titles that do not count towards a header's three fields."""
_TITLES = [(name, title) for name, titles in COLUMN_TITLES.items() for title in titles]
_TITLE_TEXTS = [title for _, title in _TITLES]
_COMPACT_TEXTS = [title.replace(" ", "") for _, title in _TITLES]
AMBIGUOUS = 6.0
"""A text whose scores as the period's start and as its end are this close names neither of them."""
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
    compact = text.replace(" ", "")
    found = process.extract(text, _TITLE_TEXTS, scorer=fuzz.ratio, score_cutoff=MIN_TITLE_SCORE, limit=None)
    if len(compact) >= 6:  # "Kếtthúc", "Bắtđầu": Tesseract drops the space between the words of a bold title
        found += process.extract(compact, _COMPACT_TEXTS, scorer=fuzz.ratio, score_cutoff=MIN_TITLE_SCORE, limit=None)
    for _, score, index in found:
        name, title = _TITLES[index]
        if len(title) <= 5 and score < 90:
            continue  # "tuy" is not "tu", "so tu" not "so tt": a short title must be (nearly) exact
        best[name] = max(best.get(name, 0.0), score)
    if " " in text:
        for name, title in _BY_FIRST_WORD.get(text.split()[0], ()):
            if len(text) >= 0.6 * len(title) and len(text) < len(title):
                score = fuzz.ratio(text, title[: len(text)], score_cutoff=MIN_TITLE_SCORE)
                if score:  # a start only: an exact title of its own ("thoi gian tam hoan") beats it
                    best[name] = max(best.get(name, 0.0), score - 1.0)
    if "period_from" in best and "period_to" in best and abs(best["period_from"] - best["period_to"]) < AMBIGUOUS:
        # "tạm hoãn" (of "Số tháng tạm hoãn") is as much "Tạm hoãn từ" as "Tạm hoãn đến": the words
        # that tell the start from the end are missing, so it names neither
        del best["period_from"], best["period_to"]
    return {name: best[name] for name in COLUMN_TITLES if name in best}  # in the titles' order, as ties were


Titles = dict[str, tuple[float, float, float, str]]
"""Column titles found in a header: field -> (score, x0, x1, the title's words as read)."""
_Span = tuple[float, float, float]
"""A title's (cx, x0, x1)."""
_DataColumn = tuple[float, float, str, str]
"""A data column as `_labelled` makes it: (x0, x1, name, title read)."""

MAX_BAND_LINES = 3
"""Lines above and below the header's main line that may belong to it (wrapped titles, a merged
parent cell over its sub-columns): a header is at most seven text lines high."""


def _band(lines: list[Line], idx: int) -> list[int]:
    """Indices of the lines of the header band around line `idx`: neighbours close enough to be
    part of the same header cells (within 2.6 line heights of the next one), never a data row."""
    band = [idx]
    for step in (-1, 1):
        j = idx
        for _ in range(MAX_BAND_LINES):
            k = j + step
            if not 0 <= k < len(lines) or _looks_like_data(lines[k]):
                break
            h = max(lines[j].height, lines[k].height)
            if abs(lines[k].y - lines[j].y) > 2.6 * h:
                break
            band.append(k)
            j = k
    return sorted(band)


def _band_titles(lines: list[Line], band: list[int]) -> Titles:
    """The titles of a header band. Its words are first stacked into cells (words of one line close
    together, words of lines up to two apart overlapping in x) and each stack is matched as one text,
    line by line: "Ngày" over "tháng năm" over "sinh" is "Ngày tháng năm sinh", and a parent cell
    stacks with its sub-titles ("Thời gian tạm hoãn Từ ngày Đến ngày"). The words no stack's title
    took are then matched line by line (cells whose stacks ran together)."""
    items = [(bi, w) for bi, i in enumerate(band) for w in lines[i].words]
    if not items:
        return {}
    hs = sorted(w.height for _, w in items)
    h = hs[len(hs) // 2]
    parent = list(range(len(items)))

    def root(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for a, (ia, wa) in enumerate(items):
        for b in range(a + 1, len(items)):
            ib, wb = items[b]
            if ia == ib:
                near = max(wa.x0, wb.x0) - min(wa.x1, wb.x1) < 1.0 * h
            else:
                near = abs(ia - ib) <= 2 and min(wa.x1, wb.x1) - max(wa.x0, wb.x0) > -0.3 * h
            if near:
                parent[root(a)] = root(b)
    stacks: dict[int, list[tuple[int, Word]]] = {}
    for a, item in enumerate(items):
        stacks.setdefault(root(a), []).append(item)
    titles: Titles = {}
    used: set[int] = set()
    for stack in sorted(stacks.values(), key=lambda st: min(w.x0 for _, w in st)):
        stack.sort(key=lambda it: (it[0], it[1].x0))
        words = [w for _, w in stack]
        titles, took = _match_line(Line(words, 0.0), titles, [bi for bi, _ in stack])
        used |= {id(words[k]) for k in took}
    for i in band:
        rest = [w for w in lines[i].words if id(w) not in used]
        if rest:
            titles = _match_titles(Line(rest, lines[i].y), titles)
    return titles


def find_header(lines: list[Line]) -> tuple[int, Titles] | None:
    """(index of the header's last line, titles found) or None when the page has no worker table.

    A header is the band of lines (see `_band`) with the most column titles, at least three of
    them fields, one the SI number or the name. Where no such header is legible (Tesseract garbles
    wrapped bold titles in ruled cells often enough), a page whose lines look like table rows (two
    long numbers or more each, at least two such lines) still gives a header: the lines just above
    its first row, with whatever titles they have; `parse_table` then types its columns by their
    content and keeps them only if they make a list of workers."""
    best = None
    for idx, line in enumerate(lines):
        if _looks_like_data(line) or len(_match_titles(line, {})) < 2:
            continue
        band = _band(lines, idx)
        titles = _band_titles(lines, band)
        key = [k for k in titles if k not in _NOT_KEYS]
        if len(key) >= 3 and ("si_number" in titles or "full_name" in titles):
            if best is None or len(titles) > len(best[1]):
                best = (band[-1], titles)
    if best is not None:
        return best
    data = [i for i, line in enumerate(lines) if _looks_like_data(line)]
    if len(data) < 2:
        return None
    first = _table_start(lines, data)
    if first == 0:
        return -1, {}
    return first - 1, _band_titles(lines, _band(lines, first - 1))


def _table_start(lines: list[Line], data: list[int]) -> int:
    """The first line of the table among the lines that look like rows (`data`): the first whose numbers
    stand in the same places as those of the next such line. A heading line with two numbers ("Quyết định
    số 15/2020/QĐ-TTg ngày 24/4/2020", "Mã đơn vị: ... Mã số thuế: ...") looks like a row on its own, but
    no row below lines up with it; taken as the first row, it would make the heading's text part of the
    table and run its columns together. The first such line when no two line up."""
    for i, j in itertools.pairwise(data):
        if j - i > 3:
            continue
        h = max(lines[i].height, lines[j].height, 1e-6)
        below = [w.cx for w in lines[j].words if _digits(w.text) >= 4]
        aligned = sum(
            1 for w in lines[i].words if _digits(w.text) >= 4 and any(abs(w.cx - x) <= 1.5 * h for x in below)
        )
        if aligned >= 2:
            return i
    return data[0]


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


def _best_cut(spans: list[tuple[float, float]], a: _Span, b: _Span) -> float:
    """Where to cut between the columns of titles `a` and `b` (cx, x0, x1), left to right:
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


COLUMN_GAP = 0.65
"""Data columns are cut where no word of any row comes within this many line heights: wider than
the space between the words of a name (about 0.3-0.45), narrower than a cell's two paddings (0.7 and up)."""


def straighten(lines: list[Line]) -> None:
    """Undo the drift of the columns from row to row on a photo taken at an angle (perspective makes
    the table's verticals lean and converge), in place: every word's `nx0, nx1` become its x
    coordinates in the frame of the table's first row (its own `x0, x1` stay, for cropping).

    Consecutive data rows are matched by their numbers (a word of four digits or more, of about the
    same width, nearest in x and less than two line heights away); a straight line x' = p + q x fitted
    to the matches maps one row to the next, and the maps are chained from the first row. Rows in
    between (a wrapped name, a footer) take the map of the nearest data row. On a flat scan the map
    is the identity within a pixel or two."""
    data = [line for line in lines if _looks_like_data(line)]
    maps: list[tuple[float, float, float]] = []  # (y, a, b): x_first_row = a + b x
    a, b = 0.0, 1.0
    prev = None
    for line in data:
        if prev is not None:
            p, q = _row_map(prev, line)
            # x_prev = (x - p) / q; then into the first row's frame
            a, b = a + b * (-p / q), b / q
        maps.append((line.y, a, b))
        prev = line
    for line in lines:
        if maps:
            _, a, b = min(maps, key=lambda m: abs(m[0] - line.y))
        else:
            a, b = 0.0, 1.0
        for w in line.words:
            w.nx0, w.nx1 = a + b * w.x0, a + b * w.x1


def _row_map(upper: Line, lower: Line) -> tuple[float, float]:
    """(p, q) with x_lower = p + q x_upper, from the numbers the two rows have in the same columns."""
    h = max(upper.height, lower.height, 1e-6)
    nums = [w for w in lower.words if _digits(w.text) >= 4]
    pairs = []
    for w in upper.words:
        if _digits(w.text) < 4:
            continue
        best = min(nums, key=lambda v: abs(v.cx - w.cx), default=None)
        if best is None or abs(best.cx - w.cx) > 2 * h:
            continue
        wa, wb = w.x1 - w.x0, best.x1 - best.x0
        if 0.8 <= wb / max(wa, 1e-6) <= 1.25:
            pairs.append((w.cx, best.cx))
    if not pairs:
        return 0.0, 1.0
    if len(pairs) == 1 or max(x for x, _ in pairs) - min(x for x, _ in pairs) < 10 * h:
        shifts = sorted(y - x for x, y in pairs)
        return shifts[len(shifts) // 2], 1.0
    mx = sum(x for x, _ in pairs) / len(pairs)
    my = sum(y for _, y in pairs) / len(pairs)
    sxx = sum((x - mx) ** 2 for x, _ in pairs)
    q = sum((x - mx) * (y - my) for x, y in pairs) / sxx
    if not 0.9 <= q <= 1.1:  # not a camera's drift from one row to the next: a mismatch
        shifts = sorted(y - x for x, y in pairs)
        return shifts[len(shifts) // 2], 1.0
    return my - q * mx, q


def _segments(data: list[Line]) -> list[list[float]]:
    """The x ranges [x0, x1] the table's rows cover (in the first row's frame, see `straighten`),
    left to right, cut at every gap of at least `COLUMN_GAP` line heights that no row has a word in."""
    words = [w for line in data for w in line.words]
    if not words:
        return []
    heights = sorted(w.height for w in words)
    gap = COLUMN_GAP * heights[len(heights) // 2]
    out: list[list[float]] = []
    for x0, x1 in sorted((w.nx0, w.nx1) for w in words):
        if out and x0 - out[-1][1] < gap:
            out[-1][1] = max(out[-1][1], x1)
        else:
            out.append([x0, x1])
    return [part for seg in out for part in _split_run(seg, data)]


_SPLITTABLE = ("si", "id", "date", "range", "stt")


def _thin_gaps(spans: list[tuple[float, float]], seg: list[float], allowed: int) -> list[tuple[float, float]]:
    """Stretches inside `seg` that at most `allowed` of the word boxes `spans` cover (Tesseract now and
    then gives a word a box twice its width, across the gap to the next column), widest first."""
    lo, hi = math.floor(seg[0]), math.ceil(seg[1])
    if hi - lo < 3 or hi - lo > 20000:
        return []
    cover = [0] * (hi - lo + 1)
    for x0, x1 in spans:
        for x in range(max(lo, math.ceil(x0)), min(hi, math.floor(x1)) + 1):
            cover[x - lo] += 1
    out, start = [], None
    for k, c in enumerate([*cover, allowed + 1]):
        if c <= allowed and start is None:
            start = k
        elif c > allowed and start is not None:
            if start > 0 and k < len(cover):  # inside the run, not at its edges
                out.append((float(lo + start), float(lo + k - 1)))
            start = None
    return sorted(out, key=lambda g: g[0] - g[1])


def _split_run(seg: list[float], data: list[Line]) -> list[list[float]]:
    """A run of data that holds two columns of numbers: on a photo, perspective and a small print bring
    the columns close enough that no gap of `COLUMN_GAP` is left between a date of birth and an SI
    number. The run is cut at a gap no word of any row crosses when the words on its two sides are each,
    on nearly every row, of one kind of number (a row number, a date, 10 digits, 9 or 12), and the two
    kinds differ: the two sides of a gap between the words of a name never are (and a run of
    "01/04/2020 - 31/05/2020" is one cell as often as two columns: a period column reads both dates).
    A row number is cut off its neighbour when Tesseract ran it into the next cell ("927/04/2020")."""
    inside = [w for line in data for w in line.words if seg[0] <= w.ncx <= seg[1]]
    if sum(1 for w in inside if _digits(w.text) >= 4) < len(data):
        return [seg]  # not two numbers a row
    spans = sorted((w.nx0, w.nx1) for w in inside)
    for g0, g1 in _thin_gaps(spans, seg, max(1, len(data) // 4)):
        cut = (g0 + g1) / 2
        left, right = [], []
        for line in data:
            a = [w.text for w in line.words if seg[0] <= w.ncx < cut]
            b = [w.text for w in line.words if cut <= w.ncx <= seg[1]]
            if a:
                left.append(" ".join(a))
            if b:
                right.append(" ".join(b))
        (ka, sa), (kb, sb) = _kind_of(left), _kind_of(right)
        if (
            (ka in _SPLITTABLE and kb in _SPLITTABLE and min(sa, sb) >= 0.8 and ka != kb)
            or _beside(left, right, len(data))
            or _beside(right, left, len(data))
        ):
            return _split_run([seg[0], g0], data) + _split_run([g1, seg[1]], data)
    return [seg]


def _beside(numbers: list[str], others: list[str], rows: int) -> bool:
    """Whether one side of a gap holds a column of one kind of number (dates, SI or ID numbers) and the
    other, on nearly every row too, something that is never that kind: a contract number ("288/2016/HĐLĐ")
    against the period's start, whose gap a box Tesseract drew too wide bridges on a photo."""
    kind, share = _kind_of(numbers)
    if kind not in ("date", "si", "id") or share < 0.8 or min(len(numbers), len(others)) < 0.8 * rows:
        return False
    return not any(cell_kind(t) in (kind, "range") for t in others)


def _labelled(titles: Titles, data: list[Line]) -> list[tuple[float, float, str, str]]:
    """Data columns as (x0, x1, name, title read): each title given to the data column under it
    (the most overlap, else the nearest within three line heights), a data column under two titles
    cut between them (`_best_cut`), the rest named "_N" for `_type_columns` to type by content.

    Columns come from the data rows, not from the titles: a title Tesseract did not read, or read
    as something else, no longer makes its column vanish or glue its cells to a neighbour's."""
    segs = _segments(data)
    if not segs:
        return []
    heights = sorted(w.height for line in data for w in line.words)
    height = heights[len(heights) // 2]
    spans = sorted((w.nx0, w.nx1) for line in data for w in line.words)
    per_seg: dict[int, list[tuple[str, float, float, str]]] = {}
    parent = None
    pairs = []  # (share of the title over the column, overlap, title, column)
    for name, (_, x0, x1, text) in titles.items():
        if name == "period":
            parent = (x0, x1, text)
            continue
        width = max(x1 - x0, 1e-6)
        for i, (s0, s1) in enumerate(segs):
            ov = min(x1, s1) - max(x0, s0)
            if ov > 0:
                pairs.append((ov / width, ov, name, i))
        if not any(p[2] == name for p in pairs):
            dist, i = min((max(s0 - x1, x0 - s1), i) for i, (s0, s1) in enumerate(segs))
            if dist <= 3 * height:
                pairs.append((0.0, -dist, name, i))
    placed: set[str] = set()
    for share, _, name, i in sorted(pairs, key=lambda p: (-p[0], -p[1])):
        if name in placed:
            continue
        others = per_seg.get(i, [])
        x0, x1, text = titles[name][1], titles[name][2], titles[name][3]
        if others and not all(
            _parted(spans, segs[i], (x0, x1), (o[1], o[2]), height)
            or (share >= 0.8 and _within(segs[i], o[1], o[2]) and (o[2] <= x0 or x1 <= o[1]))
            for o in others
        ):
            continue  # two titles over one run of data, not apart: the one more over it keeps it
        per_seg.setdefault(i, []).append((name, x0, x1, text))
        placed.add(name)
    out: list[tuple[float, float, str, str]] = []
    for i, (s0, s1) in enumerate(segs):
        heads = sorted(per_seg.get(i, []), key=lambda t: (t[1] + t[2]) / 2)
        if not heads:
            out.append((s0, s1, f"_{i}", ""))
            continue
        inside = [sp for sp in spans if s0 <= sp[0] and sp[1] <= s1]
        bounds = [s0]
        for a, b in itertools.pairwise(heads):
            bounds.append(_best_cut(inside, ((a[1] + a[2]) / 2, a[1], a[2]), ((b[1] + b[2]) / 2, b[1], b[2])))
        bounds.append(s1)
        out += [(lo, hi, name, text) for (name, _, _, text), lo, hi in zip(heads, bounds, bounds[1:], strict=False)]
    if parent is not None:  # "Thời gian tạm hoãn" over two unread sub-titles: its data columns, in order
        x0, x1, text = parent
        under = [k for k, (lo, hi, name, _) in enumerate(out) if name.startswith("_") and min(hi, x1) - max(lo, x0) > 0]
        free = [f for f in ("period_from", "period_to") if f not in {c[2] for c in out}]
        if len(under) == 1 and len(free) == 2:
            lo, hi, _, _ = out[under[0]]
            out[under[0]] = (lo, hi, "period", text)
        else:
            for k, name in zip(under, free, strict=False):
                lo, hi, _, _ = out[k]
                out[k] = (lo, hi, name, text)
    return out


def _within(seg: list[float], x0: float, x1: float) -> bool:
    """Whether most (80 %) of the title [x0, x1] lies over the data run `seg`."""
    return min(x1, seg[1]) - max(x0, seg[0]) >= 0.8 * max(x1 - x0, 1e-6)


def _parted(
    spans: list[tuple[float, float]], seg: list[float], a: tuple[float, float], b: tuple[float, float], height: float
) -> bool:
    """Whether the data under one column run has a gap (a third of a line height) between the centres
    of titles `a` and `b`: the two titles then head two columns the data run merely bridges."""
    lo, hi = sorted(((a[0] + a[1]) / 2, (b[0] + b[1]) / 2))
    inside = [sp for sp in spans if seg[0] <= sp[0] and sp[1] <= seg[1]]
    return any(g1 - g0 >= height / 3 for g0, g1 in _gaps(inside, lo, hi))


_DATE_IN = re.compile(r"\d{1,2}\s?[/\-.]\s?\d{1,2}\s?[/\-.]\s?(\d{4})")
_TO_DIGIT = str.maketrans({"O": "0", "o": "0", "D": "0", "l": "1", "I": "1", "i": "1", "|": "1", "S": "5"})


def cell_kind(text: str) -> str | None:
    """What one cell holds, by its shape: "si" (10 digits), "id" (9 or 12), "date", "range" (two
    dates), "stt" (a small number), "name" (two to six capitalised words of letters), "text"
    (other words), or None when it cannot be told."""
    text = text.strip()
    if not text:
        return None
    dates = _DATE_IN.findall(text.translate(_TO_DIGIT))
    if len(dates) >= 2:
        return "range"
    if len(dates) == 1:
        return "date"
    compact = re.sub(r"[\s.\-_,'`]", "", text).translate(_TO_DIGIT)
    if compact.isdigit():
        if len(compact) == 10:
            return "si"
        if len(compact) in (9, 12):
            return "id"
        if len(compact) == 8:
            return "date"
        if len(compact) <= 3:
            return "stt"
        return None
    letters = sum(ch.isalpha() for ch in text)
    if _digits(text) or letters < 0.8 * len(text.replace(" ", "")):
        return None
    words = text.split()
    if 2 <= len(words) <= 6 and all(w[:1].isupper() for w in words):
        return "name"
    return "text"


_KIND_FIELDS = {"si": "si_number", "id": "id_number", "name": "full_name"}
_EXPECTED = {
    "si_number": "si",
    "id_number": "id",
    "date_of_birth": "date",
    "period_from": "date",
    "period_to": "date",
    "period": "range",
    "full_name": "name",
    "stt": "stt",
}
"""The kind of cell each titled column holds. A title over cells clearly of another kind (a number or a
date) was not this column's: a document's heading ("DANH SÁCH NGƯỜI LAO ĐỘNG ...") read as the name's
title, or "Mã số thuế" above the table as "Số TT", when the table's own header was not legible."""
_SPECIFIC = ("si", "id", "date", "range")
_NOT_SPECIFIC = ("name", "text", "stt")
"""Kinds of cells that are never those of a column titled as an SI number, an ID or a date."""
BIRTH_BEFORE = 2010
"""A column of dates most of which fall before this year holds dates of birth (workers are 15 or
older): it tells the date of birth from the period columns when no title says which is which."""


def _undated(texts: list[str]) -> bool:
    """Whether a column's cells, of which there are a few, hold (nearly) no date at all."""
    filled = [t for t in texts if t.strip()]
    dated = sum(1 for t in filled if cell_kind(t) in ("date", "range"))
    return len(filled) >= 2 and dated < 0.2 * len(filled)


def _kind_of(texts: list[str]) -> tuple[str | None, float]:
    """The kind most of a column's cells have (at least 60 % of the cells that can be told)."""
    kinds = [k for k in (cell_kind(t) for t in texts) if k]
    if not kinds:
        return None, 0.0
    best = max(set(kinds), key=kinds.count)
    share = kinds.count(best) / len(kinds)
    return (best, share) if share >= 0.6 else (None, share)


def _type_columns(cols: list[tuple[float, float, str, str]], data: list[Line]) -> list[Column]:
    """Columns named by title or by content. A titled column whose cells are clearly something else
    (dates under an "SI number" misread) loses its title; an untitled one gets the field its cells
    have the shape of, when no other column holds that field: 10 digits the SI number, 9 or 12 the
    ID, capitalised words the name (the most name-like column), dates the date of birth when most
    are before `BIRTH_BEFORE`, then the period's start and end, left to right."""
    cols = _join_alternatives(cols, data)
    columns = _extents(cols)
    texts: dict[int, list[str]] = {i: [] for i in range(len(columns))}
    for line in data:
        for i, text in _line_cells(line, columns).items():
            texts[i].append(text)
    kinds = {i: _kind_of(texts[i]) for i in texts}
    for i, col in enumerate(columns):
        expected = _EXPECTED.get(col.name)
        kind = kinds[i][0]
        if expected and kind in _SPECIFIC and kind != expected and not (expected == "date" and kind == "range"):
            col.name, col.label = f"_{i}", ""
        elif expected in _SPECIFIC and (
            kind in _NOT_SPECIFIC or (expected in ("date", "range") and _undated(texts[i]))
        ):
            # words under a number's or a date's title ("Nam/Nữ" read as "Đến"), row numbers under the ID's
            # ("Số TT" read as "Số CMND"), contract numbers under a garbled date of birth's ("năm Số [HĐLĐ]")
            col.name, col.label = f"_{i}", ""
    for i, col in enumerate(columns):
        expected = _EXPECTED.get(col.name)
        if (
            expected in ("si", "id")
            and not any(t.strip() for t in texts[i])
            and any(c.name.startswith("_") and kinds[j][0] == expected for j, c in enumerate(columns))
        ):
            col.name, col.label = (
                f"_{i}",
                "",
            )  # an empty column under the title ("Số TT" read as "Số T[hẻ]"), the IDs beside
    taken = {c.name for c in columns}
    for i, col in enumerate(columns):
        kind = kinds[i][0]
        if col.name.startswith("_") and kind in ("si", "id") and _KIND_FIELDS[kind] not in taken:
            col.name = _KIND_FIELDS[kind]
            taken.add(col.name)
    if "full_name" not in taken:
        names = [(kinds[i][1], i) for i, c in enumerate(columns) if c.name.startswith("_") and kinds[i][0] == "name"]
        if names:
            columns[max(names)[1]].name = "full_name"
            taken.add("full_name")
    dated = [i for i, c in enumerate(columns) if c.name.startswith("_") and kinds[i][0] in ("date", "range")]
    year = {i: _median_year(texts[i]) for i in dated}
    if dated and "date_of_birth" not in taken:
        for i in dated:
            born = year[i]
            if kinds[i][0] == "date" and born is not None and born < BIRTH_BEFORE:
                columns[i].name = "date_of_birth"
                taken.add("date_of_birth")
                dated.remove(i)
                break
    if (
        dated
        and "period_from" not in taken
        and "period_to" not in taken
        and len(dated) == 1
        and kinds[dated[0]][0] == "range"
    ):
        columns[dated[0]].name = "period"
        dated = []
    # a period is recent, wherever its columns stand (before the name on some forms): a column of old dates
    # beside a titled date of birth is another date (of hiring, of a contract), never the period
    dated = [i for i in dated if (recent := year[i]) is None or recent >= BIRTH_BEFORE]
    pf = next((c.x0 for c in columns if c.name == "period_from"), None)
    pt = next((c.x0 for c in columns if c.name == "period_to"), None)
    for i in dated:
        if "period_from" not in taken and (pt is None or columns[i].x0 < pt):
            columns[i].name = "period_from"
            taken.add("period_from")
        elif "period_to" not in taken and (pf is None or columns[i].x0 > pf) and "period_from" in taken:
            columns[i].name = "period_to"
            taken.add("period_to")
    by_name = {c.name: c for c in columns}
    start, end = by_name.get("period_from"), by_name.get("period_to")
    if start is not None and end is not None:
        order = _period_order(data, columns, start, end)
        if order < 0 or (order == 0 and start.x0 > end.x0 and min(_sure(start), _sure(end)) < 95):
            # a period starts before it ends: on most rows the dates say which column is which, whatever
            # the titles were read as; where they cannot tell, the start is written before the end
            start.name, end.name = "period_to", "period_from"
            start.label, end.label = end.label, start.label
    for i, col in enumerate(columns):
        if col.name.startswith("_") and kinds[i][0] == "stt" and "stt" not in taken:
            col.name = "stt"
            taken.add("stt")
    return columns


def _line_cells(line: Line, columns: list[Column]) -> dict[int, str]:
    """The text of each column's cell in one line, by the columns' index."""
    cells: dict[int, list[str]] = {}
    for w in line.words:
        cells.setdefault(columns.index(_cell_of(w, columns)), []).append(w.text)
    return {i: " ".join(ws) for i, ws in cells.items()}


def _median_year(texts: list[str]) -> int | None:
    """The median year of a column's dates, written with separators or as eight digits ("08041998",
    ddmmyyyy: `cell_kind` takes those for dates too, so their year tells a birth from a period)."""
    years = []
    for t in texts:
        found = _DATE_IN.findall(t.translate(_TO_DIGIT))
        compact = re.sub(r"[\s.\-_,'`]", "", t).translate(_TO_DIGIT)
        if found:
            years.append(int(found[0]))
        elif compact.isdigit() and len(compact) == 8:
            years.append(int(compact[4:]))
    years.sort()
    return years[len(years) // 2] if years else None


def _date_key(text: str) -> tuple[int, int, int] | None:
    m = re.search(r"(\d{1,2})\s?[/\-.]\s?(\d{1,2})\s?[/\-.]\s?(\d{4})", text.translate(_TO_DIGIT))
    return (int(m.group(3)), int(m.group(2)), int(m.group(1))) if m else None


def _period_order(data: list[Line], columns: list[Column], pf: Column, pt: Column) -> int:
    """+1 when the rows' dates say `pf` holds the starts and `pt` the ends (the start is the earlier date
    on most rows that have both), -1 when they say the opposite, 0 when they cannot tell."""
    i, j = columns.index(pf), columns.index(pt)
    before = after = 0
    for line in data:
        cells = _line_cells(line, columns)
        a, b = _date_key(cells.get(i, "")), _date_key(cells.get(j, ""))
        if a and b and a != b:
            before += a < b
            after += a > b
    if before + after < 2 or max(before, after) < 0.75 * (before + after):
        return 0
    return 1 if before > after else -1


def _join_alternatives(
    cols: list[tuple[float, float, str, str]], data: list[Line]
) -> list[tuple[float, float, str, str]]:
    """Two neighbouring date columns of which each row fills one, never both, are one field: the forms
    that split "Ngày tháng năm sinh" into "Nam | Nữ" write a worker's date of birth under the column of
    his or her gender. They are joined into one column (whichever is filled is the value), named by the
    title of either; two columns a row fills both of (a period's start and end) stay apart."""
    out = list(cols)
    k = 0
    while k + 1 < len(out):
        a, b = out[k], out[k + 1]
        named = {n for n in (a[2], b[2]) if not n.startswith("_")}
        if named - {"date_of_birth"} or not _exclusive_dates(data, a, b):
            k += 1
            continue
        name = "date_of_birth" if named else a[2]
        text = a[3] if a[2] == name else b[3]
        out[k : k + 2] = [(a[0], b[1], name, text)]
    return out


def _exclusive_dates(data: list[Line], a: _DataColumn, b: _DataColumn) -> bool:
    """Whether the rows have a date in `a` or in `b` (data ranges), each column on some, most rows on one
    and (nearly) none on both."""
    cut = (a[1] + b[0]) / 2
    only_a = only_b = both = 0
    for line in data:
        in_a = any(a[0] - 1 <= w.ncx < cut and _date_key(w.text) for w in line.words)
        in_b = any(cut <= w.ncx <= b[1] + 1 and _date_key(w.text) for w in line.words)
        both += in_a and in_b
        only_a += in_a and not in_b
        only_b += in_b and not in_a
    filled = only_a + only_b + both
    return only_a >= 1 and only_b >= 1 and both <= 0.1 * filled and filled >= 0.6 * len(data)


def _sure(col: Column) -> float:
    """How well the column's title reads as the field it names (0 when named by content)."""
    return _title_scores(unaccent(col.label).strip()).get(col.name, 0.0) if col.label else 0.0


def _extents(cols: list[tuple[float, float, str, str]]) -> list[Column]:
    """Columns that share the page between them: each boundary halfway across the gap between two
    data columns, the outer ones open (a word further out belongs to the outermost column)."""
    out = []
    for k, (x0, x1, name, text) in enumerate(cols):
        lo = -math.inf if k == 0 else (cols[k - 1][1] + x0) / 2
        hi = math.inf if k == len(cols) - 1 else (x1 + cols[k + 1][0]) / 2
        out.append(Column(name, lo, hi, (x0 + x1) / 2, label=text))
    return out


def _cell_of(word: Word, columns: list[Column]) -> Column:
    cx = word.ncx
    for col in columns:
        if col.x0 <= cx <= col.x1:
            return col
    return min(columns, key=lambda c: min(abs(cx - c.x0), abs(cx - c.x1)))


def _is_list(columns: list[Column]) -> bool:
    """Columns a list of workers has: an SI or ID number, and a name or a date of birth."""
    names = {c.name for c in columns}
    return bool(names & {"si_number", "id_number"}) and bool(names & {"full_name", "date_of_birth"})


def parse_table(
    lines: list[Line], header: tuple[int, Titles] | None, columns: list[Column] | None = None
) -> tuple[list[TableRow], list[Column]]:
    """Rows of the worker table below `header`; on a continuation page, `columns` (those of the page
    before, brought onto this page's columns by `align_columns`) rather than its own."""
    if columns is not None:
        body = lines[header[0] + 1 :] if header is not None else lines
        straighten(body)
        columns = align_columns(columns, _steady([line for line in body if _looks_like_data(line)]))
    elif header is not None:
        start, titles = header
        body = lines[start + 1 :]
        straighten(body)
        data = _steady([line for line in body if _looks_like_data(line)])
        columns = _type_columns(_labelled(titles, data), data)
        if not columns or (not titled(header) and not _is_list(columns)):
            return [], []
    else:
        return [], []
    rows: list[TableRow] = []
    pitch = None
    height = _median_height(body)
    for line in body:
        cells: dict[str, list[Word]] = {}
        where: dict[str, Column] = {}
        for w in line.words:
            col = _cell_of(w, columns)
            if col.name in _FIELDS or col.name in ("stt", "period"):
                cells.setdefault(col.name, []).append(w)
                where[col.name] = col
        traces: set[str] = set()  # cells of nothing but a ruling's trace: kept, to be read again, but they end no table
        for name, ws in cells.items():
            kept = [w for w in ws if not stray(w, height)]
            if kept:
                ws[:] = kept
            else:
                traces.add(name)
        if "period" in cells:
            _split_period(cells)
        read = {k: v for k, v in cells.items() if k in _FIELDS}
        if not read:
            continue
        only_name = set(read) == {"full_name"}
        if (
            only_name
            and rows
            and "full_name" in rows[-1].cells
            and pitch is not None
            and line.y - rows[-1].y < 1.6 * pitch
            and not _digits(rows[-1].cells.get("full_name", ""))
        ):
            # a long name wrapped in its cell: continue the row above
            prev = rows[-1]
            prev.cells["full_name"] += " " + " ".join(w.text for w in read["full_name"])
            prev.conf["full_name"] = min(prev.conf["full_name"], min(w.conf for w in read["full_name"]))
            prev.boxes.pop("full_name", None)  # two lines: not re-read as one
            continue
        row = TableRow(y=line.y)
        for name, ws in cells.items():
            row.cells[name] = " ".join(w.text for w in ws)
            row.conf[name] = min(w.conf for w in ws)
            row.boxes[name] = _cell_box(ws, where.get(name))
        if not _is_worker_row(row):
            if rows and len(read) == 1 and not only_name and not traces:
                break  # a lone line of text below the table (signatures, notes): the table is over
            continue
        if rows:
            pitch = line.y - rows[-1].y if pitch is None else min(pitch, line.y - rows[-1].y)
        _box_empty_cells(row, line, columns)
        rows.append(row)
    return rows, columns


def _box_empty_cells(row: TableRow, line: Line, columns: list[Column]) -> None:
    """A box, to be read on its own, for each field's cell of a row where the page's reading found no
    word: in a photo's shadow Tesseract now and then skips a whole name and reads the rest of the row.
    The box is the column's stretch of the row (its edges in the first row's frame, brought back by the
    offset of the row's nearest word), narrowed by the half line height the reading pads it with; no
    cell text is made up, so a cell that is empty on the paper stays empty."""
    y0, y1 = min(w.y0 for w in line.words), max(w.y1 for w in line.words)
    pad = 0.5 * (y1 - y0)
    for col in columns:
        if col.name not in _FIELDS or col.name in row.cells or not (math.isfinite(col.x0) and math.isfinite(col.x1)):
            continue
        near = min(line.words, key=lambda w: abs(w.ncx - (col.x0 + col.x1) / 2))
        shift = near.x0 - near.nx0
        x0, x1 = col.x0 + shift + pad, col.x1 + shift - pad
        if x1 - x0 > pad:
            row.boxes[col.name] = (x0, y0, x1, y1)


STRAY_EM = 2.0
"""A word box wider than this many line heights per letter or digit it holds is no word: no printed
character is two ems wide. Tesseract gives such boxes to the traces of a table's rulings, to a
shadow's edge on a photo ("T————ˆ" over two columns), and reads them with a low confidence."""
STRAY_CONF = 0.5


def stray(word: Word, height: float) -> bool:
    """Whether `word` is a ruling's or a shadow's trace rather than text (see `STRAY_EM`)."""
    alnum = sum(ch.isalnum() for ch in word.text)
    return word.conf < STRAY_CONF and word.x1 - word.x0 > STRAY_EM * height * max(1, alnum)


def _median_height(lines: list[Line]) -> float:
    heights = sorted(w.height for line in lines for w in line.words)
    return heights[len(heights) // 2] if heights else 0.0


def _steady(data: list[Line]) -> list[Line]:
    """The data rows without their stray words (`stray`): a trace that spans the gap between two
    columns would otherwise join them into one, and its cells with them."""
    height = _median_height(data)
    out = []
    for line in data:
        words = [w for w in line.words if not stray(w, height)]
        if words:
            out.append(Line(words, line.y))
    return out


def _cell_box(words: list[Word], col: Column | None) -> tuple[float, float, float, float]:
    """The box of one cell's words, for reading it again. A word Tesseract ran across the edge of its
    column ("417423750283": the row number 4 and the SI number as one word) is cut at that edge, so
    the second reading sees this cell alone. The edges are in the first row's frame (`straighten`)
    and brought back by the word's own offset; the reading pads the box by half a line height, which
    the cut leaves room for."""
    x0, x1 = min(w.x0 for w in words), max(w.x1 for w in words)
    y0, y1 = min(w.y0 for w in words), max(w.y1 for w in words)
    if col is not None:
        pad = 0.5 * (y1 - y0)
        first, last = min(words, key=lambda w: w.x0), max(words, key=lambda w: w.x1)
        left = col.x0 + (first.x0 - first.nx0)
        right = col.x1 + (last.x1 - last.nx1)
        if math.isfinite(left) and x0 < left < x1 - pad:
            x0 = left + pad
        if math.isfinite(right) and x0 + pad < right < x1:
            x1 = right - pad
    return x0, y0, x1, y1


def titled(header: tuple[int, Titles] | None) -> bool:
    """Whether a header's titles name three fields or more: a header read, not the lines above a table
    whose titles were not (a continuation page without the header, or a header Tesseract garbled)."""
    return header is not None and len([k for k in header[1] if k not in _NOT_KEYS]) >= 3


def align_columns(columns: list[Column], data: list[Line]) -> list[Column]:
    """The columns of another page moved onto this page's data: a continuation page is scanned or
    printed with its own margin, so its table may stand a few millimetres left or right of the first
    page's. The shift is the one that brings most of this page's data columns (see `_segments`) within a
    line height of the centre of one of `columns`, refined by the median of those matches; none when
    fewer than two columns match."""
    segs = _segments(data)
    centres = [c.title_cx for c in columns if math.isfinite(c.title_cx)]
    if len(segs) < 2 or not centres:
        return columns
    heights = sorted(w.height for line in data for w in line.words)
    h = heights[len(heights) // 2]
    mids = [(s0 + s1) / 2 for s0, s1 in segs]

    def matches(dx: float) -> list[float]:
        out = []
        for m in mids:
            near = min(centres, key=lambda c: abs(m - dx - c))
            if abs(m - dx - near) <= h:
                out.append(m - dx - near)
        return out

    best = (0, 0.0)
    for m in mids:
        for c in centres:
            dx = m - c
            n = len(matches(dx))
            if n > best[0] or (n == best[0] and abs(dx) < abs(best[1])):
                best = (n, dx)
    if best[0] < 2:
        return columns
    rest = sorted(matches(best[1]))
    dx = best[1] + rest[len(rest) // 2]
    out = [Column(c.name, c.x0 + dx, c.x1 + dx, c.title_cx + dx, label=c.label) for c in columns]
    return _close_edges(out, segs, h)


def _close_edges(columns: list[Column], segs: list[list[float]], h: float) -> list[Column]:
    """The outermost columns reach to the page's edges; a run of data this page has beyond the run of
    the outermost column (row numbers the page before's reading lost) becomes a column of its own, not
    read, rather than words glued to that column's cells."""

    def holds(seg: list[float], x: float) -> bool:
        return seg[0] - h <= x <= seg[1] + h

    first, last = columns[0], columns[-1]
    own = next((k for k, sg in enumerate(segs) if holds(sg, first.title_cx)), None)
    if own is not None and own > 0:
        cut = (segs[own - 1][1] + segs[own][0]) / 2
        columns = [
            Column(f"_{len(columns)}", -math.inf, cut, (segs[0][0] + segs[own - 1][1]) / 2),
            Column(first.name, cut, first.x1, first.title_cx, label=first.label),
            *columns[1:],
        ]
    own = next((k for k, sg in enumerate(segs) if holds(sg, last.title_cx)), None)
    if own is not None and own < len(segs) - 1:
        cut = (segs[own][1] + segs[own + 1][0]) / 2
        columns = [
            *columns[:-1],
            Column(last.name, last.x0, cut, last.title_cx, label=last.label),
            Column(f"_{len(columns)}", cut, math.inf, (segs[own + 1][0] + segs[-1][1]) / 2),
        ]
    return columns


def _split_period(cells: dict[str, list[Word]]) -> None:
    """One cell "01/04/2020 - 31/05/2020" (or "từ 01/04/2020 đến 31/05/2020"): its two dates."""
    words = [w for w in cells.pop("period") if _digits(w.text) >= 4]
    if len(words) >= 2:
        cells.setdefault("period_from", []).append(words[0])
        cells.setdefault("period_to", []).append(words[-1])
    elif words:
        cells.setdefault("period_from", []).append(words[0])


_FIELDS = ("full_name", "si_number", "date_of_birth", "id_number", "period_from", "period_to")


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def _is_worker_row(row: TableRow) -> bool:
    """Two fields or more, one of them a well-shaped number or date, or two with six digits or more
    (a row garbled by the reader is still a row); a footer's "ngày 16 tháng 05 năm 2020" is none."""
    filled = [k for k in _FIELDS if row.cells.get(k, "").strip()]
    if len(filled) < 2:
        return False
    numbers = [row.cells.get(k, "") for k in _FIELDS if k != "full_name"]
    if any(cell_kind(c) in ("si", "id", "date", "range") for c in numbers):
        return True
    return sum(1 for c in numbers if _digits(c) >= 6) >= 2
