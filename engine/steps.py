"""Running engine steps and mirroring their effects into events and the task index."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.util.task import TaskState

from .models import Event, HumanTask, Instance, utcnow

FORM_PROPERTY = "formJsonSchemaFilename"


@dataclass
class StepLog:
    """What the automated steps of one transition did."""

    events: list[tuple[str, str | None, dict[str, Any]]] = field(default_factory=list)
    outcome: str | None = None


def _record(log: StepLog, task: Any) -> None:
    spec = task.task_spec
    element_id = getattr(spec, "bpmn_id", None)
    if not element_id or spec.manual:
        return
    summary: dict[str, Any] = {"name": spec.bpmn_name or element_id, "type": type(spec).__name__}
    if "Gateway" in type(spec).__name__:
        summary["to"] = [
            c.task_spec.bpmn_id for c in task.children
            if c.has_state(TaskState.DEFINITE_MASK) and getattr(c.task_spec, "bpmn_id", None)
        ]
    if isinstance(spec, EndEvent) and task.workflow is task.workflow.top_workflow:
        log.outcome = element_id
    log.events.append(("step", element_id, summary))


def advance(workflow: BpmnWorkflow) -> StepLog:
    """Run every automated task until the workflow waits for people or time."""
    log = StepLog()
    workflow.refresh_timers()
    workflow.do_engine_steps(did_complete_task=lambda task: _record(log, task))
    return log


def _due(spec: Any) -> Any:
    props = (getattr(spec, "extensions", None) or {}).get("properties", {})
    days = props.get("dueInDays")
    if days and str(days).isdigit():
        return utcnow() + timedelta(days=int(days))
    return None


def sync_human_tasks(
    session: Session, instance: Instance, workflow: BpmnWorkflow, log: StepLog
) -> None:
    """Make the human_task rows match the workflow's ready manual tasks."""
    ready = {str(t.id): t for t in workflow.get_tasks(state=TaskState.READY, manual=True)}
    open_rows = session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.status == "open")
    ).all()
    for row in open_rows:
        if row.task_uuid not in ready:
            row.status = "cancelled"
    known = {row.task_uuid for row in open_rows}
    for task_uuid, task in ready.items():
        if task_uuid in known:
            continue
        spec = task.task_spec
        extensions = getattr(spec, "extensions", None) or {}
        session.add(HumanTask(
            tenant_id=instance.tenant_id, instance_id=instance.id, task_uuid=task_uuid,
            element_id=spec.bpmn_id, name=spec.bpmn_name or spec.bpmn_id, lane=spec.lane,
            form=extensions.get("properties", {}).get(FORM_PROPERTY),
            instructions=extensions.get("instructionsForEndUser") or "",
            created_at=utcnow(), due_at=_due(spec),
        ))
        session.add(Event(
            tenant_id=instance.tenant_id, instance_id=instance.id, actor="system",
            kind="task_opened", element_id=spec.bpmn_id, at=utcnow(),
            summary={"name": spec.bpmn_name or spec.bpmn_id, "lane": spec.lane},
        ))
