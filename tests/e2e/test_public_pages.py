"""The public pages in a real browser (Debian's Chromium) against the stack `make run` starts: the
QR of a real receipt, decoded from the rendered slip, opened on a phone-sized and a desktop-sized
window; the slip check form with a genuine, a tampered and a foreign PDF; axe-core's accessibility
check on every one of these pages (no serious or critical violation).

`MOTCUA_PUBLIC_SCREENSHOTS=docs/public` saves the pictures docs/ shows.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.e2e.portal import DemoPortal
from tests.e2e.signin import sign_in
from tests.helpers import qr_of

pytestmark = pytest.mark.e2e

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
AXE = Path(__file__).with_name("axe") / "node_modules" / "axe-core" / "axe.min.js"
PHONE, DESKTOP = (360, 740), (1280, 800)


@pytest.fixture(scope="module")
def receipt(stack: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A dossier taken in, its signed receipt as the employer downloads it, and the QR's address."""
    portal = DemoPortal(stack, unit_rank=3)
    dossier = portal.submit(portal.workers(2))
    done = portal.wait_for(dossier["id"], {"forwarded"})
    pdf = requests.get(
        f"{stack.base}/v1/dossiers/{dossier['id']}/documents/receipt", headers=stack.token("portal"), timeout=30
    ).content
    assert pdf.startswith(b"%PDF")
    folder = tmp_path_factory.mktemp("qr")
    return {"dossier": done, "pdf": pdf, "qr": qr_of(pdf, folder), "folder": folder, "workers": portal.workers(2)}


@pytest.fixture
def browser() -> Iterator[Any]:
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.fail("chromium and chromium-driver are missing: `make test` installs them (scripts/bootstrap.sh)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--lang=vi-VN",
        "--force-device-scale-factor=1",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


def screenshot(driver: Any, name: str) -> None:
    folder = os.environ.get("MOTCUA_PUBLIC_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        width = driver.get_window_size()["width"]
        driver.set_window_size(
            width, min(2400, driver.execute_script("return document.documentElement.scrollHeight") + 140)
        )
        driver.save_screenshot(str(Path(folder) / name))


def serious_violations(driver: Any) -> list[str]:
    """axe-core run in the page: the rules broken with a serious or critical impact."""
    if not AXE.exists():
        pytest.fail("axe-core is missing: `make test` installs it (scripts/bootstrap.sh, tests/e2e/axe)")
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1]; axe.run().then((r) => done(JSON.stringify(r.violations)));"
    )
    return [f"{v['id']}: {v['help']}" for v in json.loads(result) if v["impact"] in ("serious", "critical")]


def at(stack: Any, address: str) -> str:
    """The QR's address on this test's stack (the slip names the stack's own public address)."""
    parts = urlsplit(address)
    return f"{stack.base}{parts.path}?{parts.query}"


def test_a_phone_that_scans_the_receipts_qr_sees_where_the_dossier_stands_and_that_the_slip_is_genuine(
    stack: Any, receipt: dict[str, Any], browser: Any
) -> None:
    dossier = receipt["dossier"]
    assert urlsplit(receipt["qr"]).netloc == urlsplit(stack.base).netloc  # the QR leads to this server
    for (width, height), name in ((PHONE, "lookup-phone.png"), (DESKTOP, "lookup-desktop.png")):
        # WHEN the address in the QR is opened in a browser window of that size
        browser.set_window_size(width, height)
        browser.get(at(stack, receipt["qr"]))
        text = browser.find_element(By.TAG_NAME, "main").text
        # THEN it reads, in words, where the dossier stands, and that this slip is the system's
        assert (
            "Đã chuyển cơ quan giải quyết" in text
            and "Phiếu do hệ thống cấp" in text
            and dossier["portal_code"] in text
        )
        assert dossier["documents"][0]["number"] in text
        # AND nothing is wider than the window (no sideways scrolling on a phone)
        assert browser.execute_script("return document.documentElement.scrollWidth") <= width
        # AND no personal data is on it
        for worker in receipt["workers"]:
            assert worker["full_name"] not in text and worker["si_number"] not in text
        assert serious_violations(browser) == []
        screenshot(browser, name)


