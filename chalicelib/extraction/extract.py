"""`extract_document`: one attachment in, an `ExtractionResult` out.

Pages are handed out one at a time by `pages.open_document` (PDF rendering is not thread-safe, so
it stays on this thread); pages needing OCR go to a thread pool of one worker per core, each running
one single-threaded Tesseract process. At most two pages per worker are rendered ahead, which bounds
memory (a 300-dpi A4 page is ~9 MB in grayscale). Nothing personal is logged: only page numbers,
sources and timings.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

from chalicelib.config import settings

from . import fields as F
from .errors import FIELD_TITLES, MESSAGES, NOTES
from .model import WORKER_FIELDS, ExtractionResult, PageInfo, Problem, Unit, WorkerRow
from .tables import (
    Column,
    Line,
    TableRow,
    Titles,
    Word,
    clean_words,
    find_header,
    group_lines,
    parse_table,
    split_segments,
    titled,
    unaccent,
)

__all__ = ["extract_document", "ocr_workers"]

if TYPE_CHECKING:
    from PIL import Image as PILImage

    from .ocr import CellReader
    from .pages import Page

log = logging.getLogger("motcua.extraction")


def ocr_workers() -> int:
    configured = settings().ocr_workers
    if configured:
        return configured
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


PARSERS = {
    "full_name": F.parse_name,
    "si_number": F.parse_si_number,
    "date_of_birth": F.parse_date,
    "id_number": F.parse_id_number,
    "period_from": F.parse_date,
    "period_to": F.parse_date,
}
REREAD_DIGITS_BELOW = settings().reread_conf
"""A digit cell (SI, ID, dates) read with less confidence, or of the wrong shape, is read again."""
REREAD_NAME_BELOW = 0.75


KEPT_IMAGES = 8
"""Page images of one file kept for `_assemble` (see `_PageOut.image`): at most this many (~9 MB each)."""


class _PageOut:
    def __init__(self, info: PageInfo, words: list[Word], text: str):
        self.info, self.words, self.text = info, words, text
        self.lines: list[Line] = []
        self.header: tuple[int, Titles] | None = None
        self.columns: list[Column] | None = None
        self.rows: list[dict[str, F.Field]] = []
        self.cells: list[dict[str, str]] = []
        """The raw text of each row's cells, as the columns cut them."""
        self.image: PILImage.Image | None = None
        """The page image, kept when the page has rows but no header of its own (a continuation page):
        `_assemble` may read it again with the columns of the page before, second reading included."""
        self.dpi: int | None = None

    def analyse(
        self,
        image: PILImage.Image | None = None,
        dpi: int | None = None,
        columns: list[Column] | None = None,
        reader: CellReader | None = None,
        keep: threading.Semaphore | None = None,
    ) -> None:
        self.lines = group_lines(clean_words(self.words), self.info.skew)
        self.header = find_header(self.lines)
        table_rows, self.columns = parse_table(self.lines, self.header, columns)
        self.cells = [dict(row.cells) for row in table_rows]
        self.rows = [{k: PARSERS[k](row.cells.get(k), row.conf.get(k, 0.0)) for k in PARSERS} for row in table_rows]
        if image is not None and table_rows:
            _second_reading(image, dpi or 300, table_rows, self.rows, reader)
        if (
            keep is not None
            and image is not None
            and table_rows
            and not titled(self.header)
            and keep.acquire(blocking=False)
        ):
            self.image, self.dpi = image, dpi

    def continue_table(self, columns: list[Column]) -> None:
        """Read this page with the columns of the page before (it has no header of its own). The page's
        own reading stands when those columns cut its rows the same way (it is the same reading); else
        the page is parsed again, and its doubtful cells read again when its image was kept."""
        own = self.cells
        rows = self.rows
        self.analyse(columns=columns)
        if self.cells == own and own:
            self.rows = rows
        elif self.image is not None:
            self.analyse(self.image, self.dpi, columns=columns)
        self.image = None


