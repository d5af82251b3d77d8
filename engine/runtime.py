"""Start, advance, complete and cancel instances: the one path every writer takes.

Each transition is one database transaction: lock the row, run SpiffWorkflow,
prune finished history, write state + task index + events, commit. A failed
automated step is rolled back and recorded as an incident on the instance.
"""

from __future__ import annotations

import copy
from collections.abc import Hashable
from datetime import datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from . import bpmn, messages, servicetasks
from .errors import Conflict, InstanceClosed, InstanceCorrupt, NotFound, StepFailed, TaskNotReady
from .history import prune_history, unfinished_tasks
from .models import HumanTask, Instance, ProcessVersion
from .scripting import SCRIPT_ENGINE
from .serialization import dump_state, load_state, to_json_value
from .steps import StepLog, advance
from .store import WORKFLOWS, begin_write, lock_instance, next_case_no
from .timers import clock_at, next_timer_at
from .transition import Writes, sync_human_tasks

CLOSED = ("completed", "cancelled")
_PARSED: dict[str, bpmn.ParsedProcess] = {}


def spec_for(version: ProcessVersion) -> bpmn.ParsedProcess:
    """The parsed process of a version (parsed once per content hash)."""
    parsed = _PARSED.get(version.content_hash)
    if parsed is None:
        parsed = bpmn.parse(
            {"process.bpmn": version.bpmn}, version.decisions(), process_id=version.process_id
        )
        _PARSED[version.content_hash] = parsed
    return parsed


def _cache_key(session: Session, instance: Instance) -> Hashable:
    # Ids repeat across databases (and after a reset): the key names the database
    # and the row's creation time too, so a cached workflow never leaks across.
    bind = session.get_bind()
    url = bind.engine.url if hasattr(bind, "engine") else getattr(bind, "url", "")
    return (str(url), instance.id, instance.created_at)


def workflow_of(session: Session, instance: Instance) -> BpmnWorkflow:
    workflow = WORKFLOWS.checkout(_cache_key(session, instance), instance.version)
    if workflow is None:
        parsed = spec_for(instance.process_version)
        workflow = load_state(instance.state, parsed.spec, parsed.subprocess_specs)
    return workflow


def settle(workflow: BpmnWorkflow, log: StepLog) -> tuple[bool, str]:
    """Prune history, check consistency; return (completed, state)."""
    prune_history(workflow)
    completed = workflow.is_completed()
    if completed != (unfinished_tasks(workflow) == 0):
        raise InstanceCorrupt(
            "The workflow reports a state that does not match its tasks; "
            "the step was refused to protect the case."
        )
    return completed, dump_state(workflow)


def _apply(
    instance: Instance,
    workflow: BpmnWorkflow,
    log: StepLog,
    writes: Writes,
    actor: str,
    completed: bool,
    state: str,
) -> None:
    """Copy the workflow's outcome onto the instance row and queue its events."""
    for kind, element_id, summary in log.events:
        writes.event("system", kind, element_id, summary)
    if completed:
        instance.status = "completed"
        instance.completed_at = writes.now
        instance.outcome = log.outcome or instance.outcome
        decision = workflow.data.get("decision")
        instance.result = to_json_value(decision) if decision is not None else None
        writes.event(actor, "completed", log.outcome, {"outcome": log.outcome})
    else:
        instance.status = "running"
    instance.error = None
    instance.state = state
    instance.updated_at = writes.now
    instance.next_timer_at = None if completed else next_timer_at(workflow)


def _visible_data(workflow: BpmnWorkflow) -> dict[str, Any]:
    """The data a person would call 'the case data now'."""
    if workflow.is_completed():
        return dict(to_json_value(workflow.data))
    merged: dict[str, Any] = {}
    for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING):
        merged.update(task.data)
    return dict(to_json_value(merged))


def _snapshot(instance: Instance, workflow: BpmnWorkflow, writes: Writes) -> None:
    # Test runs show the data after every step; real cases keep data out of history.
    if instance.is_test:
        writes.event("system", "data", None, {"data": _visible_data(workflow)})


def save_transition(
    session: Session,
    instance: Instance,
    workflow: BpmnWorkflow,
    log: StepLog,
    writes: Writes,
    actor: str,
    outcome: tuple[bool, str],
    *,
    new: bool = False,
) -> Instance:
    """The end of every transition: row, task index, message waits, events, commit."""
    completed, state = outcome
    _apply(instance, workflow, log, writes, actor, completed, state)
    _snapshot(instance, workflow, writes)
    try:
        session.flush()
    except StaleDataError:
        raise Conflict("Someone else changed this case at the same time.") from None
    sync_human_tasks(session, instance, workflow, writes, new=new)
    messages.sync_waits(session, instance, workflow)
    servicetasks.sync_jobs(session, instance, workflow, writes)
    writes.flush(session, instance.id)
    return _commit(session, instance, workflow)


