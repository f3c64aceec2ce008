"""A second renderer of scanned worker lists, in layouts `tests/scans/generate.py` does not draw.

Drawn straight onto a Pillow canvas at the scan's resolution (no PDF in between), in DejaVu Serif,
portrait or landscape, with other header wordings ("Tạm hoãn từ", "Số CMND/CCCD", "Mã số BHXH (số
sổ)"), merged header cells (a parent "Thời gian tạm hoãn" spanning "Từ ngày | Đến ngày" on a second
header line), wrapped titles, columns the extraction does not read ("Chức danh", "Ghi chú"), other
column orders, a footer, and phone-photo degradations (perspective, uneven light, JPEG). The worker
data are the only thing borrowed from the first generator (`make_document`), so that the two
generators test the reading of the same kind of people.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
FONT_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf"
JOBS = ["Công nhân may", "Thợ cắt", "Kỹ thuật viên", "Bảo vệ", "Nhân viên kho", "Lái xe", "Tổ trưởng"]
NOTES = ["", "", "", "Nghỉ không lương", "HĐLĐ xác định thời hạn", ""]


@dataclass
class Col:
    key: str
    """A worker field, "stt", "job" or "note" (cells the extraction does not read)."""
    title: str
    width_mm: float
    group: str | None = None
    """The title of a merged parent cell above this one (one parent for consecutive columns)."""


def _dmy(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{d}/{m}/{y}"


def _font(size_px: int, bold: bool = False):
    from PIL import ImageFont

    return ImageFont.truetype(FONT_BOLD if bold else FONT, size_px)


def _wrap(text: str, font, width: float) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and font.getlength(lines[-1] + " " + word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _cell(worker, key: str, number: int, rng: random.Random) -> str:
    if key == "stt":
        return str(number)
    if key == "job":
        return rng.choice(JOBS)
    if key == "note":
        return rng.choice(NOTES)
    if key in ("dob_male", "dob_female"):  # "Nam | Nữ": the date goes under the worker's gender (every other row)
        return _dmy(str(worker.date_of_birth)) if (number % 2 == 1) == (key == "dob_male") else ""
    value = getattr(worker, key)
    return _dmy(value) if key in ("date_of_birth", "period_from", "period_to") else value


def render_list(
    workers,
    cols: list[Col],
    dpi: int = 300,
    *,
    landscape: bool = False,
    first_number: int = 1,
    header: bool = True,
    heading: tuple[str, str, str] | None = None,
    footer: bool = True,
    seed: int = 7,
    font_pt: float = 10.0,
    shift_mm: float = 0.0,
):
    """One page of a list: a heading (unit name, code, tax code) when given, the table, a footer.
    `shift_mm`: the table that much right of the page's centre (another page's margin)."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    mm = dpi / 25.4
    size = (297, 210) if landscape else (210, 297)
    img = Image.new("L", (round(size[0] * mm), round(size[1] * mm)), 255)
    draw = ImageDraw.Draw(img)
    px = round(font_pt / 72 * dpi)
    body, bold = _font(px), _font(px, True)
    line = round(px * 1.35)
    table_w = sum(c.width_mm for c in cols) * mm
    left = (img.width - table_w) / 2 + shift_mm * mm
    y = 15 * mm
    if heading:
        name, code, tax = heading
        draw.text((left, y), f"Tên đơn vị: {name}", font=bold, fill=0)
        draw.text((left, y + line), f"Mã đơn vị: {code}", font=body, fill=0)
        draw.text((left, y + 2 * line), f"Mã số thuế: {tax}", font=body, fill=0)
        y += 4 * line
        for text in ("DANH SÁCH NGƯỜI LAO ĐỘNG TẠM HOÃN HỢP ĐỒNG LAO ĐỘNG,", "NGHỈ VIỆC KHÔNG HƯỞNG LƯƠNG"):
            w = draw.textlength(text, font=bold)
            draw.text(((img.width - w) / 2, y), text, font=bold, fill=0)
            y += line
        y += line
    xs = [left]
    for c in cols:
        xs.append(xs[-1] + c.width_mm * mm)
    pad = 1.2 * mm
    if header:
        grouped = any(c.group for c in cols)
        hrow = round(2.4 * line) if not grouped else round(2.3 * line)
        total = hrow * (2 if grouped else 1)

        def centred(text: str, x0: float, x1: float, y0: float, y1: float) -> None:
            parts = _wrap(text, bold, x1 - x0 - 2 * pad)
            top = (y0 + y1) / 2 - len(parts) * line / 2
            for i, part in enumerate(parts):
                w = draw.textlength(part, font=bold)
                draw.text(((x0 + x1 - w) / 2, top + i * line + (line - px) / 2), part, font=bold, fill=0)

        i = 0
        while i < len(cols):
            c = cols[i]
            if c.group and grouped:
                j = i
                while j < len(cols) and cols[j].group == c.group:
                    j += 1
                draw.rectangle((xs[i], y, xs[j], y + hrow), outline=0, width=2)
                centred(c.group, xs[i], xs[j], y, y + hrow)
                for k in range(i, j):
                    draw.rectangle((xs[k], y + hrow, xs[k + 1], y + total), outline=0, width=2)
                    centred(cols[k].title, xs[k], xs[k + 1], y + hrow, y + total)
                i = j
            else:
                draw.rectangle((xs[i], y, xs[i + 1], y + total), outline=0, width=2)
                centred(c.title, xs[i], xs[i + 1], y, y + total)
                i += 1
        y += total
    row_h = round(1.9 * line)
    for n, worker in enumerate(workers, start=first_number):
        for i, c in enumerate(cols):
            draw.rectangle((xs[i], y, xs[i + 1], y + row_h), outline=0, width=2)
            text = _cell(worker, c.key, n, rng)
            while text and draw.textlength(text, font=body) > xs[i + 1] - xs[i] - 2 * pad:
                text = text.rsplit(" ", 1)[0] if " " in text else ""  # a long note: what fits
            ty = y + (row_h - px) / 2 - px * 0.1
            if c.key in ("full_name", "job", "note"):
                draw.text((xs[i] + pad, ty), text, font=body, fill=0)
            else:
                w = draw.textlength(text, font=body)
                draw.text(((xs[i] + xs[i + 1] - w) / 2, ty), text, font=body, fill=0)
        y += row_h
    if footer:
        y += 2 * line
        for text in ("Ngày 20 tháng 4 năm 2020", "GIÁM ĐỐC", "(Ký tên, đóng dấu)"):
            w = draw.textlength(text, font=body)
            draw.text((xs[-1] - w - 10 * mm, y), text, font=body, fill=0)
            y += line
    return img


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (8 unknowns: no numpy needed)."""
    n = len(b)
    m = [[*row[:], v] for row, v in zip(a, b, strict=False)]
    for col in range(n):
        piv = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[piv] = m[piv], m[col]
        for r in range(n):
            if r != col:
                f = m[r][col] / m[col][col]
                m[r] = [x - f * y for x, y in zip(m[r], m[col], strict=False)]
    return [m[i][n] / m[i][i] for i in range(n)]


def perspective(img, corners: list[tuple[float, float]], fill: int = 90):
    """The page as a camera sees it: its four corners (TL, TR, BR, BL) moved to `corners`, on a
    dark table (`fill`)."""
    from PIL import Image

    w, h = img.size
    src = [(0, 0), (w, 0), (w, h), (0, h)]
    # Pillow maps output (x, y) to input: coefficients from the output corners to the page's corners
    a, b = [], []
    for (x, y), (u, v) in zip(corners, src, strict=False):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        b.append(u)
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        b.append(v)
    coeffs = _solve(a, b)
    return img.transform((w, h), Image.PERSPECTIVE, coeffs, Image.BICUBIC, fillcolor=fill)


def phone_photo(img, rng: random.Random, *, tilt: float = 0.035, light: float = 0.6, jpeg: int = 70):
    """Perspective (corners pulled in by up to `tilt` of the page), light falling off to one side
    (down to `1 - light` of the brightest), grain and JPEG."""
    from PIL import Image, ImageFilter

    w, h = img.size
    d = lambda s: rng.uniform(0.3, 1.0) * tilt * s  # noqa: E731
    corners = [(d(w), d(h)), (w - d(w), d(h) * 0.3), (w - d(w) * 0.5, h - d(h)), (d(w) * 0.2, h - d(h) * 0.5)]
    img = perspective(img.filter(ImageFilter.GaussianBlur(0.7)), corners)
    # uneven light: a gradient from one corner, multiplied in
    import math

    angle = math.radians(rng.choice((30, 120, 210, 300)))
    dx, dy = math.cos(angle), math.sin(angle)
    small = Image.new("L", (64, 64))
    small.putdata(
        [
            int(255 * (1 - light * (0.5 + 0.5 * ((x - 32) * dx + (y - 32) * dy) / 45.3)))
            for y in range(64)
            for x in range(64)
        ]
    )
    shade = small.resize((w, h), Image.BILINEAR)
    ink_paper = img.point(lambda v: 35 + (235 - 35) * v // 255)
    from PIL import ImageChops

    img = ImageChops.multiply(ink_paper, shade)
    grain = Image.effect_noise((w, h), 12).point(lambda v: v - 128 + 128)
    img = Image.blend(img, grain, 0.06)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=jpeg)
    out = Image.open(io.BytesIO(buf.getvalue()))
    out.load()
    return out


def png(img, dpi: int) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG", dpi=(dpi, dpi))
    return buf.getvalue()


def jpeg(img, dpi: int, quality: int = 75) -> bytes:
    buf = io.BytesIO()
    img.convert("L").save(buf, "JPEG", quality=quality, dpi=(dpi, dpi))
    return buf.getvalue()


def tiff(imgs, dpi: int) -> bytes:
    buf = io.BytesIO()
    imgs[0].save(buf, "TIFF", save_all=True, append_images=list(imgs[1:]), dpi=(dpi, dpi), compression="tiff_lzw")
    return buf.getvalue()


# The layouts -----------------------------------------------------------------------------------

LAYOUT_A = [  # flat header, "Tạm hoãn từ / đến", SI first, unread columns in between
    Col("stt", "STT", 10),
    Col("si_number", "Mã số BHXH", 28),
    Col("full_name", "Họ và tên người lao động", 48),
    Col("date_of_birth", "Ngày tháng năm sinh", 27),
    Col("id_number", "Số CMND/CCCD", 32),
    Col("job", "Chức danh", 30),
    Col("period_from", "Tạm hoãn từ", 26),
    Col("period_to", "Tạm hoãn đến", 26),
    Col("note", "Ghi chú", 30),
]
LAYOUT_B = [  # merged parent over "Từ ngày | Đến ngày", ID before SI, portrait
    Col("stt", "TT", 9),
    Col("full_name", "Họ và tên", 44),
    Col("id_number", "Số CCCD/CMND", 30),
    Col("si_number", "Mã số BHXH (số sổ)", 26),
    Col("date_of_birth", "Ngày sinh", 23),
    Col("period_from", "Từ ngày", 23, group="Thời gian tạm hoãn"),
    Col("period_to", "Đến ngày", 23, group="Thời gian tạm hoãn"),
    Col("note", "Ghi chú", 18),
]
LAYOUT_C = [  # an unrecognised title over the ID column; "Số sổ BHXH"; parent "nghỉ không lương" over Từ | Đến
    Col("stt", "STT", 10),
    Col("full_name", "Họ tên", 46),
    Col("date_of_birth", "Ngày tháng năm sinh", 27),
    Col("id_number", "Giấy tờ tùy thân", 32),
    Col("si_number", "Số sổ BHXH", 28),
    Col("period_from", "Từ", 25, group="Thời gian nghỉ không lương"),
    Col("period_to", "Đến", 25, group="Thời gian nghỉ không lương"),
    Col("job", "Chức danh", 30),
]