def _second_reading(
    image: PILImage.Image,
    dpi: int,
    table_rows: list[TableRow],
    parsed: list[dict[str, F.Field]],
    reader: CellReader | None = None,
) -> None:
    """Re-read the doubtful cells of a page: a cell of the wrong shape, or read with low confidence.

    Tesseract's start-up costs about a sixth of a whole page's reading, so every doubtful cell of the
    page goes into one run, on crops binarized at their own threshold (a reading that really differs
    from the page's: Tesseract's thresholding of grey, grainy paper is what fails on a clean cell).
    Only the cells where the two readings still do not settle are read a third time (grain smoothed,
    grey kept), again all in one run, and go to a vote. `reader`: a Tesseract started ahead for the
    first of these runs (see `ocr.CellReader`).
    """
    from .ocr import reread

    todo: list[tuple[int, str, tuple[float, float, float, float]]] = []
    for i, (row, fields) in enumerate(zip(table_rows, parsed, strict=False)):
        for name, fld in fields.items():
            box = row.boxes.get(name)
            if box is None:
                continue
            limit = REREAD_NAME_BELOW if name == "full_name" else REREAD_DIGITS_BELOW
            if _bad(fld) or fld.confidence < limit:
                todo.append((i, name, box))
    if not todo:
        return
    try:  # no whitelist: names and numbers in one run (the shape checks repair O/0, l/1 ...)
        readings = reread(image, [box for _, _, box in todo], dpi, reader=reader)
    except Exception:  # noqa: BLE001 - the first reading stands
        log.warning("second reading failed")
        return
    undecided: list[tuple[int, str, tuple[float, float, float, float], F.Field, F.Field]] = []
    for (i, name, box), (text, conf) in zip(todo, readings, strict=False):
        first, second = parsed[i][name], PARSERS[name](text, conf)
        merged, settled = _merge(first, second)
        parsed[i][name] = merged
        if not settled:
            undecided.append((i, name, box, first, second))
    if not undecided:
        return
    whitelist = None if any(u[1] == "full_name" for u in undecided) else "0123456789/"
    try:
        third = reread(image, [u[2] for u in undecided], dpi, whitelist=whitelist, variant="median")
    except Exception:  # noqa: BLE001 - the merged readings stand, with their lowered confidence
        log.warning("third reading failed")
        return
    for (i, name, _, first, second), (text, conf) in zip(undecided, third, strict=False):
        parsed[i][name] = _vote([first, second, PARSERS[name](text, conf)])


def _bad(fld: F.Field) -> bool:
    return fld.bad


def _merge(first: F.Field, second: F.Field) -> tuple[F.Field, bool]:
    """Two readings of one cell: (what stands for now, whether that is settled).

    Agreement settles it (the better confidence). A confident reading of the right shape against one
    of the wrong shape settles it too. Anything else is not settled: what stands until a third
    reading decides is the better-shaped, more confident reading with its confidence lowered.
    """
    bad_first, bad_second = _bad(first), _bad(second)
    if not bad_first and not bad_second and first.value == second.value:
        return F.Field(first.value, round(max(first.confidence, second.confidence), 3), first.note, first.verdict), True
    if bad_first and not bad_second and second.confidence >= REREAD_DIGITS_BELOW:
        return second.scaled(0.95), True
    if bad_second and not bad_first and first.confidence >= REREAD_DIGITS_BELOW:
        return first, True  # a confident first reading is not undone by a garbled crop
    if bad_first != bad_second:
        good = second if bad_first else first
        return F.Field(
            good.value, round(good.confidence * 0.6, 3), "one reading of the right shape", good.verdict
        ), False
    best = first if first.confidence >= second.confidence else second
    note: str = best.note
    verdict: F.Verdict = best.verdict
    if not bad_first:
        note, verdict = "readings disagree", "readings_disagree"
    return F.Field(best.value, round(best.confidence * 0.5, 3), note, verdict), False


