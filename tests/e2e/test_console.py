"""The clerk console in a real browser (Debian's chromium, driven headless by selenium) against the
stack `make run` starts: sign in, filter and search the worklist, open a dossier, download its
signed receipt, decide as the authority, hand the result back, resend a correction request.

`MOTCUA_CONSOLE_SCREENSHOTS=docs/console` saves the README's pictures on the way.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
import requests
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.e2e.portal import DemoPortal
from tests.e2e.signin import log_in, sign_in, to_signin_page

pytestmark = pytest.mark.e2e

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")


@pytest.fixture(scope="module")
def dossiers(stack: Any) -> dict[str, dict[str, Any]]:
    """One dossier past its appointment, one forwarded to the authority, one waiting for a
    correction (its signed list disagrees with the typed one)."""
    portal = DemoPortal(stack, unit_rank=1)
    late = portal.submit(portal.workers(1))
    portal.wait_for(late["id"], {"forwarded"})
    # a month on, the deadline sweep finds it late (and apologises with a new date)
    as_of = (date.today() + timedelta(days=30)).isoformat()
    # the stack's emulator, not whatever the functional tests' session pointed this process at
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MOTCUA_"))}
    env.update(MOTCUA_STATE_DIR=str(stack.state_dir), MOTCUA_EMULATOR_PORT=str(stack.emulator_port))
    subprocess.run(
        [str(Path(sys.executable).with_name("motcua")), "sweep", "--as-of", as_of],
        env=env,
        check=True,
        capture_output=True,
    )
    good = portal.submit(portal.workers(2))
    typed = portal.workers(2)
    signed = [typed[0], {**typed[1], "date_of_birth": "1970-01-01"}]  # the signed list disagrees on one birth date
    incomplete = portal.submit(typed, listed=signed)
    return {
        "overdue": portal.wait_for(late["id"], {"forwarded"}),
        "forwarded": portal.wait_for(good["id"], {"forwarded"}),
        "needs_correction": portal.wait_for(incomplete["id"], {"needs_correction"}),
    }


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.fail("chromium and chromium-driver are missing: `make test` installs them (scripts/bootstrap.sh)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1440,1000",
        "--lang=vi-VN",
        "--force-device-scale-factor=1",
    ):
        options.add_argument(argument)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options.add_experimental_option(
        "prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False}
    )
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.downloads = downloads
    try:
        yield driver
    finally:
        driver.quit()


def wait(driver: Any, condition: Callable[[Any], Any], seconds: float = 20) -> Any:
    try:
        return WebDriverWait(
            driver, seconds, poll_frequency=0.1, ignored_exceptions=(StaleElementReferenceException,)
        ).until(condition)
    except TimeoutException:
        notice = driver.find_element(By.ID, "notice").text
        raise AssertionError(f"the console did not get there; its notice says: {notice!r}") from None


def portal_codes(driver: Any) -> list[str]:
    return [a.text for a in driver.find_elements(By.CSS_SELECTOR, "#rows a")]


def screenshot(driver: Any, name: str, whole_page: bool = False) -> None:
    folder = os.environ.get("MOTCUA_CONSOLE_SCREENSHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    if whole_page:
        driver.set_window_size(
            1440, min(3000, driver.execute_script("return document.documentElement.scrollHeight") + 140)
        )
    driver.save_screenshot(str(Path(folder) / name))
    driver.set_window_size(1440, 1000)


def token(stack: Any, role: str, office: str = "031") -> str:
    return stack.token(role, office)["Authorization"].split(" ", 1)[1]


def test_a_clerk_signs_in_searches_the_worklist_and_downloads_a_signed_receipt(
    stack: Any, dossiers: dict[str, dict[str, Any]], browser: Any
) -> None:
    forwarded, incomplete, late = dossiers["forwarded"], dossiers["needs_correction"], dossiers["overdue"]
    assert late["overdue"] and not forwarded["overdue"]
    # GIVEN the console, signed in with a clerk's token pasted into the form
    browser.get(f"{stack.base}/console/")
    wait(browser, lambda d: d.find_element(By.ID, "token-input").is_displayed())
    browser.find_element(By.ID, "token-input").send_keys(token(stack, "clerk"))
    browser.find_element(By.CSS_SELECTOR, "#signin-token button[type=submit]").click()
    # THEN the office's worklist shows the dossiers, the late one marked, and the on-time chart
    wait(
        browser,
        lambda d: {forwarded["portal_code"], incomplete["portal_code"], late["portal_code"]} <= set(portal_codes(d)),
    )
    assert "BHXH tỉnh 031" in browser.find_element(By.ID, "who-label").text
    marked = [r.text for r in browser.find_elements(By.CSS_SELECTOR, "#rows tr.overdue")]
    assert len(marked) == 1 and late["portal_code"] in marked[0] and "Quá hạn" in marked[0]
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#charts svg rect"))
    screenshot(browser, "worklist.png")
    # WHEN the clerk asks for late dossiers only
    browser.find_element(By.ID, "f-overdue").click()
    wait(browser, lambda d: portal_codes(d) == [late["portal_code"]])
    browser.find_element(By.ID, "f-overdue").click()
    # WHEN the clerk filters by status
    Select(browser.find_element(By.ID, "f-status")).select_by_value("needs_correction")
    wait(browser, lambda d: (portal_codes(d) and set(portal_codes(d)) == {incomplete["portal_code"]}) or None)
    row = browser.find_element(By.CSS_SELECTOR, "#rows tr")
    assert "Cần bổ sung" in row.text
    # AND then, with "/" from the keyboard, searches by a portal code
    browser.find_element(By.ID, "f-clear").click()
    browser.find_element(By.TAG_NAME, "body").send_keys("/")
    assert browser.switch_to.active_element.get_attribute("id") == "f-search"
    browser.switch_to.active_element.send_keys(forwarded["portal_code"], Keys.ENTER)
    wait(browser, lambda d: portal_codes(d) == [forwarded["portal_code"]])
    # WHEN they open the dossier
    browser.find_element(By.LINK_TEXT, forwarded["portal_code"]).click()
    wait(browser, lambda d: d.find_element(By.ID, "d-title").text == f"Hồ sơ {forwarded['portal_code']}")
    assert "/console/#/ho-so/" + forwarded["id"] == browser.current_url.split(stack.base, 1)[1]
    assert browser.find_element(By.ID, "d-status").text.startswith("Đã chuyển cơ quan giải quyết")
    # THEN the typed list stands beside the signed list as read, row by row, with no difference
    wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#d-lists tbody tr")) == 2)
    assert browser.find_elements(By.CSS_SELECTOR, "#d-lists td.differs") == []
    assert forwarded["workers"][0]["si_number"] in browser.find_element(By.ID, "d-lists").text
    kinds = [
        b.get_attribute("data-kind")
        for b in browser.find_elements(By.CSS_SELECTOR, "#d-documents button[data-action=download]")
    ]
    assert kinds == ["receipt", "control_slip", "confirmation"]  # each kind once: its latest slip
    screenshot(browser, "dossier.png", whole_page=True)
    # WHEN they download the receipt
    browser.find_element(By.CSS_SELECTOR, "#d-documents button[data-action=download][data-kind=receipt]").click()
    pdf = wait(browser, lambda d: next((p for p in d.downloads.glob("*.pdf")), None))
    wait(browser, lambda d: not list(d.downloads.glob("*.crdownload")))
    # THEN the file is the signed receipt the system issued, byte for byte
    assert pdf.name == f"receipt-{forwarded['portal_code']}.pdf"
    verdict = requests.post(
        f"{stack.base}/v1/verify", data=pdf.read_bytes(), headers={"Content-Type": "application/pdf"}, timeout=30
    ).json()
    assert verdict["valid"] and verdict["issued_by_system"], verdict
    assert verdict["document"]["kind"] == "receipt" and verdict["document"]["portal_code"] == forwarded["portal_code"]
    # AND the preview opens the same slip in the page, without downloading it again
    browser.execute_script(
        "const f = document.getElementById('preview'); f.dataset.loaded = '';"
        "f.addEventListener('load', () => { f.dataset.loaded = f.src; });"
    )
    browser.find_element(By.CSS_SELECTOR, "#d-documents button[data-action=preview][data-kind=receipt]").click()
    # the frame has loaded the slip (a file sent as a download never loads in a frame)
    wait(browser, lambda d: d.find_element(By.ID, "preview").get_attribute("data-loaded").startswith("http"))
    wait(browser, lambda d: not list(d.downloads.glob("*.crdownload")))
    assert len(list(browser.downloads.glob("*.pdf"))) == 1
    screenshot(browser, "slip-preview.png")
    # AND Esc goes back to the list
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
    wait(browser, lambda d: d.find_element(By.ID, "worklist").is_displayed())


def test_the_authority_decides_and_the_clerk_hands_the_result_back(
    stack: Any, dossiers: dict[str, dict[str, Any]], browser: Any
) -> None:
    forwarded = dossiers["forwarded"]
    # GIVEN the authority, signed in through the stage's login page (code flow with PKCE)
    sign_in(browser, stack, "authority")
    # THEN the code leaves the address bar at once, and the inbox lists the forwarded dossier
    wait(browser, lambda d: forwarded["portal_code"] in portal_codes(d))
    assert "code" not in browser.current_url and "token" not in browser.current_url
    assert not browser.find_element(By.ID, "stats").is_displayed()  # the office figures are the clerks'
    # WHEN it opens the dossier and records its decision
    browser.find_element(By.LINK_TEXT, forwarded["portal_code"]).click()
    wait(browser, lambda d: d.find_element(By.ID, "decision-form").is_displayed())
    assert not browser.find_element(By.ID, "returned").is_displayed()
    browser.find_element(By.CSS_SELECTOR, "#decision-form input[value=approved]").click()
    browser.find_element(By.ID, "decision-amount").send_keys("3600000")
    browser.find_element(By.ID, "decision-note").send_keys("Đủ điều kiện theo Nghị quyết 42/NQ-CP")
    browser.find_element(By.CSS_SELECTOR, "#decision-form button[type=submit]").click()
    # THEN the dossier is decided, as the API says too
    wait(browser, lambda d: d.find_element(By.ID, "d-status").text == "Đã có kết quả")
    assert "3.600.000 đồng" in browser.find_element(By.ID, "d-summary").text
    decided = requests.get(
        f"{stack.base}/v1/dossiers/{forwarded['id']}", headers=stack.token("clerk", "031"), timeout=30
    ).json()
    assert decided["decision"]["result"] == "approved" and decided["decision"]["amount"] == 3600000
    assert decided["decision"]["by"].startswith("authority/province:031:")
    # WHEN a clerk opens it and marks the result handed back
    sign_in(browser, stack, "clerk")
    browser.get(f"{stack.base}/console/#/ho-so/{forwarded['id']}")
    wait(browser, lambda d: d.find_element(By.ID, "returned").is_displayed())
    browser.find_element(By.ID, "returned").click()
    # THEN it is closed, and the control slip (Mẫu 05) is among its slips
    wait(browser, lambda d: d.find_element(By.ID, "d-status").text == "Đã trả kết quả")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#d-documents button[data-kind=control_slip]"))
    assert "Đã trả kết quả" in browser.find_element(By.ID, "d-history").text


def test_a_clerk_resends_a_correction_request_and_sees_it_in_the_history(
    stack: Any, dossiers: dict[str, dict[str, Any]], browser: Any
) -> None:
    incomplete = dossiers["needs_correction"]
    sign_in(browser, stack, "clerk")
    browser.get(f"{stack.base}/console/#/ho-so/{incomplete['id']}")
    # GIVEN the dossier waiting for a correction: its finding and the lists side by side show the
    # one birth date the signed list has otherwise
    wait(browser, lambda d: d.find_element(By.ID, "resend").is_displayed())
    assert "khác với dữ liệu khai" in browser.find_element(By.ID, "d-findings").text
    differing = wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#d-lists td.differs"))
    assert len(differing) == 1 and "1970-01-01" in differing[0].text
    screenshot(browser, "correction.png", whole_page=True)
    # WHEN the clerk resends the correction request
    browser.find_element(By.ID, "resend").click()
    # THEN the console says so and the history shows the resend with the slip's number
    wait(browser, lambda d: "Đã gửi lại" in d.find_element(By.ID, "notice").text)
    number = [d["number"] for d in incomplete["documents"] if d["kind"] == "correction_request"][-1]
    assert f"số {number}" in browser.find_element(By.ID, "d-history").text
    # AND a page from another office's clerk gets a refusal, not the dossier
    sign_in(browser, stack, "clerk", "079")
    browser.get(f"{stack.base}/console/#/ho-so/{incomplete['id']}")
    wait(browser, lambda d: "không có quyền" in d.find_element(By.ID, "notice").text)
    assert browser.find_element(By.ID, "d-title").text == "Không mở được hồ sơ"
    assert incomplete["portal_code"] not in browser.find_element(By.ID, "dossier").text


def paste(browser: Any, stack: Any, text: str) -> None:
    browser.get(f"{stack.base}/console/")
    wait(browser, lambda d: d.find_element(By.ID, "token-input").is_displayed())
    browser.find_element(By.ID, "token-input").send_keys(text)
    browser.find_element(By.CSS_SELECTOR, "#signin-token button[type=submit]").click()


def test_expired_or_garbage_tokens_send_the_clerk_back_to_sign_in(stack: Any, browser: Any) -> None:
    paste(browser, stack, "not-a-token")
    wait(browser, lambda d: d.find_element(By.ID, "signin-error").is_displayed())
    assert "không đúng định dạng" in browser.find_element(By.ID, "signin-error").text
    # a well-formed token the server refuses (signed with another key)
    forged = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4Iiwicm9sZSI6ImNsZXJrIiwib2ZmaWNlIjoiMDMxIiwiZXhwIjo0MTAyNDQ0ODAwfQ.c2lnbmF0dXJl"
    paste(browser, stack, forged)
    wait(
        browser,
        lambda d: (
            d.find_element(By.ID, "signin").is_displayed() and "đăng nhập lại" in d.find_element(By.ID, "notice").text
        ),
    )


# -- issue 18, finding 9: the authorization-code flow with PKCE, state and nonce ----------------------
def signed_out(browser: Any) -> bool:
    return bool(
        browser.find_element(By.ID, "signin").is_displayed()
        and not browser.find_element(By.ID, "worklist").is_displayed()
        and browser.execute_script("return sessionStorage.getItem('motcua.token')") is None
    )


def test_the_console_signs_in_by_the_code_flow_and_keeps_no_token_in_the_address_bar(stack: Any, browser: Any) -> None:
    # GIVEN the signed-out console: "Đăng nhập" leads to the login page with a PKCE request
    to_signin_page(browser, stack)
    request = parse_qs(urlsplit(browser.current_url).query)
    assert request["response_type"] == ["code"] and request["code_challenge_method"] == ["S256"]
    assert len(request["code_challenge"][0]) == 43 and request["state"][0] and request["nonce"][0]
    assert "code_verifier" not in request  # the verifier never leaves the page
    # WHEN a clerk of office 079 logs in there
    log_in(browser, "clerk", "079")
    # THEN the console shows that office's worklist, and the address bar holds neither code nor token
    wait(browser, lambda d: d.find_element(By.ID, "worklist").is_displayed())
    assert "BHXH tỉnh 079" in browser.find_element(By.ID, "who-label").text
    assert urlsplit(browser.current_url).query == "" and "token" not in browser.current_url
    # AND it calls the API with an access token of the staff scope, as in AWS (the portal's routes want it)
    held = jwt.decode(
        browser.execute_script("return sessionStorage.getItem('motcua.token')"), options={"verify_signature": False}
    )
    assert held["token_use"] == "access" and "motcua/staff" in held["scope"].split()
    assert (held["role"], held["office"]) == ("clerk", "079")


def test_a_code_returned_with_a_state_the_console_did_not_send_is_refused(stack: Any, browser: Any) -> None:
    # GIVEN a sign-in begun in this browser, and a real code for it
    to_signin_page(browser, stack)
    log_in_url = browser.current_url
    sent = parse_qs(urlsplit(log_in_url).query)
    # WHEN an attacker's link brings this page a code with another state (login CSRF)
    forged = urlencode({"code": "a-code-from-elsewhere", "state": "not-" + sent["state"][0]})
    browser.get(f"{stack.base}/console/?{forged}")
    # THEN the console refuses it, saying why, and stays signed out with the code gone from the bar
    wait(browser, lambda d: d.find_element(By.ID, "signin-error").is_displayed())
    assert "state" in browser.find_element(By.ID, "signin-error").text
    assert signed_out(browser) and "code=" not in browser.current_url


def test_an_id_token_without_the_consoles_nonce_is_refused(stack: Any, browser: Any) -> None:
    # GIVEN a sign-in begun in this browser
    to_signin_page(browser, stack)
    parts = urlsplit(browser.current_url)
    request = {k: v[0] for k, v in parse_qs(parts.query).items()}
    # WHEN the login answers with the console's state and challenge but an ID token for another nonce
    # (a token issued for someone else's request, injected into this one)
    browser.get(f"{stack.base}{parts.path}?{urlencode({**request, 'nonce': 'another-request-' + 'x' * 16})}")
    log_in(browser, "clerk", "031")
    # THEN the console refuses the token, saying why, and keeps nothing
    wait(browser, lambda d: d.find_element(By.ID, "signin-error").is_displayed())
    assert "nonce" in browser.find_element(By.ID, "signin-error").text
    assert signed_out(browser) and "code=" not in browser.current_url


def test_the_local_token_endpoint_refuses_a_wrong_verifier_and_a_replayed_code(stack: Any) -> None:
    """Over HTTP, as the console's fetch calls it (the same checks as Cognito's token endpoint)."""
    verifier = "v" * 43
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    back = f"{stack.base}/console/"
    request = {
        "response_type": "code",
        "client_id": "motcua-console",
        "redirect_uri": back,
        "scope": "openid email",
        "state": "s" * 24,
        "nonce": "n" * 24,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    with requests.Session() as http:
        # the implicit flow is not offered
        implicit = http.get(f"{stack.base}/local/oauth2/authorize", params={**request, "response_type": "token"})
        assert implicit.status_code == 400 and implicit.json()["error"] == "unsupported_response_type"

        def code() -> str:
            sent = http.post(
                f"{stack.base}/local/oauth2/authorize",
                data={**request, "role": "clerk", "office": "031"},
                allow_redirects=False,
                timeout=30,
            )
            assert sent.status_code == 303, sent.text
            returned = parse_qs(urlsplit(sent.headers["Location"]).query)
            assert returned["state"] == [request["state"]]
            return returned["code"][0]

        def exchange(code: str, verifier: str) -> requests.Response:
            grant = {"grant_type": "authorization_code", "client_id": "motcua-console", "redirect_uri": back}
            return http.post(
                f"{stack.base}/local/oauth2/token", data={**grant, "code": code, "code_verifier": verifier}, timeout=30
            )

        wrong = exchange(code(), "w" * 43)
        assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
        first = code()
        granted = exchange(first, verifier)
        assert granted.status_code == 200 and granted.headers["Cache-Control"] == "no-store"
        tokens = granted.json()
        assert jwt.decode(tokens["id_token"], options={"verify_signature": False})["nonce"] == request["nonce"]
        worklist = f"{stack.base}/v1/dossiers?office=031"
        assert http.get(worklist, headers={"Authorization": f"Bearer {tokens['access_token']}"}, timeout=30).ok
        replayed = exchange(first, verifier)
        assert replayed.status_code == 400 and replayed.json()["error"] == "invalid_grant"


def test_the_procedure_filter_lists_every_procedure_the_catalogue_route_returns(stack: Any, browser: Any) -> None:
    # GIVEN the public catalogue of procedures, as the data files make it
    catalogue = requests.get(f"{stack.base}/v1/procedures", timeout=30).json()["items"]
    assert {p["code"] for p in catalogue} >= {"work_stoppage_support", "recovery_wage_loan", "suspension_support"}
    # WHEN a clerk opens the console
    sign_in(browser, stack, "clerk")
    # THEN the procedure filter offers every procedure of the route, with its title, and nothing else
    wait(browser, lambda d: len(Select(d.find_element(By.ID, "f-procedure")).options) > 1)
    options = [(o.get_attribute("value"), o.text) for o in Select(browser.find_element(By.ID, "f-procedure")).options]
    assert options == [("", "Tất cả")] + [(p["code"], p["title"]) for p in catalogue]
    # AND it was read from the route itself, not from a list of the page's own
    fetched = browser.execute_script("return performance.getEntriesByType('resource').map((e) => e.name);")
    assert f"{stack.base}/v1/procedures" in fetched
    # AND choosing one asks the worklist for that procedure
    Select(browser.find_element(By.ID, "f-procedure")).select_by_value("recovery_wage_loan")
    wait(
        browser,
        lambda d: any(
            "procedure=recovery_wage_loan" in name
            for name in d.execute_script("return performance.getEntriesByType('resource').map((e) => e.name);")
        ),
    )
