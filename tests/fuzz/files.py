"""Hostile attachments, made by hypothesis: what a careless scanner, a broken upload or an attacker
sends as a "worker list".

Every file is one of a few families, each named by `kind`, because each family attacks a different
part of the reader: the magic-number check at upload, pdfium and pypdf, Pillow's header parsing and
its decompression-bomb guard, the TIFF directory chain, Tesseract on a degenerate page, and pyHanko
(attachments named `request*` are signature-checked). `unreadable` says what the pipeline must
conclude: True means the dossier must come back with an `unreadable_attachment` finding naming the
file; False means the file may well be read (a valid image of an odd kind) and only has to settle.
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass

from hypothesis import strategies as st

__all__ = ["KINDS", "MAGIC", "HostileFile", "draw_files", "hostile_file", "one_of_each"]

MAGIC: dict[str, bytes] = {
    "application/pdf": b"%PDF-1.4\n",
    "image/png": b"\x89PNG\r\n\x1a\n",
    "image/jpeg": b"\xff\xd8\xff",
    "image/tiff": b"II*\x00",
}
_EXTENSION = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg", "image/tiff": "tif"}


@dataclass(frozen=True)
class HostileFile:
    kind: str
    name: str
    content_type: str
    """What the upload declares (`Content-Type`)."""
    data: bytes
    unreadable: bool
    """The pipeline must report it as unreadable (False: it may be read, it must only settle)."""
    accepted_at_upload: bool = True
    """False: the upload itself must be refused with a 4xx (the declared type is not the content)."""

    def __repr__(self) -> str:  # hypothesis prints failing examples: keep them short
        return f"HostileFile({self.kind}, {self.name}, {self.content_type}, {len(self.data)} bytes)"


def _names(content_type: str) -> st.SearchStrategy[str]:
    prefixes = ["worker_list", "request", "annex"] if content_type == "application/pdf" else ["worker_list", "annex"]
    return st.builds(
        lambda p, i: f"{p}{i}.{_EXTENSION[content_type]}",
        st.sampled_from(prefixes),
        st.sampled_from(["", "_1", "-scan"]),
    )


# -- valid small documents (then broken) ----------------------------------------------------------


def _pdf(text: str = "Danh sach nguoi lao dong", pages: int = 1) -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    for n in range(pages):
        page.drawString(72, 720, f"{text} {n + 1}")
        page.showPage()
    page.save()
    return buffer.getvalue()


def _image(fmt: str, mode: str, width: int, height: int, **save: object) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new(mode, (width, height), "white" if mode not in ("I;16", "I") else 65535)
    if mode not in ("I;16",):
        ImageDraw.Draw(image).line((0, 0, width - 1, height - 1), fill="black" if mode not in ("I",) else 0)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **save)
    return buffer.getvalue()


_IMAGE_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/tiff": "TIFF"}
_MODES = {
    "image/png": ["1", "L", "LA", "P", "RGB", "RGBA", "I;16"],
    "image/jpeg": ["L", "RGB", "CMYK"],
    "image/tiff": ["1", "L", "RGB", "RGBA", "CMYK", "I;16"],
}


@st.composite
def _valid_image(draw: st.DrawFn, content_type: str | None = None) -> tuple[str, bytes]:
    content_type = content_type or draw(st.sampled_from(list(_IMAGE_FORMATS)))
    mode = draw(st.sampled_from(_MODES[content_type]))
    width, height = draw(st.integers(1, 240)), draw(st.integers(1, 240))
    options: dict[str, object] = {}
    if content_type == "image/jpeg":
        options = draw(st.sampled_from([{}, {"progressive": True}, {"quality": 5}]))
    if content_type == "image/png" and mode == "P":
        options = {"transparency": 0}
    if draw(st.booleans()):
        options["dpi"] = draw(st.sampled_from([(1, 1), (72, 72), (0, 0), (300, 300), (65535, 65535)]))
    return content_type, _image(_IMAGE_FORMATS[content_type], mode, width, height, **options)


# -- the families -------------------------------------------------------------------------------


@st.composite
def truncated_pdf(draw: st.DrawFn) -> HostileFile:
    """A real PDF cut short: no `%%EOF`, its cross-reference table gone."""
    data = _pdf(pages=draw(st.integers(1, 3)))
    cut = draw(st.integers(len(MAGIC["application/pdf"]), len(data) - 64))
    return HostileFile("truncated_pdf", draw(_names("application/pdf")), "application/pdf", data[:cut], unreadable=True)


@st.composite
def truncated_image(draw: st.DrawFn) -> HostileFile:
    """A real image cut short (Pillow stops at the missing data)."""
    content_type, data = draw(_valid_image())
    if len(data) < 64:
        data = _image(_IMAGE_FORMATS[content_type], "L", 200, 200)
    keep = draw(st.floats(0.05, 0.6))
    return HostileFile(
        "truncated_image",
        draw(_names(content_type)),
        content_type,
        data[: max(len(MAGIC[content_type]), int(len(data) * keep))],
        unreadable=True,
    )


@st.composite
def header_noise(draw: st.DrawFn) -> HostileFile:
    """The right magic number, then random bytes (a PDF sometimes with an end marker, to reach pdfium)."""
    content_type = draw(st.sampled_from(list(MAGIC)))
    noise = draw(st.binary(min_size=0, max_size=3000))
    data = MAGIC[content_type] + noise
    if content_type == "application/pdf" and draw(st.booleans()):
        data += b"\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    return HostileFile("header_noise", draw(_names(content_type)), content_type, data, unreadable=True)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _png_header(width: int, height: int, color_type: int = 0, idat: bytes = b"") -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return (
        MAGIC["image/png"]
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat or zlib.compress(b"\x00" * 64))
        + _png_chunk(b"IEND", b"")
    )


def _jpeg_header(width: int, height: int) -> bytes:
    sof = struct.pack(">HBHHB", 11, 8, height, width, 1) + bytes([1, 0x11, 0])
    dqt = struct.pack(">HB", 67, 0) + bytes(range(1, 65))
    return (
        b"\xff\xd8"
        + b"\xff\xdb"
        + dqt
        + b"\xff\xc0"
        + sof
        + b"\xff\xda"
        + struct.pack(">HB", 8, 1)
        + bytes([1, 0, 0, 63, 0])
        + b"\x00" * 32
        + b"\xff\xd9"
    )


def _tiff(width: int, height: int, next_ifd: int = 0, strip: bytes = b"\xff" * 16) -> bytes:
    """A little-endian grayscale TIFF whose one IFD declares `width` x `height` (and `next_ifd`)."""
    entries = [
        (256, 4, 1, width),
        (257, 4, 1, height),
        (258, 3, 1, 8),
        (259, 3, 1, 1),
        (262, 3, 1, 1),
        (273, 4, 1, 0),
        (278, 4, 1, height),
        (279, 4, 1, len(strip)),
    ]
    ifd_size = 2 + 12 * len(entries) + 4
    strip_at = 8 + ifd_size
    body = struct.pack("<H", len(entries))
    for tag, typ, count, value in entries:
        value = strip_at if tag == 273 else value
        body += struct.pack("<HHI", tag, typ, count) + (
            struct.pack("<HH", value, 0) if typ == 3 else struct.pack("<I", value)
        )
    body += struct.pack("<I", next_ifd)
    return b"II*\x00" + struct.pack("<I", 8) + body + strip


@st.composite
def huge_dimensions(draw: st.DrawFn) -> HostileFile:
    """A header that declares an enormous image (a decompression bomb's first step) over tiny data."""
    content_type = draw(st.sampled_from(["image/png", "image/jpeg", "image/tiff"]))
    limit = 65535 if content_type == "image/jpeg" else 2**31 - 1
    width = draw(st.one_of(st.integers(20_000, limit), st.sampled_from([limit, 0])))
    height = draw(st.one_of(st.integers(20_000, limit), st.sampled_from([limit, 1])))
    data = {
        "image/png": lambda: _png_header(width, height, draw(st.sampled_from([0, 2, 6]))),
        "image/jpeg": lambda: _jpeg_header(width, height),
        "image/tiff": lambda: _tiff(width, height),
    }[content_type]()
    return HostileFile("huge_dimensions", draw(_names(content_type)), content_type, data, unreadable=True)


@st.composite
def tiff_loop(draw: st.DrawFn) -> HostileFile:
    """A TIFF whose directory chain points back at itself (or past the end): `n_frames` must not spin."""
    target = draw(st.sampled_from([8, 4, 2**32 - 1]))
    data = _tiff(draw(st.integers(1, 64)), draw(st.integers(1, 64)), next_ifd=target)
    return HostileFile("tiff_loop", draw(_names("image/tiff")), "image/tiff", data, unreadable=False)


def _hand_pdf(media_box: str, count: str = "1", extra: str = "") -> bytes:
    """A minimal hand-written PDF with a chosen MediaBox and declared page count (offsets may lie)."""
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [3 0 R] /Count {count} >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox {media_box} {extra}>>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode() + b"".join(
        f"{o:010d} 00000 n \n".encode() for o in offsets
    )
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


@st.composite
def odd_pdf(draw: st.DrawFn) -> HostileFile:
    """Structurally odd PDFs: absurd or empty page boxes, a lying page count, deep nesting, a password."""
    variant = draw(st.sampled_from(["huge_box", "empty_box", "lying_count", "deep_nesting", "encrypted"]))
    if variant == "huge_box":
        side = draw(st.sampled_from(["1e9", "99999999", "14400.5", "3e38"]))
        data, unreadable = _hand_pdf(f"[0 0 {side} {side}]"), False  # pdfium may fall back to a default size
    elif variant == "empty_box":
        data, unreadable = _hand_pdf(draw(st.sampled_from(["[0 0 0 0]", "[0 0 -10 -10]", "[]", "[0 0 a b]"]))), False
    elif variant == "lying_count":
        data, unreadable = (
            _hand_pdf("[0 0 595 842]", count=draw(st.sampled_from(["100000", "-1", "0", "2147483648"]))),
            False,
        )
    elif variant == "deep_nesting":
        depth = draw(st.integers(200, 5000))
        data, unreadable = _hand_pdf("[0 0 595 842]", extra="/Nested " + "[" * depth + "]" * depth + " "), False
    else:
        import pypdf

        writer = pypdf.PdfWriter(clone_from=io.BytesIO(_pdf()))
        writer.encrypt(user_password="secret", owner_password="owner")
        buffer = io.BytesIO()
        writer.write(buffer)
        data, unreadable = buffer.getvalue(), True
    return HostileFile(
        f"odd_pdf:{variant}", draw(_names("application/pdf")), "application/pdf", data, unreadable=unreadable
    )


@st.composite
def odd_image(draw: st.DrawFn) -> HostileFile:
    """A valid but unusual image: 1-bit, 16-bit, alpha, CMYK, a palette, 1 pixel wide, absurd dpi."""
    content_type, data = draw(_valid_image())
    return HostileFile("odd_image", draw(_names(content_type)), content_type, data, unreadable=False)


@st.composite
def wrong_type(draw: st.DrawFn) -> HostileFile:
    """A real file declared as another type: the upload must refuse it (415), not store it."""
    actual = draw(st.sampled_from(list(MAGIC)))
    declared = draw(
        st.sampled_from([t for t in MAGIC if t != actual] + ["text/plain", "application/octet-stream", "image/gif"])
    )
    data = _pdf() if actual == "application/pdf" else draw(_valid_image(actual))[1]
    return HostileFile("wrong_type", draw(_names(actual)), declared, data, unreadable=False, accepted_at_upload=False)


KINDS = {
    "truncated_pdf": truncated_pdf,
    "truncated_image": truncated_image,
    "header_noise": header_noise,
    "huge_dimensions": huge_dimensions,
    "tiff_loop": tiff_loop,
    "odd_pdf": odd_pdf,
    "odd_image": odd_image,
    "wrong_type": wrong_type,
}


def hostile_file() -> st.SearchStrategy[HostileFile]:
    """Any one hostile file."""
    return st.one_of(*(make() for make in KINDS.values()))


def one_of_each() -> st.SearchStrategy[list[HostileFile]]:
    """One file of every family: a short run still meets each of them."""
    return st.tuples(*(make() for make in KINDS.values())).map(list)


def draw_files(rounds: int, seed: int) -> list[HostileFile]:
    """`rounds` files of every family, the same ones on every run for a given seed."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as fixed_seed

    files: list[HostileFile] = []

    @fixed_seed(seed)
    @settings(
        max_examples=rounds,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(one_of_each())
    def collect(batch: list[HostileFile]) -> None:
        files.extend(batch)

    collect()
    return files
