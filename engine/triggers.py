"""Transitions no person starts: due timers fire, and messages from outside arrive."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from . import messages, outcomes
from .errors import StepFailed
from .live import workflow_of
from .models import Instance
from .steps import StepLog, advance
from .store import decline, lock_instance
from .transact import Declined, incident_on, transition
from .transition import Writes


def wake(session: Session, tenant_id: int, instance_id: int, now: datetime) -> Instance | None:
    """Fire the timers of an instance that are due; None if another worker got there first."""
    instance = lock_instance(session, tenant_id, instance_id)
    due = instance.next_timer_at
    if instance.status != "running" or due is None or due > now:
        decline(session)
        return None
    workflow = workflow_of(session, instance)
    writes = Writes(instance.tenant_id)

    def no_timer(row: Instance, _writes: Writes) -> None:
        row.next_timer_at = None  # an incident waits for people, not for the clock

    def done() -> None:
        writes.event("system", "timer", None, {"due": due.isoformat()})

    try:
        return transition(
            session,
            instance,
            workflow,
            lambda: advance(workflow),
            kind=outcomes.TIMER,
            actor="system",
            writes=writes,
            done=done,
            clock=now,
            on_failure=incident_on(session, instance, "system", also=no_timer),
        )
    except StepFailed as failure:  # recorded: the scheduler goes on with other cases
        assert isinstance(failure.instance, Instance)
        return failure.instance


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
        decline(session)
        return None
    instance = lock_instance(session, tenant_id, instance_id)
    workflow = workflow_of(session, instance)
    if (name, key) not in {(n, k) for n, k, _ in messages.waiting(workflow)}:
        decline(session)  # our own key check: SpiffWorkflow would accept a wrong key
        return None
    writes = Writes(instance.tenant_id)

    def run() -> StepLog:
        if not messages.deliver(workflow, name, payload):
            raise Declined
        return advance(workflow)

    def done() -> None:
        summary = {"name": name, "fields": sorted(payload)}
        writes.event(actor, "message_received", None, summary)

    try:
        return transition(
            session,
            instance,
            workflow,
            run,
            kind=outcomes.MESSAGE,
            actor=actor,
            writes=writes,
            done=done,
            on_failure=incident_on(session, instance, actor, {"message": name}),
        )
    except Declined:
        decline(session)
        return None