def _commit(session: Session, instance: Instance, workflow: BpmnWorkflow) -> Instance:
    key, version = _cache_key(session, instance), instance.version
    session.commit()
    WORKFLOWS.checkin(key, version, workflow)
    return instance


def failure_message(err: Exception) -> tuple[str, str | None]:
    spec = getattr(getattr(err, "task", None), "task_spec", None) or getattr(err, "task_spec", None)
    element_id = getattr(spec, "bpmn_id", None)
    name = getattr(spec, "bpmn_name", None) or element_id
    detail = str(err.args[0]) if err.args else type(err).__name__
    where = f" in '{name}'" if name else ""
    return f"An automated step failed{where}: {detail}", element_id


def record_incident(
    session: Session,
    tenant_id: int,
    instance_id: int,
    actor: str,
    message: str,
    element_id: str | None = None,
    summary: dict[str, Any] | None = None,
) -> Instance:
    """Mark an instance as needing attention; its state stays as last committed."""
    instance = lock_instance(session, tenant_id, instance_id)
    writes = Writes(instance.tenant_id)
    instance.status, instance.error, instance.updated_at = "incident", message, writes.now
    writes.event(actor, "incident", element_id, {"message": message, **(summary or {})})
    writes.flush(session, instance.id)
    session.commit()
    return instance


def _new_workflow(parsed: bpmn.ParsedProcess, data: dict[str, Any]) -> BpmnWorkflow:
    workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=SCRIPT_ENGINE)
    workflow.get_next_task(state=TaskState.READY).data.update(copy.deepcopy(data))
    return workflow


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
    data is the message's payload.

    `due_days` is the deadline of user tasks whose diagram sets none (the service default).
    """
    parsed = spec_for(version)
    if message is not None and not messages.starts_on(parsed.spec, message):
        raise NotFound(f"The process does not start on the message '{message}'.")
    begin_write(session)
    writes = Writes(version.tenant_id, default_due_days=due_days)
    case_no = next_case_no(session, version.tenant_id, writes.now.year)
    instance = Instance(
        tenant_id=version.tenant_id,
        version_id=version.id,
        model_id=version.model_id,
        process_version=version,
        case_no=case_no,
        status="running",
        owner=owner,
        subject=subject[:200],
        is_test=is_test,
        created_at=writes.now,
        updated_at=writes.now,
    )
    writes.event(actor, "started", None, {"fields": sorted(data)})
    workflow = _new_workflow(parsed, data)
    try:
        if message is not None:
            waited = advance(workflow)  # the message start event now waits
            if not messages.deliver(workflow, message, data, start=True):
                raise NotFound(f"The process does not start on the message '{message}'.")
        log = advance(workflow)
        if message is not None:
            log.events = waited.events + log.events
        completed, state = settle(workflow, log)
    except (InstanceCorrupt, NotFound):
        session.rollback()
        raise
    except Exception as err:  # a broken diagram must never lose the application
        message, element_id = failure_message(err)
        instance.status, instance.error = "incident", message
        instance.state = dump_state(_new_workflow(parsed, data))
        writes.event("system", "incident", element_id, {"message": message})
        session.add(instance)
        session.flush()
        writes.flush(session, instance.id)
        session.commit()
        failure = StepFailed(message, element_id=element_id)
        failure.instance = instance
        raise failure from err
    session.add(instance)
    return save_transition(
        session, instance, workflow, log, writes, actor, (completed, state), new=True
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


def _lock_task(session: Session, tenant_id: int, task_id: int) -> tuple[Instance, HumanTask]:
    """Lock the instance a task belongs to and load both, fresh, in one round trip."""
    begin_write(session)
    owner = (
        select(HumanTask.instance_id)
        .where(HumanTask.id == task_id, HumanTask.tenant_id == tenant_id)
        .scalar_subquery()
    )
    locked = session.execute(
        update(Instance)
        .where(Instance.id == owner)
        .values(version=Instance.version)
        .execution_options(synchronize_session=False)
    )
    if locked.rowcount != 1:  # type: ignore[attr-defined]
        raise NotFound(f"Task {task_id} does not exist.")
    row = session.execute(
        select(Instance, HumanTask)
        .join(HumanTask, HumanTask.instance_id == Instance.id)
        .where(HumanTask.id == task_id)
        .execution_options(populate_existing=True)
    ).one()
    return row[0], row[1]


def _complete(
    session: Session,
    tenant_id: int,
    task_id: int,
    data: dict[str, Any],
    actor: str,
    expected_version: int | None,
    due_days: int | None = None,
) -> Instance:
    instance, human = _lock_task(session, tenant_id, task_id)
    if human.status != "open":
        raise TaskNotReady(
            "This task has already been completed."
            if human.status == "completed"
            else "This task is no longer open.",
            current_version=instance.version,
        )
    if instance.status in CLOSED:
        raise InstanceClosed("This case is closed.", current_version=instance.version)
    if expected_version is not None and instance.version != expected_version:
        raise Conflict("The case changed after you opened it.", current_version=instance.version)
    workflow = workflow_of(session, instance)
    try:
        task = workflow.get_task_from_id(UUID(human.task_uuid))
    except TaskNotFoundException:
        raise TaskNotReady("This task is no longer open.") from None
    if task.state != TaskState.READY:
        raise TaskNotReady("This task is no longer open.", current_version=instance.version)
    try:
        task.task_spec.add_data_from_form(task, copy.deepcopy(data))
        task.run()
        log = advance(workflow)
        completed, state = settle(workflow, log)
    except InstanceCorrupt:
        raise
    except Exception as err:
        message, element_id = failure_message(err)
        session.rollback()
        failure = StepFailed(message, element_id=element_id)
        failure.instance = record_incident(
            session,
            tenant_id,
            instance.id,
            actor,
            message,
            element_id,
            {"task": human.element_id, "fields": sorted(data)},
        )
        raise failure from err
    writes = Writes(instance.tenant_id, default_due_days=due_days)
    human.status, human.completed_by, human.completed_at = "completed", actor, writes.now
    writes.event(
        actor, "task_completed", human.element_id, {"name": human.name, "fields": sorted(data)}
    )
    return save_transition(session, instance, workflow, log, writes, actor, (completed, state))


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
    writes.flush(session, instance.id)
    return _commit(session, instance, workflow)


def _read(session: Session, instance: Instance) -> tuple[BpmnWorkflow, Hashable]:
    return workflow_of(session, instance), _cache_key(session, instance)


def task_data(session: Session, instance: Instance, task_uuid: str) -> dict[str, Any]:
    """The data a task sees (JSON-friendly copy), for showing a case to a person."""
    workflow, key = _read(session, instance)
    try:
        return dict(to_json_value(workflow.get_task_from_id(UUID(task_uuid)).data))
    except TaskNotFoundException:
        return {}
    finally:
        WORKFLOWS.checkin(key, instance.version, workflow)


def current_data(session: Session, instance: Instance) -> dict[str, Any]:
    """The instance's latest data: the workflow's data when done, else the live tasks'."""
    workflow, key = _read(session, instance)
    try:
        return _visible_data(workflow)
    finally:
        WORKFLOWS.checkin(key, instance.version, workflow)


