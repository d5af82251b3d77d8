"""Anonymising and deleting closed cases; removing their files once the change committed."""

from __future__ import annotations

import logging
import os

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from designer.models import OutboxMessage
from engine.api import scrub
from engine.models import Base, ConnectorJob, Event, HumanTask, Instance, MessageWait

from .policy import ANONYMISED

logger = logging.getLogger(__name__)

# Event summary keys that describe the process, never the person.
STRUCTURAL_KEYS = frozenset(
    {"name", "type", "to", "outcome", "fields", "lane", "connector", "due", "job", "task"}
)
NOTIFICATION_KEYS = frozenset({"template", "status"})  # "to" there is a (masked) address
RESULT_KEYS = ("outcome", "decided_by")


def anonymise(session: Session, instance: Instance, days: int | None = None) -> None:
    """Strip the personal content from one closed case, keeping what statistics need."""
    owner = instance.owner
    scrub(session, instance)  # the engine empties the workflow state and its live copy
    instance.subject, instance.owner, instance.error = "", None, None
    if instance.result is not None:
        instance.result = {k: instance.result[k] for k in RESULT_KEYS if k in instance.result}
    for task in session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)):
        task.subject, task.saved_form = "", None
        if owner and task.completed_by == owner:
            task.completed_by = ANONYMISED
        if owner and task.assignee == owner:
            task.assignee = ANONYMISED
    for event in session.scalars(select(Event).where(Event.instance_id == instance.id)):
        keep = NOTIFICATION_KEYS if event.kind == "notification" else STRUCTURAL_KEYS
        event.summary = {k: v for k, v in (event.summary or {}).items() if k in keep}
        if owner and event.actor == owner:
            event.actor = ANONYMISED
    session.execute(delete(MessageWait).where(MessageWait.instance_id == instance.id))
    session.execute(
        update(ConnectorJob)
        .where(ConnectorJob.instance_id == instance.id)
        .values(params={}, last_error=None)
    )
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.instance_id == instance.id)
        .values(recipient="", subject="", body_text="", body_html=None, error=None)
    )
    session.add(
        Event(
            tenant_id=instance.tenant_id,
            instance_id=instance.id,
            actor="system",
            kind=ANONYMISED,
            summary={"retention_days": days} if days else {},
        )
    )


def delete_cases(session: Session, ids: list[int]) -> None:
    """Delete cases and every row of every table that refers to them."""
    dependents = [
        t
        for t in reversed(Base.metadata.sorted_tables)
        if "instance_id" in t.c and t.name != Instance.__tablename__
    ]
    for table in dependents:
        session.execute(delete(table).where(table.c.instance_id.in_(ids)))
    session.execute(delete(Instance).where(Instance.id.in_(ids)))


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
