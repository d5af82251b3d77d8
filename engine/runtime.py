"""Start, advance, complete and cancel instances: the one path every writer takes.

Each transition is one database transaction: lock the row, run SpiffWorkflow,
prune finished history, write state + task index + events, commit. A failed
automated step is rolled back and recorded as an incident on the instance.
"""

from __future__ import annotations

import copy
from typing import Any
from uuid import UUID

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.util.task import TaskState

from . import bpmn
from .errors import Conflict, InstanceClosed, InstanceCorrupt, NotFound, StepFailed, TaskNotReady
from .history import prune_history, unfinished_tasks
from .models import Event, HumanTask, Instance, ProcessVersion, utcnow
from .scripting import SCRIPT_ENGINE
from .serialization import dump_state, load_state, to_json_value
from .steps import StepLog, advance, sync_human_tasks
from .store import WORKFLOWS, begin_write, lock_instance, next_case_no

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


def _add_event(
    session: Session, instance: Instance, actor: str, kind: str,
    element_id: str | None = None, summary: dict[str, Any] | None = None,
) -> None:
    session.add(Event(
        tenant_id=instance.tenant_id, instance_id=instance.id, actor=actor, kind=kind,
        element_id=element_id, summary=summary or {}, at=utcnow(),
    ))


def _workflow(instance: Instance) -> BpmnWorkflow:
    workflow = WORKFLOWS.checkout(instance.id, instance.version)
    if workflow is None:
        parsed = spec_for(instance.process_version)
        workflow = load_state(instance.state, parsed.spec, parsed.subprocess_specs)
    return workflow


def _finish(
    session: Session, instance: Instance, workflow: BpmnWorkflow, log: StepLog, actor: str
) -> None:
    prune_history(workflow)
    completed = workflow.is_completed()
    if completed != (unfinished_tasks(workflow) == 0):
        raise InstanceCorrupt(
            "The workflow reports a state that does not match its tasks; "
            "the step was refused to protect the case."
        )
    for kind, element_id, summary in log.events:
        _add_event(session, instance, "system", kind, element_id, summary)
    sync_human_tasks(session, instance, workflow, log)
    now = utcnow()
    if completed:
        instance.status = "completed"
        instance.completed_at = now
        instance.outcome = log.outcome or instance.outcome
        decision = workflow.data.get("decision")
        instance.result = to_json_value(decision) if decision is not None else None
        _add_event(session, instance, actor, "completed", log.outcome, {"outcome": log.outcome})
    else:
        instance.status = "running"
    instance.error = None
    instance.state = dump_state(workflow)
    instance.updated_at = now
    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        raise Conflict("Someone else changed this case at the same time.") from None


def _commit(session: Session, instance: Instance, workflow: BpmnWorkflow) -> Instance:
    session.commit()
    WORKFLOWS.checkin(instance.id, instance.version, workflow)
    return instance


def _failure_message(err: Exception) -> tuple[str, str | None]:
    spec = getattr(getattr(err, "task", None), "task_spec", None) or getattr(err, "task_spec", None)
    element_id = getattr(spec, "bpmn_id", None)
    name = getattr(spec, "bpmn_name", None) or element_id
    detail = str(err.args[0]) if err.args else type(err).__name__
    where = f" in '{name}'" if name else ""
    return f"An automated step failed{where}: {detail}", element_id


def record_incident(
    session: Session, tenant_id: int, instance_id: int, actor: str, message: str,
    element_id: str | None = None, summary: dict[str, Any] | None = None,
) -> Instance:
    """Mark an instance as needing attention; its state stays as last committed."""
    instance = lock_instance(session, tenant_id, instance_id)
    instance.status = "incident"
    instance.error = message
    instance.updated_at = utcnow()
    _add_event(session, instance, actor, "incident", element_id,
               {"message": message, **(summary or {})})
    session.commit()
    return instance


