"""Test data made by code: dossier bodies and small real images."""
from __future__ import annotations

import io
import random
import uuid
from typing import Any


def dossier_body(**overrides: Any) -> dict[str, Any]:
    """A valid create body with a fresh portal code (tests share one emulator)."""
    body: dict[str, Any] = {
        "portal_code": f"G22.99-200512-{uuid.uuid4().hex[:10]}",
        "procedure": "suspension_support",
        "applicant": {"unit_code": "TA1234A", "tax_code": "0101234567", "name": "Công ty TNHH Dệt may Hưng Yên", "province_code": "031"},
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

