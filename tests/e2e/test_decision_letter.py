"""The decision letter in real Chromium: on the case pages and in the designer, axe-clean."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import axe_violations, log_in
from tests.factories import Browser
from tests.services.decision_cases import decided_by_caseworker, letters_of, rejected_automatically

pytestmark = pytest.mark.browser
TITLE = "Vedtak: Parkeringstillatelse for forflytningshemmede"


def _client(app, username: str) -> Browser:  # type: ignore[no-untyped-def]
    browser = Browser(app.test_client())
    browser.login(username)
    return browser


def test_the_applicant_reads_the_automatic_decision_letter(app, live_server, page):
    case_no = rejected_automatically(_client(app, "kari"))
    log_in(page, live_server, "kari")
    page.goto(f"{live_server}/cases/{case_no}")
    letter = page.get_by_role("region", name=TITLE)
    assert letter.get_by_role("heading", level=2, name=TITLE).is_visible()
    assert letter.get_by_role("heading", level=3, name="Du kan klage").is_visible()
    assert "Klagefristen er 3 uker" in letter.inner_text()
    assert letter.get_by_role("table", name="Det du opplyste i søknaden").is_visible()
    link = letter.get_by_role("link", name="Last ned brevet som PDF")
    assert link.get_attribute("href") == f"/cases/{case_no}/letters/1.pdf"
    assert axe_violations(page) == []


def test_the_caseworker_sees_the_letter_and_whether_it_was_sent(app, live_server, page):
    case_no = decided_by_caseworker(_client(app, "kari"), _client(app, "saksbehandler"))
    instance_id = letters_of(app, case_no)[0]["instance_id"]
    log_in(page, live_server, "saksbehandler")
    page.goto(f"{live_server}/casework/cases/{instance_id}")
    letter = page.get_by_role("region", name=TITLE)
    assert "Vedtaket er gjort av Sara Saksbehandler" in letter.inner_text()
    assert letter.get_by_text("Ikke sendt ennå").is_visible()
    assert axe_violations(page) == []


def test_the_process_owner_previews_the_letter(app, live_server, page):
    log_in(page, live_server, "eier")
    page.goto(f"{live_server}/modeler/")
    page.get_by_role("link", name="Parkeringstillatelse for forflytningshemmede").first.click()
    page.get_by_role("link", name="Vedtaksbrev").click()
    page.get_by_label("Brevets språk").select_option("nn")
    page.get_by_label("Utfall", exact=True).select_option("approved")
    page.get_by_role("button", name="Vis brevet").click()
    preview = page.get_by_role(
        "region", name="Forhåndsvis: Vedtak: Parkeringsløyve for forflytningshemma"
    )
    assert "Søknaden din er innvilga." in preview.inner_text()
    assert axe_violations(page) == []
