"""The catalogue card: what makes a service appear, its preview, and no invisible publishing."""

from __future__ import annotations

import re

import lxml.html
from flask import Flask

from designer.extensions import db
from engine.models import ProcessModel, ProcessVersion
from tests.factories import text_of
from tests.web.modeler.test_modeler import _draft, _model_id, _save

DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
  id="defs" targetNamespace="http://flytverk.no/bpmn">
  <bpmn:process id="{key}" isExecutable="true">
    <bpmn:startEvent id="start" name="Søknad sendt">{form}
      <bpmn:outgoing>flow</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:endEvent id="end" name="Ferdig"><bpmn:incoming>flow</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="flow" sourceRef="start" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""
FORM = """
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="soknad.json" />
      </spiffworkflow:properties></bpmn:extensionElements>"""


def _either(text: str, *variants: str) -> bool:
    """True when one of the bokmål/English variants shows (the .po may lag behind)."""
    return any(v in text for v in variants)


def _new_service(owner, name: str = "Søknad om ledsagerbevis") -> int:  # type: ignore[no-untyped-def]
    created = owner.submit("/modeler/", {"create-name": name}, action="/modeler/new")
    assert created.status_code == 302
    return int(re.search(r"/modeler/(\d+)/edit", created.headers["Location"]).group(1))


def _key(app: Flask, model_id: int) -> str:
    with app.app_context():
        model = db.session.get(ProcessModel, model_id)
        assert model is not None
        return model.key


def _published(app: Flask, model_id: int) -> int:
    with app.app_context():
        return (
            db.session.query(ProcessVersion)
            .filter(ProcessVersion.model_id == model_id, ProcessVersion.number.is_not(None))
            .count()
        )


def test_a_service_without_start_form_or_description_is_not_published_invisibly(app, login_as):
    owner = login_as("eier")
    model_id = _new_service(owner)
    key = _key(app, model_id)
    saved = _save(
        owner, model_id, DIAGRAM.format(key=key, form=""), _draft(owner, model_id)["revision"]
    )
    assert saved.status_code == 200
    assert [p["code"] for p in saved.get_json()["problems"]] == [
        "catalog_no_start_form",
        "catalog_no_description",
    ]

    page = text_of(owner.get(f"/modeler/{model_id}/publish"))
    assert _either(page, "Legg til et startskjema", "Add a start form to the start event")
    assert _either(page, "Skriv en beskrivelse", "Write a description for the catalogue")
    refused = owner.client.post(
        f"/modeler/{model_id}/publish",
        data={"csrf_token": owner.csrf(f"/modeler/{model_id}/edit"), "comment": "Første"},
    )
    assert refused.status_code == 400
    assert _published(app, model_id) == 0
    card = owner.get(f"/modeler/{model_id}/catalogue")
    assert card.status_code == 200
    assert "start" in lxml.html.fromstring(card.get_data(as_text=True)).xpath(
        "string(//*[@role='alert'])"
    )


def test_the_card_previews_without_saving_saves_and_the_service_then_appears(app, login_as):
    owner = login_as("eier")
    model_id = _new_service(owner)
    key = _key(app, model_id)
    xml = DIAGRAM.format(key=key, form=FORM)
    saved = _save(owner, model_id, xml, _draft(owner, model_id)["revision"]).get_json()
    assert [p["code"] for p in saved["problems"]] == ["catalog_no_description"]

    url = f"/modeler/{model_id}/catalogue"
    card = {
        "name_nb": "Søknad om ledsagerbevis",
        "description_nb": "Søk om ledsagerbevis for kino og konserter.",
    }
    shown = owner.submit(url, {**card, "preview": "1"})
    assert shown.status_code == 200
    preview = lxml.html.fromstring(shown.get_data(as_text=True))
    assert "Søk om ledsagerbevis for kino" in preview.xpath("string(//ul[@class='card-list'])")
    with app.app_context():
        assert db.session.get(ProcessModel, model_id).description_nb == ""  # not saved

    # What citizens will see: the real start form, disabled.
    fields = preview.xpath("//fieldset[@disabled]//textarea[@name='comment']")
    assert len(fields) == 1

    assert owner.submit(url, card).status_code == 302
    with app.app_context():
        assert db.session.get(ProcessModel, model_id).description_nb == card["description_nb"]
    assert owner.submit(f"/modeler/{model_id}/publish", {"comment": "Første"}).status_code == 302
    versions = owner.get(f"/modeler/{model_id}/versions").get_data(as_text=True)
    assert 'data-listed="true"' in versions and f"/modeler/{model_id}/catalogue" in versions
    catalogue = text_of(login_as("kari").get("/"))
    assert "Søknad om ledsagerbevis" in catalogue and "kino og konserter" in catalogue


