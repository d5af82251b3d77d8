"""Who works a human task: claim, release, assign. Each change is one conditional UPDATE.

A conditional UPDATE (`... WHERE assignee IS NULL`) makes two caseworkers claiming the same
task at the same moment safe on SQLite and PostgreSQL alike: exactly one row changes.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .errors import TASK_CHANGED_HANDS, TASK_NOT_FOUND, TASK_TAKEN, Conflict, NotFound, TaskNotReady
from .models import HumanTask, utcnow
from .store import OWN, begin_write, decline
from .transition import Writes


def _task(session: Session, tenant_id: int, task_id: int) -> HumanTask:
    task = session.get(HumanTask, task_id, populate_existing=True)
    if task is None or task.tenant_id != tenant_id:
        session.rollback()
        raise NotFound(f"Task {task_id} does not exist.", code=TASK_NOT_FOUND)
    return task


def _record(
    session: Session, task: HumanTask, actor: str, kind: str, summary: dict[str, Any]
) -> None:
    writes = Writes(task.tenant_id)
    writes.event(actor, kind, task.element_id, {"name": task.name, **summary})
    writes.flush(session, task.instance_id)


def claim(session: Session, tenant_id: int, task_id: int, actor: str) -> HumanTask:
    """Take an unassigned open task; a task someone else holds is a conflict."""
    begin_write(session)
    changed = session.execute(
        update(HumanTask)
        .where(
            HumanTask.id == task_id,
            HumanTask.tenant_id == tenant_id,
            HumanTask.status == "open",
            HumanTask.assignee.is_(None),
        )
        .values(assignee=actor)
        .execution_options(synchronize_session=False, **{OWN: True})
    ).rowcount  # type: ignore[attr-defined]
    task = _task(session, tenant_id, task_id)
    if changed != 1:
        if task.status == "open" and task.assignee == actor:
            decline(session)  # yours already: nothing to do
            return task
        session.rollback()
        if task.status != "open":
            raise TaskNotReady("This task is no longer open.")
        raise Conflict("Someone else has already taken this task.", code=TASK_TAKEN)
    _record(session, task, actor, "claimed", {"assignee": actor})
    session.commit()
    return task


def assign(
    session: Session,
    tenant_id: int,
    task_id: int,
    assignee: str | None,
    actor: str,
    *,
    expected: str | None | object = ...,
) -> HumanTask:
    """Give a task to someone (or back to the group with None).

    With `expected`, the change only happens if the task is still held by that person
    (None: unassigned): a release by its holder cannot undo someone else's claim.
    """
    begin_write(session)
    conditions = [
        HumanTask.id == task_id,
        HumanTask.tenant_id == tenant_id,
        HumanTask.status == "open",
    ]
    if expected is not ...:
        conditions.append(
            HumanTask.assignee.is_(None) if expected is None else HumanTask.assignee == expected
        )
    changed = session.execute(
        update(HumanTask)
        .where(*conditions)
        .values(assignee=assignee)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    task = _task(session, tenant_id, task_id)
    if changed != 1:
        session.rollback()
        if task.status != "open":
            raise TaskNotReady("This task is no longer open.")
        raise Conflict(
            "The task changed hands meanwhile; look at it again.", code=TASK_CHANGED_HANDS
        )
    kind = "released" if assignee is None else "assigned"
    _record(session, task, actor, kind, {"assignee": assignee})
    session.commit()
    return task


def release_all(session: Session, tenant_id: int, assignee: str, actor: str) -> int:
    """Return every open task of an absent person to their groups."""
    begin_write(session)
    held = session.scalars(
        select(HumanTask).where(
            HumanTask.tenant_id == tenant_id,
            HumanTask.status == "open",
            HumanTask.assignee == assignee,
        )
    ).all()
    for task in held:
        task.assignee = None
        writes = Writes(task.tenant_id, now=utcnow())
        writes.event(
            actor,
            "released",
            task.element_id,
            {"name": task.name, "assignee": None, "reason": "absent"},
        )
        writes.flush(session, task.instance_id)
    session.commit()
    return len(held)


def save_input(
    session: Session, tenant_id: int, task_id: int, fields: list[list[str]]
) -> HumanTask:
    """Keep a person's unfinished form input on an open task; flushes, the caller commits."""
    saved = session.execute(
        update(HumanTask)
        .where(
            HumanTask.id == task_id,
            HumanTask.tenant_id == tenant_id,
            HumanTask.status == "open",
        )
        .values(saved_form=fields)
        .execution_options(synchronize_session=False)
    )
    if saved.rowcount != 1:  # type: ignore[attr-defined]
        task = session.get(HumanTask, task_id)
        if task is None or task.tenant_id != tenant_id:
            raise NotFound(f"Task {task_id} does not exist.", code=TASK_NOT_FOUND)
        raise TaskNotReady("This task is no longer open.")
    task = session.get(HumanTask, task_id, populate_existing=True)
    assert task is not None
    return task
