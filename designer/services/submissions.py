"""One-time submission keys: a repeated submission finds the first one's result, not a new case.

`claim` adds the key row to the caller's transaction before the engine call, so it commits
with the case (the engine commits the caller's pending rows with its transition) or rolls
back with it. Two submissions with the same key at once: the unique constraint lets one
through; the other gets the first one's row.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from designer.models import SubmissionKey
from designer.services.errors import Invalid
from engine import api as engine

FORM = "form"
MAX_KEY = 100


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


def release(session: Session, row: SubmissionKey) -> None:
    """Forget a key whose submission made nothing, so a corrected retry may use it; flushed."""
    found = session.get(SubmissionKey, row.id)
    if found is not None:
        session.delete(found)
        session.flush()
