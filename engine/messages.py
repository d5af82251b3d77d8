"""Messages from outside: correlate them to the instance waiting with the right key.

SpiffWorkflow 3.2 accepts a message with the wrong key behind an event-based gateway, so
the key is enforced here: every waiting catch event's key (its `correlationKey` property,
a Python expression over the task data) is stored in `message_wait` after each step, and a
message is only delivered to an instance whose stored key equals the message's key.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from .models import Instance, MessageWait
from .scripting import SCRIPT_ENGINE

KEY_PROPERTY = "correlationKey"


def _key(task: Any) -> str | None:
    props = (getattr(task.task_spec, "extensions", None) or {}).get("properties", {})
    expression = props.get(KEY_PROPERTY)
    if not expression:
        return None
    value = SCRIPT_ENGINE.evaluate(task, expression)
    return None if value is None else str(value)


def starts_on(spec: Any, name: str) -> bool:
    """True when the process has a message start event for `name`."""
    for task_spec in spec.task_specs.values():
        definition = getattr(task_spec, "event_definition", None)
        if (
            type(task_spec).__name__ == "StartEvent"
            and isinstance(definition, MessageEventDefinition)
            and definition.name == name
        ):
            return True
    return False


def waiting(workflow: BpmnWorkflow) -> list[tuple[str, str | None, str]]:
    """(message name, expected key, element id) for every message the workflow waits for."""
    found = []
    for task in workflow.get_tasks(state=TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        if isinstance(definition, MessageEventDefinition):
            found.append((definition.name, _key(task), task.task_spec.bpmn_id))
    return found


def catches_messages(workflow: BpmnWorkflow) -> bool:
    """True when the process (or a sub-process it calls) can wait for a message; known once
    per parsed spec, which versions share and never change."""
    spec = workflow.spec
    found = getattr(spec, "_flytverk_catches_messages", None)
    if found is None:
        specs = [spec, *workflow.subprocess_specs.values()]
        found = any(
            isinstance(getattr(task_spec, "event_definition", None), MessageEventDefinition)
            and type(task_spec).__name__ != "StartEvent"
            for process in specs
            for task_spec in process.task_specs.values()
        )
        spec._flytverk_catches_messages = found
    return bool(found)


def sync_waits(session: Session, instance: Instance, workflow: BpmnWorkflow) -> None:
    """Replace the instance's message_wait rows with what it waits for now (nothing to do,
    and no statement, for a process that never waits for a message)."""
    if not catches_messages(workflow):
        return
    session.execute(delete(MessageWait).where(MessageWait.instance_id == instance.id))
    rows = (
        [
            {
                "tenant_id": instance.tenant_id,
                "instance_id": instance.id,
                "name": name,
                "correlation_key": key,
                "element_id": element_id,
            }
            for name, key, element_id in waiting(workflow)
        ]
        if instance.status == "running"
        else []
    )
    if rows:
        session.execute(insert(MessageWait), rows)


def find_waiting(session: Session, tenant_id: int, name: str, key: str | None) -> int | None:
    """The oldest instance waiting for `name` with exactly this correlation key."""
    condition = (
        MessageWait.correlation_key.is_(None) if key is None else MessageWait.correlation_key == key
    )
    return session.scalar(
        select(MessageWait.instance_id)
        .where(MessageWait.tenant_id == tenant_id, MessageWait.name == name, condition)
        .order_by(MessageWait.instance_id)
        .limit(1)
    )


def deliver(
    workflow: BpmnWorkflow, name: str, payload: dict[str, Any], *, start: bool = False
) -> int:
    """Hand the message to the workflow's catch events; return how many caught it.

    With `start`, only a message start event may catch it.
    """
    for task in workflow.get_tasks(state=TaskState.WAITING):
        if start and type(task.task_spec).__name__ != "StartEvent":
            continue
        definition = getattr(task.task_spec, "event_definition", None)
        if isinstance(definition, MessageEventDefinition) and definition.name == name:
            # The parsed definition (Spiff's subclass) is what the catch compares against.
            event = BpmnEvent(definition, payload=payload)
            caught = int(workflow.event_manager.catch(event, internal=False))
            if caught and getattr(definition, "message_var", None) is None:
                task.set_data(**payload)  # without a message variable the payload is the data
            return caught
    return 0
