"""Citizen login with ID-porten in real Chromium, against the built-in development provider.

The relying party (designer/oidc.py) and the provider (designer/devidp.py) run in the same
live server, so discovery, JWKS and the token request travel over real loopback HTTP while
Chromium plays the citizen: login page, the provider's pick page, back to "Mine saker".
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from tests.e2e.conftest import axe_violations

pytestmark = pytest.mark.browser

ID_PORTEN_BUTTON = "Logg inn med ID-porten"
KARI = "15818012001"


@pytest.fixture
def idp_server(app: Flask, live_server: str, tmp_path: Path) -> Iterator[str]:
    """The live server with the development provider switched on; yield its base URL.

    The signing key goes to tmp_path, not the instance folder. The config is read per
    request, so setting it after the server thread has started is enough.
    """
    app.config.update(DEV_IDP=True, DEV_IDP_KEY_FILE=str(tmp_path / "dev-idp-key.json"))
    yield live_server


def _open_pick_page(page, base: str) -> None:  # type: ignore[no-untyped-def]
    """From the login page, follow the ID-porten button to the provider's pick page."""
    page.goto(f"{base}/login")
    page.get_by_role("link", name=ID_PORTEN_BUTTON).click()
    page.wait_for_url(f"{base}/dev-idp/authorize?**")


def _assert_logged_in_as_kari(page, base: str) -> None:  # type: ignore[no-untyped-def]
    """The callback has landed on "Mine saker" with Kari in the header."""
    page.wait_for_url(f"{base}/cases")
    page.wait_for_selector(".flash--success")
    assert page.get_by_role("heading", level=1).inner_text().strip() == "Mine saker"
    assert page.inner_text(".site-header .user-menu span").strip() == "Kari Nordmann"
    assert "Kari Nordmann" in page.inner_text(".flash--success")
    # A logged-in citizen: "Mine saker" in the menu, no login link left in the header.
    assert page.locator(".main-nav a", has_text="Mine saker").count() == 1
    assert page.locator(".user-menu a", has_text="Logg inn").count() == 0


def test_login_button_is_hidden_without_a_provider(live_server, page):
    page.goto(f"{live_server}/login")
    assert page.get_by_role("heading", level=1).inner_text().strip() == "Logg inn"
    assert page.get_by_role("link", name=ID_PORTEN_BUTTON).count() == 0


def test_citizen_logs_in_with_id_porten_through_the_dev_provider(idp_server, page):
    base = idp_server
    page.goto(f"{base}/login")
    button = page.get_by_role("link", name=ID_PORTEN_BUTTON)
    assert button.is_visible()
    assert axe_violations(page) == []

    button.click()
    page.wait_for_url(f"{base}/dev-idp/authorize?**")
    assert page.get_by_role("heading", level=1).inner_text().strip() == "Testinnlogging"
    radios = page.get_by_role("radio")
    assert radios.count() == 3
    assert axe_violations(page) == []

    page.get_by_role("radio", name=f"Kari Nordmann ({KARI})").check()
    page.get_by_role("button", name="Logg inn", exact=True).click()
    _assert_logged_in_as_kari(page, base)

    # The session is real: a fresh visit to "Mine saker" stays logged in as Kari.
    page.goto(f"{base}/cases")
    assert page.inner_text(".site-header .user-menu span").strip() == "Kari Nordmann"


def test_pick_page_error_summary_passes_axe(idp_server, page):
    _open_pick_page(page, idp_server)
    page.get_by_role("button", name="Logg inn", exact=True).click()
    page.wait_for_selector(".error-summary")
    assert "Velg en testinnbygger." in page.inner_text(".error-summary")
    assert page.locator("fieldset.field--error .field-error").count() == 1
    assert axe_violations(page) == []


def test_pick_page_works_with_the_keyboard_alone(idp_server, page):
    base = idp_server
    page.goto(f"{base}/login")
    # Keyboard from the top of the login page to the ID-porten button.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == ID_PORTEN_BUTTON:
            break
    else:
        pytest.fail("Tab never reached the ID-porten button")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/dev-idp/authorize?**")

    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "radio":
            break
    else:
        pytest.fail("Tab never reached a test citizen")
    focused = page.evaluate(
        "({value: document.activeElement.value, checked: document.activeElement.checked,"
        " outline: getComputedStyle(document.activeElement).outlineStyle})"
    )
    # Tab lands on the first choice, unchecked, with a visible focus indicator.
    assert (focused["value"], focused["checked"]) == (KARI, False)
    assert focused["outline"] != "none"
    page.keyboard.press("Space")
    assert page.is_checked(f"input[type=radio][value='{KARI}']")

    page.keyboard.press("Tab")
    assert page.evaluate(
        "document.activeElement.tagName === 'BUTTON' && document.activeElement.type === 'submit'"
        " && !document.activeElement.name"
    ), "Tab from the choices should reach the log-in button"
    assert page.evaluate("document.activeElement.textContent.trim()") == "Logg inn"
    page.keyboard.press("Enter")
    _assert_logged_in_as_kari(page, base)
