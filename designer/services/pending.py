"""Rows that belong to a case the engine is about to start: tied to it in the same transaction.

Uploads and the submission key are written before the start, when the case has no id yet;
`tie_to_started_case` remembers them on the session, and the transition listener below sets
their `instance_id` inside the start's transaction — one commit, nothing left unattached.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from designer.models import Attachment, SubmissionKey
from engine.api import Outcome, on_transition

_PENDING = "flytverk_tie_to_started_case"
STARTED = "started"


def tie_to_started_case(
    session: Session, attachment_ids: list[int], submission_key_id: int | None = None
) -> None:
    """Tie these rows to the case the next start in this session makes."""
    on_transition(_on_start)  # idempotent; survives a test's clear_listeners()
    pending = session.info.setdefault(_PENDING, {"attachments": [], "keys": []})
    pending["attachments"] += attachment_ids
    if submission_key_id is not None:
        pending["keys"].append(submission_key_id)


def forget(session: Session) -> None:
    """Drop what was remembered (the start did not happen)."""
    session.info.pop(_PENDING, None)


def tie(session: Session, instance_id: int) -> None:
    """Set `instance_id` on the remembered rows now (flushed)."""
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    if pending["attachments"]:
        session.execute(
            update(Attachment)
            .where(Attachment.id.in_(pending["attachments"]))
            .values(instance_id=instance_id)
            .execution_options(synchronize_session="fetch")
        )
    if pending["keys"]:
        session.execute(
            update(SubmissionKey)
            .where(SubmissionKey.id.in_(pending["keys"]))
            .values(instance_id=instance_id)
            .execution_options(synchronize_session="fetch")
        )


def _on_start(session: Session, outcome: Outcome) -> None:
    if outcome.kind == STARTED and session.info.get(_PENDING):
        tie(session, outcome.instance.id)
