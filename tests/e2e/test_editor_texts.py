"""The editors speak the UI language: bpmn-js, form-js and dmn-js texts in bokmål and nynorsk."""

from __future__ import annotations

import pytest

from designer.extensions import db
from engine.models import ProcessModel
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser


_login = log_in


def test_form_editor_palette_and_properties_are_norwegian(app, live_server, page):
    with app.app_context():
        model_id = db.session.query(ProcessModel).filter_by(key="parking_permit").one().id
    _login(page, live_server, "eier")
    page.goto(f"{live_server}/modeler/{model_id}/forms/application.json/edit")
    page.wait_for_selector('#form-editor-app[data-ready="true"]')
    palette = page.locator(".fjs-palette-container")
    for text in ("Komponenter", "Inndata", "Valg", "Tekstfelt", "Avkrysningsboks"):
        assert palette.get_by_text(text, exact=True).count() >= 1, text
    assert palette.get_by_text("Text field", exact=True).count() == 0
    assert page.get_by_placeholder("Søk etter komponenter").count() == 1
    # A new field starts with the Norwegian name as its label.
    palette.get_by_role("button", name="Tekstfelt").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector('#form-editor-app[data-dirty="true"]')
    page.locator(".fjs-form-container").get_by_text("Tekstfelt", exact=True).last.click(force=True)
    panel = page.locator(".fjs-properties-container")
    panel.get_by_text("Nøkkel", exact=True).first.wait_for(state="attached")
    panel.get_by_text("Generelt", exact=True).first.click()
    for text in ("Generelt", "Ledetekst", "Nøkkel", "Validering"):
        assert panel.get_by_text(text, exact=True).count() >= 1, text
    for english in ("Field label", "Key", "Validation", "General"):
        assert panel.get_by_text(english, exact=True).count() == 0, english
    page.screenshot(path="/tmp/j_formeditor_nb.png")


def test_decision_editor_names_the_hit_policy_in_norwegian(app, live_server, page):
    with app.app_context():
        model_id = db.session.query(ProcessModel).filter_by(key="kindergarten").one().id
    _login(page, live_server, "eier")
    page.goto(f"{live_server}/modeler/{model_id}/decisions/kindergarten_price.dmn/edit")
    page.wait_for_selector('#dmn-editor-app[data-ready="true"]')
    header = page.get_by_text("Treffregel:", exact=True)
    header.wait_for()
    policy = page.get_by_title("Reglene kan overlappe. Den første regelen som treffer, velges.")
    assert "Første treff" in policy.first.inner_text()
    for english in ("Unique", "First", "Collect"):
        assert page.get_by_text(english, exact=True).count() == 0, english


def _choose_nynorsk(page) -> None:  # type: ignore[no-untyped-def]
    """The header's language menu ("Språk"); the page reloads in the chosen language."""
    with page.expect_navigation():
        page.get_by_label("Språk").select_option(label="Norsk (nynorsk)")
    page.wait_for_function("document.documentElement.lang === 'nn'")


def test_process_and_form_editor_speak_nynorsk(app, live_server, page):
    from playwright.sync_api import expect

    with app.app_context():
        model_id = db.session.query(ProcessModel).filter_by(key="parking_permit").one().id
    _login(page, live_server, "eier")
    page.goto(f"{live_server}/modeler/{model_id}/edit")
    _choose_nynorsk(page)
    page.get_by_role("status").filter(has_text="Revisjon").wait_for()
    toolbar = page.get_by_role("toolbar", name="Verktøy for prosessen")
    for name in ("Lagre", "Angre", "Gjer om", "Tilpass"):
        expect(toolbar.get_by_role("button", name=name, exact=True)).to_be_visible()
    expect(toolbar.get_by_role("link", name="Versjonar")).to_be_visible()
    # bpmn-js's palette and our canvas names
    for name in ("Lag oppgåve", "Lag starthending", "Kople saman element"):
        expect(page.get_by_role("button", name=name, exact=True)).to_have_count(1)
    expect(page.get_by_role("button", name="Lag oppgave", exact=True)).to_have_count(0)
    canvas = page.get_by_role("region", name="Prosessdiagram")
    expect(canvas.get_by_role("button", name="Brukaroppgåve: Vurder søknaden")).to_have_count(1)
    expect(canvas.get_by_role("button", name="Symjebane: Saksbehandler")).to_have_count(1)

    page.goto(f"{live_server}/modeler/{model_id}/forms/application.json/edit")
    page.wait_for_selector('#form-editor-app[data-ready="true"]')
    assert page.evaluate("document.documentElement.lang") == "nn"
    toolbar = page.get_by_role("toolbar", name="Verktøy for skjemaet")
    expect(toolbar.get_by_role("button", name="Gjer om", exact=True)).to_be_visible()
    expect(toolbar.get_by_role("link", name="Førehandsvis")).to_be_visible()
    palette = page.get_by_role("region", name="Skjemaredigering")
    for text in ("Komponentar", "Tekstfelt", "Avkryssingsboks", "Radioknappar"):
        expect(palette.get_by_text(text, exact=True).first).to_be_visible()
    expect(page.get_by_placeholder("Søk etter komponentar")).to_have_count(1)
    expect(palette.get_by_text("Komponenter", exact=True)).to_have_count(0)
    page.screenshot(path="/tmp/j_formeditor_nn.png")
