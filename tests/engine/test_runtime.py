"""Start, complete, cancel: one transaction per transition, conflicts, incidents, events."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from engine import runtime
from engine.errors import Conflict, InstanceClosed, NotFound, StepFailed, TaskNotReady
from engine.models import Event, HumanTask, Instance, ProcessVersion, Tenant, utcnow
from tests.engine.helpers import (
    PARKING_BPMN,
    PARKING_FORMS,
    Install,
    bpmn_text,
    checkpoint,
    events_of,
    open_tasks,
    run_journey,
)
from tests.factories import PARKING_APPLICATION

APPROVAL = {
    "review_decision": "approved",
    "review_reason": "Legeerklæringen dokumenterer vesentlig nedsatt gangevne.",
    "valid_from": "2026-12-01",
    "valid_to": "",
}


@pytest.fixture
def parking(install: Install) -> ProcessVersion:
    """The shipped parking-permit process, installed for the test tenant."""
    return install(PARKING_BPMN.read_text(), key="parking_permit", form_names=PARKING_FORMS)


def _row(session: Session, instance_id: int) -> Instance:
    session.expire_all()
    row = session.get(Instance, instance_id)
    assert row is not None
    return row


def _event_count(session: Session, instance_id: int) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(Event).where(Event.instance_id == instance_id)
        )
        or 0
    )


def test_start_runs_until_a_person_is_needed(
    session: Session, parking: ProcessVersion, restore: bool
) -> None:
    instance = runtime.start(
        session,
        parking,
        data=PARKING_APPLICATION,
        actor="kari",
        owner="kari",
        subject="Parkeringstillatelse",
    )
    assert instance.status == "running"
    assert instance.owner == "kari" and instance.subject == "Parkeringstillatelse"
    [task] = open_tasks(session, instance.id)
    assert (task.element_id, task.name, task.lane, task.form) == (
        "review",
        "Vurder søknaden",
        "Saksbehandler",
        "review.json",
    )
    assert "vesentlig nedsatt gangevne" in task.instructions
    assert task.due_at is not None
    assert abs(task.due_at - (utcnow() + timedelta(days=21))) < timedelta(minutes=5)
    checkpoint(restore)
    data = runtime.task_data(session, instance, task.task_uuid)
    assert data["applicant_name"] == "Kari Nordmann" and data["auto_reject"] is False
    assert runtime.current_data(session, instance)["missing"] == []


def test_initial_data_is_copied_not_shared(session: Session, parking: ProcessVersion) -> None:
    # Cached only on purpose: a restored workflow would be a copy anyway.
    nested = [1]
    application = {**PARKING_APPLICATION, "extra": {"nested": nested}}
    instance = runtime.start(session, parking, data=application, actor="kari")
    nested.append(2)
    assert runtime.current_data(session, instance)["extra"] == {"nested": [1]}


def test_parking_permit_journey_is_the_same_when_restored_from_the_row(
    session: Session, parking: ProcessVersion
) -> None:
    steps = [("review", APPROVAL)]
    cached = run_journey(session, parking, PARKING_APPLICATION, steps, restore=False)
    restored = run_journey(session, parking, PARKING_APPLICATION, steps, restore=True)
    assert cached == restored
    assert cached.status == "completed" and cached.outcome == "approved"
    assert cached.result == {
        "outcome": "approved",
        "decided_by": "caseworker",
        "reason": APPROVAL["review_reason"],
        "valid_from": "2026-12-01",
        "valid_to": "2028-12-01",
    }
    assert cached.tasks == [("review", "completed")]


def test_parking_permit_events_tell_the_story_in_order(
    session: Session, parking: ProcessVersion
) -> None:
    outcome = run_journey(
        session, parking, PARKING_APPLICATION, [("review", APPROVAL)], restore=True
    )
    kinds = [(kind, element) for kind, element, _ in outcome.events]
    assert kinds == [
        ("started", None),
        ("step", "start"),
        ("step", "check"),
        ("step", "gw_complete"),
        ("task_opened", "review"),
        ("task_completed", "review"),
        ("step", "make_decision"),
        ("step", "gw_decision"),
        ("step", "approved"),
        ("completed", "approved"),
    ]
    summaries = {(kind, element): summary for kind, element, summary in outcome.events}
    assert summaries[("step", "gw_complete")]["to"] == ["review"]
    assert summaries[("step", "gw_decision")]["to"] == ["approved"]
    assert summaries[("task_completed", "review")]["fields"] == sorted(APPROVAL)
    assert summaries[("started", None)]["fields"] == sorted(PARKING_APPLICATION)
    assert summaries[("completed", "approved")] == {"outcome": "approved"}


def test_missing_doctor_statement_is_rejected_during_start(
    session: Session, parking: ProcessVersion
) -> None:
    application = {**PARKING_APPLICATION, "doctor_statement": "no"}
    instance = runtime.start(session, parking, data=application, actor="kari")
    assert instance.status == "completed" and instance.outcome == "rejected_auto"
    assert instance.result is not None
    assert instance.result["rule"] == "doctor_statement_required"
    assert open_tasks(session, instance.id) == []
    events = events_of(session, instance.id)
    [gateway] = [s for kind, e, s in events if (kind, e) == ("step", "gw_complete")]
    assert gateway["to"] == ["rejected_auto"]
    assert events[-1][:2] == ("completed", "rejected_auto")


def test_each_transition_bumps_the_version_once(
    session: Session, parking: ProcessVersion, tenant_id: int, restore: bool
) -> None:
    instance = runtime.start(session, parking, data=PARKING_APPLICATION, actor="kari")
    started = instance.version
    [task] = open_tasks(session, instance.id)
    checkpoint(restore)
    done = runtime.complete(session, tenant_id, task.id, APPROVAL, "sara", expected_version=started)
    assert done.version == started + 1 and done.status == "completed"
    assert _row(session, instance.id).version == started + 1


def test_cancel_closes_the_case_and_its_tasks(
    session: Session, parking: ProcessVersion, tenant_id: int, restore: bool
) -> None:
    instance = runtime.start(session, parking, data=PARKING_APPLICATION, actor="kari")
    [task] = open_tasks(session, instance.id)
    checkpoint(restore)
    cancelled = runtime.cancel(session, tenant_id, instance.id, "sara", reason="Trukket")
    assert cancelled.status == "cancelled" and cancelled.completed_at is not None
    assert session.get(HumanTask, task.id).status == "cancelled"  # type: ignore[union-attr]
    assert events_of(session, instance.id)[-1] == ("cancelled", None, {"reason": "Trukket"})
    checkpoint(restore)
    with pytest.raises(TaskNotReady, match="no longer open"):
        runtime.complete(session, tenant_id, task.id, APPROVAL, "sara")
    with pytest.raises(InstanceClosed):
        runtime.cancel(session, tenant_id, instance.id, "sara")
    assert _row(session, instance.id).status == "cancelled"


def test_a_completed_task_cannot_be_completed_again(
    session: Session, parking: ProcessVersion, tenant_id: int, restore: bool
) -> None:
    instance = runtime.start(session, parking, data=PARKING_APPLICATION, actor="kari")
    [task] = open_tasks(session, instance.id)
    done = runtime.complete(session, tenant_id, task.id, APPROVAL, "sara")
    before = (done.version, done.state, _event_count(session, instance.id))
    checkpoint(restore)
    with pytest.raises(TaskNotReady, match="already been completed") as caught:
        runtime.complete(session, tenant_id, task.id, {"review_decision": "rejected"}, "ola")
    assert isinstance(caught.value, Conflict)
    assert caught.value.current_version == done.version
    row = _row(session, instance.id)
    assert (row.version, row.state, _event_count(session, instance.id)) == before
    assert row.result is not None and row.result["outcome"] == "approved"


def test_unknown_and_foreign_tasks_are_not_found(
    session: Session, parking: ProcessVersion, tenant_id: int
) -> None:
    instance = runtime.start(session, parking, data=PARKING_APPLICATION, actor="kari")
    [task] = open_tasks(session, instance.id)
    other = Tenant(slug="bo", name="Bø kommune")
    session.add(other)
    session.commit()
    with pytest.raises(NotFound):
        runtime.complete(session, other.id, task.id, APPROVAL, "sara")
    with pytest.raises(NotFound):
        runtime.complete(session, tenant_id, task.id + 1000, APPROVAL, "sara")
    with pytest.raises(NotFound):
        runtime.cancel(session, other.id, instance.id, "sara")
    assert [t.status for t in open_tasks(session, instance.id)] == ["open"]


def test_an_old_expected_version_is_a_conflict_and_writes_nothing(
    session: Session, install: Install, tenant_id: int, restore: bool
) -> None:
    version = install(bpmn_text("parallel.bpmn"))
    instance = runtime.start(session, version, data={}, actor="kari")
    seen_version = instance.version
    legal, health = open_tasks(session, instance.id)
    runtime.complete(session, tenant_id, legal.id, {"legal_ok": True}, "sara")
    row = _row(session, instance.id)
    before = (row.version, row.state, row.status, _event_count(session, instance.id))
    checkpoint(restore)
    with pytest.raises(Conflict, match="changed after you opened it") as caught:
        runtime.complete(
            session, tenant_id, health.id, {"health_ok": True}, "ola", expected_version=seen_version
        )
    assert type(caught.value) is Conflict
    assert caught.value.current_version == row.version
    row = _row(session, instance.id)
    assert (row.version, row.state, row.status, _event_count(session, instance.id)) == before
    assert [t.element_id for t in open_tasks(session, instance.id)] == ["health"]
    done = runtime.complete(
        session, tenant_id, health.id, {"health_ok": True}, "ola", expected_version=row.version
    )
    assert done.status == "completed"


def test_two_people_completing_the_same_task_at_once(
    session: Session, sessions: sessionmaker[Session], parking: ProcessVersion, tenant_id: int
) -> None:
    instance = runtime.start(session, parking, data=PARKING_APPLICATION, actor="kari")
    [task] = open_tasks(session, instance.id)
    task_id, start_version = task.id, instance.version
    barrier = threading.Barrier(2)
    results: dict[str, Any] = {}

    def worker(actor: str, decision: str) -> None:
        with sessions() as own:
            barrier.wait()
            try:
                done = runtime.complete(
                    own, tenant_id, task_id, {**APPROVAL, "review_decision": decision}, actor
                )
                results[actor] = done.version
            except Exception as err:  # the loser's error is the point of the test
                results[actor] = err

    threads = [
        threading.Thread(target=worker, args=args)
        for args in (("sara", "approved"), ("ola", "rejected"))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    winners = [actor for actor, value in results.items() if isinstance(value, int)]
    losers = [value for value in results.values() if not isinstance(value, int)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert isinstance(losers[0], TaskNotReady) and isinstance(losers[0], Conflict)
    row = _row(session, instance.id)
    assert row.version == start_version + 1 == results[winners[0]]
    assert row.outcome == ("approved" if winners[0] == "sara" else "rejected")
    human = session.get(HumanTask, task.id)
    assert human is not None
    assert (human.status, human.completed_by) == ("completed", winners[0])
    completions = [e for e in events_of(session, instance.id) if e[0] == "task_completed"]
    assert len(completions) == 1
    assert [e[0] for e in events_of(session, instance.id)].count("completed") == 1


def test_a_stale_writer_gets_a_conflict_not_a_lost_update(
    session: Session, sessions: sessionmaker[Session], parking: ProcessVersion, tenant_id: int
) -> None:
    """Below the row lock: a writer holding an old row is stopped by the version check."""
    instance = runtime.start(session, parking, data=PARKING_APPLICATION, actor="kari")
    [task] = open_tasks(session, instance.id)
    with sessions() as stale_session:
        stale = stale_session.get(Instance, instance.id)
        assert stale is not None
        stale_version = stale.version
        runtime.complete(session, tenant_id, task.id, APPROVAL, "sara")
        stale.status = "cancelled"
        with pytest.raises(StaleDataError):
            stale_session.flush()
    row = _row(session, instance.id)
    assert (row.status, row.outcome, row.version) == ("completed", "approved", stale_version + 1)
    assert [e[0] for e in events_of(session, instance.id)].count("completed") == 1


def test_failing_script_after_a_task_is_an_incident_that_loses_nothing(
    session: Session, install: Install, tenant_id: int, restore: bool
) -> None:
    version = install(bpmn_text("failing_after_task.bpmn"))
    instance = runtime.start(session, version, data={"amount": 5}, actor="kari")
    [task] = open_tasks(session, instance.id)
    state_before = instance.state
    checkpoint(restore)
    with pytest.raises(StepFailed) as caught:
        runtime.complete(session, tenant_id, task.id, {"amount": 7}, "sara")
    assert caught.value.element_id == "compute"
    assert "division by zero" in caught.value.message
    assert isinstance(caught.value.instance, Instance)
    assert caught.value.instance.status == "incident"
    row = _row(session, instance.id)
    assert row.status == "incident" and row.error == caught.value.message
    assert row.state == state_before
    kind, element_id, summary = events_of(session, instance.id)[-1]
    assert (kind, element_id) == ("incident", "compute")
    assert summary["message"] == caught.value.message and summary["task"] == "fill"
    [still_open] = open_tasks(session, instance.id)
    assert still_open.id == task.id
    assert runtime.task_data(session, row, task.task_uuid) == {"amount": 5}
    # Trying again fails the same way and still loses nothing.
    checkpoint(restore)
    with pytest.raises(StepFailed):
        runtime.complete(session, tenant_id, task.id, {"amount": 7}, "sara")
    row = _row(session, instance.id)
    assert row.state == state_before and row.status == "incident"
    assert [t.id for t in open_tasks(session, instance.id)] == [task.id]
    kinds = [e[0] for e in events_of(session, instance.id)]
    assert kinds.count("incident") == 2 and "task_completed" not in kinds


def test_failing_script_right_after_start_keeps_the_application(
    session: Session, install: Install
) -> None:
    version = install(bpmn_text("failing_at_start.bpmn"))
    application = {"amount": 5, "name": "Kari"}
    with pytest.raises(StepFailed) as caught:
        runtime.start(session, version, data=application, actor="kari")
    instance = caught.value.instance
    assert isinstance(instance, Instance)
    assert caught.value.element_id == "compute"
    row = _row(session, instance.id)
    assert row.status == "incident" and "division by zero" in (row.error or "")
    assert row.case_no and runtime.current_data(session, row) == application
    assert [e[:2] for e in events_of(session, row.id)] == [
        ("started", None),
        ("incident", "compute"),
    ]
    assert open_tasks(session, row.id) == []
