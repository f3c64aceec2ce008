"""Test data made by code: dossier bodies and small real images."""

from __future__ import annotations

import io
import random
import subprocess
import uuid
from pathlib import Path
from typing import Any


def dossier_body(**overrides: Any) -> dict[str, Any]:
    """A valid create body with a fresh portal code (tests share one emulator)."""
    body: dict[str, Any] = {
        "portal_code": f"G22.99-200512-{uuid.uuid4().hex[:10]}",
        "procedure": "suspension_support",
        "applicant": {
            "unit_code": "TA1234A",
            "tax_code": "0101234567",
            "name": "Công ty TNHH Dệt may Hưng Yên",
            "province_code": "031",
        },
        "workers": [
            {
                "full_name": "Nguyễn Văn An",
                "si_number": "0123456789",
                "date_of_birth": "1985-10-12",
                "id_number": "031085123456",
                "period_from": "2020-04-01",
                "period_to": "2020-05-31",
            }
        ],
    }
    body.update(overrides)
    return body


def png_bytes(width: int = 40, height: int = 20) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (width, height), 255).save(buffer, format="PNG")
    return buffer.getvalue()


def pdf_bytes(text: str = "Danh sách người lao động") -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text.encode("ascii", "replace").decode())
    page.save()
    return buffer.getvalue()


_OFFICES = iter(random.sample(range(100, 1000), 900))


def fresh_office() -> str:
    """An office code no other test of this session uses: slip numbers and worklists are counted
    per office, so two tests sharing one would see each other's dossiers."""
    return str(next(_OFFICES))


def text_list_pdf(workers: list[dict[str, Any]], unit: dict[str, str] | None = None, rows_per_page: int = 40) -> bytes:
    """A list of workers as an employer's software exports it: a PDF with a text layer (no scan),
    "STT | Họ và tên | Mã số BHXH | Ngày sinh | Từ ngày | Đến ngày", many rows a page: the fast way
    to give a large dossier a real list."""
    from pathlib import Path

    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    font = Path(__file__).resolve().parents[1] / "templates" / "fonts" / "DejaVuSans.ttf"
    if "TestDejaVu" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("TestDejaVu", str(font)))

    def dmy(iso: str) -> str:
        y, m, d = iso.split("-")
        return f"{d}/{m}/{y}"

    columns = (
        (40, "STT"),
        (70, "Họ và tên"),
        (240, "Mã số BHXH"),
        (330, "Ngày sinh"),
        (410, "Từ ngày"),
        (490, "Đến ngày"),
    )
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    for start in range(0, max(1, len(workers)), rows_per_page):
        y = 800
        page.setFont("TestDejaVu", 11)
        page.drawString(40, y, "DANH SÁCH NGƯỜI LAO ĐỘNG ĐỀ NGHỊ HỖ TRỢ")
        if unit:
            y -= 16
            page.drawString(
                40,
                y,
                f"Tên đơn vị: {unit.get('name', '')}    Mã đơn vị: {unit.get('unit_code', '')}    Mã số thuế: {unit.get('tax_code', '')}",
            )
        y -= 24
        page.setFont("TestDejaVu", 8)
        for x, title in columns:
            page.drawString(x, y, title)
        for index, w in enumerate(workers[start : start + rows_per_page], start=start + 1):
            y -= 17
            cells = (
                str(index),
                w["full_name"],
                w["si_number"],
                dmy(w["date_of_birth"]),
                dmy(w["period_from"]),
                dmy(w["period_to"]),
            )
            for (x, _), text in zip(columns, cells, strict=False):
                page.drawString(x, y, text)
        page.showPage()
    page.save()
    return buffer.getvalue()


def qr_of(pdf: bytes, tmp: Path) -> str:
    """The address in the slip's QR, as a phone's camera reads it from the printed page."""
    (tmp / "slip.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "300", "-f", "1", "-l", "1", "-png", str(tmp / "slip.pdf"), str(tmp / "page")], check=True
    )
    page = next(tmp.glob("page*.png"))
    read = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(page)],
        capture_output=True,
        text=True,
        check=True,
    )
    return read.stdout.strip()
