"""A caseworker's day in real Chromium: log in, filter, take a task, read the case, complete it."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import log_in
from tests.factories import DOCTOR_STATEMENT

pytestmark = pytest.mark.browser


def _apply(page, base: str, name: str) -> str:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/services/parking_permit/apply")
    page.fill("#applicant_name", name)
    page.check("input[name=role][value=passenger]")
    page.fill("#need_description", "Jeg bruker rullator og kan ikke gå langt.")
    page.check("input[name=doctor_statement][value=yes]")
    page.set_input_files("#doctor_statement_file", str(DOCTOR_STATEMENT))
    page.select_option("#period_years", "2")
    page.click("main form[data-forms] .form-actions .btn-primary")
    page.wait_for_selector(".receipt")
    return page.inner_text(".receipt .case-no").strip()


def test_a_caseworkers_day(live_server, page):
    base = live_server
    log_in(page, base, "kari")
    first = _apply(page, base, "Kari Nordmann")
    second = _apply(page, base, "Per Hansen")
    page.click(".user-menu button")

    log_in(page, base, "saksbehandler")
    assert "2 oppgaver" in page.inner_text("main")
    page.fill("#q", "Per Hansen")
    page.click(".inbox-filter button[type=submit]")
    page.wait_for_selector("text=1 oppgaver")
    row = page.locator("tr", has_text=second)
    row.get_by_role("button", name=re.compile("Ta")).click()
    page.wait_for_selector(".flash--success")
    page.click("text=Mine")
    assert second in page.inner_text("main") and first not in page.inner_text("main")
    page.locator("tr", has_text=second).locator("a").click()
    page.click("text=Hele saken med tidslinje")
    timeline = page.inner_text("#timeline")
    assert "Søknad mottatt" in timeline and "Oppgaven er tatt" in timeline
    page.go_back()
    page.check("input[name=review_decision][value=approved]")
    page.fill("#review_reason", "Legeerklæringen viser at søkeren bruker rullator.")
    page.click("main form[data-forms] .form-actions .btn-primary")
    page.wait_for_selector("text=Oppgaven er fullført")
    inbox = page.inner_text("main")
    assert "1 oppgaver" in inbox and second not in inbox and first in inbox
