"""Journey (b) in real Chromium: a citizen applies with the doctor's statement attached, a
caseworker opens it and approves (a permit cannot end before it begins), the citizen sees it.
Everything is found by its accessible name."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tests.e2e.conftest import axe_violations, log_in
from tests.factories import DOCTOR_STATEMENT

pytestmark = pytest.mark.browser

CASE_NO = re.compile(r"\d{4}-\d{6}")


def _log_out(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("button", name="Logg ut").click()
    page.get_by_role("link", name="Logg inn").first.wait_for()


def test_citizen_applies_caseworker_approves_citizen_sees_decision(live_server, page):
    from playwright.sync_api import expect

    base = live_server
    log_in(page, base, "kari")
    page.get_by_role("navigation").get_by_role("link", name="Tjenester").click()
    page.get_by_role("link", name="Parkeringstillatelse for forflytningshemmede").click()
    # Name, national id and address come prefilled from the profile.
    expect(page.get_by_label("Fullt navn")).to_have_value("Kari Nordmann")
    page.get_by_role("radio", name="Jeg skal kjøre selv").check()
    page.get_by_label("Beskriv behovet ditt").fill("Jeg kan bare gå noen få meter med krykker.")
    statement = page.get_by_role("group", name=re.compile("Legger du ved legeerklæring"))
    upload = page.get_by_label(re.compile(r"^Legeerklæring"))
    statement.get_by_role("radio", name="Nei").check()
    expect(upload).to_be_hidden()  # no statement, no upload (the server agrees)
    statement.get_by_role("radio", name="Ja").check()
    expect(upload).to_be_visible()
    upload.set_input_files(str(DOCTOR_STATEMENT))
    page.get_by_label("Hvor lenge trenger du tillatelsen?").select_option("3")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Send søknad").click()

    receipt = page.get_by_role("region", name="Vi har mottatt søknaden din")
    expect(receipt).to_be_visible()
    found = CASE_NO.search(receipt.inner_text())
    assert found
    case_no = found.group(0)
    assert "Under behandling" in page.get_by_role("main").inner_text()
    expect(page.get_by_role("link", name="legeerklaering.pdf")).to_be_visible()
    _log_out(page)

    log_in(page, base, "saksbehandler")
    page.get_by_role("row", name=re.compile(case_no)).get_by_role("link").first.click()
    main = page.get_by_role("main")
    expect(main.get_by_text("Jeg kan bare gå noen få meter med krykker.")).to_be_visible()
    attachments = page.get_by_role("region", name="Vedlegg")
    expect(attachments.get_by_role("link", name="legeerklaering.pdf")).to_be_visible()

    begins = date.today() + timedelta(days=14)
    page.get_by_role("radio", name="Innvilge").check()
    page.get_by_label("Gyldig fra").fill(begins.isoformat())
    page.get_by_label("Gyldig til").fill((begins - timedelta(days=1)).isoformat())
    reason = "Legeerklæringen dokumenterer vesentlig nedsatt gangevne."
    page.get_by_label("Begrunnelse").fill(reason)
    page.get_by_role("button", name="Fullfør oppgaven").click()
    problem = page.get_by_role("alert")
    expect(problem).to_contain_text(
        f"«Gyldig til» kan ikke være før «Gyldig fra» ({begins.strftime('%d.%m.%Y')})."
    )
    assert axe_violations(page) == []
    page.get_by_label("Gyldig til").fill((begins + timedelta(days=3 * 365)).isoformat())
    page.get_by_role("button", name="Fullfør oppgaven").click()
    expect(page.get_by_text("Oppgaven er fullført.")).to_be_visible()
    assert case_no not in page.get_by_role("main").inner_text()
    _log_out(page)

    log_in(page, base, "kari")
    page.goto(f"{base}/cases")
    page.get_by_role("link", name=re.compile(case_no)).first.click()
    decision = page.get_by_role("region", name="Vedtak: søknaden er innvilget")
    expect(decision).to_contain_text(reason)
    assert axe_violations(page) == []


def test_error_summary_gets_focus_and_passes_axe(live_server, page):
    from playwright.sync_api import expect

    log_in(page, live_server, "kari")
    page.goto(f"{live_server}/services/parking_permit/apply")
    page.get_by_label("Fødselsnummer").fill("12345678901")
    page.get_by_role("button", name="Send søknad").click()
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Fødselsnummeret er ikke gyldig")
    assert axe_violations(page) == []
