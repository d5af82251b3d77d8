"""Transition outcomes: what a transition did, told to the application inside its transaction.

The application registers listeners (`on_transition`); after every transition that changed
an instance, just before its commit, each listener is called with the session and an
`Outcome`. Rows a listener adds (notices in an outbox, audit rows) commit with the
transition. A listener that raises rolls the whole transition back and the error reaches
the engine's caller: it is one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import HumanTask, Instance

STARTED = "started"
TASK_COMPLETED = "task_completed"
TIMER = "timer"
MESSAGE = "message"
CANCELLED = "cancelled"
JOB = "job"
INCIDENT = "incident"
RETRIED = "retried"
KINDS = (STARTED, TASK_COMPLETED, TIMER, MESSAGE, CANCELLED, JOB, INCIDENT, RETRIED)


class Written(NamedTuple):
    """One history row the transition wrote."""

    actor: str
    kind: str
    element_id: str | None
    summary: dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    """What one transition did to one instance.

    `kind` names what moved the case (see KINDS); a start whose first automated step failed
    is kind "started" with `instance.status == "incident"`; a failure in any other
    transition rolls it back and is told as its own "incident" outcome.
    """

    instance: Instance
    kind: str
    actor: str
    events: tuple[Written, ...]
    opened: tuple[HumanTask, ...]
    completed: bool

    @property
    def incident(self) -> bool:
        """True when the case needs a person's attention after this transition."""
        return self.instance.status == "incident"


Listener = Callable[[Session, Outcome], None]
_LISTENERS: list[Listener] = []


def on_transition(listener: Listener) -> Listener:
    """Call `listener(session, outcome)` after every transition, inside its transaction.

    Registering the same callable again changes nothing, so register module-level
    functions (not a new closure per application). Usable as a decorator.
    """
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)
    return listener


def remove_listener(listener: Listener) -> None:
    """Stop calling `listener` (no error if it was not registered)."""
    if listener in _LISTENERS:
        _LISTENERS.remove(listener)


def clear_listeners() -> None:
    """Forget every listener (for tests)."""
    _LISTENERS.clear()


def listening() -> bool:
    """True when anyone listens (the outcome is only built then)."""
    return bool(_LISTENERS)


def tell(
    session: Session,
    instance: Instance,
    kind: str,
    actor: str,
    events: Iterable[dict[str, Any]],
    opened: Iterable[str] = (),
) -> None:
    """Build the outcome and call every listener; their errors propagate."""
    if not _LISTENERS:
        return
    uuids = list(opened)
    tasks: tuple[HumanTask, ...] = ()
    if uuids:
        tasks = tuple(
            session.scalars(
                select(HumanTask)
                .where(HumanTask.instance_id == instance.id, HumanTask.task_uuid.in_(uuids))
                .order_by(HumanTask.id)
            )
        )
    outcome = Outcome(
        instance=instance,
        kind=kind,
        actor=actor,
        events=tuple(Written(e["actor"], e["kind"], e["element_id"], e["summary"]) for e in events),
        opened=tasks,
        completed=instance.status == "completed",
    )
    for listener in list(_LISTENERS):
        listener(session, outcome)
