"""Running engine steps and recording what the automated ones did."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.util.task import TaskState

from .dmn import pop_explanation  # DMN: decision explanations on the timeline


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
            c.task_spec.bpmn_id
            for c in task.children
            if c.has_state(TaskState.DEFINITE_MASK) and getattr(c.task_spec, "bpmn_id", None)
        ]
    summary.update(pop_explanation(task))  # DMN: which rules fired, on which inputs
    if isinstance(spec, EndEvent) and task.workflow is task.workflow.top_workflow:
        log.outcome = element_id
    log.events.append(("step", element_id, summary))


def advance(workflow: BpmnWorkflow) -> StepLog:
    """Run every automated task until the workflow waits for people or time."""
    log = StepLog()
    workflow.refresh_timers()
    workflow.do_engine_steps(did_complete_task=lambda task: _record(log, task))
    return log


def due_at(spec: Any, now: datetime, default_days: int | None = None) -> datetime | None:
    """A user task's deadline: its `dueInDays` property, else the service's default."""
    props = (getattr(spec, "extensions", None) or {}).get("properties", {})
    days = props.get("dueInDays")
    if days and str(days).isdigit():
        return now + timedelta(days=int(days))
    if default_days:
        return now + timedelta(days=default_days)
    return None