def _vote(readings: list[F.Field]) -> F.Field:
    """Three readings of one cell: a value that two readings of the right shape agree on wins, with
    a lowered confidence if the third disagrees; with no majority nothing is chosen by guessing:
    the most confident reading of the right shape is kept, its confidence cut to 0.4 of it."""
    good = [f for f in readings if not _bad(f)]
    if len(good) == 1 and all(f.value is None for f in readings if f is not good[0]):
        # the other crops came out garbled (cut at a photo's edge, a ruling caught): no evidence against
        # the one reading of the right shape, which keeps its own confidence, a little lowered
        only = good[0]
        return F.Field(only.value, round(only.confidence * 0.9, 3), "the other readings garbled", only.verdict)
    if not good:
        best = max(readings, key=lambda f: f.confidence)
        return F.Field(best.value, round(best.confidence * 0.5, 3), best.note, best.verdict)
    votes: dict[str, list[F.Field]] = {}
    for f in good:
        votes.setdefault(f.value or "", []).append(f)
    value, agree = max(votes.items(), key=lambda kv: (len(kv[1]), max(f.confidence for f in kv[1])))
    top = max(f.confidence for f in agree)
    if len(agree) == 3:
        return F.Field(value, round(max(top, 0.9), 3), agree[0].note, agree[0].verdict)
    if len(agree) == 2:
        factor = 0.9 if len(good) == 2 else 0.75  # the third reading garbled, or of another value
        return F.Field(
            value,
            round(top * factor, 3),
            "" if len(good) == 2 else "readings disagree; majority kept",
            agree[0].verdict,
        )
    return F.Field(value, round(top * 0.4, 3), "readings disagree", "readings_disagree")


def _ocr_job(page: Page, prewarm: bool = False, keep: threading.Semaphore | None = None) -> _PageOut:
    from .engine import engine
    from .ocr import CellReader, ocr_image

    started = time.monotonic()
    info = PageInfo(number=page.number, source="ocr", dpi=page.dpi)
    reader = None
    dpi = page.dpi or 300
    try:
        if page.image is None:
            raise ValueError("an OCR page without its image")
        # a core is free: the CLI engine's second reading loads its Tesseract while the page is read
        if prewarm and engine().name == "pytesseract":
            try:
                reader = CellReader(dpi)
            except OSError:
                reader = None
        res = ocr_image(page.image, dpi)
        out = _PageOut(info, res.words, res.text)
        info.rotation, info.skew = res.rotation, res.skew
        out.analyse(res.image, dpi, reader=reader, keep=keep)
    except Exception as exc:  # noqa: BLE001 - Tesseract failed or timed out: this page only
        info.error = f"ocr failed: {type(exc).__name__}"
        info.seconds = time.monotonic() - started
        return _PageOut(info, [], "")
    finally:
        page.image = None
        if reader is not None:
            reader.close()
    info.seconds = time.monotonic() - started
    if len(res.words) >= 20 and res.quality < 3:
        info.error = "no legible text"
    return out


BUDGET_SECONDS = settings().extract_budget_seconds
"""How long one file's pages may be read (the extract function may run 300 s). Hostile input: a TIFF
of 200 blank 80-megapixel pages is a few MB and takes longer than that to OCR; it would time out on
every retry and hold its dossier in `processing`. Pages not started in time are reported as not
read (an `unreadable_attachment` finding asks for a smaller file); what was read stands."""
OVER_BUDGET = "not read: the file takes too long to read"


