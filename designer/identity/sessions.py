"""Server-side login sessions: a copied session cookie stops working once the session ends.

The signed cookie names a `user_session` row by a random id (only its hash is stored).
Every request checks the row: logout deletes it, deactivation and an admin's password reset
delete all of the user's rows, and a row made before a password change no longer matches
the password. The state is in the database, so it holds for every process and worker.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, session
from flask_login import login_user, logout_user
from sqlalchemy import delete
from sqlalchemy.orm import Session

from designer.identity.login_security import password_fingerprint
from designer.models import User, UserSession
from engine.models import utcnow

SESSION_KEY = "_sid"
DEFAULT_MAX_HOURS = 24


def _hash(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def _max_age() -> timedelta:
    return timedelta(hours=float(current_app.config.get("SESSION_MAX_HOURS") or DEFAULT_MAX_HOURS))


def login(db_session: Session, user: User) -> bool:
    """Log `user` in with a new server-side session (flushed; the caller commits)."""
    if not login_user(user):
        return False
    sid = secrets.token_urlsafe(32)
    now = utcnow()
    db_session.execute(delete(UserSession).where(UserSession.created_at < now - _max_age()))
    db_session.add(
        UserSession(
            id_hash=_hash(sid),
            user_id=user.id,
            password_mark=password_fingerprint(user),
            created_at=now,
        )
    )
    db_session.flush()
    session[SESSION_KEY] = sid
    return True


def logout(db_session: Session) -> None:
    """End this browser's session here and for every copy of its cookie (caller commits)."""
    sid = session.pop(SESSION_KEY, None)
    if isinstance(sid, str):
        db_session.execute(delete(UserSession).where(UserSession.id_hash == _hash(sid)))
        db_session.flush()
    logout_user()


def end_all(db_session: Session, user: User) -> int:
    """End every session of `user`, on every device (flushed; the caller commits)."""
    result = db_session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    db_session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def is_live(db_session: Session, user: User) -> bool:
    """True when the browser's session names a live session of this active user."""
    sid = session.get(SESSION_KEY)
    if not user.active or not isinstance(sid, str):
        return False
    row = db_session.get(UserSession, _hash(sid))
    return (
        row is not None
        and row.user_id == user.id
        and row.password_mark == password_fingerprint(user)
        and row.created_at >= utcnow() - _max_age()
    )
