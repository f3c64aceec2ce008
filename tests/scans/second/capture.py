"""How the printed list reaches the portal: an office scanner or a phone, and the file it writes.

A scanner adds little: a paper tone, a page laid a degree askew, toner and sensor noise, a slight blur,
sometimes a grey band at the lid's edge; it saves grey or colour, or black-and-white (CCITT G4 TIFF, as
copiers do), at 200 or 300 dpi, as an image-only PDF, a multi-page TIFF, a PNG or a JPEG. A phone adds
much more: the page is seen in perspective on a desk, lit unevenly with the shadow of the hand and phone,
slightly out of focus, and saved as a JPEG that says 72 dpi whatever the real resolution. Randomness
comes only from the `random.Random` passed in (numpy's generator is seeded from it), so a seed gives the
same bytes every time.
"""

from __future__ import annotations

import io
import math
import random

import numpy
from PIL import Image, ImageDraw, ImageFilter

__all__ = ["photo_page", "save_jpeg", "save_pdf", "save_png", "save_tiff", "scan_page"]


def _noise(rng: random.Random) -> numpy.random.Generator:
    return numpy.random.default_rng(rng.getrandbits(64))


def scan_page(
    page: Image.Image,
    rng: random.Random,
    dpi: int,
    mode: str = "L",
    skew: float | None = None,
    noise: float | None = None,
    blur: float | None = None,
) -> Image.Image:
    """A flatbed or feeder scan of a printed page: `mode` "L" (grey), "RGB" (colour) or "1" (black and white)."""
    skew = rng.uniform(-1.2, 1.2) if skew is None else skew
    noise = rng.uniform(2.0, 7.0) if noise is None else noise
    blur = rng.uniform(0.25, 0.6) * dpi / 300 if blur is None else blur
    tone = rng.randint(236, 250)
    paper = (tone, tone - rng.randint(0, 4), tone - rng.randint(0, 10))
    img = Image.eval(page, lambda v: v)  # a copy
    arr = numpy.asarray(img, dtype=numpy.float32) / 255.0
    arr = arr * (numpy.asarray(paper, dtype=numpy.float32) / 255.0)
    # toner: the darks a little lighter or darker than the printer's black
    arr = numpy.clip(arr, 0, 1) ** rng.uniform(0.85, 1.15)
    img = Image.fromarray((arr * 255).astype(numpy.uint8))
    if abs(skew) > 0.01:
        img = img.rotate(skew, resample=Image.BICUBIC, expand=False, fillcolor=paper)
    if blur > 0:
        img = img.filter(ImageFilter.GaussianBlur(blur))
    arr = numpy.asarray(img, dtype=numpy.float32)
    arr = arr + _noise(rng).normal(0, noise, arr.shape[:2])[..., None]
    if rng.random() < 0.3:  # the grey band where the lid did not close on the page's edge
        band = max(2, round(rng.uniform(2, 6) * dpi / 25.4))
        side = rng.choice(["top", "bottom", "left", "right"])
        ramp = numpy.linspace(0.55, 1.0, band, dtype=numpy.float32)
        if side == "top":
            arr[:band] *= ramp[:, None, None]
        elif side == "bottom":
            arr[-band:] *= ramp[::-1][:, None, None]
        elif side == "left":
            arr[:, :band] *= ramp[None, :, None]
        else:
            arr[:, -band:] *= ramp[::-1][None, :, None]
    img = Image.fromarray(numpy.clip(arr, 0, 255).astype(numpy.uint8))
    if mode == "RGB":
        return img
    grey = img.convert("L")
    if mode == "1":
        threshold = rng.randint(150, 185)
        return grey.point(lambda v: 255 if v > threshold else 0).convert("1", dither=Image.Dither.NONE)
    return grey


def _perspective_coeffs(dst: list[tuple[float, float]], src: list[tuple[float, float]]) -> list[float]:
    """The 8 coefficients of `Image.transform(..., PERSPECTIVE)`, which maps output points `dst` to input `src`."""
    rows = []
    rhs = []
    for (x, y), (u, v) in zip(dst, src, strict=False):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs += [u, v]
    return [float(c) for c in numpy.linalg.solve(numpy.asarray(rows, float), numpy.asarray(rhs, float))]


