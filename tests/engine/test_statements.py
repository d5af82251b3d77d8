"""The step path's statements: what one start and one completion send to the database.

A guard for the performance budget (issue 17): each statement is a round trip and SQLAlchemy
work. The lists are exact so an extra read (a reloaded version, a second read of the task
index) fails here rather than only showing in a benchmark.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from engine import outcomes, runtime, store
from tests.engine.conftest import Install
from tests.engine.helpers import PARKING_BPMN, PARKING_FORMS, bpmn_text, open_tasks

APPLICATION = {
    "applicant_name": "Kari Nordmann",
    "national_id": "01017012345",
    "role": "driver",
    "need_description": "Kan ikke gå langt.",
    "doctor_statement": "yes",
    "period_years": "2",
}
REVIEW = {
    "review_decision": "approved",
    "review_reason": "Dokumentert.",
    "valid_from": "2026-12-01",
    "valid_to": None,
}


@contextmanager
def recorded(session: Session) -> Iterator[list[str]]:
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(" ".join(statement.split())[:60])

    bind = session.get_bind()
    event.listen(bind, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(bind, "before_cursor_execute", seen)


def _kinds(statements: list[str]) -> list[str]:
    return [" ".join(s.split()[:3]) for s in statements]


def test_a_start_and_a_completion_send_only_what_they_must(
    session: Session, install: Install, tenant_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The engine's own statements: no listener of the app's (registered by create_app in
    # another test of this process) adds its reads.
    monkeypatch.setattr(outcomes, "_LISTENERS", [])
    version = install(PARKING_BPMN.read_text(encoding="utf-8"), form_names=PARKING_FORMS)
    runtime.start(session, version, data=APPLICATION, actor="citizen")  # the year's counter
    session.get(type(version), version.id)  # the version is loaded, as a request has it
    with recorded(session) as statements:
        instance = runtime.start(session, version, data=APPLICATION, actor="citizen")
    # No reload of the version after the read is ended; one row per table, events in one batch.
    assert _kinds(statements) == [
        "UPDATE case_counter SET",
        "INSERT INTO instance",
        "INSERT INTO human_task",
        "INSERT INTO event",
    ], statements
    (task,) = open_tasks(session, instance.id)
    task_id = task.id
    session.commit()
    with recorded(session) as statements:
        done = runtime.complete(session, tenant_id, task_id, REVIEW, "caseworker")
    # Lock, one read of the instance with its open tasks, the two row updates, the events.
    assert _kinds(statements) == [
        "UPDATE instance SET",
        "SELECT instance.id, instance.tenant_id,",
        "UPDATE human_task SET",
        "UPDATE instance SET",
        "INSERT INTO event",
    ], statements
    assert done.status == "completed" and done.outcome == "approved"


def test_completing_one_of_many_open_tasks_reads_the_instance_once(
    session: Session, install: Install, tenant_id: int
) -> None:
    """The lock read is one row whatever the number of open tasks (a join repeated the
    instance's state once per open review: quadratic in a big multi-instance)."""
    version = install(bpmn_text("multi_review.bpmn"), key="multi_review")
    items = [{"line": i} for i in range(12)]
    instance = runtime.start(session, version, data={"items": items}, actor="kari")
    first, *others = open_tasks(session, instance.id)
    session.commit()
    rows = session.execute(store._READ_TASK, {"b_task": first.id}).all()
    assert len(rows) == 1
    locked, human, open_ids = store.lock_task(session, tenant_id, first.id)
    assert locked.id == instance.id and human.id == first.id
    assert sorted(open_ids) == sorted((t.id, t.task_uuid) for t in others)
    session.rollback()
    done = runtime.complete(session, tenant_id, first.id, {"verdict": {"ok": True}}, "sara")
    assert [t.id for t in open_tasks(session, done.id)] == [t.id for t in others]