def extract_document(
    data: bytes,
    content_type: str | None = None,
    filename: str = "",
    budget_seconds: float | None = None,
    titles: Mapping[str, tuple[str, str]] | None = None,
) -> ExtractionResult:
    """Read one attachment. Raises `ExtractionError` when the whole file cannot be read.

    `budget_seconds` (default `BUDGET_SECONDS`): pages not started within it are reported as errors.
    `titles`: the notes' names of fields, (vi, en), over `FIELD_TITLES` (labels only)."""
    from .pages import open_document

    started = time.monotonic()
    deadline = started + (BUDGET_SECONDS if budget_seconds is None else budget_seconds)
    doc = open_document(data, content_type, filename)
    outs: list[_PageOut | Future[_PageOut]] = []
    try:
        cores = ocr_workers()
        workers = max(1, min(cores, doc.page_count))
        prewarm = doc.page_count < cores  # a core stays free beside every page
        ahead = threading.BoundedSemaphore(workers * 2)
        keep = threading.Semaphore(KEPT_IMAGES)
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="motcua-ocr") as pool:
            late = None
            for page in doc.pages():
                if time.monotonic() > deadline:
                    late = page.number
                    break
                if page.error:
                    outs.append(_PageOut(PageInfo(page.number, page.source, error=page.error), [], ""))
                elif page.source == "text_layer":
                    started_page = time.monotonic()
                    out = _PageOut(PageInfo(page.number, "text_layer"), page.words, page.text)
                    out.analyse()
                    out.info.seconds = time.monotonic() - started_page
                    outs.append(out)
                else:
                    ahead.acquire()
                    fut = pool.submit(_ocr_job, page, prewarm, keep)
                    fut.add_done_callback(lambda _f: ahead.release())
                    outs.append(fut)
                    del page
            if late is not None:
                outs += [
                    _PageOut(PageInfo(n, "ocr", error=OVER_BUDGET), [], "") for n in range(late, doc.page_count + 1)
                ]
            pages = [o.result() if isinstance(o, Future) else o for o in outs]
    finally:
        doc.close()
    result = _assemble(pages, titles)
    result.format = doc.kind
    result.seconds = time.monotonic() - started
    log.info(
        "extracted %s: %d pages (%d OCR), %d rows, %.2fs",
        doc.kind,
        len(pages),
        sum(p.info.source == "ocr" for p in pages),
        len(result.workers),
        result.seconds,
    )
    return result


def _assemble(pages: list[_PageOut], titles: Mapping[str, tuple[str, str]] | None = None) -> ExtractionResult:
    from .classify import classify

    result = ExtractionResult()
    result.pages = [p.info for p in pages]
    result.text = "\f".join(p.text for p in pages)
    for p in pages:
        if p.info.error:
            vi, en = MESSAGES["unreadable_attachment"]
            result.problems.append(
                Problem(
                    "unreadable_attachment",
                    p.info.number,
                    f"{vi[:-1]}: không đọc được trang {p.info.number}.",
                    f"{en[:-1]}: page {p.info.number} cannot be read ({p.info.error}).",
                )
            )
    unit_fields: dict[str, F.Field] = {}
    columns = None
    has_table = False
    for p in pages:
        if not p.words:
            continue
        head_lines = p.lines[: max(0, p.header[0])] if p.header else p.lines[:12]
        for name, fld in _read_unit(head_lines).items():
            if fld.value and (name not in unit_fields or fld.confidence > unit_fields[name].confidence):
                unit_fields[name] = fld
        if p.header is not None and p.columns and (titled(p.header) or columns is None):
            columns, has_table = p.columns, True
        elif columns is not None:
            # a continuation page without the header: its columns typed by their content alone may
            # differ from those the header of the page before named (two date columns of a period, a
            # date of birth split under "Nam | Nữ"): the page before's columns, moved onto this page's
            p.continue_table(columns)
            if not p.rows:
                columns = None
        p.image = None
        if p.rows and p.columns:
            for col in p.columns:
                for name in ("period_from", "period_to") if col.name == "period" else (col.name,):
                    if name in WORKER_FIELDS and not result.columns.get(name):
                        result.columns[name] = col.label
        for fields in p.rows:
            number = len(result.workers) + 1
            values = {k: v.value for k, v in fields.items()}
            w = WorkerRow(
                full_name=values.get("full_name"),
                si_number=values.get("si_number"),
                date_of_birth=values.get("date_of_birth"),
                id_number=values.get("id_number"),
                period_from=values.get("period_from"),
                period_to=values.get("period_to"),
                row=number,
                page=p.info.number,
                confidence={k: round(v.confidence, 3) for k, v in fields.items()},
            )
            result.workers.append(w)
    result.unit = Unit(
        **{k: (unit_fields[k].value if k in unit_fields else None) for k in ("unit_code", "tax_code", "name")}
    )
    result.confidence = {
        k: (unit_fields[k].confidence if k in unit_fields else 0.0) for k in ("unit_code", "tax_code", "name")
    }
    result.document_type = classify(result.text, has_worker_table=has_table and bool(result.workers))
    result.notes = _column_notes(result, {**FIELD_TITLES, **(titles or {})})
    return result


