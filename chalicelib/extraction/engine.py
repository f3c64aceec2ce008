"""The one OCR interface of the extraction: `read(image, dpi, psm, whitelist)` → Tesseract's word table.

Two engines stand behind it, chosen once per process (`MOTCUA_OCR_ENGINE`: `auto`, `tesserocr` or
`pytesseract`):

- **tesserocr** (the warm engine): Tesseract's C API in this process. Each engine loads the `vie`
  model once and is then kept for the next page, so a page costs its recognition alone, not the
  start of a new `tesseract` process that loads the model again (about a sixth of a page). Engines
  live in a pool, one per thread that reads at the same time (the extraction reads one page per
  core), and Tesseract releases the GIL while it recognises, so the threads run on every core.
  tesserocr is built from its source against the system's libtesseract, the one the `tesseract` CLI
  runs (requirements-ocr.in), so that both engines read alike: its wheels bundle another Tesseract
  (5.5.4), which read some lists otherwise. The OCR image builds it against the Tesseract it builds
  (infra/ocr-image.md).
- **pytesseract** (the CLI): one `tesseract` process per reading, which pytesseract starts and
  parses. It is the fallback wherever tesserocr is missing, and it does what a one-shot CLI does
  best: orientation and script detection (`ocr.osd_rotation`) and the cell reader started ahead.

`auto` takes tesserocr when it imports and finds the language's model, pytesseract otherwise. Both
return the same dictionary (`pytesseract.image_to_data`'s: one list per TSV column) so that what
reads the words does not know which engine ran. Both run Tesseract single-threaded
(`OMP_THREAD_LIMIT=1`): its OpenMP threads fight over the cores.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.config import settings

if TYPE_CHECKING:
    from PIL import Image as PILImage

__all__ = ["OcrData", "OcrEngine", "OcrTimeout", "engine", "engine_name", "parse_tsv", "start_loading", "tessdata_path"]

OcrData = dict[str, list[Any]]
"""What `image_to_data` gives: one list per TSV column (text, conf, left, top, width, height, ...)."""

TSV_COLUMNS = (
    "level",
    "page_num",
    "block_num",
    "par_num",
    "line_num",
    "word_num",
    "left",
    "top",
    "width",
    "height",
    "conf",
    "text",
)
"""The columns of Tesseract's TSV output (the CLI writes them as its first line; the C API does not)."""


class OcrTimeout(RuntimeError):
    """A reading took longer than `ocr_timeout` and was stopped: the page is reported unreadable."""


class OcrEngine(Protocol):
    """What the extraction asks of Tesseract."""

    name: str

    def read(self, img: PILImage.Image, dpi: int, psm: int = 3, whitelist: str | None = None) -> OcrData:
        """The word table of one grayscale PIL image whose true resolution is `dpi`."""
        ...


def single_thread() -> None:
    """One OpenMP thread per Tesseract (set before the library or a process starts)."""
    os.environ["OMP_THREAD_LIMIT"] = "1"


def parse_tsv(text: str, header: bool = True) -> OcrData:
    """Tesseract's TSV as `image_to_data`'s dictionary; `header`: the first line names the columns."""
    rows = [line.split("\t") for line in text.splitlines() if line]
    head = list(TSV_COLUMNS)
    if header:
        if not rows:
            return {"text": []}
        head, rows = rows[0], rows[1:]
    data: OcrData = {k: [] for k in head}
    for row in rows:
        if len(row) < len(head):
            row = row + [""] * (len(head) - len(row))
        for k, v in zip(head, row, strict=False):
            data[k].append(v)
    return data


@functools.cache
def tessdata_path() -> str:
    """Where the traineddata files are: `TESSDATA_PREFIX`, else where the `tesseract` CLI finds them.
    The wheels' Tesseract was built for another prefix, so it is told the system's folder."""
    prefix = os.environ.get("TESSDATA_PREFIX", "")
    if prefix:
        return prefix.rstrip("/") + "/"
    try:
        out = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return ""
    found = re.search(r'"([^"]+)"', out.stdout + out.stderr)
    return found.group(1) if found else ""


