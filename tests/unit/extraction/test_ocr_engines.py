"""The two OCR engines behind `chalicelib/extraction/engine.py`: the warm tesserocr engine and
pytesseract's CLI read the same scans into the same fields, the warm engine keeps its model between
pages, and a machine without tesserocr still reads documents (through the CLI)."""

from __future__ import annotations

import random
import subprocess
import sys
import threading

import pytest

from chalicelib.config import settings
from chalicelib.extraction import engine as E
from chalicelib.extraction import extract_document
from tests.scans import generate as gen

pytestmark = pytest.mark.ocr


@pytest.fixture(scope="module")
def scans() -> list[tuple[object, bytes]]:
    """A 300-dpi PNG page and a two-page 200-dpi scanner PDF, both degraded as scanners do."""
    rng = random.Random(21_2026)
    doc = gen.make_document(rng, rows=8)
    page = gen.degrade(gen.render_pages(gen.render_pdf(doc), 300)[0], rng, skew=0.7)
    second = gen.make_document(rng, rows=10)
    pages = [gen.degrade(p, rng) for p in gen.render_pages(gen.render_pdf(second, rows_per_page=5), 200)]
    return [(doc, gen.save_png(page, 300)), (second, gen.save_scanner_pdf(pages, 200))]


def _use(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv("MOTCUA_OCR_ENGINE", name)
    settings.cache_clear()


@pytest.fixture(autouse=True)
def _fresh_settings():
    yield
    settings.cache_clear()


def _fields(result) -> list[tuple]:
    return [
        (w.full_name, w.si_number, w.date_of_birth, w.id_number, w.period_from, w.period_to) for w in result.workers
    ] + [(result.unit.unit_code, result.unit.tax_code, result.unit.name)]


def test_the_same_scans_read_through_either_engine_give_the_same_fields(monkeypatch, scans):
    read = {}
    for name in ("tesserocr", "pytesseract"):
        _use(monkeypatch, name)
        assert E.engine().name == name
        read[name] = [
            extract_document(data, ctype)
            for (_, data), ctype in zip(scans, ("image/png", "application/pdf"), strict=True)
        ]
    for (doc, _), warm, cli in zip(scans, read["tesserocr"], read["pytesseract"], strict=True):
        assert _fields(warm) == _fields(cli)
        assert [w.si_number for w in warm.workers] == [w.si_number for w in doc.workers]
        assert all(p.error is None for p in warm.pages)


def test_the_warm_engine_runs_the_tesseract_of_the_cli_beside_it():
    """Both engines read a page alike only if they are one Tesseract: tesserocr's wheel bundled 5.5.4 beside
    Debian's 5.3.0 CLI and sent back 3 of 81 valid dossiers that the CLI accepted (bench/accuracy.py), so the
    lock takes its source release, built against the system's libtesseract (scripts/bootstrap.sh)."""
    tesserocr = pytest.importorskip("tesserocr")
    cli = subprocess.run(["tesseract", "--version"], capture_output=True, text=True, timeout=30, check=True)
    assert tesserocr.tesseract_version().splitlines()[0] == (cli.stdout + cli.stderr).splitlines()[0]


def test_the_warm_engine_loads_its_model_once_for_pages_read_one_after_another(monkeypatch, scans):
    warm = E.WarmEngine(settings().ocr_lang, E.tessdata_path())
    import io

    from PIL import Image

    page = Image.open(io.BytesIO(scans[0][1])).convert("L")
    first = warm.read(page, 300)
    again = warm.read(page, 300)
    assert warm.loaded == 1
    assert first["text"] == again["text"] and any(t.strip() for t in first["text"])


def test_concurrent_readers_each_get_their_own_engine_and_read_alike(scans):
    import io

    from PIL import Image

    warm = E.WarmEngine(settings().ocr_lang, E.tessdata_path())
    warm.warm(2)
    page = Image.open(io.BytesIO(scans[0][1])).convert("L")
    texts: list[list[str]] = []

    def read() -> None:
        texts.append(warm.read(page, 300)["text"])

    threads = [threading.Thread(target=read) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert warm.loaded == 2  # warmed ahead: the readers found their engines loaded
    assert len(texts) == 2 and texts[0] == texts[1]


def test_a_whitelist_holds_for_one_reading_only(scans):
    import io

    from PIL import Image

    warm = E.WarmEngine(settings().ocr_lang, E.tessdata_path())
    page = Image.open(io.BytesIO(scans[0][1])).convert("L")
    digits = warm.read(page, 300, psm=6, whitelist="0123456789/")
    assert all(set(t) <= set("0123456789/") for t in digits["text"])
    after = warm.read(page, 300)
    assert any(ch.isalpha() for t in after["text"] for ch in t)


def test_without_tesserocr_auto_reads_through_the_cli(monkeypatch, scans):
    monkeypatch.setitem(sys.modules, "tesserocr", None)  # `import tesserocr` raises ImportError
    assert E._make("auto").name == "pytesseract"
    with pytest.raises(ImportError):
        E._make("tesserocr")
    monkeypatch.setattr(E, "_engines", {})
    _use(monkeypatch, "auto")
    doc, data = scans[0]
    result = extract_document(data, "image/png")
    assert [w.si_number for w in result.workers] == [w.si_number for w in doc.workers]
