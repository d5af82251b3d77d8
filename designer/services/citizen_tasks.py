"""Tasks the citizen answers: user tasks in a citizen lane belong to the case's owner.

Caseworkers never see them (`User.group_list` leaves citizen lanes out, and every inbox,
workload and access check goes through it); the owner answers them in the portal through
the same engine path as a caseworker's task.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import forms
from designer.models import User, is_citizen_lane
from designer.services import cases, localised, uploads
from designer.services.case_reads import case_events
from engine import api as engine
from engine.errors import NotFound
from engine.models import HumanTask, Instance


def open_tasks(session: Session, instance: Instance) -> list[HumanTask]:
    """The case's open tasks that wait for its owner, oldest first."""
    rows = session.scalars(
        select(HumanTask)
        .where(HumanTask.instance_id == instance.id, HumanTask.status == "open")
        .order_by(HumanTask.created_at, HumanTask.id)
    )
    return [task for task in rows if is_citizen_lane(task.lane)]


def waiting_for(session: Session, user: User) -> list[HumanTask]:
    """Every open task across the citizen's own cases that waits for their answer."""
    rows = session.scalars(
        select(HumanTask)
        .join(Instance, HumanTask.instance_id == Instance.id)
        .where(
            Instance.tenant_id == user.tenant_id,
            Instance.owner == user.actor,
            Instance.is_test.is_(False),
            HumanTask.status == "open",
        )
        .order_by(HumanTask.due_at.nulls_last(), HumanTask.created_at, HumanTask.id)
    )
    return [task for task in rows if is_citizen_lane(task.lane)]


def task_for_owner(session: Session, user: User, case_no: str, task_id: int) -> HumanTask:
    """A citizen task of one of the user's own cases; anything else is simply not found."""
    instance = cases.citizen_case(session, user, case_no)
    task = session.get(HumanTask, task_id)
    if (
        task is None
        or task.instance_id != instance.id
        or task.tenant_id != user.tenant_id
        or task.is_test
        or not is_citizen_lane(task.lane)
    ):
        raise NotFound("No such task.")
    return task


def task_definition(task: HumanTask) -> forms.FormDefinition:
    """The task's form definition; NotFound when it has none."""
    definition = cases.form_definition(task.instance.process_version, task.form)
    if definition is None:
        raise NotFound("This task has no form.")
    return definition


def complete(
    session: Session,
    user: User,
    task: HumanTask,
    data: dict[str, Any],
    expected_version: int | None,
) -> Instance:
    """Answer a citizen task through the engine; Conflict if the case moved on meanwhile.

    Files in the answer are stored and attached to the case, as with an application.
    """
    data, attachment_ids = uploads.store_all(session, data, user.actor, user.tenant_id)
    uploads.attach(session, attachment_ids, task.instance_id)  # commit with the answer
    return engine.complete(
        session,
        user.tenant_id,
        task.id,
        data,
        user.actor,
        expected_version=expected_version,
        due_days=cases.due_days(task.instance.process_version),
    )


def _answered_fields(session: Session, instance: Instance) -> dict[str, set[str]]:
    """The fields each task was completed with, by element (hidden fields are not among them)."""
    events = case_events(session, instance, "task_completed")
    return {str(e.element_id): set(e.summary.get("fields") or ()) for e in events}


def my_answers(
    session: Session, instance: Instance, data: dict[str, Any], locale: str = "nb"
) -> list[dict[str, Any]]:
    """What the citizen answered in the case's citizen tasks, read-only, oldest first."""
    answered = _answered_fields(session, instance)
    done = session.scalars(
        select(HumanTask)
        .where(HumanTask.instance_id == instance.id, HumanTask.status == "completed")
        .order_by(HumanTask.completed_at, HumanTask.id)
    )
    steps = []
    texts = localised.version_texts(session, instance.process_version, locale)
    for task in done:
        if not is_citizen_lane(task.lane):
            continue
        definition = cases.form_definition(instance.process_version, task.form, locale)
        if definition is None:
            continue
        sent = answered.get(task.element_id, set())
        values = {k: data[k] for k in definition.keys if k in data and k in sent}
        rows = forms.summary(definition, values, locale)
        if rows:
            name = texts(f"task/{task.element_id}/name", task.name)
            steps.append({"name": name, "completed_at": task.completed_at, "rows": rows})
    return steps
