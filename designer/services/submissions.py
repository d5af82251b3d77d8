"""One-time submission keys: a repeated submission finds the first one's result, not a new case.

`claim` adds the key row to the caller's transaction before the engine call, so it commits
with the case (the engine commits the caller's pending rows with its transition) or rolls
back with it. Two submissions with the same key at once: the unique constraint lets one
through; the other gets the first one's row.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from designer.models import SubmissionKey
from designer.services.errors import Invalid
from engine import api as engine

FORM = "form"
MAX_KEY = 100
# An API request's key is committed "in progress" before its work; one still in progress
# after this long belongs to a request whose server died before it made anything.
IN_PROGRESS_LEASE = timedelta(minutes=10)
_ANSWERING = "flytverk_submission_answering"  # session.info: the key the transition answers


def new_key() -> str:
    """A fresh random key for a form as it is rendered."""
    return secrets.token_urlsafe(16)


def api_scope(token_id: int) -> str:
    """The scope of an API client's Idempotency-Key values."""
    return f"api:{token_id}"


def _find(session: Session, tenant_id: int, scope: str, key: str) -> SubmissionKey | None:
    return session.scalar(
        select(SubmissionKey).where(
            SubmissionKey.tenant_id == tenant_id,
            SubmissionKey.scope == scope,
            SubmissionKey.key == key,
        )
    )


def claim(
    session: Session, tenant_id: int, scope: str, key: str, owner: str
) -> tuple[SubmissionKey, bool]:
    """The key's row and True when this submission is the first; (earlier row, False) if not.

    A first claim is flushed, not committed: commit it with the work it guards. A repeat
    leaves the session rolled back (nothing of this submission is kept).
    """
    key = key.strip()
    if not key or len(key) > MAX_KEY:
        raise Invalid("The submission key is missing or too long.", code="submission_key")
    earlier = _find(session, tenant_id, scope, key)
    if earlier is not None:
        session.rollback()
        return _refreshed(session, earlier), False
    # End the read so far (keeping what it loaded: the user, the version) and take the
    # writer's turn: SQLite refuses to turn a stale read into a write, and the insert below
    # should wait for a concurrent first submission, then see it. Writes of the caller's
    # already in the session stay and commit with the submission.
    engine.begin_write(session)
    row = SubmissionKey(tenant_id=tenant_id, scope=scope, key=key, owner=owner)
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        earlier = _find(session, tenant_id, scope, key)
        if earlier is None:  # pragma: no cover - the other one rolled back after all
            raise
        return earlier, False
    return row, True


def _refreshed(session: Session, row: SubmissionKey) -> SubmissionKey:
    found = session.get(SubmissionKey, row.id)
    return found if found is not None else row


def settle(
    session: Session,
    row: SubmissionKey,
    *,
    instance_id: int | None = None,
    response: dict[str, Any] | None = None,
) -> None:
    """Record what the first submission made (its case, its answer); flushed."""
    found = session.get(SubmissionKey, row.id) or row
    if instance_id is not None:
        found.instance_id = instance_id
    if response is not None:
        found.response = response
    session.flush()


def answer_with_transition(session: Session, row: SubmissionKey) -> None:
    """Record an API request's answer on its key inside the transition it causes: the case
    started (201) or the message delivered (200) — one commit with the case, so a crash
    after it still lets a repeat replay the answer. A start whose first step failed is the
    422 the request gets. Nothing is recorded when nothing was made."""
    engine.on_transition(_answered)  # idempotent; survives a test's clear_listeners()
    session.info[_ANSWERING] = row.id


def answered(session: Session, row: SubmissionKey) -> bool:
    """True when the request's transition recorded its answer on the key (see above)."""
    session.info.pop(_ANSWERING, None)
    found = session.get(SubmissionKey, row.id, populate_existing=True)
    return found is not None and found.response is not None


def _answered(session: Session, outcome: engine.Outcome) -> None:
    kinds = (engine.outcomes.STARTED, engine.outcomes.MESSAGE)
    if outcome.kind not in kinds or not session.info.get(_ANSWERING):
        return
    key_id = session.info.pop(_ANSWERING)
    case = outcome.instance
    if outcome.kind == engine.outcomes.STARTED and case.status == "incident":
        response = {"status": 422, "body": {"error": case.error}}
    elif outcome.kind == engine.outcomes.STARTED:
        response = {"status": 201, "body": {"started": case.case_no, "status": case.status}}
    else:
        response = {"status": 200, "body": {"delivered_to": case.case_no, "status": case.status}}
    session.execute(
        update(SubmissionKey)
        .where(SubmissionKey.id == key_id)
        .values(instance_id=case.id, response=response)
        .execution_options(synchronize_session=False)
    )


def take_over(session: Session, row: SubmissionKey, now: datetime) -> bool:
    """Take over a key whose first request made nothing and is surely dead (it has been
    "in progress" for IN_PROGRESS_LEASE: its server crashed before the case was made).
    True for the one repeat that wins: the key is theirs, claimed anew (flushed; commit it
    before the work, as a first claim)."""
    if row.response is not None or row.instance_id is not None:
        return False
    if row.created_at > now - IN_PROGRESS_LEASE:
        return False
    engine.begin_write(session)  # the writer's turn: a stale read never becomes a write
    won = session.execute(
        update(SubmissionKey)
        .where(
            SubmissionKey.id == row.id,
            SubmissionKey.created_at == row.created_at,
            SubmissionKey.response.is_(None),
        )
        .values(created_at=now)
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()  # another repeat took it over first
        return False
    return True


def release(session: Session, row: SubmissionKey) -> None:
    """Forget a key whose submission made nothing, so a corrected retry may use it; flushed."""
    found = session.get(SubmissionKey, row.id)
    if found is not None:
        session.delete(found)
        session.flush()
