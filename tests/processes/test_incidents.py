"""A failing automated step never loses the citizen's application."""

from __future__ import annotations

import json
import re

from designer.extensions import db
from designer.services.catalog import ServiceBundle, install
from engine.models import Event, Instance, Tenant
from tests.factories import text_of

BROKEN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="x">
  <bpmn:process id="broken" isExecutable="true">
    <bpmn:startEvent id="start">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="start.json" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:outgoing>f1</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:scriptTask id="compute" name="Beregn">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>share = amount / 0</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="compute" />
    <bpmn:sequenceFlow id="f2" sourceRef="compute" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>"""
START_FORM = {
    "type": "default",
    "components": [
        {"type": "number", "key": "amount", "label": "Beløp", "validate": {"required": True}}
    ],
}


def test_failed_script_after_start_keeps_the_application_as_an_incident(app, login_as):
    with app.app_context():
        tenant = db.session.query(Tenant).one()
        install(
            db.session,
            tenant,
            ServiceBundle(
                key="broken",
                meta={"name": {"nb": "Ødelagt", "en": "Broken"}, "process_id": "broken"},
                bpmn=BROKEN,
                files={"forms/start.json": json.dumps(START_FORM)},
            ),
        )
        db.session.commit()
    kari = login_as("kari")
    response = kari.submit("/services/broken/apply", {"amount": "1200"})
    assert response.status_code == 302
    case_no = re.search(r"/cases/(\d{4}-\d{6})", response.headers["Location"]).group(1)
    page = text_of(kari.get(f"/cases/{case_no}"))
    assert "en automatisk kontroll kunne ikke fullføres" in page
    assert "Til oppfølging" in page and "1 200" in page  # a number as Norwegians write it
    with app.app_context():
        instance = db.session.query(Instance).filter_by(case_no=case_no).one()
        assert instance.status == "incident"
        assert "Beregn" in instance.error and "division by zero" in instance.error
        kinds = [e.kind for e in db.session.query(Event).filter_by(instance_id=instance.id)]
        assert kinds == ["started", "incident"]
