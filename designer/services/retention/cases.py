"""Anonymising and deleting closed cases; removing their files once the change committed."""

from __future__ import annotations

import logging
import os

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from designer.models import (
    Appeal,
    DecisionLetter,
    OutboxMessage,
    Subscription,
    SubscriptionDay,
)
from engine.api import CASE_TABLES, purge
from engine.api import anonymise as anonymise_case
from engine.models import Base, Instance

from .policy import ANONYMISED

logger = logging.getLogger(__name__)

# Event summary keys that describe the process, never the person.
STRUCTURAL_KEYS = frozenset(
    {"name", "type", "to", "outcome", "fields", "lane", "connector", "due", "job", "task"}
)
NOTIFICATION_KEYS = frozenset({"template", "status"})  # "to" there is a (masked) address
RESULT_KEYS = frozenset({"outcome", "decided_by"})


def anonymise(session: Session, instance: Instance, days: int | None = None) -> None:
    """Strip the personal content from one closed case, keeping what statistics need.

    The engine anonymises its own rows (state, tasks, events, waits, jobs); the notices
    in the outbox are ours.
    """
    anonymise_case(
        session,
        instance,
        keep_event_keys=STRUCTURAL_KEYS,
        keep_notification_keys=NOTIFICATION_KEYS,
        keep_result_keys=RESULT_KEYS,
        replace_actor=ANONYMISED,
        marker=ANONYMISED,
        marker_summary={"retention_days": days} if days else {},
    )
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.instance_id == instance.id)
        .values(recipient="", subject="", body_text="", body_html=None, error=None)
    )
    # The decision letters keep what statistics need: kind, outcome, language, dates.
    for letter in session.scalars(
        select(DecisionLetter).where(DecisionLetter.instance_id == instance.id)
    ):
        kept = {k: v for k, v in (letter.decision or {}).items() if k in RESULT_KEYS}
        letter.decision, letter.html, letter.pdf = kept, "", None
        letter.receipt, letter.error = None, None
    # A subscription keeps its days and sums (the invoices are accounting records), not the
    # person: who it was for, where and what they eat.
    session.execute(
        update(Subscription)
        .where(Subscription.instance_id == instance.id)
        .values(name="", owner=ANONYMISED, attributes={})
    )


def delete_cases(session: Session, ids: list[int]) -> None:
    """Delete cases: our rows of every table that refers to them, then the engine's (purge)."""
    dependents = [
        t
        for t in reversed(Base.metadata.sorted_tables)
        if "instance_id" in t.c and t.name not in CASE_TABLES
    ]
    subscriptions = select(Subscription.id).where(Subscription.instance_id.in_(ids))
    session.execute(
        delete(SubscriptionDay).where(SubscriptionDay.subscription_id.in_(subscriptions))
    )
    for table in dependents:
        session.execute(delete(table).where(table.c.instance_id.in_(ids)))
    # An appeal of an older case names the case that handled its application again.
    session.execute(update(Appeal).where(Appeal.follow_up_id.in_(ids)).values(follow_up_id=None))
    purge(session, ids)


def remove_files(paths: list[str]) -> int:
    """Remove attachment files (after the batch that dropped their rows committed)."""
    removed = 0
    for path in paths:
        try:
            os.remove(path)
            removed += 1
        except FileNotFoundError:
            continue
        except OSError:
            logger.exception("Could not remove %s", path)
    return removed
