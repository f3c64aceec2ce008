"""Files that cannot be read: one clear error each, without allocating the bomb.

How fast each is refused is a figure of `make bench` (`bench/refusals.py`), not an assertion here."""

from __future__ import annotations

import io
import resource
import struct
import zlib

import pytest

from chalicelib.extraction import ExtractionError, extract_document
from chalicelib.extraction.pages import LIMITS


def _code(data, ctype=None, filename=""):
    with pytest.raises(ExtractionError) as info:
        extract_document(data, ctype, filename)
    err = info.value
    assert err.message_vi and err.message_en and err.code in str(err)
    return err.code


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def decompression_bomb_png(side: int = 40_000) -> bytes:
    """A real 40 000 x 40 000 one-bit PNG (1.6 G pixels): ~200 MB of zeros deflated to ~200 KB."""
    row = b"\x00" * (1 + side // 8)
    comp = zlib.compressobj(9)
    chunks = [comp.compress(row * 1000) for _ in range(side // 1000)]
    chunks.append(comp.flush())
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", b"".join(chunks))
        + _png_chunk(b"IEND", b"")
    )


def test_empty_file():
    assert _code(b"", "application/pdf") == "empty_file"


def test_unsupported_content():
    assert _code(b"just some text, not a scan", None, "notes.txt") == "unsupported_format"
    assert _code(b"GIF89a......", "image/gif") == "unsupported_format"


def test_content_not_matching_its_type(text_pdf):
    assert _code(text_pdf.data, "image/png") == "content_type_mismatch"
    png = io.BytesIO()
    from PIL import Image

    Image.new("L", (100, 100), 255).save(png, "PNG")
    assert _code(png.getvalue(), "application/pdf") == "content_type_mismatch"
    assert _code(png.getvalue(), None, "scan.pdf") == "content_type_mismatch"


def test_encrypted_pdf(text_pdf):
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(text_pdf.data))
    writer = pypdf.PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    assert _code(out.getvalue(), "application/pdf") == "encrypted_pdf"


def test_pdf_with_owner_password_only_is_read(text_pdf):
    """Restrictions without a password to open (common from scanners) do not stop reading."""
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(text_pdf.data))
    writer = pypdf.PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    result = extract_document(out.getvalue(), "application/pdf")
    assert [w.si_number for w in result.workers] == [w.si_number for w in text_pdf.doc.workers]


def test_truncated_and_corrupt_files(text_pdf, scans):
    assert _code(text_pdf.data[: len(text_pdf.data) // 2], "application/pdf") == "corrupt_file"
    assert _code(b"%PDF-1.7\n" + bytes(range(256)) * 20 + b"\n%%EOF\n", "application/pdf") == "corrupt_file"
    png = scans["page300.png"].data
    assert _code(png[: len(png) // 3], "image/png") == "corrupt_file"
    jpeg = scans["photo.jpg"].data
    assert _code(jpeg[: len(jpeg) // 2], "image/jpeg") == "corrupt_file"
    assert _code(b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "image/png") == "corrupt_file"


def test_pdf_bomb_thousands_of_pages():
    import pypdf

    writer = pypdf.PdfWriter()
    for _ in range(3000):
        writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    assert _code(out.getvalue(), "application/pdf") == "too_many_pages"


def test_pdf_bomb_huge_page():
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=(14400, 14400))  # 200 x 200 inches: 3.6 G pixels at 300 dpi
    c.drawString(100, 100, "x")
    c.showPage()
    c.save()
    assert _code(out.getvalue(), "application/pdf") == "page_too_large"


def test_decompression_bomb_png_fails_fast_without_allocating_it():
    bomb = decompression_bomb_png()
    assert len(bomb) < 1_000_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert _code(bomb, "image/png") == "image_too_large"
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kb < 100_000  # decoding it would need 200 MB (1 bit) to 1.6 GB (grayscale)


def test_image_just_over_the_limit_is_refused():
    from PIL import Image

    side = int(LIMITS.max_image_pixels**0.5) + 10
    out = io.BytesIO()
    Image.new("1", (side, side), 1).save(out, "PNG")
    assert _code(out.getvalue(), "image/png") == "image_too_large"


def test_tiff_with_too_many_pages():
    from PIL import Image

    frames = [Image.new("1", (8, 8), 1) for _ in range(LIMITS.max_pages + 1)]
    out = io.BytesIO()
    frames[0].save(out, "TIFF", save_all=True, append_images=frames[1:])
    assert _code(out.getvalue(), "image/tiff") == "too_many_pages"
