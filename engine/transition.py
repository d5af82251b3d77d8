"""One transition's writes, batched: events and task-index rows in as few statements as can be."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from .models import Event, HumanTask, Instance, utcnow
from .serialization import to_json_value
from .steps import due_at

FORM_PROPERTY = "formJsonSchemaFilename"
GROUP_PROPERTY = "candidateGroup"  # the group picked for a task; the lane otherwise
# "=name": the group (or the instructions) is the value of the case's data variable `name`,
# read and never evaluated.
_DATA_VARIABLE = re.compile(r"=\s*([A-Za-z_][A-Za-z0-9_]*)\s*")
MAX_GROUP = 200  # human_task.lane
EVENT_TABLE = cast(Table, Event.__table__)  # Core inserts: no ORM bulk path on the step path
HUMAN_TASK_TABLE = cast(Table, HumanTask.__table__)


@dataclass
class Writes:
    """Rows a transition will write, collected while SpiffWorkflow runs."""

    tenant_id: int
    default_due_days: int | None = None
    now: datetime = field(default_factory=utcnow)
    events: list[dict[str, Any]] = field(default_factory=list)
    written: list[dict[str, Any]] = field(default_factory=list)  # events already flushed
    opened: list[str] = field(default_factory=list)  # task uuids of newly opened human tasks
    # The instance's open human tasks (id, uuid) as read under the row lock, when the
    # transition read them already (completing a task); None: sync_human_tasks reads them.
    open_tasks: list[tuple[int, str]] | None = None

    def event(
        self,
        actor: str,
        kind: str,
        element_id: str | None = None,
        summary: dict[str, Any] | None = None,
    ) -> None:
        """Queue one history row."""
        self.events.append(
            {
                "tenant_id": self.tenant_id,
                "actor": actor,
                "kind": kind,
                "element_id": element_id,
                "summary": summary or {},
                "at": self.now,
            }
        )

    def flush(self, session: Session, instance_id: int) -> None:
        """Write the queued events for `instance_id` in one statement."""
        if self.events:
            for row in self.events:
                row["instance_id"] = instance_id
            # Core, one executemany: no ORM bulk path, NULLs rendered so every row batches.
            session.connection().execute(insert(EVENT_TABLE), self.events)
            self.written.extend(self.events)
            self.events = []


def set_result(session: Session, instance: Instance, result: dict[str, Any]) -> None:
    """Set the case's decision in force (`Instance.result`) from outside a transition; flush.

    For what the engine cannot know: a decision already made while the case still waits
    for a connector, or a new decision after a manual review or an appeal. The value is
    stored as JSON (dates and decimals made plain); the caller commits.
    """
    instance.result = to_json_value(dict(result))
    session.flush()


def add_event(
    session: Session,
    instance: Instance,
    actor: str,
    kind: str,
    element_id: str | None = None,
    summary: dict[str, Any] | None = None,
) -> Event:
    """Add one history row that is not a transition (a note, a comment, a request); flush.

    The caller commits (with its own rows, e.g. an audit row or a notice).
    """
    row = Event(
        tenant_id=instance.tenant_id,
        instance_id=instance.id,
        at=utcnow(),
        actor=actor,
        kind=kind,
        element_id=element_id,
        summary=dict(summary or {}),
    )
    session.add(row)
    session.flush()
    return row


def data_variable(chosen: str | None) -> str | None:
    """The data variable "=name" reads, or None for a text (a group's name) given outright."""
    found = _DATA_VARIABLE.fullmatch(chosen or "")
    return found.group(1) if found else None


def group_of(spec: Any, data: dict[str, Any] | None = None) -> str | None:
    """Who works a task: the group chosen on it (`candidateGroup`), else its lane.

    A chosen "=name" takes the group from the task's data variable `name` (a platform
    process routes a review to the group of the case it reviews); a missing or empty
    value falls back to the lane. Without `data` (parsing) such a task has only its lane.
    """
    properties = (getattr(spec, "extensions", None) or {}).get("properties", {})
    chosen = properties.get(GROUP_PROPERTY)
    variable = data_variable(chosen)
    if variable is not None:
        value = (data or {}).get(variable)
        chosen = value.strip()[:MAX_GROUP] if isinstance(value, str) else None
    return chosen or getattr(spec, "lane", None)


def instructions_of(spec: Any, data: dict[str, Any] | None = None) -> str:
    """A task's instructions; "=name" takes them from the data variable `name` (text only)."""
    written = (getattr(spec, "extensions", None) or {}).get("instructionsForEndUser") or ""
    variable = data_variable(written)
    if variable is None:
        return str(written)
    value = (data or {}).get(variable)
    return value if isinstance(value, str) else ""


def sync_human_tasks(
    session: Session, instance: Instance, workflow: BpmnWorkflow, writes: Writes, *, new: bool
) -> None:
    """Make the human_task rows match the workflow's ready manual tasks."""
    ready = {str(t.id): t for t in workflow.get_tasks(state=TaskState.READY, manual=True)}
    known: set[str] = set()
    if not new:
        rows = writes.open_tasks
        if rows is None:
            rows = [
                (row.id, row.task_uuid)
                for row in session.execute(
                    select(HumanTask.id, HumanTask.task_uuid).where(
                        HumanTask.instance_id == instance.id, HumanTask.status == "open"
                    )
                )
            ]
        gone = [task_id for task_id, task_uuid in rows if task_uuid not in ready]
        if gone:
            session.execute(
                update(HumanTask)
                .where(HumanTask.id.in_(gone))
                .values(status="cancelled")
                .execution_options(synchronize_session=False)
            )
        known = {task_uuid for _, task_uuid in rows}
    added = []
    for task_uuid, task in ready.items():
        if task_uuid in known:
            continue
        spec = task.task_spec
        extensions = getattr(spec, "extensions", None) or {}
        name = spec.bpmn_name or spec.bpmn_id
        group = group_of(spec, task.data)
        added.append(
            {
                "tenant_id": instance.tenant_id,
                "instance_id": instance.id,
                "task_uuid": task_uuid,
                "case_no": instance.case_no,
                "subject": instance.subject,
                "model_id": instance.model_id,
                "is_test": instance.is_test,
                "element_id": spec.bpmn_id,
                "name": name,
                "lane": group,
                "form": extensions.get("properties", {}).get(FORM_PROPERTY),
                "instructions": instructions_of(spec, task.data),
                "created_at": writes.now,
                "due_at": due_at(spec, writes.now, writes.default_due_days),
                "status": "open",
            }
        )
        writes.event("system", "task_opened", spec.bpmn_id, {"name": name, "lane": group})
        writes.opened.append(task_uuid)
    if added:
        session.connection().execute(insert(HUMAN_TASK_TABLE), added)
