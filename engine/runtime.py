"""Start, complete, cancel, wake and message instances: the one path every writer takes.

Each transition is one database transaction (engine.transact): lock the row, run
SpiffWorkflow, prune finished history, write state + task index + events, tell the
listeners, commit. A failed automated step is rolled back and recorded as an incident.
"""

from __future__ import annotations

import copy
from typing import Any
from uuid import UUID

from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import update
from sqlalchemy.orm import Session

from . import messages, outcomes, servicetasks
from .errors import (
    CASE_CHANGED,
    NO_MESSAGE_START,
    TASK_COMPLETED,
    Conflict,
    InstanceClosed,
    InstanceCorrupt,
    NotFound,
    StepFailed,
    TaskNotReady,
)
from .live import _PARSED as _PARSED  # tests clear it between databases
from .live import cache_key, current_data, new_workflow, spec_for, task_data, workflow_of
from .models import HumanTask, Instance, ProcessVersion
from .rows import mark_completed
from .serialization import dump_state
from .steps import StepLog, advance
from .store import TEST_SERIES, WORKFLOWS, begin_write, lock_instance, lock_task, next_case_no
from .transact import (
    commit,
    failure_message,
    incident_on,
    record_incident,
    save_transition,
    settle,
    transition,
)
from .transition import Writes
from .triggers import receive, wake

__all__ = [
    "CLOSED",
    "WORKFLOWS",
    "cancel",
    "complete",
    "current_data",
    "failure_message",
    "receive",
    "record_incident",
    "save_transition",
    "settle",
    "spec_for",
    "start",
    "task_data",
    "wake",
    "workflow_of",
]

CLOSED = ("completed", "cancelled")
_cache_key = cache_key  # the name retention code used before engine.api.scrub


def _no_message_start(message: str) -> NotFound:
    return NotFound(
        f"The process does not start on the message '{message}'.", code=NO_MESSAGE_START
    )


def start(
    session: Session,
    version: ProcessVersion,
    *,
    data: dict[str, Any],
    actor: str,
    owner: str | None = None,
    subject: str = "",
    is_test: bool = False,
    due_days: int | None = None,
    message: str | None = None,
) -> Instance:
    """Start an instance with initial data and run it until it waits.

    With `message`, the instance is started by that message (a message start event): the
    data is the message's payload. Test runs (`is_test`) number their cases in their own
    series ("TEST-2026-000001"), never taking a real case number.

    `due_days` is the deadline of user tasks whose diagram sets none (the service default).
    """
    parsed = spec_for(version)
    if message is not None and not messages.starts_on(parsed.spec, message):
        session.rollback()  # nothing is started: nothing of the caller's commits either
        raise _no_message_start(message)
    begin_write(session)
    writes = Writes(version.tenant_id, default_due_days=due_days)
    series = TEST_SERIES if is_test else ""
    instance = Instance(
        tenant_id=version.tenant_id,
        version_id=version.id,
        model_id=version.model_id,
        process_version=version,
        case_no=next_case_no(session, version.tenant_id, writes.now.year, series),
        status="running",
        owner=owner,
        subject=subject[:200],
        is_test=is_test,
        created_at=writes.now,
        updated_at=writes.now,
    )
    writes.event(actor, "started", None, {"fields": sorted(data)})
    workflow = new_workflow(parsed, data)

    def run() -> StepLog:
        waited = StepLog()
        if message is not None:
            waited = advance(workflow)  # the message start event now waits
            if not messages.deliver(workflow, message, data, start=True):
                raise _no_message_start(message)
        log = advance(workflow)
        log.events = waited.events + log.events
        return log

    def failed(err: Exception) -> StepFailed:
        # A broken diagram must never lose the application: keep it, as an incident.
        text, element_id = failure_message(err)
        instance.status, instance.error = "incident", text
        instance.state = dump_state(new_workflow(parsed, data))
        writes.event("system", "incident", element_id, {"message": text})
        session.add(instance)
        session.flush()
        commit(session, instance, writes, outcomes.STARTED, actor)
        failure = StepFailed(text, element_id=element_id)
        failure.instance = instance
        return failure

    return transition(
        session,
        instance,
        workflow,
        run,
        kind=outcomes.STARTED,
        actor=actor,
        writes=writes,
        on_failure=failed,
        new=True,
    )


def complete(
    session: Session,
    tenant_id: int,
    task_id: int,
    data: dict[str, Any],
    actor: str,
    *,
    expected_version: int | None = None,
    due_days: int | None = None,
) -> Instance:
    """Complete a human task with form data and run on until the instance waits."""
    try:
        return _complete(session, tenant_id, task_id, data, actor, expected_version, due_days)
    except (Conflict, NotFound, InstanceCorrupt):
        session.rollback()
        raise


def _complete(
    session: Session,
    tenant_id: int,
    task_id: int,
    data: dict[str, Any],
    actor: str,
    expected_version: int | None,
    due_days: int | None = None,
) -> Instance:
    instance, human, others = lock_task(session, tenant_id, task_id)
    if human.status != "open":
        if human.status == "completed":
            raise TaskNotReady(
                "This task has already been completed.",
                current_version=instance.version,
                code=TASK_COMPLETED,
            )
        raise TaskNotReady("This task is no longer open.", current_version=instance.version)
    if instance.status in CLOSED:
        raise InstanceClosed("This case is closed.", current_version=instance.version)
    if expected_version is not None and instance.version != expected_version:
        raise Conflict(
            "The case changed after you opened it.",
            current_version=instance.version,
            code=CASE_CHANGED,
        )
    workflow = workflow_of(session, instance)
    try:
        task = workflow.get_task_from_id(UUID(human.task_uuid))
    except TaskNotFoundException:
        raise TaskNotReady("This task is no longer open.") from None
    if task.state != TaskState.READY:
        raise TaskNotReady("This task is no longer open.", current_version=instance.version)
    writes = Writes(instance.tenant_id, default_due_days=due_days, open_tasks=others)

    def run() -> StepLog:
        task.task_spec.add_data_from_form(task, copy.deepcopy(data))
        task.run()
        return advance(workflow)

    def done() -> None:
        mark_completed(session, human, actor, writes.now)
        summary = {"name": human.name, "fields": sorted(data)}
        writes.event(actor, "task_completed", human.element_id, summary)

    return transition(
        session,
        instance,
        workflow,
        run,
        kind=outcomes.TASK_COMPLETED,
        actor=actor,
        writes=writes,
        done=done,
        on_failure=incident_on(
            session, instance, actor, {"task": human.element_id, "fields": sorted(data)}
        ),
    )


def cancel(
    session: Session, tenant_id: int, instance_id: int, actor: str, reason: str = ""
) -> Instance:
    """Cancel an instance and every open task of it."""
    instance = lock_instance(session, tenant_id, instance_id)
    if instance.status in CLOSED:
        session.rollback()
        raise InstanceClosed("This case is already closed.", current_version=instance.version)
    workflow = workflow_of(session, instance)
    workflow.cancel()
    writes = Writes(instance.tenant_id)
    session.execute(
        update(HumanTask)
        .where(HumanTask.instance_id == instance.id, HumanTask.status == "open")
        .values(status="cancelled")
        .execution_options(synchronize_session=False)
    )
    instance.status, instance.completed_at = "cancelled", writes.now
    instance.state = dump_state(workflow)
    writes.event(actor, "cancelled", None, {"reason": reason})
    messages.sync_waits(session, instance, workflow)
    servicetasks.sync_jobs(session, instance, workflow, writes)
    return commit(session, instance, writes, outcomes.CANCELLED, actor, workflow=workflow)
