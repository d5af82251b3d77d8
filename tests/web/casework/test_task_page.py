"""Task pages show earlier steps read-only and prefill caseworker forms from process data."""

from __future__ import annotations

import json
import re

from designer.extensions import db
from designer.services.catalog import ServiceBundle, install
from engine.models import Tenant
from tests.factories import text_of

TWO_STEPS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="x">
  <bpmn:process id="two_steps" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="l" name="Saksbehandler">
      <bpmn:flowNodeRef>assess</bpmn:flowNodeRef><bpmn:flowNodeRef>approve</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="start.json" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:outgoing>f1</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:userTask id="assess" name="Beregn støtte">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="assess.json" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:userTask id="approve" name="Godkjenn støtte">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="approve.json" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="assess" />
    <bpmn:sequenceFlow id="f2" sourceRef="assess" targetRef="approve" />
    <bpmn:sequenceFlow id="f3" sourceRef="approve" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>"""


def _form(*components: dict) -> str:  # type: ignore[type-arg]
    return json.dumps({"type": "default", "components": list(components)})


AMOUNT = {"type": "number", "key": "amount", "label": "Beløp", "validate": {"required": True}}


def test_second_caseworker_sees_the_first_step_and_a_prefilled_amount(app, login_as):
    with app.app_context():
        tenant = db.session.query(Tenant).one()
        install(
            db.session,
            tenant,
            ServiceBundle(
                key="two_steps",
                meta={"name": {"nb": "Støtte", "en": "Support"}, "process_id": "two_steps"},
                bpmn=TWO_STEPS,
                files={
                    "forms/start.json": _form(
                        {"type": "textfield", "key": "activity", "label": "Aktivitet"}
                    ),
                    "forms/assess.json": _form(
                        AMOUNT, {"type": "textarea", "key": "basis", "label": "Grunnlag"}
                    ),
                    "forms/approve.json": _form(
                        AMOUNT, {"type": "checkbox", "key": "ok", "label": "Godkjent"}
                    ),
                },
            ),
        )
        db.session.commit()
    login_as("kari").submit("/services/two_steps/apply", {"activity": "Fotball"})
    sara = login_as("saksbehandler")
    first = re.search(
        r'href="(/casework/tasks/\d+)"', sara.get("/casework/").get_data(as_text=True)
    )
    done = sara.submit(first.group(1), {"amount": "1500", "basis": "Kontingent og utstyr."})
    assert done.status_code == 302
    second = re.search(
        r'href="(/casework/tasks/\d+)"', sara.get("/casework/").get_data(as_text=True)
    )
    page = sara.get(second.group(1))
    text = text_of(page)
    assert "Beregn støtte" in text and "Kontingent og utstyr." in text  # the earlier step
    assert 'value="1500"' in page.get_data(as_text=True)  # prefilled from process data


def test_caseworker_options_come_from_process_data(app, login_as):
    pick = {
        "type": "select",
        "key": "kindergarten",
        "label": "Barnehage",
        "valuesKey": "wishes",
        "validate": {"required": True},
    }
    wishes = {
        "type": "checklist",
        "key": "wishes",
        "label": "Ønsker",
        "values": [{"label": "Solsikken", "value": "solsikken"}, {"label": "Lia", "value": "lia"}],
    }
    with app.app_context():
        tenant = db.session.query(Tenant).one()
        install(
            db.session,
            tenant,
            ServiceBundle(
                key="two_steps",
                meta={"name": {"nb": "Opptak", "en": "Admission"}, "process_id": "two_steps"},
                bpmn=TWO_STEPS,
                files={
                    "forms/start.json": _form(wishes),
                    "forms/assess.json": _form(pick),
                    "forms/approve.json": _form({"type": "checkbox", "key": "ok", "label": "OK"}),
                },
            ),
        )
        db.session.commit()
    kari = login_as("kari")
    assert kari.submit("/services/two_steps/apply", {"wishes": ["lia"]}).status_code == 302
    sara = login_as("saksbehandler")
    url = re.search(r'href="(/casework/tasks/\d+)"', sara.get("/casework/").get_data(as_text=True))
    page = sara.get(url.group(1)).get_data(as_text=True)
    assert 'value="lia"' in page
    refused = sara.submit(url.group(1), {"kindergarten": "not-offered"})
    assert refused.status_code == 422
    assert sara.submit(url.group(1), {"kindergarten": "lia"}).status_code == 302
