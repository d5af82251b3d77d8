"""The engine path to a decision letter: a case that ends with a decision gets its letter.

One transition listener (`record_letters`): when a transition completes a case whose result
is approved or rejected, the decision is recorded with its letter inside the transition's
transaction — alike for a caseworker's step, a script's automatic decision, a timer or a
connector's answer. Who decided: the caseworker who completed the last staff task, or
nobody (automated processing) when the result says `decided_by: "automatic"`.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from designer.models import DecisionLetter
from designer.notify.citizen import in_app_of
from designer.services import decisions
from engine.api import Outcome, on_transition, remove_listener
from engine.models import Instance


def _record(session: Session, instance: Instance) -> None:
    already = session.scalar(
        select(DecisionLetter.id)
        .where(DecisionLetter.instance_id == instance.id, DecisionLetter.kind == "decision")
        .limit(1)
    )
    if already is not None:
        return
    decisions.record_decision(
        session,
        instance,
        dict(instance.result or {}),
        kind="decision",
        decided_by=decisions.decided_by_of(session, instance),
    )


def record_letters(session: Session, outcome: Outcome) -> None:
    """The transition listener: the decision's letter, committed with the transition."""
    instance = outcome.instance
    if instance.is_test or not outcome.completed:
        return
    if not any(event.kind == "completed" for event in outcome.events):
        return  # a later change to a finished case: its decision has its letter already
    if (instance.result or {}).get("outcome") not in decisions.OUTCOMES:
        return
    in_app_of(session, lambda: _record(session, instance))


def register() -> None:
    """Register the listener (once per process); it serves the apps notify serves."""
    on_transition(record_letters)


def stop() -> None:
    """Unregister the listener (for tests that must see the engine alone)."""
    remove_listener(record_letters)