def wake(session: Session, tenant_id: int, instance_id: int, now: datetime) -> Instance | None:
    """Fire the timers of an instance that are due; None if another worker got there first."""
    instance = lock_instance(session, tenant_id, instance_id)
    due = instance.next_timer_at
    if instance.status != "running" or due is None or due > now:
        session.rollback()
        return None
    workflow = workflow_of(session, instance)
    try:
        with clock_at(now):
            log = advance(workflow)
        completed, state = settle(workflow, log)
    except InstanceCorrupt:
        session.rollback()
        raise
    except Exception as err:
        message, element_id = failure_message(err)
        session.rollback()
        failed = record_incident(session, tenant_id, instance_id, "system", message, element_id)
        failed.next_timer_at = None  # an incident waits for people, not for the clock
        session.commit()
        return failed
    writes = Writes(instance.tenant_id)
    writes.event("system", "timer", None, {"due": due.isoformat()})
    return save_transition(session, instance, workflow, log, writes, "system", (completed, state))


def receive(
    session: Session,
    tenant_id: int,
    name: str,
    key: str | None,
    payload: dict[str, Any],
    actor: str,
) -> Instance | None:
    """Deliver a message to the instance waiting for it with exactly this key, if any."""
    instance_id = messages.find_waiting(session, tenant_id, name, key)
    if instance_id is None:
        session.rollback()
        return None
    instance = lock_instance(session, tenant_id, instance_id)
    workflow = workflow_of(session, instance)
    if (name, key) not in {(n, k) for n, k, _ in messages.waiting(workflow)}:
        session.rollback()  # our own key check: SpiffWorkflow would accept a wrong key
        return None
    try:
        if not messages.deliver(workflow, name, payload):
            session.rollback()
            return None
        log = advance(workflow)
        completed, state = settle(workflow, log)
    except InstanceCorrupt:
        session.rollback()
        raise
    except Exception as err:
        message, element_id = failure_message(err)
        session.rollback()
        failure = StepFailed(message, element_id=element_id)
        failure.instance = record_incident(
            session, tenant_id, instance_id, actor, message, element_id, {"message": name}
        )
        raise failure from err
    writes = Writes(instance.tenant_id)
    writes.event(actor, "message_received", None, {"name": name, "fields": sorted(payload)})
    return save_transition(session, instance, workflow, log, writes, actor, (completed, state))
