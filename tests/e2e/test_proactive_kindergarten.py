"""The proactive offer in real Chromium: Kari answers the pre-filled offer under My cases."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.e2e.conftest import axe_violations, log_in
from tests.factories import add_api_token

pytestmark = pytest.mark.browser


def _birth_message(app) -> str:  # type: ignore[no-untyped-def]
    """The population register reports a birth in Kari's household; return the case number."""
    with app.app_context():
        add_api_token("folkeregisteret")
    started = app.test_client().post(
        "/api/messages",
        json={
            "name": "child_born",
            "citizen": "15818012001",
            "payload": {
                "child_first_name": "Emma",
                "child_last_name": "Nordmann",
                "child_birth_date": (date.today() - timedelta(days=7)).isoformat(),
                "postal_code": "3724",
            },
        },
        headers={"Authorization": "Bearer register-secret"},
    )
    assert started.status_code == 201, started.get_json()
    return str(started.get_json()["started"])


def test_kari_answers_the_prefilled_offer(app, live_server, page):
    base = live_server
    case_no = _birth_message(app)
    log_in(page, base, "kari")
    page.goto(f"{base}/cases")
    waiting = page.locator("section", has=page.locator("#waiting-title"))
    assert "Venter på svaret ditt" in waiting.inner_text()
    assert case_no in waiting.inner_text()
    assert axe_violations(page) == []

    waiting.locator("a.btn-primary").click()
    page.wait_for_selector("main form[data-forms]")
    assert page.input_value("#child_name") == "Emma Nordmann"
    assert page.input_value("#kindergarten") == "Lia barnehage"
    assert page.is_checked("input[name=hours][value='100']")
    assert axe_violations(page) == []

    # "No" hides the pre-filled application at once; "yes" brings it back.
    page.check("input[name=offer_answer][value=no]")
    page.wait_for_selector("#kindergarten", state="hidden")
    page.check("input[name=offer_answer][value=yes]")
    page.wait_for_selector("#kindergarten", state="visible")
    page.select_option("#kindergarten", "Skogly barnehage")
    page.click("main form[data-forms] .form-actions .btn-primary")

    page.wait_for_selector(".receipt")
    main = page.inner_text("main")
    assert "Vi har mottatt svaret ditt" in main and "Under behandling" in main
    assert "Skogly barnehage" in main
    assert axe_violations(page) == []
    page.goto(f"{base}/cases")
    assert page.locator("#waiting-title").count() == 0
