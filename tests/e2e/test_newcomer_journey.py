"""A new process owner's first service, end to end, by accessible names and roles only."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser

SERVICE = "Søknad om ledsagerbevis"


class Actions:
    """Counts what the test does as the user (clicks, fills, choices, key presses)."""

    def __init__(self) -> None:
        self.n = 0

    def click(self, locator, **how: object) -> None:  # type: ignore[no-untyped-def]
        self.n += 1
        locator.click(**how)

    def fill(self, locator, text: str) -> None:  # type: ignore[no-untyped-def]
        self.n += 1
        locator.fill(text)

    def choose(self, locator, **option: str) -> None:  # type: ignore[no-untyped-def]
        self.n += 1
        locator.select_option(**option)

    def press(self, page, key: str) -> None:  # type: ignore[no-untyped-def]
        self.n += 1
        page.keyboard.press(key)

    def log_in(self, page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
        self.n += 3  # user name, password, "Logg inn"
        log_in(page, base, username)


def _new_form(page, act: Actions, title: str) -> None:  # type: ignore[no-untyped-def]
    act.click(page.get_by_role("button", name="Lag nytt skjema…"))
    act.fill(page.get_by_label("Tittel på skjemaet"), title)
    act.click(page.get_by_role("button", name="Opprett skjema"))
    page.get_by_text("er opprettet").first.wait_for()


def _log_out(page, act: Actions) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    act.click(page.get_by_role("button", name="Logg ut"))
    expect(page.get_by_role("button", name="Logg ut")).to_have_count(0)


def test_a_newcomer_builds_publishes_and_runs_a_service(live_server, page):
    from playwright.sync_api import expect

    base, act = live_server, Actions()
    act.log_in(page, base, "eier")
    act.click(page.get_by_role("navigation").get_by_role("link", name="Prosesser"))
    new = page.get_by_role("form", name="Ny prosess")
    act.fill(new.get_by_label("Navn", exact=True), SERVICE)
    act.click(new.get_by_role("button"))
    save = page.get_by_role("button", name="Lagre")
    save.wait_for()
    canvas = page.get_by_role("region", name="Prosessdiagram")
    # A new service starts with "Søknad mottatt", which already has a start form (soknad.json).
    act.click(canvas.get_by_role("button", name="Startpunkt: Søknad mottatt", exact=True))
    act.click(page.get_by_title("Legg til oppgave"))
    act.press(page, "Escape")
    act.click(page.get_by_title("Endre type"))
    act.click(page.get_by_text("Brukeroppgave", exact=True))
    _new_form(page, act, "Vurdering")
    act.choose(page.get_by_label("Gruppe som får oppgaven"), label="Saksbehandler")
    act.click(page.get_by_title("Legg til port (valg)"))
    # A name for the gateway, so that it can be found again on the canvas.
    act.click(page.get_by_text("Generelt", exact=True))
    act.fill(page.get_by_label("Navn", exact=True), "Innvilget?")
    act.press(page, "Tab")
    gateway = canvas.get_by_role("button", name="Port (valg): Innvilget?", exact=True)
    gateway.wait_for()
    act.click(page.get_by_title("Legg til sluttpunkt"))
    act.press(page, "Escape")
    # Back to the gateway for the second end event.
    act.click(gateway)
    act.click(page.get_by_title("Legg til sluttpunkt"))
    act.press(page, "Escape")
    # Saving lists the two flows that need a condition; each problem selects its flow.
    act.click(save)
    problems = page.get_by_role("region", name="Problemer")
    flows = problems.get_by_role("button", name="trenger en betingelse")
    act.click(flows.first)
    builder = page.get_by_role("group", name="Bygg betingelsen")
    act.choose(builder.get_by_label("Felt"), label="Kommentar (comment)")
    act.choose(builder.get_by_label("Sammenligning"), label="er ikke lik")
    act.fill(builder.get_by_label("Verdi"), "nei")
    act.press(page, "Tab")
    expect(page.get_by_label("Avansert (Python)")).to_have_value('comment != "nei"')
    act.click(flows.last)
    act.click(page.get_by_label("Standardflyt"))
    act.press(page, "Control+s")
    # What is left is the catalogue card's description; its problem links to the card.
    expect(flows).to_have_count(0)
    act.click(problems.get_by_role("link", name="Åpne katalogkortet"))
    description = "Ledsagerbevis gir ledsageren gratis inngang der det gjelder."
    act.fill(page.get_by_label("Beskrivelse for katalogen (bokmål)"), description)
    act.click(page.get_by_role("button", name="Vis forhåndsvisning"))
    preview = page.get_by_role("region", name="Slik vises tjenesten i katalogen")
    expect(preview.get_by_text(description)).to_be_visible()
    act.click(page.get_by_role("button", name="Lagre katalogkortet"))
    expect(page.get_by_text("Katalogkortet er lagret")).to_be_visible()
    act.click(page.get_by_role("link", name="Tilbake til redigereren"))
    expect(problems.get_by_text("Ingen problemer funnet")).to_be_visible()
    act.click(page.get_by_role("button", name="Publiser …"))
    act.fill(page.get_by_role("main").get_by_role("textbox"), "Første versjon")
    act.click(page.get_by_role("main").get_by_role("button", name="Publiser"))
    expect(page.get_by_text("Versjon 1 er publisert")).to_be_visible()
    _log_out(page, act)

    act.log_in(page, base, "kari")
    act.click(page.get_by_role("navigation").get_by_role("link", name="Tjenester"))
    act.click(page.get_by_role("link", name=SERVICE).first)
    act.fill(page.get_by_label("Kommentar"), "Jeg trenger ledsager på kino.")
    act.click(page.get_by_role("main").get_by_role("button", name="Send"))
    case_no = page.get_by_text(re.compile(r"^\d{4}-\d{6}$")).first.inner_text().strip()
    _log_out(page, act)

    act.log_in(page, base, "saksbehandler")
    act.click(page.get_by_role("navigation").get_by_role("link", name="Innboks"))
    expect(page.get_by_role("row").filter(has_text=case_no)).to_be_visible()
    print(f"newcomer journey: {act.n} actions")
    assert act.n < 58