def photo_page(page: Image.Image, rng: random.Random, strength: float = 1.0) -> Image.Image:
    """A phone photo of the printed page lying on a desk: perspective, uneven light, shadow, focus, noise.

    `strength` scales the perspective and the shadow (1: a hurried but usable photo)."""
    w, h = page.size
    out_w, out_h = round(w * 1.14), round(h * 1.10)
    desk = rng.choice([(118, 92, 70), (150, 150, 146), (92, 80, 72), (185, 170, 150)])
    gen = _noise(rng)
    back = numpy.ones((out_h, out_w, 3), numpy.float32) * numpy.asarray(desk, numpy.float32)
    back += gen.normal(0, 9, (out_h, out_w))[..., None]
    canvas = Image.fromarray(numpy.clip(back, 0, 255).astype(numpy.uint8))

    jitter = 0.045 * strength
    mx, my = (out_w - w) / 2, (out_h - h) / 2
    corners = [(mx, my), (mx + w, my), (mx + w, my + h), (mx, my + h)]
    dst = [(x + rng.uniform(-jitter, jitter) * w, y + rng.uniform(-jitter, jitter) * h) for x, y in corners]
    # seen from below the page's bottom edge: the top looks narrower than the bottom
    squeeze = rng.uniform(0.0, 0.05) * strength * w
    dst[0] = (dst[0][0] + squeeze, dst[0][1])
    dst[1] = (dst[1][0] - squeeze, dst[1][1])
    src = [(0.0, 0.0), (float(w), 0.0), (float(w), float(h)), (0.0, float(h))]
    coeffs = _perspective_coeffs(dst, src)
    warped = page.convert("RGB").transform((out_w, out_h), Image.PERSPECTIVE, coeffs, Image.BICUBIC)
    mask = Image.new("L", page.size, 255).transform((out_w, out_h), Image.PERSPECTIVE, coeffs, Image.BICUBIC)
    canvas.paste(warped, (0, 0), mask)

    # light: a gradient across the page from a window, and the soft shadow of the hand and phone
    yy, xx = numpy.mgrid[0:out_h, 0:out_w].astype(numpy.float32)
    angle = rng.uniform(0, 2 * math.pi)
    ramp = (xx / out_w - 0.5) * math.cos(angle) + (yy / out_h - 0.5) * math.sin(angle)
    light = 1.0 - (ramp + 0.5) * rng.uniform(0.15, 0.4) * strength
    shadow = Image.new("L", (out_w, out_h), 0)
    cx, cy = rng.choice([(0.1, 0.9), (0.9, 0.9), (0.5, 1.0), (0.95, 0.4)])
    rx, ry = rng.uniform(0.25, 0.45) * out_w, rng.uniform(0.2, 0.35) * out_h
    ImageDraw.Draw(shadow).ellipse([cx * out_w - rx, cy * out_h - ry, cx * out_w + rx, cy * out_h + ry], fill=255)
    shadow = shadow.filter(ImageFilter.GaussianBlur(out_w / 14))
    depth = rng.uniform(0.2, 0.4) * strength
    light = light * (1.0 - depth * numpy.asarray(shadow, numpy.float32) / 255.0)
    cast = numpy.asarray([1.0, rng.uniform(0.95, 0.99), rng.uniform(0.86, 0.95)], numpy.float32)
    arr = numpy.asarray(canvas, numpy.float32) * light[..., None] * cast
    img = Image.fromarray(numpy.clip(arr, 0, 255).astype(numpy.uint8))
    img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 1.0)))
    arr = numpy.asarray(img, numpy.float32) + gen.normal(0, rng.uniform(4, 9), (out_h, out_w, 3))
    return Image.fromarray(numpy.clip(arr, 0, 255).astype(numpy.uint8))


def save_png(image: Image.Image, dpi: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(dpi, dpi))
    return buffer.getvalue()


def save_jpeg(image: Image.Image, dpi: int, quality: int = 80) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB" if image.mode not in ("L") else image.mode).save(
        buffer, format="JPEG", quality=quality, dpi=(dpi, dpi)
    )
    return buffer.getvalue()


def save_tiff(images: list[Image.Image], dpi: int) -> bytes:
    """A multi-page TIFF: CCITT G4 for black and white, LZW otherwise (as office scanners write them)."""
    buffer = io.BytesIO()
    compression = "group4" if images[0].mode == "1" else "tiff_lzw"
    images[0].save(
        buffer, format="TIFF", save_all=True, append_images=images[1:], dpi=(dpi, dpi), compression=compression
    )
    return buffer.getvalue()


def save_pdf(images: list[Image.Image], dpi: int, quality: int = 82) -> bytes:
    """An image-only PDF, one page per image at its physical size (JPEG inside; lossless for black and white)."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, invariant=1, pageCompression=1)
    pdf.setProducer("Scanner")
    for image in images:
        width, height = image.width / dpi * 72, image.height / dpi * 72
        pdf.setPageSize((width, height))
        if image.mode == "1":
            reader = ImageReader(image.convert("L"))
        else:
            reader = ImageReader(io.BytesIO(save_jpeg(image, dpi, quality)))
        pdf.drawImage(reader, 0, 0, width, height)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()
