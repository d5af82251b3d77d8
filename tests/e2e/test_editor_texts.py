"""The form-js editor speaks the UI language: palette and properties panel in bokmål."""

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
