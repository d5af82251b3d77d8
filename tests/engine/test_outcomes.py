"""Transition listeners: told inside the transaction, after every kind of transition."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, sessionmaker

from engine import jobs, outcomes, runtime, scheduler
from engine.api import on_transition, remove_listener
from engine.errors import StepFailed
from engine.models import Event, HumanTask, Instance, ProcessVersion, utcnow
from engine.outcomes import Outcome
from tests.engine.conftest import Told
from tests.engine.helpers import (
    PARKING_BPMN,
    PARKING_FORMS,
    Install,
    bpmn_text,
    events_of,
    open_tasks,
)
from tests.engine.test_connectors import SERVICE, Ledger, _job, _registry
from tests.engine.test_runtime import APPROVAL
from tests.factories import PARKING_APPLICATION


@pytest.fixture
def parking(install: Install) -> ProcessVersion:
    """The shipped parking-permit process for the test tenant."""
    return install(PARKING_BPMN.read_text(), key="parking_permit", form_names=PARKING_FORMS)


def _service(session: Session, install: Install) -> Instance:
    version = install(SERVICE, key="service")
    return runtime.start(session, version, data={"amount": 150, "who": "kari"}, actor="kari")


def test_start_and_complete_tell_what_they_did(
    session: Session, parking: ProcessVersion, tenant_id: int
) -> None:
    told: list[Outcome] = []

    def listener(_session: Session, outcome: Outcome) -> None:
        told.append(outcome)

    on_transition(listener)
    try:
        instance = runtime.start(session, parking, data=PARKING_APPLICATION, actor="kari")
        [started] = told
        assert (started.kind, started.actor, started.completed) == ("started", "kari", False)
        assert started.instance is instance and not started.incident
        [task] = started.opened
        assert isinstance(task, HumanTask) and task.element_id == "review"
        assert [e.kind for e in started.events] == [
            "started",
            "step",
            "step",
            "step",
            "task_opened",
        ]
        assert started.events[0].actor == "kari" and started.events[0].summary["fields"]
        runtime.complete(session, tenant_id, task.id, APPROVAL, "sara")
    finally:
        remove_listener(listener)
    done = told[-1]
    assert (done.kind, done.actor, done.completed, done.opened) == (
        "task_completed",
        "sara",
        True,
        (),
    )
    assert done.events[0].kind == "task_completed" and done.events[-1].kind == "completed"
    assert done.instance.outcome == "approved"


def test_a_timer_tells_the_case_moved_without_a_person(
    session: Session, sessions: sessionmaker[Session], install: Install, seen: list[Told]
) -> None:
    version = install(bpmn_text("escalation.bpmn"), key="escalation")
    instance = runtime.start(session, version, data={"escalate_after": "PT1M"}, actor="kari")
    assert scheduler.run_once(sessions, now=utcnow() + timedelta(minutes=5)) == 1
    timer = seen[-1]
    assert (timer.kind, timer.actor, timer.instance_id) == ("timer", "system", instance.id)
    assert timer.opened == ["follow_up"] and "timer" in timer.kinds


def test_a_message_and_a_cancel_tell_their_kinds(
    session: Session, install: Install, tenant_id: int, seen: list[Told]
) -> None:
    version = install(bpmn_text("message_wait.bpmn"), key="message_wait")
    first = runtime.start(session, version, data={"case_ref": "A-1"}, actor="kari")
    second = runtime.start(session, version, data={"case_ref": "A-2"}, actor="kari")
    runtime.receive(session, tenant_id, "documents_received", "A-1", {"pages": 2}, "api:archive")
    message = seen[-1]
    assert (message.kind, message.actor, message.completed) == ("message", "api:archive", True)
    assert message.instance_id == first.id and "message_received" in message.kinds
    runtime.cancel(session, tenant_id, second.id, "sara", "withdrawn")
    cancelled = seen[-1]
    assert (cancelled.kind, cancelled.instance_id, cancelled.status) == (
        "cancelled",
        second.id,
        "cancelled",
    )
    assert cancelled.kinds == ["cancelled"] and not cancelled.completed


def test_a_connector_job_that_decides_the_next_step_is_told(
    session: Session, sessions: sessionmaker[Session], install: Install, seen: list[Told]
) -> None:
    instance = _service(session, install)
    assert "connector_queued" in seen[-1].kinds
    assert jobs.run_due(sessions, _registry(Ledger())) == 1
    job = seen[-1]
    assert (job.kind, job.actor, job.instance_id) == ("job", "system", instance.id)
    assert job.opened == ["check"] and "connector_succeeded" in job.kinds


def test_connector_incidents_and_their_retries_are_told(
    session: Session,
    sessions: sessionmaker[Session],
    install: Install,
    tenant_id: int,
    seen: list[Told],
) -> None:
    instance = _service(session, install)
    assert jobs.run_due(sessions, _registry(Ledger(failures=1, retry=True))) == 1
    assert seen[-1].kind == "started"  # a failed attempt that will be retried changes no case
    assert jobs.run_due(sessions, _registry(Ledger(failures=1, retry=False)), utcnow()) == 0
    later = utcnow() + timedelta(minutes=1)
    assert jobs.run_due(sessions, _registry(Ledger(failures=1, retry=False)), later) == 1
    incident = seen[-1]
    assert (incident.kind, incident.instance_id, incident.incident) == (
        "incident",
        instance.id,
        True,
    )
    assert incident.kinds == ["connector_failed", "incident"]
    job = _job(session, instance.id)
    jobs.retry(session, tenant_id, job.id, "user:1")
    assert (seen[-1].kind, seen[-1].actor, seen[-1].status) == ("retried", "user:1", "running")
    assert jobs.run_due(sessions, _registry(Ledger(failures=1, retry=False))) == 1
    jobs.continue_with(session, tenant_id, job.id, {"status": "ordered"}, "user:5")
    continued = seen[-1]
    assert (continued.kind, continued.actor, continued.opened) == ("retried", "user:5", ["check"])


def test_a_failed_step_is_told_as_an_incident_not_as_its_transition(
    session: Session, install: Install, tenant_id: int, seen: list[Told]
) -> None:
    version = install(bpmn_text("failing_after_task.bpmn"))
    instance = runtime.start(session, version, data={"amount": 5}, actor="kari")
    [task] = open_tasks(session, instance.id)
    with pytest.raises(StepFailed):
        runtime.complete(session, tenant_id, task.id, {"amount": 7}, "sara")
    assert [o.kind for o in seen] == ["started", "incident"]
    assert seen[-1].kinds == ["incident"] and seen[-1].actor == "sara"


def test_a_start_whose_first_step_fails_is_told_as_started_in_incident(
    session: Session, install: Install, seen: list[Told]
) -> None:
    version = install(bpmn_text("failing_at_start.bpmn"))
    with pytest.raises(StepFailed):
        runtime.start(session, version, data={"amount": 5}, actor="kari")
    [started] = seen
    assert started.kind == "started" and started.incident
    assert started.kinds == ["started", "incident"]


def test_a_recorded_incident_and_its_retry_are_told(
    session: Session, install: Install, tenant_id: int, seen: list[Told]
) -> None:
    version = install(bpmn_text("escalation.bpmn"), key="escalation")
    instance = runtime.start(session, version, data={"escalate_after": "P3D"}, actor="kari")
    runtime.record_incident(session, tenant_id, instance.id, "user:1", "Looked wrong")
    assert (seen[-1].kind, seen[-1].actor, seen[-1].status) == ("incident", "user:1", "incident")
    jobs.retry_incident(session, tenant_id, instance.id, "user:2")
    retried = seen[-1]
    assert (retried.kind, retried.actor, retried.status) == ("retried", "user:2", "running")
    assert retried.kinds[0] == "incident_retried"


def test_what_a_listener_writes_commits_with_the_transition(
    session: Session, sessions: sessionmaker[Session], parking: ProcessVersion
) -> None:
    visible_to_others: list[bool] = []

    def notice(own: Session, outcome: Outcome) -> None:
        with sessions() as other:  # inside the transaction: nobody else sees it yet
            visible_to_others.append(other.get(Instance, outcome.instance.id) is not None)
        own.add(
            Event(
                tenant_id=outcome.instance.tenant_id,
                instance_id=outcome.instance.id,
                actor="system",
                kind="notice",
                summary={"about": outcome.kind},
            )
        )

    on_transition(notice)
    try:
        instance = runtime.start(session, parking, data=PARKING_APPLICATION, actor="kari")
    finally:
        remove_listener(notice)
    assert visible_to_others == [False]
    assert events_of(session, instance.id)[-1] == ("notice", None, {"about": "started"})


def test_a_listener_that_fails_rolls_the_transition_back(
    session: Session, parking: ProcessVersion, tenant_id: int
) -> None:
    instance = runtime.start(session, parking, data=PARKING_APPLICATION, actor="kari")
    [task] = open_tasks(session, instance.id)
    version = instance.version

    def broken(_session: Session, outcome: Outcome) -> None:
        raise RuntimeError("the outbox is full")

    on_transition(broken)
    try:
        with pytest.raises(RuntimeError, match="outbox"):
            runtime.complete(session, tenant_id, task.id, APPROVAL, "sara")
        with pytest.raises(RuntimeError):
            runtime.start(session, parking, data=PARKING_APPLICATION, actor="kari")
    finally:
        remove_listener(broken)
    # The failed start's instance (its row inserted by Core, engine.rows) left the session
    # with the rollback: no object of a row that does not exist.
    held = [inspect(o).identity for o in session if isinstance(o, Instance)]
    assert held == [(instance.id,)]
    session.expire_all()
    row = session.get(Instance, instance.id)
    assert row is not None and (row.status, row.version) == ("running", version)
    assert [t.id for t in open_tasks(session, instance.id)] == [task.id]
    assert session.scalars(select(Instance.id)).all() == [instance.id]
    done = runtime.complete(session, tenant_id, task.id, APPROVAL, "sara")  # still possible
    assert done.status == "completed"


def test_listeners_register_once_and_can_be_removed(
    session: Session, parking: ProcessVersion
) -> None:
    calls: list[str] = []

    def listener(_session: Session, outcome: Outcome) -> None:
        calls.append(outcome.kind)

    assert outcomes.on_transition(listener) is listener
    outcomes.on_transition(listener)  # the same callable again: still one
    runtime.start(session, parking, data=PARKING_APPLICATION, actor="kari")
    assert calls == ["started"]
    outcomes.remove_listener(listener)
    outcomes.remove_listener(listener)  # not registered: no error
    runtime.start(session, parking, data=PARKING_APPLICATION, actor="kari")
    assert calls == ["started"]
    outcomes.on_transition(listener)
    outcomes.clear_listeners()
    assert not outcomes.listening()
