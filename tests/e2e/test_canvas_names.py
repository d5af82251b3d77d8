"""Canvas shapes in the process editor have accessible names and roles (modeler/a11y.js)."""

from __future__ import annotations

import pytest

from designer.extensions import db
from engine.models import ProcessModel
from tests.e2e.conftest import axe_violations, log_in, open_general

pytestmark = pytest.mark.browser


def _open_parking_permit(app, live_server, page):  # type: ignore[no-untyped-def]
    with app.app_context():
        model_id = db.session.query(ProcessModel).filter_by(key="parking_permit").one().id
    log_in(page, live_server, "eier")
    page.goto(f"{live_server}/modeler/{model_id}/edit")
    page.get_by_role("button", name="Lagre").wait_for()
    # The status names the revision once the diagram is imported and fitted to the canvas.
    page.get_by_role("status").filter(has_text="Revisjon").wait_for()
    canvas = page.get_by_role("region", name="Prosessdiagram")
    _shape(canvas, "Startpunkt: Søknad sendt").wait_for()
    return canvas


def _shape(canvas, name: str):  # type: ignore[no-untyped-def]
    return canvas.get_by_role("button", name=name, exact=True)


def _focused_name(page) -> str | None:  # type: ignore[no-untyped-def]
    return page.evaluate("() => document.activeElement.getAttribute('aria-label')")


def test_every_shape_is_a_named_button_that_follows_edits(app, live_server, page):
    from playwright.sync_api import expect

    canvas = _open_parking_permit(app, live_server, page)
    for name in [
        "Deltaker: Kommunen",
        "Svømmebane: Saksbehandler",
        "Startpunkt: Søknad sendt",
        "Skriptoppgave: Automatisk kontroll",
        "Port (valg): Kan søknaden behandles?",
        "Brukeroppgave: Vurder søknaden",
        "Sluttpunkt: Avslått",
        "Flyt: Ja",
        "Flyt fra Vurder søknaden til Lag vedtak",
    ]:
        expect(_shape(canvas, name)).to_have_count(1)
    # An external label's text is not read a second time beside its element's name.
    texts = [line for line in canvas.aria_snapshot().splitlines() if "- text:" in line]
    assert not [line for line in texts if "Kan søknaden behandles?" in line], texts

    # A rename in the properties panel renames the shape and the flows that mention it.
    _shape(canvas, "Skriptoppgave: Lag vedtak").click()
    open_general(page)
    page.get_by_label("Navn", exact=True).fill("Skriv vedtak")
    page.keyboard.press("Tab")
    expect(_shape(canvas, "Skriptoppgave: Skriv vedtak")).to_be_visible()
    expect(_shape(canvas, "Skriptoppgave: Lag vedtak")).to_have_count(0)
    expect(_shape(canvas, "Flyt fra Vurder søknaden til Skriv vedtak")).to_have_count(1)

    # An added element is named by its type and what comes before it; a retype renames it.
    _shape(canvas, "Port (valg): Innvilget?").click()
    page.get_by_title("Legg til oppgave").click()
    page.keyboard.press("Escape")  # leave the new task's label editing
    expect(_shape(canvas, "Oppgave etter Innvilget?")).to_be_visible()
    expect(_shape(canvas, "Flyt fra Innvilget? til Oppgave")).to_have_count(1)
    page.get_by_title("Endre type").click()
    page.get_by_text("Brukeroppgave", exact=True).click()
    new_task = _shape(canvas, "Brukeroppgave etter Innvilget?")
    expect(new_task).to_be_visible()
    expect(_shape(canvas, "Oppgave etter Innvilget?")).to_have_count(0)

    # Removing it removes its name and its flow's.
    page.get_by_title("Slett").click()
    expect(new_task).to_have_count(0)
    expect(_shape(canvas, "Flyt fra Innvilget? til Brukeroppgave")).to_have_count(0)


def test_a_click_on_an_external_label_selects_its_element(app, live_server, page):
    from playwright.sync_api import expect

    canvas = _open_parking_permit(app, live_server, page)
    # The label's hit area lies over its text, hence force.
    canvas.get_by_text("Kan søknaden behandles?", exact=True).click(force=True)
    # A label's own context pad has no append entries; the gateway's has.
    expect(page.get_by_title("Legg til sluttpunkt")).to_be_visible()
    properties = page.get_by_role("complementary", name="Egenskaper")
    expect(properties.get_by_text("Kan søknaden behandles?", exact=True)).to_be_visible()


def test_the_canvas_is_one_tab_stop_with_arrow_keys_and_enter(app, live_server, page):
    from playwright.sync_api import expect

    canvas = _open_parking_permit(app, live_server, page)
    page.get_by_role("button", name="Tilpass").focus()
    page.keyboard.press("Tab")
    assert _focused_name(page) == "Deltaker: Kommunen"  # the first element in document order
    page.keyboard.press("End")
    assert _focused_name(page) == "Flyt: Nei"
    page.keyboard.press("Home")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert _focused_name(page) == "Startpunkt: Søknad sendt"
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowDown")
    assert _focused_name(page) == "Startpunkt: Søknad sendt"

    # Enter selects it like a click: its context pad opens, the properties panel shows it.
    expect(page.get_by_title("Legg til oppgave")).to_have_count(0)
    page.keyboard.press("Enter")
    expect(page.get_by_title("Legg til oppgave")).to_be_visible()
    properties = page.get_by_role("complementary", name="Egenskaper")
    expect(properties.get_by_text("Søknad sendt", exact=True)).to_be_visible()
    assert _focused_name(page) == "Startpunkt: Søknad sendt"

    # Space selects too; the selected element stays the canvas's one tab stop.
    page.keyboard.press("ArrowRight")
    page.keyboard.press(" ")
    expect(properties.get_by_text("Automatisk kontroll", exact=True)).to_be_visible()
    page.keyboard.press("Tab")  # out of the diagram, to the next thing on the canvas
    expect(canvas.get_by_role("link", name="Powered by bpmn.io")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(_shape(canvas, "Skriptoppgave: Automatisk kontroll")).to_be_focused()

    # Deleting the focused element hands the focus to the next one, not to the page.
    page.keyboard.press("Delete")
    expect(_shape(canvas, "Port (valg): Kan søknaden behandles?")).to_be_focused()


def test_the_editor_with_named_shapes_passes_axe(app, live_server, page):
    canvas = _open_parking_permit(app, live_server, page)
    _shape(canvas, "Brukeroppgave: Vurder søknaden").click()
    page.get_by_title("Legg til oppgave").wait_for()
    assert axe_violations(page) == []