class CliEngine:
    """pytesseract: one `tesseract` process per reading, from an uncompressed PGM we write ourselves
    (pytesseract would otherwise encode a PNG)."""

    name = "pytesseract"

    def read(self, img: PILImage.Image, dpi: int, psm: int = 3, whitelist: str | None = None) -> OcrData:
        import pytesseract

        single_thread()
        config = f"--dpi {int(dpi)} --psm {psm}"
        if whitelist:
            config += f" -c tessedit_char_whitelist={whitelist}"
        with tempfile.TemporaryDirectory(prefix="motcua-ocr-") as tmp:
            path = os.path.join(tmp, "page.pgm")
            img.save(path, "PPM")  # a grayscale image is written as binary PGM: no compression, fast
            try:
                data: OcrData = pytesseract.image_to_data(
                    path,
                    lang=settings().ocr_lang,
                    config=config,
                    output_type=pytesseract.Output.DICT,
                    timeout=settings().ocr_timeout,
                )
                return data
            except RuntimeError as exc:  # pytesseract's timeout is a bare RuntimeError
                if "timeout" in str(exc).lower():
                    raise OcrTimeout(str(exc)) from exc
                raise


class WarmEngine:
    """tesserocr: engines with the model loaded, kept in a pool and lent to one reading at a time."""

    name = "tesserocr"

    def __init__(self, lang: str, path: str):
        single_thread()
        import tesserocr

        self._tesserocr = tesserocr
        self.lang, self.path = lang, path
        self._idle: list[Any] = []
        self._lock = threading.Lock()
        self.loaded = 0
        """Engines made so far (each one loaded the model once)."""
        self._put(self._new())  # fails here, not on the first page, if the model is missing

    def _new(self) -> Any:
        api = self._tesserocr.PyTessBaseAPI(path=self.path, lang=self.lang, psm=self._tesserocr.PSM.AUTO)
        with self._lock:
            self.loaded += 1
        return api

    def _put(self, api: Any) -> None:
        with self._lock:
            self._idle.append(api)

    @contextmanager
    def _lend(self) -> Iterator[Any]:
        with self._lock:
            api = self._idle.pop() if self._idle else None
        if api is None:
            api = self._new()
        try:
            yield api
        finally:
            api.Clear()
            self._put(api)

    def warm(self, count: int) -> None:
        """Load the model into `count` engines now (one per core), before the first page needs them."""
        while True:
            with self._lock:
                if len(self._idle) >= count or self.loaded >= count:
                    return
            self._put(self._new())

    def read(self, img: PILImage.Image, dpi: int, psm: int = 3, whitelist: str | None = None) -> OcrData:
        timeout_ms = int(settings().ocr_timeout * 1000)
        with self._lend() as api:
            api.SetPageSegMode(psm)
            api.SetVariable("tessedit_char_whitelist", whitelist or "")
            api.SetImage(img)
            api.SetSourceResolution(int(dpi))
            try:
                if not api.Recognize(timeout=timeout_ms):
                    raise OcrTimeout(f"tesseract stopped after {timeout_ms} ms")
                return parse_tsv(api.GetTSVText(0), header=False)
            finally:
                api.SetVariable("tessedit_char_whitelist", "")


_engines: dict[str, OcrEngine] = {}
_engines_lock = threading.Lock()


def engine(name: str | None = None) -> OcrEngine:
    """The process's OCR engine (`name`: one of them explicitly, as the tests and the bench ask)."""
    wanted = name or settings().ocr_engine
    with _engines_lock:
        if wanted not in _engines:
            _engines[wanted] = _make(wanted)
        return _engines[wanted]


def _make(wanted: str) -> OcrEngine:
    if wanted == "pytesseract":
        return CliEngine()
    try:
        return WarmEngine(settings().ocr_lang, tessdata_path())
    except (ImportError, RuntimeError, OSError):
        if wanted == "tesserocr":
            raise
        return CliEngine()


def start_loading() -> None:
    """Make the process's engine in a thread now, while the caller goes on importing and decoding its page:
    tesserocr loads the model with the GIL released, so a one-shot process (`motcua extract`) has its model
    ready by the time its page is, instead of loading it after. The first `engine()` call waits for it (the
    same lock); a failure here is left for that call to raise."""

    def load() -> None:
        try:
            engine()
        except Exception:  # noqa: BLE001 - raised again, where it is asked for, by engine()
            pass

    threading.Thread(target=load, name="ocr-engine-load", daemon=True).start()


def engine_name() -> str:
    """Which engine `auto` chose here (for the bench's report and `motcua extract --json`)."""
    return engine().name
