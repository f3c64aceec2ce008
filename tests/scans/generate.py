"""Generate worker lists ("Danh sách người lao động ...") as the employers upload them.

Everything is made from code at test or bench time: nothing binary is committed. A document is drawn
with reportlab (DejaVu Sans, which covers Vietnamese), then, for the scanned variants, rendered with
pypdfium2 at a chosen resolution and degraded like a scan or a phone photo (blur, noise, skew, JPEG
artefacts, a 90° turn), and saved as PDF (with a text layer, or image-only as a scanner or Pillow
writes it), PNG, JPEG or multi-page TIFF.

    python tests/scans/generate.py OUTDIR [--count N] [--seed S]

writes a small set with a `truth.json` beside it. `make_document`, `render_pages`, `degrade` and the
`save_*` functions are what the tests and `bench/extraction.py` use.
"""

from __future__ import annotations

import io
import json
import os
import random
import sys
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu")
FONT_NAME = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"

SURNAMES = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Đinh",
    "Trương",
    "Lương",
    "Mai",
]
MIDDLE_M = ["Văn", "Hữu", "Đức", "Minh", "Quốc", "Thành", "Công", "Xuân", "Anh", "Quang", "Tiến"]
MIDDLE_F = ["Thị", "Ngọc", "Thu", "Thanh", "Hồng", "Phương", "Mỹ", "Kim", "Thúy", "Diệu"]
GIVEN_M = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Hải",
    "Hiếu",
    "Hùng",
    "Khánh",
    "Long",
    "Nam",
    "Phúc",
    "Quân",
    "Sơn",
    "Thắng",
    "Tuấn",
    "Việt",
    "Đạt",
    "Đông",
    "Hòa",
    "Lộc",
    "Trung",
    "Vĩnh",
    "Huy",
    "Tài",
    "Thịnh",
    "Kiên",
    "Nghĩa",
    "Tùng",
    "Đức",
    "Lâm",
]
GIVEN_F = [
    "Hà",
    "Hạnh",
    "Hương",
    "Lan",
    "Linh",
    "Mai",
    "Nga",
    "Ngọc",
    "Phương",
    "Quyên",
    "Tâm",
    "Thảo",
    "Trang",
    "Vân",
    "Yến",
    "Ánh",
    "Hằng",
    "Huyền",
    "Loan",
    "Nhung",
    "Oanh",
    "Thủy",
    "Tuyết",
    "Uyên",
    "Xuân",
    "Diễm",
    "Giang",
    "Hiền",
    "Liên",
    "Trâm",
]
COMPANY_KINDS = ["Công ty TNHH", "Công ty Cổ phần", "Công ty TNHH MTV", "Doanh nghiệp tư nhân"]
COMPANY_NAMES = [
    "Dệt may Thành Công",
    "May mặc Hòa Bình",
    "Giày da Phú Quốc",
    "Thực phẩm Sài Gòn",
    "Du lịch Hạ Long",
    "Cơ khí Đông Á",
    "Thương mại Việt Tiến",
    "Xây dựng Sông Hồng",
    "Điện tử Bắc Ninh",
    "Vận tải Hải Phòng",
    "Nhựa Tân Tiến",
    "Khách sạn Hương Giang",
]
PROVINCES = ["001", "031", "079", "048", "022", "027", "092", "046"]
TAX_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)

TITLE = "DANH SÁCH NGƯỜI LAO ĐỘNG TẠM HOÃN THỰC HIỆN HỢP ĐỒNG LAO ĐỘNG"
SUBTITLE = "HOẶC NGHỈ VIỆC KHÔNG HƯỞNG LƯƠNG ĐỀ NGHỊ HỖ TRỢ"
HEADERS = ["STT", "Họ và tên", "Mã số BHXH", "Ngày sinh", "Số CCCD/CMND", "Từ ngày", "Đến ngày"]


@dataclass
class Worker:
    full_name: str
    si_number: str
    date_of_birth: str  # ISO
    id_number: str
    period_from: str  # ISO
    period_to: str  # ISO


