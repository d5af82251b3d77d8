"""A task's group taken from the case data (candidateGroup "=name"): read, never evaluated."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from engine import bpmn, runtime
from engine.transition import data_variable, group_of, instructions_of
from tests.engine.conftest import Install
from tests.engine.helpers import checkpoint, events_of, open_tasks, process_xml


def _routed(group: str, lane: str | None = None) -> str:
    """Two review tasks in a row, both given to `group` (inside a lane named `lane`)."""
    lanes = (
        f'<bpmn:laneSet id="lanes"><bpmn:lane id="lane" name="{lane}">'
        "<bpmn:flowNodeRef>first</bpmn:flowNodeRef>"
        "<bpmn:flowNodeRef>second</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>"
        if lane
        else ""
    )
    task = """
<bpmn:userTask id="{id}" name="{id}">
  <bpmn:extensionElements>
    <spiffworkflow:properties>
      <spiffworkflow:property name="candidateGroup" value="{group}" />
    </spiffworkflow:properties>
  </bpmn:extensionElements>
</bpmn:userTask>"""
    return process_xml(
        lanes
        + '<bpmn:startEvent id="start" />'
        + task.format(id="first", group=group)
        + task.format(id="second", group=group)
        + """
<bpmn:endEvent id="end" />
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="first" />
<bpmn:sequenceFlow id="f2" sourceRef="first" targetRef="second" />
<bpmn:sequenceFlow id="f3" sourceRef="second" targetRef="end" />
"""
    )


def test_the_group_comes_from_the_case_data_and_follows_it_after_a_restore(
    install: Install, session: Session, tenant_id: int, restore: bool
) -> None:
    version = install(_routed("=review_group"), key="data_group")
    instance = runtime.start(session, version, data={"review_group": "Byggesak"}, actor="kari")
    [first] = open_tasks(session, instance.id)
    assert first.lane == "Byggesak"
    assert events_of(session, instance.id)[-1][2]["lane"] == "Byggesak"
    checkpoint(restore)
    # The first task moves the case on to another group: the second task goes there.
    runtime.complete(session, tenant_id, first.id, {"review_group": "Helse"}, "user:1")
    [second] = open_tasks(session, instance.id)
    assert (second.element_id, second.lane) == ("second", "Helse")


def test_without_the_variable_the_task_goes_to_its_lane(install: Install, session: Session) -> None:
    version = install(_routed("=review_group", lane="Saksbehandler"), key="data_group_lane")
    instance = runtime.start(session, version, data={"review_group": "  "}, actor="kari")
    assert [t.lane for t in open_tasks(session, instance.id)] == ["Saksbehandler"]
    other = runtime.start(session, version, data={"review_group": 7}, actor="kari")
    assert [t.lane for t in open_tasks(session, other.id)] == ["Saksbehandler"]


def test_an_expression_is_a_group_name_and_never_runs(install: Install, session: Session) -> None:
    # Only "=<one variable name>" reads data; anything else is the group's literal name.
    version = install(_routed("=__import__('os').getcwd()"), key="no_code")
    instance = runtime.start(session, version, data={}, actor="kari")
    assert [t.lane for t in open_tasks(session, instance.id)] == ["=__import__('os').getcwd()"]


@pytest.mark.parametrize(
    ("chosen", "variable"),
    [
        ("=appeal_group", "appeal_group"),
        ("= appeal_group ", "appeal_group"),
        ("Saksbehandler", None),
        ("=a.b", None),
        ("=a + b", None),
        ("=1abc", None),
        ("", None),
        (None, None),
    ],
)
def test_only_one_plain_variable_name_reads_data(chosen: str | None, variable: str | None) -> None:
    assert data_variable(chosen) == variable


def test_parsing_lists_the_lane_of_a_data_group_task_not_the_variable() -> None:
    parsed = bpmn.parse({"process.bpmn": _routed("=review_group", lane="Saksbehandler")})
    assert parsed.lanes == ["Saksbehandler"]
    assert bpmn.parse({"process.bpmn": _routed("=review_group")}).lanes == []
    spec = parsed.spec.task_specs["first"]
    assert group_of(spec, {"review_group": "x" * 300}) == "x" * 200


def test_instructions_may_come_from_the_case_data_as_text_only(
    install: Install, session: Session
) -> None:
    xml = process_xml(
        """
<bpmn:startEvent id="start" />
<bpmn:userTask id="review" name="Review">
  <bpmn:extensionElements>
    <spiffworkflow:instructionsForEndUser>=brief</spiffworkflow:instructionsForEndUser>
  </bpmn:extensionElements>
</bpmn:userTask>
<bpmn:endEvent id="end" />
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />
<bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="end" />
"""
    )
    version = install(xml, key="data_instructions")
    instance = runtime.start(session, version, data={"brief": "**Les saka**"}, actor="kari")
    assert [t.instructions for t in open_tasks(session, instance.id)] == ["**Les saka**"]
    other = runtime.start(session, version, data={"brief": ["not", "text"]}, actor="kari")
    assert [t.instructions for t in open_tasks(session, other.id)] == [""]
    spec = runtime.spec_for(version).spec.task_specs["review"]
    assert instructions_of(spec) == ""


def test_set_result_stores_the_decision_in_force_as_plain_json(
    install: Install, session: Session, tenant_id: int
) -> None:
    from datetime import date
    from decimal import Decimal

    from engine.api import set_result
    from engine.models import Instance

    version = install(_routed("Byggesak"), key="result_set")
    instance = runtime.start(session, version, data={}, actor="kari")
    set_result(
        session, instance, {"outcome": "approved", "from": date(2026, 8, 1), "x": Decimal("1.5")}
    )
    session.commit()
    session.expire_all()
    stored = session.get(Instance, instance.id)
    assert stored is not None and stored.result == {
        "outcome": "approved",
        "from": "2026-08-01",
        "x": 1.5,
    }
