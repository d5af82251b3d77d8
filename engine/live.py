"""Live workflows of instances: parsed specs, the cache key, loading, reading and scrubbing."""

from __future__ import annotations

import copy
from collections.abc import Hashable
from datetime import datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session

from . import bpmn, parameters
from .models import Instance, ProcessVersion
from .scripting import SCRIPT_ENGINE
from .serialization import dump_state, load_state, to_json_value
from .store import WORKFLOWS

_PARSED: dict[str, bpmn.ParsedProcess] = {}


def spec_for(version: ProcessVersion) -> bpmn.ParsedProcess:
    """The parsed process of a version (parsed once per content hash)."""
    parsed = _PARSED.get(version.content_hash)
    if parsed is None:
        parsed = bpmn.parse(
            {"process.bpmn": version.bpmn},
            version.decisions(),
            process_id=version.process_id,
            values=parameters.values_of(version.files),
        )
        _PARSED[version.content_hash] = parsed
    return parsed


def cache_key(session: Session, instance: Instance) -> Hashable:
    """The live cache's key of an instance."""
    return key_of(session, instance.id, instance.created_at)


def key_of(session: Session, instance_id: int, created_at: datetime) -> Hashable:
    """The live cache's key of the instance with this id and creation time."""
    # Ids repeat across databases (and after a reset): the key names the database
    # and the row's creation time too, so a cached workflow never leaks across.
    bind = session.get_bind()
    url = bind.engine.url if hasattr(bind, "engine") else getattr(bind, "url", "")
    return (str(url), instance_id, created_at)


def workflow_of(session: Session, instance: Instance) -> BpmnWorkflow:
    """Check the instance's workflow out of the cache, or load it from the row."""
    workflow = WORKFLOWS.checkout(cache_key(session, instance), instance.version)
    if workflow is None:
        parsed = spec_for(instance.process_version)
        workflow = load_state(instance.state, parsed.spec, parsed.subprocess_specs)
    return workflow


def new_workflow(parsed: bpmn.ParsedProcess, data: dict[str, Any]) -> BpmnWorkflow:
    """A fresh workflow whose start task holds a copy of `data`."""
    workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=SCRIPT_ENGINE)
    workflow.get_next_task(state=TaskState.READY).data.update(copy.deepcopy(data))
    return workflow


def visible_data(workflow: BpmnWorkflow) -> dict[str, Any]:
    """The data a person would call 'the case data now'."""
    if workflow.is_completed():
        return dict(to_json_value(workflow.data))
    merged: dict[str, Any] = {}
    for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING):
        merged.update(task.data)
    return dict(to_json_value(merged))


def task_data(session: Session, instance: Instance, task_uuid: str) -> dict[str, Any]:
    """The data a task sees (JSON-friendly copy), for showing a case to a person."""
    workflow, key = workflow_of(session, instance), cache_key(session, instance)
    try:
        return dict(to_json_value(workflow.get_task_from_id(UUID(task_uuid)).data))
    except TaskNotFoundException:
        return {}
    finally:
        WORKFLOWS.checkin(key, instance.version, workflow)


def current_data(session: Session, instance: Instance) -> dict[str, Any]:
    """The instance's latest data: the workflow's data when done, else the live tasks'."""
    workflow, key = workflow_of(session, instance), cache_key(session, instance)
    try:
        return visible_data(workflow)
    finally:
        WORKFLOWS.checkin(key, instance.version, workflow)


def scrub(session: Session, instance: Instance) -> None:
    """Empty every task's and (sub)process's data in the stored state (for retention).

    The state is written back to the row (the case still opens, with no data) and the
    live copy is dropped. Nothing is committed: the caller's transaction owns it.
    """
    if not instance.state:
        return
    parsed = spec_for(instance.process_version)
    workflow = load_state(instance.state, parsed.spec, parsed.subprocess_specs)
    for flow in (workflow, *workflow.subprocesses.values()):
        flow.data = {}
        for task in flow.tasks.values():
            task.data = {}
            task.internal_data = {}
    workflow.bpmn_events = []
    WORKFLOWS.evict(cache_key(session, instance))  # a cached live copy still holds the data
    instance.state = dump_state(workflow)
