"""Journey (b) in real Chromium: a citizen applies, a caseworker approves, the citizen sees it."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import axe_violations

pytestmark = pytest.mark.browser


def _login(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", "demo")
    page.click("main button[type=submit]")
    page.wait_for_selector(".flash--success")


def test_citizen_applies_caseworker_approves_citizen_sees_decision(live_server, page):
    base = live_server
    _login(page, base, "kari")
    page.click(".main-nav >> text=Tjenester")
    page.click("text=Parkeringstillatelse for forflytningshemmede")
    # Name, national id and address come prefilled from the profile.
    assert page.input_value("#applicant_name") == "Kari Nordmann"
    page.check("input[name=role][value=driver]")
    page.fill("#need_description", "Jeg kan bare gå noen få meter med krykker.")
    page.check("input[name=doctor_statement][value=yes]")
    page.select_option("#period_years", "3")
    assert axe_violations(page) == []
    page.click("main form[data-forms] .form-actions .btn-primary")

    page.wait_for_selector(".receipt")
    case_no = page.inner_text(".receipt .case-no").strip()
    assert "Under behandling" in page.inner_text("main")
    page.click("text=Logg ut")

    _login(page, base, "saksbehandler")
    row = page.locator("tr", has_text=case_no)
    row.locator("a").click()
    assert "Jeg kan bare gå noen få meter med krykker." in page.inner_text("main")
    # The diagram viewer shows where the case is.
    page.wait_for_selector(".diagram .djs-element.highlight-active")
    page.check("input[name=review_decision][value=approved]")
    page.fill("#review_reason", "Legeerklæringen dokumenterer vesentlig nedsatt gangevne.")
    page.click("main form[data-forms] .form-actions .btn-primary")
    page.wait_for_selector(".flash--success")
    assert case_no not in page.inner_text("main")
    page.click("text=Logg ut")

    _login(page, base, "kari")
    page.goto(f"{base}/cases")
    page.locator("a", has_text=case_no).click()
    decision = page.inner_text(".decision")
    assert "innvilget" in decision
    assert "Legeerklæringen dokumenterer vesentlig nedsatt gangevne." in decision
    assert axe_violations(page) == []


def test_error_summary_gets_focus_and_passes_axe(live_server, page):
    _login(page, live_server, "kari")
    page.goto(f"{live_server}/services/parking_permit/apply")
    page.fill("#national_id", "12345678901")
    page.click("main form[data-forms] .form-actions .btn-primary")
    page.wait_for_selector(".error-summary")
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert "Fødselsnummeret er ikke gyldig" in page.inner_text(".error-summary")
    assert axe_violations(page) == []
