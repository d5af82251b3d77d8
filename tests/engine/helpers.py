"""Plain helpers for engine tests: fixture files, task and event queries, journeys."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import runtime, store
from engine.models import Event, HumanTask, Instance, ProcessVersion

DATA = Path(__file__).resolve().parents[1] / "data"
ENGINE_DATA = DATA / "engine"
PARKING_BPMN = DATA.parents[1] / "processes" / "parking_permit" / "process.bpmn"
PARKING_FORMS = {"application.json", "review.json"}

Install = Callable[..., ProcessVersion]
"""The type of the `install` fixture: install(bpmn_xml, key=..., form_names=...)."""


def bpmn_text(name: str) -> str:
    """A BPMN fixture from tests/data/engine/ (or tests/data/ for shared ones)."""
    path = ENGINE_DATA / name
    return (path if path.exists() else DATA / name).read_text(encoding="utf-8")


def open_tasks(session: Session, instance_id: int) -> list[HumanTask]:
    """The open human_task rows of an instance, oldest first."""
    return list(
        session.scalars(
            select(HumanTask)
            .where(HumanTask.instance_id == instance_id, HumanTask.status == "open")
            .order_by(HumanTask.id)
        )
    )


def events_of(session: Session, instance_id: int) -> list[tuple[str, str | None, dict[str, Any]]]:
    """(kind, element_id, summary) of every event of an instance, in order."""
    rows = session.scalars(select(Event).where(Event.instance_id == instance_id).order_by(Event.id))
    return [(e.kind, e.element_id, e.summary) for e in rows]


@dataclass
class Outcome:
    """What a journey left behind, free of ids and timestamps, for comparisons."""

    status: str
    outcome: str | None
    result: Any
    data: dict[str, Any]
    events: list[tuple[str, str | None, dict[str, Any]]]
    tasks: list[tuple[str, str]] = field(default_factory=list)


def run_journey(
    session: Session,
    version: ProcessVersion,
    data: dict[str, Any],
    steps: list[tuple[str, dict[str, Any]]],
    *,
    restore: bool,
) -> Outcome:
    """Start an instance and complete the open task named by each step, in order.

    With `restore`, the live workflow cache is emptied before every transition,
    so each one deserializes the instance from its database row.
    """
    instance = runtime.start(session, version, data=data, actor="kari")
    for element_id, task_data in steps:
        checkpoint(restore)
        [task] = [t for t in open_tasks(session, instance.id) if t.element_id == element_id]
        instance = runtime.complete(
            session,
            version.tenant_id,
            task.id,
            task_data,
            "sara",
            expected_version=instance.version,
        )
    checkpoint(restore)
    session.expire_all()
    row = session.get(Instance, instance.id)
    assert row is not None
    tasks = session.scalars(
        select(HumanTask).where(HumanTask.instance_id == row.id).order_by(HumanTask.id)
    )
    return Outcome(
        status=row.status,
        outcome=row.outcome,
        result=row.result,
        data=runtime.current_data(session, row),
        events=events_of(session, row.id),
        tasks=[(t.element_id, t.status) for t in tasks],
    )


def process_xml(body: str, *, process_id: str = "p") -> str:
    """A BPMN document around `body` (flow elements of one executable process).

    The process element is on line 5; `body` starts on line 6.
    """
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"\n'
        '    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"\n'
        '    id="definitions" targetNamespace="http://flytverk.no/bpmn">\n'
        f'<bpmn:process id="{process_id}" isExecutable="true">\n'
        f"{body}\n"
        "</bpmn:process>\n"
        "</bpmn:definitions>\n"
    )


def line_of(xml: str, needle: str) -> int:
    """The 1-based line of the first occurrence of `needle` in `xml`."""
    return xml[: xml.index(needle)].count("\n") + 1


START_TO_END = """
<bpmn:startEvent id="start" />
<bpmn:endEvent id="end" />
<bpmn:sequenceFlow id="f_start_end" sourceRef="start" targetRef="end" />
"""


def checkpoint(restore: bool) -> None:
    """With `restore`, forget live workflows so the next step loads its row."""
    if restore:
        store.WORKFLOWS.clear()
