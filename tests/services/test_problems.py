"""Every problem of a draft at once, in document order, in the UI language (issue 13)."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from designer.extensions import db
from designer.integrations import build_registry
from designer.services import drafts
from designer.web.problems import translated
from engine.errors import Problem
from engine.models import ProcessModel

# One save, many kinds of problems: a plain task, a gateway flow without condition, a
# user task without form, no lanes, a timer other tools would write wrongly, a Camunda
# assignee, an element without layout, and a broken form.
MESSY = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
  id="defs" targetNamespace="http://flytverk.no/bpmn">
  <bpmn:process id="messy" name="Rotete" isExecutable="true">
    <bpmn:startEvent id="start" name="Start" />
    <bpmn:task id="plain" name="Vurder" />
    <bpmn:exclusiveGateway id="gw" name="Godkjent?" />
    <bpmn:userTask id="review" name="Behandle" camunda:assignee="kari" />
    <bpmn:intermediateCatchEvent id="wait" name="Vent">
      <bpmn:timerEventDefinition id="wait_def"><bpmn:timeDuration>P1X</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="yes" name="Ja" />
    <bpmn:endEvent id="no" name="Nei" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="plain" />
    <bpmn:sequenceFlow id="f2" sourceRef="plain" targetRef="gw" />
    <bpmn:sequenceFlow id="f3" name="ja" sourceRef="gw" targetRef="review" />
    <bpmn:sequenceFlow id="f4" name="nei" sourceRef="gw" targetRef="no" />
    <bpmn:sequenceFlow id="f5" sourceRef="review" targetRef="wait" />
    <bpmn:sequenceFlow id="f6" sourceRef="wait" targetRef="yes" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="d"><bpmndi:BPMNPlane id="pl" bpmnElement="messy">
    <bpmndi:BPMNShape id="start_di" bpmnElement="start">
      <dc:Bounds x="0" y="0" width="1" height="1" />
    </bpmndi:BPMNShape>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>
"""
BROKEN_FORM = '{"type": "default", "components": "not a list"}'


def _save(app: Flask, bpmn_xml: str, files: dict[str, str]) -> list[Problem]:
    with app.test_request_context():
        model = db.session.scalars(select(ProcessModel).order_by(ProcessModel.id)).first()
        assert model is not None
        drafts.write_files(db.session(), model, files, "user:1")
        found = drafts.save(
            db.session(), model, bpmn_xml, model.draft_revision, "user:1", build_registry(app)
        )
        db.session.rollback()
        return found


def test_one_save_lists_every_kind_of_problem_at_once(app: Flask) -> None:
    found = _save(app, MESSY, {"forms/broken.json": BROKEN_FORM})
    codes = {p.code for p in found}
    assert {
        "task_no_type",
        "condition_missing",
        "task_no_form",
        "no_lanes",
        "timer_invalid",
        "vendor",
        "no_layout",
        "form_invalid",
    } <= codes, codes


def test_problems_come_in_document_order(app: Flask) -> None:
    found = [p for p in _save(app, MESSY, {}) if p.line is not None]
    assert [p.line for p in found] == sorted(p.line or 0 for p in found)
    first = {}
    for p in found:
        first.setdefault(p.code, p.element_id)
    assert first["task_no_type"] == "plain" and first["timer_invalid"] == "wait"


def test_problems_name_elements_by_label_and_say_what_to_do(app: Flask) -> None:
    found = _save(app, MESSY, {})
    with app.test_request_context(headers={"Accept-Language": "en"}):
        shown = {p["code"]: p["message"] for p in translated(found)}
    assert shown["task_no_type"].startswith("'Vurder' has no task type")
    assert "choose a task type" in shown["task_no_type"]
    assert shown["condition_missing"].startswith("The flow 'nei' out of 'Godkjent?'")
    assert "'Behandle'" in shown["task_no_form"]
    assert "'Vent'" in shown["timer_invalid"] and "ISO 8601" in shown["timer_invalid"]
    assert "'Behandle' uses an assignee" in shown["vendor"]
    assert not any("0x" in message for message in shown.values())


@pytest.mark.parametrize(
    ("problem", "shown"),
    [
        (
            Problem(
                "Bad <Element {http://www.omg.org/spec/BPMN/20100524/MODEL}task at 0x7f00ab>",
                code="no_such_code",
            ),
            "Bad 'task'",
        ),
        (
            Problem("Process 'p' has no end event.", code="process_no_end"),  # no params
            "Process 'p' has no end event.",
        ),
    ],
)
def test_unknown_codes_fall_back_to_the_message_without_reprs(
    app: Flask, problem: Problem, shown: str
) -> None:
    with app.test_request_context():
        assert translated([problem])[0]["message"] == shown


def test_every_task_nobody_works_is_named_and_a_chosen_group_is_enough(app: Flask) -> None:
    unworked = [p.element_id for p in _save(app, MESSY, {}) if p.code == "no_lanes"]
    assert unworked == ["review"]
    grouped = MESSY.replace(
        'camunda:assignee="kari" />',
        'camunda:assignee="kari"><bpmn:extensionElements><spiffworkflow:properties>'
        '<spiffworkflow:property name="candidateGroup" value="Saksbehandler" />'
        "</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>",
    ).replace(
        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn"',
        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
        'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"',
    )
    assert not [p for p in _save(app, grouped, {}) if p.code == "no_lanes"]