def _column_notes(result: ExtractionResult, titles: Mapping[str, tuple[str, str]]) -> list[Problem]:
    """Notes on a list whose table lacks a worker field's column, or whose column could not be read
    on any row: said, never left as silent nulls (the check step decides what they mean)."""
    if not result.workers:
        return []
    missing = result.missing_columns
    unread = [f for f in WORKER_FIELDS if f in result.columns and all(getattr(w, f) is None for w in result.workers)]
    notes = []
    for code, fields in (("column_not_found", missing), ("column_unreadable", unread)):
        if fields:
            vi, en = NOTES[code]
            notes.append(
                Problem(
                    code,
                    None,
                    vi.format(columns=", ".join(f"«{titles[f][0]}»" for f in fields)),
                    en.format(columns_en=", ".join(titles[f][1] for f in fields)),
                )
            )
    return notes


_UNIT_LABELS = {
    "unit_code": ("ma don vi", "ma dv", "ma so don vi", "ma don vi bhxh", "ma don vi tham gia bhxh"),
    "tax_code": ("ma so thue", "mst", "ma so doanh nghiep", "ma so thue don vi", "ma so thue/ma so doanh nghiep"),
    "name": (
        "ten don vi",
        "don vi",
        "ten doanh nghiep",
        "ten co quan, don vi",
        "ten co quan don vi",
        "ten to chuc",
        "ten nguoi su dung lao dong",
        "ten don vi su dung lao dong",
        "don vi su dung lao dong",
    ),
}


def _read_unit(lines: list[Line]) -> dict[str, F.Field]:
    """Unit name, unit code and tax code from labelled lines above the table ("Mã số thuế: ...")."""
    from rapidfuzz import fuzz

    found: dict[str, F.Field] = {}
    for line in lines:
        segments = split_segments(line, gap_factor=2.5)
        for s_idx, seg in enumerate(segments):
            best = None  # (score, k, field)
            for k in range(1, min(6, len(seg)) + 1):
                label = unaccent(" ".join(w.text for w in seg[:k]))
                colon = ":" in label
                label = label.split(":")[0].strip(" .:-")
                for name, aliases in _UNIT_LABELS.items():
                    score = max(fuzz.ratio(label, a) for a in aliases)
                    if score >= 86 and (best is None or score > best[0] or (score == best[0] and k > best[1])):
                        best = (score, k, name, colon)
                if colon:
                    break
            if best is None:
                continue
            score, k, name, _ = best
            label_words = seg[:k]
            rest = seg[k:]
            # "Mã số thuế:0101234567" read as one word: the value is after the colon
            tail = label_words[-1].text.split(":", 1)[1].strip() if ":" in label_words[-1].text else ""
            value_words = ([Word(tail, 0, 0, 0, 0, label_words[-1].conf)] if tail else []) + rest
            if not value_words and s_idx + 1 < len(segments):
                value_words = segments[s_idx + 1]
            if not value_words:
                continue
            raw = " ".join(w.text for w in value_words).strip(" :")
            c = min(w.conf for w in value_words) * min(1.0, score / 100 + 0.05)
            if name == "unit_code":
                fld = F.parse_unit_code(raw.split()[0] if raw.split() else raw, c)
            elif name == "tax_code":
                fld = F.parse_tax_code(raw, c)
            else:
                fld = F.Field(F.nfc(" ".join(raw.split())), round(c, 3))
            if fld.value and (name not in found or fld.confidence > found[name].confidence):
                found[name] = fld
    return found
