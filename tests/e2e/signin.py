"""Signing in to the console in a real browser as a clerk does: the authorization-code flow with PKCE,
`state` and `nonce`, through the local stage's login page (the Cognito hosted UI in AWS)."""

from __future__ import annotations

from typing import Any

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait


def wait(driver: Any, condition: Any, seconds: float = 30) -> Any:
    return WebDriverWait(
        driver, seconds, poll_frequency=0.1, ignored_exceptions=(StaleElementReferenceException,)
    ).until(condition)


def to_signin_page(browser: Any, stack: Any) -> None:
    """Open the console signed out and press "Đăng nhập": the browser lands on the stage's login page."""
    browser.get(f"{stack.base}/console/")
    browser.execute_script("sessionStorage.removeItem('motcua.token')")
    browser.get(f"{stack.base}/console/")
    wait(browser, lambda d: d.find_element(By.ID, "signin-start").is_displayed())
    browser.find_element(By.ID, "signin-start").click()
    wait(browser, lambda d: "/local/oauth2/authorize?" in d.current_url)


def log_in(browser: Any, role: str, office: str, authority: str = "province") -> None:
    """On the local stage's login page (the Cognito hosted UI in AWS): say who, and send."""
    Select(browser.find_element(By.ID, "role")).select_by_value(role)
    browser.find_element(By.ID, "office").clear()
    browser.find_element(By.ID, "office").send_keys(office)
    Select(browser.find_element(By.ID, "authority")).select_by_value(authority)
    browser.find_element(By.ID, "sign-in").click()


def sign_in(browser: Any, stack: Any, role: str, office: str = "031") -> None:
    """Sign in as the console does it: the authorization-code flow with PKCE, state and nonce."""
    to_signin_page(browser, stack)
    log_in(browser, role, office)
    wait(browser, lambda d: d.find_element(By.ID, "worklist").is_displayed())
    assert "code=" not in browser.current_url and "state=" not in browser.current_url