def test_the_check_form_tells_a_genuine_a_tampered_and_a_foreign_pdf_apart(
    stack: Any, receipt: dict[str, Any], browser: Any
) -> None:
    genuine = receipt["pdf"]
    folder: Path = receipt["folder"]
    files = {
        "genuine": genuine,
        "tampered": genuine[:300] + bytes([genuine[300] ^ 0x01]) + genuine[301:],
        "foreign": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
    }
    expected = {
        "genuine": "Phiếu thật, còn nguyên vẹn",
        "tampered": "Không phải phiếu do hệ thống cấp",
        "foreign": "Không phải phiếu do hệ thống cấp",
    }
    browser.set_window_size(*PHONE)
    for name, data in files.items():
        path = folder / f"{name}.pdf"
        path.write_bytes(data)
        # WHEN a worker picks the PDF in the look-up page's form and sends it
        browser.get(at(stack, receipt["qr"]))
        browser.find_element(By.ID, "pdf").send_keys(str(path))
        browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        WebDriverWait(browser, 30).until(lambda d: d.title.startswith("Kiểm tra phiếu"))
        # THEN the answer is a page that says it in words
        text = browser.find_element(By.TAG_NAME, "main").text
        assert expected[name] in text, (name, text[:300])
        assert serious_violations(browser) == []
        screenshot(browser, f"verify-{name}.png")


def test_feedback_sent_from_the_page_is_answered_in_the_console_and_the_answer_is_public(
    stack: Any, receipt: dict[str, Any], browser: Any
) -> None:
    dossier = receipt["dossier"]
    # GIVEN a worker on a phone, on the page the receipt's QR opens, who sends feedback
    browser.set_window_size(*PHONE)
    browser.get(at(stack, receipt["qr"]))
    Select(browser.find_element(By.ID, "fb-kind")).select_by_value("delay")
    browser.find_element(By.ID, "fb-content").send_keys("Đã quá ngày hẹn mà chưa có kết quả.")
    browser.find_element(By.ID, "fb-contact").send_keys("0912 345 678")
    browser.find_element(By.CSS_SELECTOR, "form[action$='v1/feedback'] button[type=submit]").click()
    WebDriverWait(browser, 30).until(lambda d: "Đã nhận phản ánh" in d.find_element(By.TAG_NAME, "main").text)
    code = browser.find_element(By.CSS_SELECTOR, "main section b").text
    assert code.startswith(f"PA-{dossier['office']}-")
    assert serious_violations(browser) == []
    screenshot(browser, "feedback-sent.png")
    # WHEN the office's clerk opens the console, finds the item with the contact, and answers it
    browser.set_window_size(*DESKTOP)
    sign_in(browser, stack, "clerk", dossier["office"])
    row = WebDriverWait(browser, 30).until(
        lambda d: next(iter(d.find_elements(By.CSS_SELECTOR, f"#fb-rows tr[data-code='{code}']")), None)
    )
    assert "0912 345 678" in row.text and "Đã quá ngày hẹn" in row.text
    browser.execute_script("arguments[0].scrollIntoView()", row)
    screenshot(browser, "feedback-queue.png")
    row.find_element(By.TAG_NAME, "textarea").send_keys(
        "Hồ sơ đã được UBND giải quyết; mời ông/bà nhận kết quả tại bộ phận một cửa."
    )
    row.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    # the console draws the rows anew with the answer: a row found may go stale before it is read
    WebDriverWait(browser, 30, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: "đã công khai" in d.find_element(By.CSS_SELECTOR, f"#fb-rows tr[data-code='{code}']").text
    )
    # THEN the worker, following the item's code, reads the answer, and never the contact
    browser.set_window_size(*PHONE)
    browser.get(f"{stack.base}/v1/feedback/{code}")
    text = browser.find_element(By.TAG_NAME, "main").text
    assert "Đã trả lời" in text and "mời ông/bà nhận kết quả" in text and "0912" not in text
    assert serious_violations(browser) == []
    screenshot(browser, "feedback-answered.png")


def test_the_pages_a_wrong_code_or_a_wrong_file_leads_to_are_as_accessible(
    stack: Any, browser: Any, tmp_path: Path
) -> None:
    browser.set_window_size(*PHONE)
    # a QR of a made-up slip, or a code typed wrong
    browser.get(f"{stack.base}/v1/lookup/G22.99-000000-nothere1")
    assert "Không tìm thấy hồ sơ" in browser.find_element(By.TAG_NAME, "main").text
    assert serious_violations(browser) == []
    # a file that is no PDF, sent through the check form
    (tmp_path / "photo.pdf").write_bytes(b"GIF89a not a pdf at all")
    browser.find_element(By.ID, "pdf").send_keys(str(tmp_path / "photo.pdf"))
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    # the old page's <main> may go stale between finding it and reading it while the answer loads
    WebDriverWait(browser, 30, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: "Không kiểm tra được tệp" in d.find_element(By.TAG_NAME, "main").text
    )
    assert serious_violations(browser) == []
