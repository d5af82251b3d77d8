"""Claiming and assigning human tasks: one winner under concurrency, history on the timeline."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from engine import runtime, tasks
from engine.errors import Conflict, NotFound, TaskNotReady
from engine.models import HumanTask, ProcessVersion
from tests.engine.conftest import Install
from tests.engine.helpers import PARKING_BPMN, PARKING_FORMS, events_of, open_tasks
from tests.engine.test_runtime import APPROVAL
from tests.factories import PARKING_APPLICATION


@pytest.fixture
def parking(install: Install) -> ProcessVersion:
    """The shipped parking-permit process for the test tenant."""
    return install(PARKING_BPMN.read_text(), key="parking_permit", form_names=PARKING_FORMS)


def test_two_caseworkers_claiming_at_once_exactly_one_gets_it(
    session: Session,
    sessions: sessionmaker[Session],
    parking: ProcessVersion,
    tenant_id: int,
) -> None:
    instance = runtime.start(session, parking, data=PARKING_APPLICATION, actor="kari")
    [task] = open_tasks(session, instance.id)
    barrier = threading.Barrier(2)
    results: dict[str, Any] = {}

    def worker(actor: str) -> None:
        with sessions() as own:
            barrier.wait()
            try:
                results[actor] = tasks.claim(own, tenant_id, task.id, actor).assignee
            except Conflict as err:
                results[actor] = err

    threads = [threading.Thread(target=worker, args=(a,)) for a in ("user:1", "user:2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [a for a, v in results.items() if isinstance(v, str)]
    assert len(winners) == 1, results
    session.expire_all()
    assert session.get(HumanTask, task.id).assignee == winners[0]  # type: ignore[union-attr]
    assert [e[0] for e in events_of(session, instance.id)].count("claimed") == 1


def test_release_only_undoes_your_own_claim(
    session: Session,
    parking: ProcessVersion,
    tenant_id: int,
) -> None:
    instance = runtime.start(session, parking, data=PARKING_APPLICATION, actor="kari")
    [task] = open_tasks(session, instance.id)
    tasks.claim(session, tenant_id, task.id, "user:1")
    assert tasks.claim(session, tenant_id, task.id, "user:1").assignee == "user:1"  # idempotent
    with pytest.raises(Conflict):
        tasks.assign(session, tenant_id, task.id, None, "user:2", expected="user:2")
    tasks.assign(session, tenant_id, task.id, None, "user:1", expected="user:1")
    assert session.get(HumanTask, task.id).assignee is None  # type: ignore[union-attr]
    runtime.complete(session, tenant_id, task.id, APPROVAL, "user:3")
    with pytest.raises(TaskNotReady):
        tasks.claim(session, tenant_id, task.id, "user:1")


def test_absence_frees_every_open_task_of_a_person(
    session: Session,
    parking: ProcessVersion,
    tenant_id: int,
) -> None:
    first = runtime.start(session, parking, data=PARKING_APPLICATION, actor="kari")
    second = runtime.start(session, parking, data=PARKING_APPLICATION, actor="kari")
    for instance in (first, second):
        [task] = open_tasks(session, instance.id)
        tasks.claim(session, tenant_id, task.id, "user:7")
    assert tasks.release_all(session, tenant_id, "user:7", "user:9") == 2
    for instance in (first, second):
        [task] = open_tasks(session, instance.id)
        assert task.assignee is None
        assert events_of(session, instance.id)[-1][2]["reason"] == "absent"


def test_unfinished_input_is_kept_on_open_tasks_of_the_tenant_only(
    session: Session,
    parking: ProcessVersion,
    tenant_id: int,
) -> None:
    instance = runtime.start(session, parking, data=PARKING_APPLICATION, actor="kari")
    [task] = open_tasks(session, instance.id)
    tasks.save_input(session, tenant_id, task.id, [["note", "half done"]])
    session.commit()
    assert session.get(HumanTask, task.id).saved_form == [["note", "half done"]]  # type: ignore[union-attr]
    with pytest.raises(NotFound):
        tasks.save_input(session, tenant_id + 1, task.id, [["note", "other tenant"]])
    runtime.complete(session, tenant_id, task.id, APPROVAL, "user:3")
    with pytest.raises(TaskNotReady):
        tasks.save_input(session, tenant_id, task.id, [["note", "too late"]])


def test_a_group_chosen_on_the_task_wins_over_its_lane(install: Install, session: Session) -> None:
    from tests.engine.helpers import process_xml

    xml = process_xml(
        """
<bpmn:startEvent id="start" />
<bpmn:userTask id="review" name="Review">
  <bpmn:extensionElements>
    <spiffworkflow:properties>
      <spiffworkflow:property name="candidateGroup" value="Saksbehandler" />
    </spiffworkflow:properties>
  </bpmn:extensionElements>
</bpmn:userTask>
<bpmn:endEvent id="end" />
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />
<bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="end" />
"""
    )
    version = install(xml, key="picked_group")
    instance = runtime.start(session, version, data={}, actor="kari")
    [task] = open_tasks(session, instance.id)
    assert task.lane == "Saksbehandler"
    assert events_of(session, instance.id)[-1][2]["lane"] == "Saksbehandler"
