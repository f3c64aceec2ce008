"""A second generator of scanned lists of workers, written without looking at the first one.

Why: the extraction was developed against `tests/scans/generate.py`, so scoring it on that generator's
output says little about the lists employers really send. This package draws them independently, from
what such lists look like (see `drawing` for the layouts, `people` for the data, `capture` for scanners
and phones), and knows the truth of every cell.

    from tests.scans.second import generate
    sample = generate(7, dpi=300, fmt="tiff")            # bytes, content type, file name, ground truth
    sample.truth["rows"][0]["si_number"]
    bad = generate(7, dpi=300, fmt="tiff", mismatch="si_digit")
    bad.typed, bad.mismatch                               # typed data that differs in one field, and where

Everything follows from the seed and the arguments: the same call gives the same bytes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from tests.scans.second.capture import photo_page, save_jpeg, save_pdf, save_png, save_tiff, scan_page
from tests.scans.second.drawing import Document, Layout, capacity, make_layout, paginate, render_pages
from tests.scans.second.people import FIELDS, MUTATION_KINDS, Mismatch, make_people, make_unit, mutate, person_name

__all__ = [
    "CONTENT_TYPES",
    "FIELDS",
    "MUTATION_KINDS",
    "Document",
    "Layout",
    "Mismatch",
    "Sample",
    "generate",
    "make_document",
    "mutate",
    "photo_page",
    "render_pages",
    "save_jpeg",
    "save_pdf",
    "save_png",
    "save_tiff",
    "scan_page",
    "truth_of",
]

CONTENT_TYPES = {"pdf": "application/pdf", "tiff": "image/tiff", "png": "image/png", "jpeg": "image/jpeg"}
_NAMES = {
    "pdf": ["DanhSachNguoiLaoDong.pdf", "scan0001.pdf", "DS_NLD_de_nghi_ho_tro.pdf", "danh sach NLD.pdf"],
    "tiff": ["SCAN_0001.tif", "DanhSach.tiff", "img001.tif"],
    "png": ["danhsach.png", "Scan 12-05-2020.png"],
    "jpeg": ["IMG_20200512_093512.jpg", "danh_sach.jpg", "z1896543210_abc.jpg"],
}


@dataclass
class Sample:
    """One generated attachment and what it really says."""

    data: bytes
    content_type: str
    filename: str
    truth: dict[str, Any]
    """`{"unit": {unit_code, tax_code, name}, "rows": [{six fields, "row", "page"}], "pages", "dpi", "capture",
    "format", "layout"}`; dates ISO."""
    typed: list[dict[str, str]] = field(default_factory=list)
    """The typed data of the dossier: equal to the rows, except for `mismatch`."""
    mismatch: dict[str, Any] | None = None
    """`{"row", "field", "scanned", "typed", "kind"}`: the one difference a check must report, if any."""
    document: Document | None = None

    @property
    def rows(self) -> list[dict[str, Any]]:
        return self.truth["rows"]

    @property
    def unit(self) -> dict[str, str]:
        return self.truth["unit"]


def make_document(rng: random.Random, rows: int | None = None, pages: int | None = None, **layout: object) -> Document:
    """A list drawn by a random office (`layout` fixes any of its choices, see `drawing.make_layout`).

    Without `rows`, the count is chosen so the list fills `pages` pages (1–4, drawn when not given), the
    last one partly, with room for the footer."""
    unit = make_unit(rng)
    lay = make_layout(rng, **layout)
    pool = make_people(rng, unit, rows if rows is not None else 140)
    signed = date(2020, 5, 4) + timedelta(days=rng.randint(0, 45))
    ink_seed = rng.getrandbits(32)
    preparer, director = person_name(rng, rng.random() < 0.6), person_name(rng, rng.random() < 0.3)
    doc = Document(unit, pool, lay, signed, ink_seed, preparer, director)
    if rows is None:
        pages = pages or rng.choices([1, 2, 3, 4], weights=[45, 30, 15, 10])[0]
        paginate(doc)
        first, other = capacity(lay, doc, True), capacity(lay, doc, False)
        footer_rows = int(60.0 // (doc.body_pt * 25.4 / 72 * lay.spacing)) + 1
        last_cap = max((first if pages == 1 else other) - footer_rows, 2)
        count = (first if pages > 1 else 0) + other * max(pages - 2, 0) + rng.randint(max(2, last_cap // 3), last_cap)
        doc.people = pool[:count]
    paginate(doc)
    return doc


def truth_of(doc: Document) -> dict[str, Any]:
    """The ground truth of a document: unit, rows (with their position), pages, layout."""
    page_of = {i: n for n, indices in enumerate(doc.plan, start=1) for i in indices}
    rows = [{**p.fields(), "row": i + 1, "page": page_of[i]} for i, p in enumerate(doc.people)]
    return {"unit": doc.unit.truth(), "rows": rows, "pages": len(doc.plan), "layout": doc.layout.describe()}


def generate(
    seed: int,
    *,
    dpi: int = 300,
    capture: str = "scan",
    fmt: str | None = None,
    rows: int | None = None,
    pages: int | None = None,
    mismatch: bool | str = False,
    mode: str | None = None,
    **layout: object,
) -> Sample:
    """One attachment of a dossier, deterministic from `seed` and the arguments.

    capture: "scan" (scanner at `dpi`) or "photo" (a phone photo per page; `dpi` is then the page's
    resolution in the photo, about 250 for a 12-megapixel phone, though the JPEG says 72).
    fmt: "pdf", "tiff", "png" or "jpeg" (drawn when not given; PNG and JPEG hold one page, so they make a
    one-page list). mode: "L", "RGB" or "1" (black and white, PDF and TIFF only) for scans.
    mismatch: False, True (a random kind) or one of `MUTATION_KINDS`: the typed data then differs from
    the scan in exactly one field of one row, recorded in `Sample.mismatch`.
    """
    if capture not in ("scan", "photo"):
        raise ValueError("capture is 'scan' or 'photo'")
    rng = random.Random(f"second-generator:{seed}")
    if fmt is None:
        fmt = rng.choice(["pdf", "pdf", "tiff", "png", "jpeg"]) if capture == "scan" else "jpeg"
    if fmt not in CONTENT_TYPES:
        raise ValueError(f"fmt is one of {', '.join(CONTENT_TYPES)}")
    single = fmt in ("png", "jpeg")
    if single and pages and pages > 1:
        raise ValueError(f"a {fmt} holds one page")
    doc = make_document(rng, rows=rows, pages=1 if single else pages, **layout)
    while single and rows is None and len(doc.plan) > 1 and len(doc.people) > 1:  # drawn count: fewer rows
        doc.people = doc.people[:-1]
        paginate(doc)
    if single and len(doc.plan) > 1:
        raise ValueError(
            f"{len(doc.people)} rows and the footer do not fit on one page of this layout; "
            "use fewer rows, or pdf or tiff"
        )

    clean = render_pages(doc, dpi)
    cap = random.Random(rng.getrandbits(64))
    if capture == "scan":
        mode = mode or cap.choices(["L", "RGB", "1"], weights=[60, 30, 10 if not single else 0])[0]
        if mode == "1" and single:
            mode = "L"
        images = [scan_page(p, cap, dpi, mode=mode) for p in clean]
        stated_dpi = dpi
    else:
        images = [photo_page(p, cap) for p in clean]
        stated_dpi = 72
        mode = "RGB"
    if fmt == "pdf":
        data = save_pdf(images, stated_dpi if capture == "scan" else dpi, quality=cap.randint(70, 90))
    elif fmt == "tiff":
        data = save_tiff(images, stated_dpi)
    elif fmt == "png":
        data = save_png(images[0], stated_dpi)
    else:
        quality = cap.randint(55, 80) if capture == "photo" else cap.randint(70, 90)
        data = save_jpeg(images[0], stated_dpi, quality=quality)

    truth = truth_of(doc)
    truth.update(dpi=dpi, capture=capture, format=fmt, mode=mode, seed=seed)
    sample = Sample(data, CONTENT_TYPES[fmt], cap.choice(_NAMES[fmt]), truth, document=doc)
    sample.typed = [{f: r[f] for f in FIELDS} for r in truth["rows"]]
    if mismatch:
        kind = mismatch if isinstance(mismatch, str) else None
        sample.typed, found = mutate(truth["rows"], random.Random(f"mismatch:{seed}:{kind}"), kind)
        sample.mismatch = found.as_dict()
    return sample