@dataclass
class Document:
    unit_code: str
    tax_code: str
    unit_name: str
    workers: list[Worker] = field(default_factory=list)

    def truth(self) -> dict:
        return {
            "unit": {"unit_code": self.unit_code, "tax_code": self.tax_code, "name": self.unit_name},
            "workers": [asdict(w) for w in self.workers],
        }


def tax_check_digit(first9: str) -> int | None:
    """The Vietnamese MST rule: 10 - (weighted sum mod 11); no valid digit when that is 10."""
    total = sum(int(d) * w for d, w in zip(first9, TAX_WEIGHTS, strict=False))
    check = 10 - total % 11
    return None if check == 10 else check % 10 if check == 11 else check


def random_tax_code(rng: random.Random) -> str:
    while True:
        first9 = f"{rng.randint(1, 99):02d}" + "".join(str(rng.randint(0, 9)) for _ in range(7))
        check = tax_check_digit(first9)
        if check is not None:
            return first9 + str(check)


def _name(rng: random.Random) -> str:
    if rng.random() < 0.5:
        parts = [rng.choice(SURNAMES), rng.choice(MIDDLE_M), rng.choice(GIVEN_M)]
    else:
        parts = [rng.choice(SURNAMES), rng.choice(MIDDLE_F), rng.choice(GIVEN_F)]
    if rng.random() < 0.15:  # some names have two middle names
        parts.insert(2, rng.choice(MIDDLE_M + MIDDLE_F))
    return unicodedata.normalize("NFC", " ".join(parts))


def make_document(rng: random.Random, rows: int = 12) -> Document:
    unit_code = (
        rng.choice("ABCDEFGHKLMNPQTY")
        + rng.choice("ABCDEFGHKLMNPQTY")
        + f"{rng.randint(0, 9999):04d}"
        + rng.choice("ABCDEFGHKLMNPQTY")
    )
    doc = Document(
        unit_code=unit_code,
        tax_code=random_tax_code(rng),
        unit_name=f"{rng.choice(COMPANY_KINDS)} {rng.choice(COMPANY_NAMES)}",
    )
    start = date(2020, 4, 1) + timedelta(days=rng.randint(0, 30))
    for _ in range(rows):
        born = date(1960, 1, 1) + timedelta(days=rng.randint(0, 365 * 42))
        if rng.random() < 0.75:  # CCCD: province, century/sex digit, year, six digits
            century = (0 if born.year < 2000 else 2) + rng.randint(0, 1)
            idn = f"{rng.choice(PROVINCES)}{century}{born.year % 100:02d}{rng.randint(0, 999999):06d}"
        else:  # old CMND, nine digits
            idn = f"{rng.randint(0, 999999999):09d}"
        p_from = start + timedelta(days=rng.randint(0, 20))
        p_to = p_from + timedelta(days=rng.randint(30, 90))
        doc.workers.append(
            Worker(
                full_name=_name(rng),
                si_number=f"{rng.randint(0, 9999999999):010d}",
                date_of_birth=born.isoformat(),
                id_number=idn,
                period_from=p_from.isoformat(),
                period_to=p_to.isoformat(),
            )
        )
    return doc