def test_a_duplicate_name_is_a_field_error_ignoring_case_and_norwegian_letters(app, login_as):
    owner = login_as("eier")
    model_id = _new_service(owner, "Ny tjeneste")
    refused = owner.submit(
        f"/modeler/{model_id}/catalogue",
        {"name_nb": "PARKERINGSTILLATELSE FOR FORFLYTNINGSHEMMEDE", "description_nb": "x"},
    )
    assert refused.status_code == 400
    doc = lxml.html.fromstring(refused.get_data(as_text=True))
    assert doc.xpath("//input[@name='name_nb'][@aria-invalid='true']")
    with app.app_context():
        assert db.session.get(ProcessModel, model_id).name_nb == "Ny tjeneste"


def test_a_message_started_service_needs_no_start_form(app, login_as):
    owner = login_as("eier")
    model_id = _model_id(app, "proactive_kindergarten")
    page = owner.get(f"/modeler/{model_id}/catalogue")
    assert page.status_code == 200
    assert not lxml.html.fromstring(page.get_data(as_text=True)).xpath("//*[@role='alert']")


def test_the_start_form_preview_of_a_shipped_service(app, login_as):
    owner = login_as("eier")
    page = owner.get(f"/modeler/{_model_id(app)}/catalogue")
    doc = lxml.html.fromstring(page.get_data(as_text=True))
    assert doc.xpath("//fieldset[@disabled]//form[@data-forms]")
    assert not doc.xpath("//*[@role='alert']")  # the shipped card is complete


def test_a_new_service_starts_with_a_start_form_citizens_will_see(app, login_as):
    owner = login_as("eier")
    model_id = _new_service(owner, "Søknad om støttekontakt")
    with app.app_context():
        model = db.session.get(ProcessModel, model_id)
        assert 'value="soknad.json"' in model.draft_bpmn
        assert "Søknad om støttekontakt" in model.draft_files["forms/soknad.json"]
    page = owner.get(f"/modeler/{model_id}/catalogue")
    doc = lxml.html.fromstring(page.get_data(as_text=True))
    # The start form is there; only the description is missing.
    assert doc.xpath("//fieldset[@disabled]//textarea[@name='comment']")
    alert = doc.xpath("string(//*[@role='alert'])")
    assert "soknad.json" not in alert
    assert _either(alert, "Skriv en beskrivelse", "Write a description for the catalogue")


def test_a_start_form_that_does_not_exist_is_named(app, login_as):
    owner = login_as("eier")
    model_id = _new_service(owner)
    xml = DIAGRAM.format(key=_key(app, model_id), form=FORM.replace("soknad.json", "mangler.json"))
    assert _save(owner, model_id, xml, _draft(owner, model_id)["revision"]).status_code == 200
    page = owner.get(f"/modeler/{model_id}/catalogue")
    alert = lxml.html.fromstring(page.get_data(as_text=True)).xpath("string(//*[@role='alert'])")
    assert "mangler.json" in alert
    assert f"/modeler/{model_id}/catalogue" in owner.get("/modeler/").get_data(as_text=True)


def test_the_editor_lists_what_keeps_the_service_out_of_the_catalogue(app, login_as):
    owner = login_as("eier")
    model_id = _new_service(owner, "Søknad om avlastning")
    xml = DIAGRAM.format(key=_key(app, model_id), form="")
    saved = _save(owner, model_id, xml, _draft(owner, model_id)["revision"]).get_json()
    card = [p for p in saved["problems"] if p.get("link")]
    assert [(p["code"], p["element_id"]) for p in card] == [
        ("catalog_no_start_form", "start"),
        ("catalog_no_description", None),
    ]
    assert all(p["link"]["href"] == f"/modeler/{model_id}/catalogue" for p in card)
    assert _either(card[1]["message"], "Skriv en beskrivelse", "Write a description")
    # Filled in on the card, the editor's list is empty again.
    xml = DIAGRAM.format(key=_key(app, model_id), form=FORM)
    _save(owner, model_id, xml, _draft(owner, model_id)["revision"])
    owner.submit(
        f"/modeler/{model_id}/catalogue",
        {"name_nb": "Søknad om avlastning", "description_nb": "Avlastning for pårørende."},
    )
    assert _draft(owner, model_id)["problems"] == []


def test_a_message_started_service_has_no_catalogue_problems_in_the_editor(app, login_as):
    owner = login_as("eier")
    model_id = _model_id(app, "proactive_kindergarten")
    assert not [p for p in _draft(owner, model_id)["problems"] if p.get("link")]
