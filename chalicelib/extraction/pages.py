"""Open an attachment and hand out its pages: text-layer text, or a grayscale image with its dpi.

Whole-file problems raise `ExtractionError` before any page is handed out: empty file, format not
PDF/PNG/JPEG/TIFF, content not matching the declared type, encrypted or truncated PDF, too many
pages, pages or images too large (PDF and decompression bombs are refused from their headers,
without rendering or decoding anything). A page that fails later is reported on its own.

PDF structure and rendering: pypdfium2 (tolerant of what scanners write; not thread-safe, so pages
are rendered one at a time by the caller's thread). Text layer: pypdf, non-strict.
"""

from __future__ import annotations

import io
import math
import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chalicelib.config import settings

from .errors import ExtractionError, error
from .tables import Word

if TYPE_CHECKING:
    from PIL import Image as PILImage

__all__ = ["LIMITS", "Page", "SourceDocument", "open_document", "sniff"]


@dataclass(frozen=True)
class Limits:
    max_bytes: int = field(default_factory=lambda: settings().max_attachment_bytes)
    max_pages: int = 200
    max_page_side_pt: float = 14400.0  # 200 inches: the PDF format's own limit
    max_page_area_pt2: float = 2 * 2384 * 3370  # two A0 sheets
    max_image_pixels: int = 80_000_000  # a 600-dpi A3 scan is 70 MP
    ocr_dpi: int = 300
    max_render_pixels: int = 36_000_000  # a page is rendered at a lower dpi rather than above this
    min_dpi: int = 100
    max_ocr_dpi: int = 400  # denser images are scaled down to ocr_dpi: no gain in accuracy, slower


LIMITS = Limits()

_CONTENT_TYPES = {
    "application/pdf": "pdf",
    "application/x-pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpeg",
    "image/jpg": "jpeg",
    "image/pjpeg": "jpeg",
    "image/tiff": "tiff",
    "image/tif": "tiff",
    "image/x-tiff": "tiff",
}
_GENERIC = {"", "application/octet-stream", "binary/octet-stream", "application/binary"}
_EXTENSIONS = {
    ".pdf": "pdf",
    ".png": "png",
    ".jpg": "jpeg",
    ".jpeg": "jpeg",
    ".jpe": "jpeg",
    ".tif": "tiff",
    ".tiff": "tiff",
}


@dataclass
class Page:
    number: int  # 1-based
    source: str  # "text_layer" | "ocr"
    text: str = ""
    words: list[Word] = field(default_factory=list)
    image: PILImage.Image | None = None
    """The page in mode "L", for OCR; None on a text-layer page."""
    dpi: int | None = None
    error: str | None = None


def sniff(data: bytes) -> str | None:
    head = data[:1024]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if b"%PDF-" in head:
        return "pdf"
    return None


def _declared(content_type: str | None, filename: str) -> str | None:
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype in _CONTENT_TYPES:
        return _CONTENT_TYPES[ctype]
    if ctype not in _GENERIC:
        raise error("unsupported_format", f"content type {ctype}")
    ext = os.path.splitext(filename or "")[1].lower()
    return _EXTENSIONS.get(ext)


class SourceDocument:
    """An opened attachment. `pages()` yields pages one by one (rendering lazily)."""

    def __init__(self, kind: str, page_count: int):
        self.kind = kind
        self.page_count = page_count

    def pages(self) -> Iterator[Page]:  # pragma: no cover - overridden
        raise NotImplementedError

    def close(self) -> None:
        pass


def open_document(data: bytes, content_type: str | None = None, filename: str = "") -> SourceDocument:
    if not data:
        raise error("empty_file")
    if len(data) > LIMITS.max_bytes:
        raise error("file_too_large", f"{len(data)} bytes")
    declared = _declared(content_type, filename)
    actual = sniff(data)
    if actual is None:
        raise error("unsupported_format")
    if declared is not None and declared != actual:
        raise error("content_type_mismatch", f"declared {declared}, content is {actual}")
    if actual == "pdf":
        return _PdfDocument(data)
    return _ImageDocument(data, actual)


# --- PDF ---------------------------------------------------------------------------------------