def start(
    session: Session, version: ProcessVersion, *, data: dict[str, Any], actor: str,
    owner: str | None = None, subject: str = "", is_test: bool = False,
) -> Instance:
    """Start an instance with initial data and run it until it waits."""
    parsed = spec_for(version)
    begin_write(session)
    case_no = next_case_no(session, version.tenant_id, utcnow().year)
    workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=SCRIPT_ENGINE)
    workflow.get_next_task(state=TaskState.READY).data.update(copy.deepcopy(data))
    initial_state = dump_state(workflow)
    instance = Instance(
        tenant_id=version.tenant_id, version_id=version.id, process_version=version,
        case_no=case_no, status="running", state=initial_state, owner=owner,
        subject=subject[:200], is_test=is_test, created_at=utcnow(),
    )
    session.add(instance)
    session.flush()
    _add_event(session, instance, actor, "started", None, {"fields": sorted(data)})
    try:
        log = advance(workflow)
    except Exception as err:  # a broken diagram must never lose the application
        message, element_id = _failure_message(err)
        session.flush()
        instance.status, instance.error, instance.state = "incident", message, initial_state
        _add_event(session, instance, "system", "incident", element_id, {"message": message})
        session.commit()
        failure = StepFailed(message, element_id=element_id)
        failure.instance = instance
        raise failure from err
    _finish(session, instance, workflow, log, actor)
    return _commit(session, instance, workflow)


def complete(
    session: Session, tenant_id: int, task_id: int, data: dict[str, Any], actor: str,
    *, expected_version: int | None = None,
) -> Instance:
    """Complete a human task with form data and run on until the instance waits."""
    try:
        return _complete(session, tenant_id, task_id, data, actor, expected_version)
    except (Conflict, NotFound, InstanceCorrupt):
        session.rollback()
        raise


def _complete(
    session: Session, tenant_id: int, task_id: int, data: dict[str, Any], actor: str,
    expected_version: int | None,
) -> Instance:
    found = session.get(HumanTask, task_id)
    if found is None or found.tenant_id != tenant_id:
        raise NotFound(f"Task {task_id} does not exist.")
    instance = lock_instance(session, tenant_id, found.instance_id)
    human = session.get(HumanTask, task_id, populate_existing=True)
    assert human is not None
    if human.status != "open":
        raise TaskNotReady(
            "This task has already been completed." if human.status == "completed"
            else "This task is no longer open.", current_version=instance.version,
        )
    if instance.status in CLOSED:
        raise InstanceClosed("This case is closed.", current_version=instance.version)
    if expected_version is not None and instance.version != expected_version:
        raise Conflict("The case changed after you opened it.", current_version=instance.version)
    workflow = _workflow(instance)
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
    except Exception as err:
        message, element_id = _failure_message(err)
        session.rollback()
        failure = StepFailed(message, element_id=element_id)
        failure.instance = record_incident(
            session, tenant_id, instance.id, actor, message, element_id,
            {"task": human.element_id, "fields": sorted(data)},
        )
        raise failure from err
    human.status, human.completed_by, human.completed_at = "completed", actor, utcnow()
    _add_event(session, instance, actor, "task_completed", human.element_id,
               {"name": human.name, "fields": sorted(data)})
    _finish(session, instance, workflow, log, actor)
    return _commit(session, instance, workflow)


def cancel(session: Session, tenant_id: int, instance_id: int, actor: str, reason: str = "") -> Instance:
    """Cancel an instance and every open task of it."""
    instance = lock_instance(session, tenant_id, instance_id)
    if instance.status in CLOSED:
        session.rollback()
        raise InstanceClosed("This case is already closed.", current_version=instance.version)
    workflow = _workflow(instance)
    workflow.cancel()
    for human in session.query(HumanTask).filter_by(instance_id=instance.id, status="open"):
        human.status = "cancelled"
    instance.status, instance.completed_at = "cancelled", utcnow()
    instance.state = dump_state(workflow)
    _add_event(session, instance, actor, "cancelled", None, {"reason": reason})
    return _commit(session, instance, workflow)


def task_data(instance: Instance, task_uuid: str) -> dict[str, Any]:
    """The data a task sees (JSON-friendly copy), for showing a case to a person."""
    workflow = _workflow(instance)
    try:
        return dict(to_json_value(workflow.get_task_from_id(UUID(task_uuid)).data))
    except TaskNotFoundException:
        return {}
    finally:
        WORKFLOWS.checkin(instance.id, instance.version, workflow)


def current_data(instance: Instance) -> dict[str, Any]:
    """The instance's latest data: the workflow's data when done, else the live tasks'."""
    workflow = _workflow(instance)
    try:
        if workflow.is_completed():
            return dict(to_json_value(workflow.data))
        merged: dict[str, Any] = {}
        for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING):
            merged.update(task.data)
        return dict(to_json_value(merged))
    finally:
        WORKFLOWS.checkin(instance.id, instance.version, workflow)
