"""`ocr.flatten_light` decides from the page's histogram whether its light is uneven: a scanner's even
page goes to Tesseract untouched, a photo lit from one side has its paper made white."""

from __future__ import annotations

from PIL import Image, ImageDraw

from chalicelib.extraction.ocr import flatten_light


def _page(shadow: int) -> Image.Image:
    """A 1200x800 page of grey text lines whose paper darkens by `shadow` grey levels to the right."""
    page = Image.linear_gradient("L").rotate(90).resize((1200, 800))  # 255 on the left, 0 on the right
    page = page.point(lambda v: 235 - shadow + round(v * shadow / 255))
    draw = ImageDraw.Draw(page)
    for y in range(60, 760, 40):
        draw.rectangle([80, y, 1100, y + 12], fill=40)
    return page


def test_an_evenly_lit_scan_is_read_as_it_is():
    page = _page(shadow=8)
    assert flatten_light(page) is page


def test_a_page_in_shadow_on_one_side_gets_white_paper_everywhere():
    page = _page(shadow=120)
    flat = flatten_light(page)
    assert flat is not page
    left, right = flat.getpixel((40, 400)), flat.getpixel((1160, 400))
    assert abs(left - right) < 25 < abs(page.getpixel((40, 400)) - page.getpixel((1160, 400)))
    assert flat.getpixel((600, 66)) < 128  # the ink stays dark