class _PdfDocument(SourceDocument):
    def __init__(self, data: bytes):
        import pypdfium2 as pdfium

        if b"%%EOF" not in data[-2048:]:
            raise error("corrupt_file", "PDF has no end-of-file marker: truncated")
        try:
            self._pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            if "password" in str(exc).lower():
                raise error("encrypted_pdf") from None
            raise error("corrupt_file", "PDF cannot be parsed") from None
        count = len(self._pdf)
        if count == 0:
            self.close()
            raise error("corrupt_file", "PDF has no pages")
        if count > LIMITS.max_pages:
            self.close()
            raise error("too_many_pages", f"{count} pages, at most {LIMITS.max_pages}")
        self._sizes = []
        for i in range(count):
            w, h = self._pdf.get_page_size(i)
            if not (w > 0 and h > 0) or max(w, h) > LIMITS.max_page_side_pt or w * h > LIMITS.max_page_area_pt2:
                self.close()
                raise error("page_too_large", f"page {i + 1} is {w:.0f} x {h:.0f} pt")
            self._sizes.append((w, h))
        super().__init__("pdf", count)
        self._texts = _text_layers(data, count)

    def pages(self) -> Iterator[Page]:
        for i in range(self.page_count):
            number = i + 1
            text, words = self._texts[i] if self._texts else (None, [])
            if text is not None and usable_text(text):
                yield Page(number, "text_layer", text=text, words=words)
                continue
            w, h = self._sizes[i]
            # at `ocr_dpi` even when the page is a coarser scan: a 200-dpi scanner page rendered at 200 dpi had
            # its dates of birth read as the period's start by Tesseract 5.3 (either engine), at 300 it reads right
            # (tests/unit/extraction/test_pdf_scan_resolution.py, test_second_generator.py)
            dpi = _render_dpi(w, h)
            try:
                page = self._pdf[i]
                try:
                    bitmap = page.render(scale=dpi / 72, grayscale=True)
                    image = bitmap.to_pil().convert("L")
                finally:
                    page.close()
            except Exception as exc:  # noqa: BLE001 - pdfium reports any broken page this way
                yield Page(number, "ocr", error=f"page cannot be rendered: {type(exc).__name__}")
                continue
            yield Page(number, "ocr", image=image, dpi=dpi)

    def close(self) -> None:
        pdf, self._pdf = getattr(self, "_pdf", None), None
        if pdf is not None:
            pdf.close()


def _render_dpi(w_pt: float, h_pt: float) -> int:
    area_in2 = (w_pt / 72) * (h_pt / 72)
    dpi = min(LIMITS.ocr_dpi, int(math.sqrt(LIMITS.max_render_pixels / area_in2)))
    return max(dpi, 36)


def usable_text(text: str) -> bool:
    """A text layer worth reading: enough characters, and few that are not text (broken fonts
    give private-use code points, replacement characters or control characters)."""
    chars = [ch for ch in text if not ch.isspace()]
    if len(chars) < 20:
        return False
    bad = sum(1 for ch in chars if ch == "\ufffd" or unicodedata.category(ch) in ("Co", "Cc", "Cn", "Cs"))
    letters = sum(1 for ch in chars if ch.isalnum())
    return bad <= 0.02 * len(chars) and letters >= 0.6 * len(chars)


def _text_layers(data: bytes, count: int) -> list[tuple[str | None, list[Word]]] | None:
    """Per page: (text, word boxes) from the text layer, or None where pypdf cannot read it."""
    import logging

    import pypdf

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise error("encrypted_pdf")
        if len(reader.pages) != count:
            return None
    except Exception as exc:
        if getattr(exc, "code", None) == "encrypted_pdf":
            raise
        return None
    out: list[tuple[str | None, list[Word]]] = []
    for page in reader.pages:
        try:
            out.append(_page_text(page))
        except Exception:  # noqa: BLE001
            out.append((None, []))
    return out


def _page_text(page: Any) -> tuple[str, list[Word]]:
    box = page.mediabox
    top = float(box.top)
    left = float(box.left)
    fragments: list[list[Word]] = []

    def visit(text: str, cm: list[float], tm: list[float], font_dict: object, font_size: float | None) -> None:
        if not text or not text.strip():
            return
        # text space -> user space: tm x cm
        a, b, _c, _d, e, f = tm
        A, B, C, D, E, F = cm
        x = e * A + f * C + E
        y = e * B + f * D + F
        scale = math.hypot(a * A + b * C, a * B + b * D) or 1.0
        size = (font_size or 10) * scale
        for part in re.split(r"\n", text):
            if part.strip():
                fragments.append(_fragment_words(part, x - left, top - y, size, len(fragments)))

    text = page.extract_text(visitor_text=visit)
    words = [w for group in fragments for w in group]
    return unicodedata.normalize("NFC", text or ""), words


