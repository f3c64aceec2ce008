"""OCR of one page image with Tesseract, language `vie`, through the engine of `engine.py` (a warm
tesserocr engine in this process where it installs, pytesseract's CLI otherwise).

Cost is what matters here (FACTS.md): Tesseract runs single-threaded (`OMP_THREAD_LIMIT=1`, one
engine per core, the caller spreads pages over a thread pool) and is told the page's true
resolution. Orientation costs nothing on an upright page: the page is OCR'd as it is,
and only when that reading is poor (few confident words: a page turned 90/180/270°) does Tesseract's
OSD (`--psm 0`, on a half-size copy) say how to turn it before a second reading. Skew of a few
degrees is left to Tesseract, which reads slightly tilted lines well; its angle is measured from the
word boxes and undone in the coordinates handed to the table layout.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from chalicelib.config import settings

from .engine import OcrData, engine, parse_tsv, single_thread
from .tables import Word

if TYPE_CHECKING:
    from PIL import Image as PILImage

__all__ = [
    "LANG",
    "OCR_TIMEOUT",
    "CellReader",
    "OcrData",
    "OcrPage",
    "binarize",
    "estimate_skew",
    "ocr_image",
    "osd_rotation",
    "reread",
]

LANG = settings().ocr_lang
OCR_TIMEOUT = settings().ocr_timeout
"""Seconds one Tesseract run may take before it is killed and the page reported unreadable."""

GOOD_WORD_CONF = 70


@dataclass
class OcrPage:
    words: list[Word] = field(default_factory=list)
    text: str = ""
    rotation: int = 0
    skew: float = 0.0
    seconds: float = 0.0
    runs: int = 0
    quality: float = 0.0
    image: PILImage.Image | None = None
    """The page image the words refer to (turned upright when it was rotated)."""


def _env() -> None:
    # Tesseract's OpenMP threads fight over the cores (5x slower on 2 cores): one thread per process.
    single_thread()


def _write_pgm(img: PILImage.Image, folder: str, name: str) -> str:
    path = os.path.join(folder, name + ".pgm")
    img.save(path, "PPM")  # a grayscale image is written as binary PGM: no compression, fast
    return path


def _tesseract_data(img: PILImage.Image, dpi: int, psm: int = 3, whitelist: str | None = None) -> OcrData:
    return engine().read(img, dpi, psm=psm, whitelist=whitelist)


def osd_rotation(img: PILImage.Image, dpi: int) -> tuple[int, float]:
    """(degrees to turn the page clockwise, confidence) from Tesseract's OSD on a half-size copy."""
    import pytesseract
    from PIL import Image

    _env()
    # OSD needs characters of some size: reduce to about 150 dpi, not below
    factor = max(1, int(dpi // 150))
    small = (
        img.resize((max(1, img.width // factor), max(1, img.height // factor)), Image.Resampling.BOX)
        if factor > 1
        else img
    )
    with tempfile.TemporaryDirectory(prefix="motcua-osd-") as tmp:
        path = _write_pgm(small, tmp, "osd")
        try:
            out = pytesseract.image_to_osd(path, config=f"--psm 0 --dpi {max(70, dpi // factor)}", timeout=OCR_TIMEOUT)
        except pytesseract.TesseractError:
            return 0, 0.0
    rotate = re.search(r"Rotate:\s*(\d+)", out)
    conf = re.search(r"Orientation confidence:\s*([\d.]+)", out)
    return (int(rotate.group(1)) % 360 if rotate else 0), (float(conf.group(1)) if conf else 0.0)


def _words(data: OcrData) -> list[Word]:
    words: list[Word] = []
    for i, text in enumerate(data["text"]):
        text = (text or "").strip()
        if not text:
            continue
        try:
            conf = float(data["conf"][i])
        except (TypeError, ValueError):
            conf = -1.0
        if conf < 0:
            continue
        left, top, width, height = (int(data[k][i]) for k in ("left", "top", "width", "height"))
        words.append(
            Word(
                text=text,
                x0=left,
                y0=top,
                x1=left + width,
                y1=top + height,
                conf=conf / 100.0,
                line=(int(data["block_num"][i]), int(data["par_num"][i]), int(data["line_num"][i])),
            )
        )
    return words


def _text(words: list[Word]) -> str:
    lines: dict[tuple[int, ...], list[Word]] = {}
    for w in words:
        lines.setdefault(w.line, []).append(w)
    out: list[str] = []
    last_block = None
    for key in sorted(lines):
        if last_block is not None and key[0] != last_block:
            out.append("")
        last_block = key[0]
        out.append(" ".join(w.text for w in sorted(lines[key], key=lambda w: w.x0)))
    return "\n".join(out)


def quality(words: list[Word]) -> float:
    """How much of a page reads as text: the number of confident words of two or more letters."""
    good = sum(
        1 for w in words if w.conf * 100 >= GOOD_WORD_CONF and len(w.text) >= 2 and any(ch.isalnum() for ch in w.text)
    )
    return float(good)


def _looks_upright(words: list[Word]) -> bool:
    if not words:
        return False
    good = quality(words)
    return good >= 8 and good >= 0.4 * len(words)


def estimate_skew(words: list[Word]) -> float:
    """The page's tilt in degrees (positive: lines go down to the right), from Tesseract's lines."""
    lines: dict[tuple[int, ...], list[Word]] = {}
    for w in words:
        lines.setdefault(w.line, []).append(w)
    slopes: list[tuple[float, float]] = []
    for ws in lines.values():
        if len(ws) < 2:
            continue
        ws = sorted(ws, key=lambda w: w.x0)
        span = (ws[-1].x0 + ws[-1].x1) / 2 - (ws[0].x0 + ws[0].x1) / 2
        height = sorted(w.y1 - w.y0 for w in ws)[len(ws) // 2]
        if span < 6 * max(height, 1):
            continue
        # least squares on the words' bottoms (descenders are rare enough at the median)
        xs = [(w.x0 + w.x1) / 2 for w in ws]
        ys = [w.y1 for w in ws]
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        sxx = sum((x - mx) ** 2 for x in xs)
        if sxx <= 0:
            continue
        slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=False)) / sxx
        slopes.append((span, slope))
    if not slopes:
        return 0.0
    slopes.sort(key=lambda s: s[1])
    total = sum(s[0] for s in slopes)
    acc = 0.0
    for span, slope in slopes:  # span-weighted median
        acc += span
        if acc >= total / 2:
            return math.degrees(math.atan(slope))
    return 0.0


def _turn(img: PILImage.Image, rotate_cw: int) -> PILImage.Image:
    from PIL import Image

    if rotate_cw == 90:
        return img.transpose(Image.Transpose.ROTATE_270)
    if rotate_cw == 180:
        return img.transpose(Image.Transpose.ROTATE_180)
    if rotate_cw == 270:
        return img.transpose(Image.Transpose.ROTATE_90)
    return img


UNEVEN_LIGHT = 30
"""Grey levels between the brightest and the darkest paper of a page above which the light is
flattened before reading (a phone photo lit from one side); a scanner's page varies by a few."""


def flatten_light(img: PILImage.Image) -> PILImage.Image:
    """The page divided by an estimate of its paper's brightness, when that is uneven: the paper
    becomes white everywhere and the ink keeps its contrast, so Tesseract's one global threshold
    no longer loses the words in the shadow. The paper is estimated cheaply: the page shrunk 16
    times, the brightest pixel of each 5x5 neighbourhood (ink is darker than paper), smoothed.
    A scan with even light is returned as it is."""
    from PIL import Image, ImageFilter

    w, h = img.size
    small = img.resize((max(1, w // 16), max(1, h // 16)), Image.Resampling.BOX)
    paper = small.filter(ImageFilter.MaxFilter(5)).filter(ImageFilter.GaussianBlur(3))
    lo, hi = _percentile(paper, 0.05), _percentile(paper, 0.95)
    if hi - lo < UNEVEN_LIGHT:
        return img  # a scan: numpy (0.2 s to import in a new process) is not needed
    import numpy as np

    bg = np.asarray(paper.resize((w, h), Image.Resampling.BILINEAR), dtype=np.float32)
    out = np.asarray(img, dtype=np.float32) * (255.0 / np.maximum(bg, 16.0))
    return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8))  # 2-D uint8: mode "L"


def _percentile(img: PILImage.Image, q: float) -> int:
    """The grey level below which a share `q` of a grayscale image's pixels lie (nearest rank,
    from its histogram)."""
    hist = img.histogram()[:256]
    wanted = q * (sum(hist) - 1)
    seen = 0
    for level, count in enumerate(hist):
        seen += count
        if seen > wanted:
            return level
    return 255


DESKEW_ABOVE = 1.5
"""Degrees of tilt above which a page is turned upright and read again. A scanner lays a page a degree
or two askew, which Tesseract reads well; a phone photo is often tilted more, and then the right end of
one row of a dense table stands level with the left end of the next (2.6° over a 17 cm row is 8 mm):
Tesseract's lines run from one row into the other and the cells on the far side come out garbled."""


def ocr_image(img: PILImage.Image, dpi: int) -> OcrPage:
    """OCR one grayscale page image whose true resolution is `dpi` (its light flattened first when
    it is uneven, see `flatten_light`; turned upright and read again when it is tilted more than
    `DESKEW_ABOVE`)."""
    from PIL import Image

    started = time.monotonic()
    result = OcrPage()
    if settings().flatten_light:
        img = flatten_light(img)
    words = _words(_tesseract_data(img, dpi))
    result.runs = 1
    if not _looks_upright(words):
        rotate, _conf = osd_rotation(img, dpi)
        if rotate:
            turned = _turn(img, rotate)
            other = _words(_tesseract_data(turned, dpi))
            result.runs += 1
            if quality(other) > quality(words):
                words, result.rotation, img = other, rotate, turned
    skew = estimate_skew(words)
    if abs(skew) >= DESKEW_ABOVE:
        turned = img.rotate(skew, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
        other = _words(_tesseract_data(turned, dpi))
        result.runs += 1
        if quality(other) >= quality(words):
            words, img = other, turned
    result.words = words
    result.image = img
    result.quality = quality(words)
    result.skew = estimate_skew(words)
    result.text = _text(words)
    result.seconds = time.monotonic() - started
    return result


def otsu_threshold(img: PILImage.Image) -> int:
    """Otsu's threshold of a grayscale image (from its histogram: no numpy needed)."""
    hist = img.histogram()[:256]
    total = sum(hist)
    if not total:
        return 128
    sum_all = sum(i * h for i, h in enumerate(hist))
    best, best_var, w0, sum0 = 128, -1.0, 0, 0.0
    for t in range(256):
        w0 += hist[t]
        if w0 == 0:
            continue
        w1 = total - w0
        if w1 == 0:
            break
        sum0 += t * hist[t]
        m0, m1 = sum0 / w0, (sum_all - sum0) / w1
        var = w0 * w1 * (m0 - m1) ** 2
        if var > best_var:
            best, best_var = t, var
    return best


def binarize(img: PILImage.Image) -> PILImage.Image:
    """Black ink on white paper, cut at the crop's own Otsu threshold. On a small crop of grey,
    grainy paper Tesseract's own thresholding sometimes keeps the grain and reads '7' as '/'."""
    t = otsu_threshold(img)
    return img.point(lambda v: 0 if v <= t else 255)


RULING_SHARE = 0.9
"""A column (row) of a cell's crop dark over this share of its height (width) is a ruling of the table:
the crop is padded above and below the words, and no character's stroke reaches that far."""


def erase_rulings(crop: PILImage.Image) -> PILImage.Image:
    """The crop with the table's rulings it caught whitened. A cell cut at its column's edge (see
    `tables._cell_box`) may still hold the vertical line between two cells, which a single-line reading
    takes for a '1' or an 'l' ("17423750283" for 7423750283).

    Pillow alone (no numpy, 0.2 s to import in a new process such as `motcua extract`): the share of
    dark pixels of each column (row) is the mean of the binarized crop squeezed to one row (column)
    with a box filter."""
    from PIL import Image, ImageDraw

    if crop.mode != "L" or min(crop.size) < 4:
        return crop
    t = otsu_threshold(crop)
    dark = crop.point(lambda v: 255 if v <= t else 0)
    if dark.getextrema()[1] == 0:
        return crop
    width, height = crop.size
    limit = RULING_SHARE * 255
    cols = [v >= limit for v in dark.resize((width, 1), Image.Resampling.BOX).tobytes()]  # mode L: a byte a pixel
    rows = [v >= limit for v in dark.resize((1, height), Image.Resampling.BOX).tobytes()]
    if not any(cols) and not any(rows):
        return crop
    out = crop.copy()
    draw = ImageDraw.Draw(out)
    for x in _widen(cols):
        draw.line([(x, 0), (x, height - 1)], fill=255)
    for y in _widen(rows):
        draw.line([(0, y), (width - 1, y)], fill=255)
    return out


def _widen(mask: list[bool]) -> list[int]:
    """The indices of a ruling's mask made one pixel wider on each side (its anti-aliased edges)."""
    last = len(mask) - 1
    return [i for i in range(len(mask)) if mask[i] or (i > 0 and mask[i - 1]) or (i < last and mask[i + 1])]


class CellReader:
    """For the CLI engine only (a warm engine has no start-up to save): a Tesseract process (`--psm 6`, no whitelist) started ahead, while the page itself is being
    read on another core: it loads its model (about a sixth of a page's reading) and then waits for
    the image of the doubtful cells on its standard input. `close()` ends it if it was not needed."""

    def __init__(self, dpi: int) -> None:
        import subprocess

        _env()
        self.dpi = int(dpi)
        self._proc: subprocess.Popen[bytes] | None = subprocess.Popen(
            ["tesseract", "stdin", "stdout", "-l", LANG, "--dpi", str(self.dpi), "--psm", "6", "tsv"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=dict(os.environ, OMP_THREAD_LIMIT="1"),
        )

    def read(self, pgm: bytes) -> OcrData:
        """`image_to_data`'s dictionary for one image (binary PGM); the process is used up."""
        import subprocess

        proc, self._proc = self._proc, None
        if proc is None:
            raise RuntimeError("cell reader already used")
        try:
            out, _ = proc.communicate(pgm, timeout=OCR_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise
        if proc.returncode != 0:
            raise RuntimeError(f"tesseract exited with {proc.returncode}")
        return parse_tsv(out.decode("utf-8", "replace"))

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
        if proc is not None:
            proc.communicate()


def reread(
    img: PILImage.Image,
    boxes: list[tuple[float, float, float, float]],
    dpi: int,
    margin: float = 0.25,
    whitelist: str | None = None,
    variant: str = "binarized",
    reader: CellReader | None = None,
) -> list[tuple[str, float]]:
    """Read again, as single lines, the cells whose first reading is in doubt.

    The crops are stacked, one under the other with white space between, into one image, so that
    a single Tesseract run (`--psm 6`) reads them all (one start-up of Tesseract per page, whatever
    the number of cells). `variant` says how each crop is prepared: "binarized" (its own Otsu
    threshold: a reading that differs from the page's) or "median" (grain smoothed away, grey kept).
    `reader`, a Tesseract started ahead (no whitelist), saves the start-up. Returns, per box,
    (text, confidence).
    """
    from PIL import Image, ImageFilter

    if not boxes:
        return []
    crops: list[PILImage.Image] = []
    for x0, y0, x1, y1 in boxes:
        pad = (y1 - y0) * margin
        box = (
            max(0, int(x0 - 2 * pad)),
            max(0, int(y0 - pad)),
            min(img.width, int(x1 + 2 * pad)),
            min(img.height, int(y1 + pad)),
        )
        crop = erase_rulings(img.crop(box))
        if variant == "binarized":
            crop = binarize(crop)
        elif variant == "median":
            crop = crop.filter(ImageFilter.MedianFilter(3))
        crops.append(crop)
    gap = max(int(max(c.height for c in crops)), 10)
    width = max(c.width for c in crops) + 2 * gap
    height = sum(c.height for c in crops) + gap * (len(crops) + 1)
    canvas = Image.new("L", (width, height), 255)
    spans = []
    y = gap
    for c in crops:
        canvas.paste(c, (gap, y))
        spans.append((y, y + c.height))
        y += c.height + gap
    if reader is not None and whitelist is None:
        import io

        buf = io.BytesIO()
        canvas.save(buf, "PPM")
        words = _words(reader.read(buf.getvalue()))
    else:
        words = _words(_tesseract_data(canvas, dpi, psm=6, whitelist=whitelist))
    out: list[list[Word]] = [[] for _ in crops]
    for w in words:
        cy = (w.y0 + w.y1) / 2
        for i, (top, bottom) in enumerate(spans):
            if top - gap / 2 <= cy <= bottom + gap / 2:
                out[i].append(w)
                break
    return [
        (" ".join(w.text for w in sorted(ws, key=lambda w: w.x0)), min((w.conf for w in ws), default=0.0)) for ws in out
    ]
