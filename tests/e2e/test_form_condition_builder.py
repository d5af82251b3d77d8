"""The form editor's "Vis feltet når" builder in real Chromium, by accessible names and roles:
a process owner builds two conditions, saves, and the form hides and shows the fields, in the
browser and on the server; the reloaded editor reads the conditions back."""

from __future__ import annotations

import json
import re

import pytest

from designer.extensions import db
from designer.services import drafts
from engine.models import ProcessModel
from tests.e2e.conftest import axe_violations, log_in

pytestmark = pytest.mark.browser

FORM = {
    "type": "default",
    "id": "Form_car",
    "schemaVersion": 16,
    "components": [
        {
            "type": "radio",
            "key": "has_car",
            "label": "Har du bil?",
            "validate": {"required": True},
            "values": [{"label": "Ja", "value": "yes"}, {"label": "Nei", "value": "no"}],
        },
        {
            "type": "textfield",
            "key": "car_reg",
            "label": "Registreringsnummer",
            "validate": {"required": True},
        },
        {"type": "number", "key": "age", "label": "Alder"},
        {
            "type": "textfield",
            "key": "licence",
            "label": "Førerkortnummer",
            "validate": {"required": True},
        },
    ],
}


def _saved_form(app, model_id: int) -> dict:  # type: ignore[no-untyped-def]
    with app.app_context():
        model = db.session.get(ProcessModel, model_id)
        return json.loads(model.draft_files["forms/bil.json"])


def _hide_of(page, key: str) -> str | None:  # type: ignore[no-untyped-def]
    return page.evaluate(
        """key => { const f = window.flytverkFormEditor.get('formFieldRegistry').getAll()
        .find(c => c.key === key); return f.conditional ? f.conditional.hide : null; }""",
        key,
    )


def _open_editor(page, base: str, model_id: int):  # type: ignore[no-untyped-def]
    page.goto(f"{base}/modeler/{model_id}/forms/bil.json/edit")
    page.wait_for_function(
        "() => document.getElementById('form-editor-app').dataset.ready === 'true'"
    )
    return page.get_by_role("region", name=re.compile("^Skjemaredigering"))


def _select(page, editor, label: str):  # type: ignore[no-untyped-def]
    # a click on the field's label in the canvas selects it (the label ends in "*" when
    # required; the canvas comes before the properties panel). The canvas's inputs are
    # disabled, and Playwright counts their labels as disabled too: hence `force`.
    editor.get_by_text(re.compile("^" + re.escape(label) + r"\*?$")).first.click(force=True)
    builder = page.get_by_role("group", name="Vis feltet når")
    builder.wait_for()
    return builder