def _fragment_words(text: str, x: float, baseline: float, size: float, key: int) -> list[Word]:
    """Split one shown string into words with estimated boxes (average glyph width ~0.55 em)."""
    words: list[Word] = []
    advance = size * 0.55
    for m in re.finditer(r"\S+", text):
        start = x + m.start() * advance
        words.append(
            Word(
                text=unicodedata.normalize("NFC", m.group()),
                x0=start,
                y0=baseline - size * 0.75,
                x1=start + len(m.group()) * advance,
                y1=baseline + size * 0.2,
                conf=1.0,
                line=(key,),
            )
        )
    return words


# --- images ------------------------------------------------------------------------------------


class _ImageDocument(SourceDocument):
    def __init__(self, data: bytes, kind: str):
        import warnings

        from PIL import Image

        Image.MAX_IMAGE_PIXELS = LIMITS.max_image_pixels
        self._data = data
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                img = Image.open(io.BytesIO(data))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise error("image_too_large", f"more than {LIMITS.max_image_pixels} pixels") from None
        except Exception:  # noqa: BLE001 - PIL raises many kinds for a broken header
            raise error("corrupt_file", "image header cannot be read") from None
        fmt = {"PNG": "png", "JPEG": "jpeg", "MPO": "jpeg", "TIFF": "tiff"}.get(img.format or "")
        if fmt != kind:
            raise error("corrupt_file", f"image format {img.format}")
        try:
            count = getattr(img, "n_frames", 1) if kind == "tiff" else 1
        except Exception:  # noqa: BLE001
            raise error("corrupt_file", "TIFF directory cannot be read") from None
        if count > LIMITS.max_pages:
            raise error("too_many_pages", f"{count} pages, at most {LIMITS.max_pages}")
        self._img: PILImage.Image | None = img
        super().__init__(kind, count)
        self._check_size(0)

    def _image(self) -> PILImage.Image:
        if self._img is None:
            raise error("corrupt_file", "image already closed")
        return self._img

    def _check_size(self, index: int) -> None:
        w, h = self._image().size
        if w * h > LIMITS.max_image_pixels or w <= 0 or h <= 0:
            raise error("image_too_large", f"page {index + 1} is {w} x {h} pixels")

    def pages(self) -> Iterator[Page]:
        from PIL import ImageOps

        for i in range(self.page_count):
            number = i + 1
            try:
                if i:
                    self._image().seek(i)
                    self._check_size(i)
                frame = self._image()
                frame.load()
                dpi = _image_dpi(frame)
                if self.kind == "jpeg":
                    frame = ImageOps.exif_transpose(frame)
                image = _to_gray(frame)
            except ExtractionError:
                raise
            except Exception as exc:  # noqa: BLE001 - truncated or broken image data
                if self.page_count == 1:
                    raise error("corrupt_file", "image data cannot be decoded") from None
                yield Page(number, "ocr", error=f"page cannot be decoded: {type(exc).__name__}")
                continue
            if dpi > LIMITS.max_ocr_dpi:
                from PIL import Image

                scale = LIMITS.ocr_dpi / dpi
                image = image.resize(
                    (max(1, round(image.width * scale)), max(1, round(image.height * scale))), Image.Resampling.LANCZOS
                )
                dpi = LIMITS.ocr_dpi
            yield Page(number, "ocr", image=image, dpi=dpi)

    def close(self) -> None:
        img, self._img = getattr(self, "_img", None), None
        if img is not None:
            img.close()


def _to_gray(img: PILImage.Image) -> PILImage.Image:
    from PIL import Image

    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, rgba)
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        img = img.point(lambda v: v / 256)
    return img.convert("L")


def _image_dpi(img: PILImage.Image) -> int:
    """The resolution written in the file when it is plausible, else the one an A4 page would have."""
    dpi = img.info.get("dpi")
    try:
        value = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        value = 0.0
    if 100 <= value <= 1200:
        return round(value)
    estimate = max(img.size) / 11.69
    return int(min(1200, max(LIMITS.min_dpi, estimate)))
