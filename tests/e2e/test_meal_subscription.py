"""The meal service in real Chromium: a citizen changes next week's order by keyboard only
(axe clean before and after), and the kitchen prints its list."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from designer.services.subscriptions import core
from tests.e2e.conftest import axe_violations, log_in
from tests.processes.test_meal_delivery import _model_id, granted

pytestmark = pytest.mark.browser


def _tab_to(page, element_id: str, limit: int = 120) -> None:  # type: ignore[no-untyped-def]
    """Press Tab until the element with `element_id` has the focus."""
    for _ in range(limit):
        if page.evaluate("() => document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{element_id}")


def test_a_citizen_changes_next_weeks_order_by_keyboard(
    app, live_server, page, login_as, monkeypatch
):
    from playwright.sync_api import expect

    monkeypatch.setattr(core, "now", lambda: datetime(2027, 1, 5, 10, 0))
    _case_no, sub_id = granted(app, login_as)
    log_in(page, live_server, "kari")
    page.goto(f"{live_server}/my/subscriptions/{sub_id}?week=2027-01-11")
    expect(page.get_by_role("heading", name=re.compile("uke 2", re.I))).to_be_visible()
    assert axe_violations(page) == []

    _tab_to(page, "c-2027-01-11-A")  # the Monday's dish: arrows move the choice
    page.keyboard.press("ArrowDown")
    _tab_to(page, "q-2027-01-11")
    page.keyboard.press("ArrowUp")  # 2 portions -> 1
    _tab_to(page, "save-order")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Bestillingen er lagret")).to_be_visible()
    expect(page.locator("#c-2027-01-11-B")).to_be_checked()
    expect(page.locator("#q-2027-01-11")).to_have_value("1")
    expect(page.get_by_role("heading", name="Endringer")).to_be_visible()
    expect(page.get_by_text("Bestillingen er endret")).to_be_visible()
    assert axe_violations(page) == []

    monkeypatch.setattr(core, "now", lambda: datetime(2027, 3, 15, 10, 0))
    page.goto(f"{live_server}/my/subscriptions/{sub_id}?week=2027-03-22")  # Easter week
    expect(page.get_by_text("Helligdag: ingen levering, ingenting å betale.")).to_be_visible()
    expect(page.locator("#q-2027-03-25")).to_have_count(0)  # Maundy Thursday: nothing to order
    assert axe_violations(page) == []


def test_the_kitchen_prints_its_list(app, live_server, page, login_as, monkeypatch):
    from playwright.sync_api import expect

    monkeypatch.setattr(core, "now", lambda: datetime(2027, 1, 5, 10, 0))
    granted(app, login_as)
    log_in(page, live_server, "kokk")
    page.get_by_role("link", name="Kjøkkenliste").click()
    page.get_by_label(re.compile("Dato|Leveringsdag|Dag")).fill("2027-01-07")
    page.get_by_role("button", name=re.compile("Vis")).click()
    expect(page.get_by_role("table")).to_contain_text("Vanlig porsjon")
    assert axe_violations(page) == []
    with page.expect_download() as waiting:
        page.get_by_role("link", name=re.compile("PDF")).click()
    download = waiting.value
    with open(download.path(), "rb") as handle:
        assert handle.read(4) == b"%PDF"
    assert _model_id(app)


def test_a_team_lead_sends_a_failed_invoice_again(app, live_server, page, login_as):
    from playwright.sync_api import expect

    from tests.web.test_invoice_month import _month

    _month(app, login_as)
    log_in(page, live_server, "leder")
    page.goto(f"{live_server}/lists/")
    page.get_by_role("link", name="Fakturaer per måned").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Fakturaer")
    page.goto(f"{page.url.split('?')[0]}?period=2027-01")  # the month the cases were invoiced
    expect(page.get_by_role("table", name="Fakturaer etter status")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name=re.compile("Send på nytt")).click()
    expect(page.get_by_text("Fakturaen sendes på nytt ved neste kjøring.")).to_be_visible()
    expect(page.get_by_role("cell", name="Venter på å bli sendt")).to_be_visible()
    assert axe_violations(page) == []