def test_owner_builds_conditions_that_hide_and_show_fields(app, live_server, page):
    from playwright.sync_api import expect

    with app.app_context():
        model = db.session.query(ProcessModel).filter_by(key="parking_permit").one()
        drafts.save_form(db.session, model, "bil.json", FORM, "eier")
        db.session.commit()
        model_id = model.id
    log_in(page, live_server, "eier")
    editor = _open_editor(page, live_server, model_id)

    # Registreringsnummer is shown when "Har du bil?" is "Ja": a choice, its options.
    builder = _select(page, editor, "Registreringsnummer")
    builder.get_by_label("Felt").select_option(label="Har du bil? (has_car)")
    expect(builder.get_by_label("Sammenligning")).to_have_value("is")
    builder.get_by_label("Verdi").select_option(label="Ja")
    page.wait_for_function(
        "() => document.getElementById('form-editor-app').dataset.dirty === 'true'"
    )
    assert _hide_of(page, "car_reg") == '=has_car != "yes"'
    assert axe_violations(page) == []

    # Førerkortnummer is shown when Alder ≥ 18: a number typed in.
    builder = _select(page, editor, "Førerkortnummer")
    builder.get_by_label("Felt").select_option(label="Alder (age)")
    builder.get_by_label("Sammenligning").select_option(label="≥ (større enn eller lik)")
    builder.get_by_label("Verdi").fill("18")
    builder.get_by_label("Verdi").press("Tab")
    page.wait_for_function(
        """() => { const f = window.flytverkFormEditor.get('formFieldRegistry').getAll()
        .find(c => c.key === 'licence'); return f.conditional && f.conditional.hide; }"""
    )
    assert _hide_of(page, "licence") == "=age = null or age < 18"

    # Undo and redo go through form-js's command stack.
    page.get_by_role("button", name="Angre").click()
    assert _hide_of(page, "licence") is None
    expect(builder.get_by_label("Felt")).to_have_value("")
    page.get_by_role("button", name="Gjør om").click()
    assert _hide_of(page, "licence") == "=age = null or age < 18"
    expect(builder.get_by_label("Verdi")).to_have_value("18")

    revision = page.evaluate("() => document.getElementById('form-editor-app').dataset.revision")
    page.get_by_role("button", name="Lagre").click()
    page.wait_for_function(
        "r => document.getElementById('form-editor-app').dataset.revision !== r", arg=revision
    )
    saved = {c["key"]: c.get("conditional") for c in _saved_form(app, model_id)["components"]}
    assert saved["car_reg"] == {"hide": '=has_car != "yes"'}
    assert saved["licence"] == {"hide": "=age = null or age < 18"}

    # The form as citizens get it: live in the browser ...
    preview = page.context.new_page()
    preview.goto(f"{live_server}/modeler/{model_id}/forms/bil.json/preview")
    form = preview.get_by_role("main")
    expect(form.get_by_label("Registreringsnummer")).to_be_hidden()
    expect(form.get_by_label("Førerkortnummer")).to_be_hidden()
    form.get_by_role("radio", name="Ja").check()
    expect(form.get_by_label("Registreringsnummer")).to_be_visible()
    form.get_by_label("Alder").fill("17")
    expect(form.get_by_label("Førerkortnummer")).to_be_hidden()
    form.get_by_label("Alder").fill("18")
    expect(form.get_by_label("Førerkortnummer")).to_be_visible()

    # ... and on the server: a hidden required field is not required, a shown one is.
    form.get_by_role("radio", name="Nei").check()
    form.get_by_label("Alder").fill("17")
    form.get_by_role("button", name="Sjekk skjemaet").click()
    data = preview.get_by_role("region", name=re.compile("Skjemaet er gyldig"))
    expect(data).to_contain_text('"has_car": "no"')
    expect(data).not_to_contain_text("car_reg")
    form = preview.get_by_role("main")
    form.get_by_role("radio", name="Ja").check()
    form.get_by_label("Alder").fill("18")
    form.get_by_role("button", name="Sjekk skjemaet").click()
    summary = preview.get_by_role("alert")
    expect(summary).to_contain_text("Registreringsnummer")
    expect(summary).to_contain_text("Førerkortnummer")
    preview.close()

    # The reloaded editor reads both conditions back into the builder.
    editor = _open_editor(page, live_server, model_id)
    builder = _select(page, editor, "Registreringsnummer")
    expect(builder.get_by_label("Felt")).to_have_value("has_car")
    expect(builder.get_by_label("Sammenligning")).to_have_value("is")
    expect(builder.get_by_label("Verdi")).to_have_value("yes")
    builder = _select(page, editor, "Førerkortnummer")
    expect(builder.get_by_label("Felt")).to_have_value("age")
    expect(builder.get_by_label("Sammenligning")).to_have_value("ge")
    expect(builder.get_by_label("Verdi")).to_have_value("18")

    # "Fjern betingelsen" removes it (and marks the editor dirty).
    builder.get_by_role("button", name="Fjern betingelsen").click()
    assert _hide_of(page, "licence") is None
    expect(builder.get_by_label("Felt")).to_have_value("")
    page.wait_for_function(
        "() => document.getElementById('form-editor-app').dataset.dirty === 'true'"
    )


def test_an_advanced_condition_is_left_as_it_is(app, live_server, page):
    from playwright.sync_api import expect

    form = json.loads(json.dumps(FORM))
    form["components"][1]["conditional"] = {"hide": '=has_car != "yes" and age < 18'}
    with app.app_context():
        model = db.session.query(ProcessModel).filter_by(key="parking_permit").one()
        drafts.save_form(db.session, model, "bil.json", form, "eier")
        db.session.commit()
        model_id = model.id
    log_in(page, live_server, "eier")
    editor = _open_editor(page, live_server, model_id)
    builder = _select(page, editor, "Registreringsnummer")
    expect(builder).to_contain_text("for avansert for byggeren")
    expect(builder.get_by_label("Felt")).to_have_count(0)
    assert _hide_of(page, "car_reg") == '=has_car != "yes" and age < 18'
    # the raw expression stays editable in form-js's own group ("Vilkår", closed at first)
    group = page.get_by_text("Vilkår", exact=True)
    expect(group).to_be_visible()
    hide_if = page.get_by_text("Skjul hvis", exact=True)
    if not hide_if.is_visible():
        group.click()
    expect(hide_if).to_be_visible()
    assert page.evaluate("() => document.getElementById('form-editor-app').dataset.dirty") == (
        "false"
    )