def _dmy(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{d}/{m}/{y}"


def _fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT_NAME in pdfmetrics.getRegisteredFontNames():
        return
    for folder in FONT_DIRS:
        regular = os.path.join(folder, "DejaVuSans.ttf")
        bold = os.path.join(folder, "DejaVuSans-Bold.ttf")
        if os.path.exists(regular) and os.path.exists(bold):
            pdfmetrics.registerFont(TTFont(FONT_NAME, regular))
            pdfmetrics.registerFont(TTFont(FONT_BOLD, bold))
            return
    raise RuntimeError("DejaVu Sans not found: install the Debian package fonts-dejavu-core")


def _fits(top: float, row_h: float, bottom: float = 36) -> int:
    """The rows a page holds under its header row between `top` and a half-inch bottom margin."""
    return int((top - row_h - bottom) // row_h)


def _pages_of(workers: list, rows_per_page: int, capacity: list[int]) -> list[list]:
    """The workers page by page: at most `rows_per_page` a page, and never more than the page holds
    (`capacity`: the first page's, then every other's), as the employer's software breaks a long list
    instead of printing rows off the paper."""
    chunks: list[list] = []
    rest = list(workers)
    while rest:
        take = min(rows_per_page, capacity[min(len(chunks), len(capacity) - 1)])
        chunks.append(rest[:take])
        rest = rest[take:]
    return chunks or [[]]


def render_pdf(doc: Document, rows_per_page: int = 14) -> bytes:
    """The document as the employer's software prints it: landscape A4, with a text layer, a new
    page (its header row repeated) when `rows_per_page` rows are on one or the paper is full."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfgen import canvas

    _fonts()
    width, height = landscape(A4)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(width, height))
    col_w = [34, 190, 100, 90, 130, 90, 90]
    left = (width - sum(col_w)) / 2
    row_h = 24
    chunks = _pages_of(doc.workers, rows_per_page, [_fits(height - 163, row_h), _fits(height - 50, row_h)])
    number = 0
    for page_no, chunk in enumerate(chunks):
        y = height - 50
        if page_no == 0:
            c.setFont(FONT_BOLD, 11)
            c.drawString(left, y, f"Tên đơn vị: {doc.unit_name}")
            c.drawRightString(width - left, y, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
            y -= 17
            c.setFont(FONT_NAME, 11)
            c.drawString(left, y, f"Mã đơn vị: {doc.unit_code}")
            c.drawRightString(width - left - 40, y, "Độc lập - Tự do - Hạnh phúc")
            y -= 17
            c.drawString(left, y, f"Mã số thuế: {doc.tax_code}")
            y -= 32
            c.setFont(FONT_BOLD, 12)
            c.drawCentredString(width / 2, y, TITLE)
            y -= 17
            c.drawCentredString(width / 2, y, SUBTITLE)
            y -= 30
        c.setLineWidth(0.7)
        # header
        c.setFont(FONT_BOLD, 10)
        x = left
        for title, w in zip(HEADERS, col_w, strict=False):
            c.rect(x, y - row_h, w, row_h)
            c.drawCentredString(x + w / 2, y - row_h + 8, title)
            x += w
        y -= row_h
        c.setFont(FONT_NAME, 10.5)
        for worker in chunk:
            number += 1
            cells = [
                str(number),
                worker.full_name,
                worker.si_number,
                _dmy(worker.date_of_birth),
                worker.id_number,
                _dmy(worker.period_from),
                _dmy(worker.period_to),
            ]
            x = left
            for i, (text, w) in enumerate(zip(cells, col_w, strict=False)):
                c.rect(x, y - row_h, w, row_h)
                if i == 1:
                    c.drawString(x + 5, y - row_h + 8, text)
                else:
                    c.drawCentredString(x + w / 2, y - row_h + 8, text)
                x += w
            y -= row_h
        if page_no == len(chunks) - 1:
            c.setFont(FONT_NAME, 10)
            c.drawRightString(width - left, y - 30, "Người đại diện theo pháp luật")
            c.drawRightString(width - left - 20, y - 45, "(Ký, ghi rõ họ tên, đóng dấu)")
        c.showPage()
    c.save()
    return buf.getvalue()


def render_pages(pdf: bytes, dpi: int):
    """Rasterise every page of a PDF (grayscale PIL images) at `dpi`."""
    import pypdfium2 as pdfium

    pdf_doc = pdfium.PdfDocument(pdf)
    try:
        return [pdf_doc[i].render(scale=dpi / 72, grayscale=True).to_pil().convert("L") for i in range(len(pdf_doc))]
    finally:
        pdf_doc.close()


def degrade(
    img,
    rng: random.Random,
    *,
    skew: float | None = None,
    blur: float | None = None,
    noise: float | None = None,
    rotate90: bool = False,
    jpeg_quality: int | None = None,
):
    """Make a clean render look like a scan or a phone photo."""
    from PIL import Image, ImageFilter

    img = img.convert("L")
    if blur is None:
        blur = rng.uniform(0.3, 0.9)
    if blur:
        img = img.filter(ImageFilter.GaussianBlur(blur))
    if skew is None:
        skew = rng.uniform(-2.0, 2.0)
    if skew:
        img = img.rotate(skew, resample=Image.BICUBIC, expand=True, fillcolor=255)
    # a scanner's or phone's grey paper and grey ink, and sensor grain
    if noise is None:
        noise = rng.uniform(10, 30)
    paper, ink = rng.randint(215, 245), rng.randint(20, 70)
    img = img.point(lambda v: ink + (paper - ink) * v // 255)
    if noise:
        img = Image.blend(img, _grain(img.size, noise, rng), 0.15).point(lambda v: min(255, int((v - 19) * 1.18)))
    if rotate90:
        img = img.transpose(Image.ROTATE_90)
    if jpeg_quality:
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=jpeg_quality)
        img = Image.open(io.BytesIO(buf.getvalue()))
        img.load()
    return img


def _grain(size, sigma: float, rng: random.Random):
    """Sensor grain around 128, from `rng` only (Pillow's effect_noise uses C's rand(): not
    reproducible), as a 256-pixel tile repeated over the page."""
    from PIL import Image

    tile = Image.new("L", (256, 256))
    tile.putdata([max(0, min(255, int(rng.gauss(128, sigma)))) for _ in range(256 * 256)])
    out = Image.new("L", size)
    for x in range(0, size[0], 256):
        for y in range(0, size[1], 256):
            out.paste(tile, (x, y))
    return out


def save_png(img, dpi: int, with_dpi: bool = True) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG", **({"dpi": (dpi, dpi)} if with_dpi else {}))
    return buf.getvalue()


def save_jpeg(img, dpi: int, quality: int = 60) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality, dpi=(dpi, dpi))
    return buf.getvalue()


def save_tiff(imgs, dpi: int) -> bytes:
    buf = io.BytesIO()
    imgs[0].save(buf, "TIFF", save_all=True, append_images=list(imgs[1:]), dpi=(dpi, dpi), compression="tiff_lzw")
    return buf.getvalue()


def save_pillow_pdf(imgs, dpi: int) -> bytes:
    """An image-only PDF as Pillow writes it (not strictly valid: object 0 has generation 65536)."""
    buf = io.BytesIO()
    imgs[0].save(buf, "PDF", save_all=True, append_images=list(imgs[1:]), resolution=float(dpi))
    return buf.getvalue()


def save_scanner_pdf(imgs, dpi: int, quality: int = 70) -> bytes:
    """An image-only PDF as a scanner writes it: one JPEG per page, no text layer."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for img in imgs:
        w, h = img.size[0] * 72 / dpi, img.size[1] * 72 / dpi
        c.setPageSize((w, h))
        jpeg = io.BytesIO()
        img.convert("L").save(jpeg, "JPEG", quality=quality)
        jpeg.seek(0)
        c.drawImage(ImageReader(jpeg), 0, 0, w, h)
        c.showPage()
    c.save()
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--count", type=int, default=4)
    ap.add_argument("--seed", type=int, default=20200410)
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    os.makedirs(args.outdir, exist_ok=True)
    truth = {}
    for i in range(args.count):
        doc = make_document(rng)
        pdf = render_pdf(doc)
        dpi = (150, 200, 300)[i % 3]
        pages = [degrade(p, rng, rotate90=(i == 1)) for p in render_pages(pdf, dpi)]
        files = {
            f"list{i}_text.pdf": pdf,
            f"list{i}_{dpi}.png": save_png(pages[0], dpi),
            f"list{i}_{dpi}.jpg": save_jpeg(pages[0], dpi),
            f"list{i}_{dpi}.tif": save_tiff(pages, dpi),
            f"list{i}_{dpi}_scan.pdf": save_scanner_pdf(pages, dpi),
        }
        for name, data in files.items():
            with open(os.path.join(args.outdir, name), "wb") as fh:
                fh.write(data)
            truth[name] = doc.truth()
    with open(os.path.join(args.outdir, "truth.json"), "w", encoding="utf-8") as fh:
        json.dump(truth, fh, ensure_ascii=False, indent=1)
    print(f"wrote {len(truth)} files to {args.outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
