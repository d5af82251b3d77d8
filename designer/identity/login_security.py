"""Password login with a per-username lockout, and the login-security settings.

Failures and locks live in the database, so every web process and host sees the same
counters (SQLite and PostgreSQL alike); throttling per client address is Flask-Limiter's
(identity/throttle.py), reset tokens are in identity/reset_tokens.py. Functions take the
session and `now` (naive UTC, so tests move the clock instead of sleeping); they flush and
the caller (the login view) commits once.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from designer.models import (
    DEFAULT_PASSWORD_METHOD,
    LoginAttempt,
    PasswordResetToken,
    User,
    password_method,
)
from designer.services import passwords
from engine.models import Tenant, utcnow

PASSWORD_METHOD = DEFAULT_PASSWORD_METHOD  # production's method (config PASSWORD_METHOD)

DEFAULTS: dict[str, Any] = {
    "LOGIN_MAX_FAILURES": 5,  # per username within LOGIN_FAILURE_WINDOW ...
    "LOGIN_FAILURE_WINDOW": 15 * 60,  # seconds
    "LOGIN_LOCKOUT_SECONDS": 15 * 60,  # ... locks the username this long
    "LOGIN_IP_MAX_FAILURES": 20,  # per client address within LOGIN_IP_WINDOW
    "LOGIN_IP_WINDOW": 15 * 60,
    "PASSWORD_RESET_MAX_AGE": 60 * 60,
    "PASSWORD_RESET_MAX_PER_ACCOUNT": 3,  # reset e-mails per account per LOGIN_IP_WINDOW
    "PASSWORD_RESET_IP_MAX_REQUESTS": 10,  # reset requests per address per LOGIN_IP_WINDOW
    "PASSWORD_MIN_LENGTH": 12,
}

FAILURE = "failure"  # wrong password or unknown username: counts for the username
REFUSED = "refused"  # attempt on a locked username (kept for the record)
LOCK = "lock"  # the username is locked from created_at for LOGIN_LOCKOUT_SECONDS
RESET_SENT = "reset_sent"  # a reset e-mail went to this username
KEEP = timedelta(days=1)  # longer than any window or lockout above may sensibly be


@dataclass(frozen=True)
class Verdict:
    """The outcome of a login attempt: the user, or why not and until when."""

    user: User | None = None
    locked_until: datetime | None = None

    def retry_after(self, now: datetime) -> int:
        """Whole seconds until the lock ends (at least 1)."""
        if self.locked_until is None:
            return 0
        return max(1, math.ceil((self.locked_until - now).total_seconds()))


def setting(key: str) -> Any:
    """A login-security setting from the app config, falling back to DEFAULTS."""
    return current_app.config.get(key, DEFAULTS[key])


def seconds(key: str) -> timedelta:
    """A setting in seconds, as a timedelta."""
    return timedelta(seconds=float(setting(key)))


def sha256(value: str) -> str:
    """Hex SHA-256 of a text."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


@cache
def _dummy_hash(method: str) -> str:
    # Checked when the username is unknown, so that both paths cost one hash.
    return generate_password_hash(secrets.token_hex(16), method=method)


def password_fingerprint(user: User) -> str:
    """A short digest of the stored hash: changes whenever the password does."""
    return sha256(user.password_hash)[:32]


def needs_rehash(password_hash: str, method: str | None = None) -> bool:
    """True when a stored hash was made with other parameters than the configured method."""
    return password_hash.split("$", 1)[0] != (method or password_method())


def password_problem(
    session: Session, password: str, user: User | None = None
) -> passwords.Problem | None:
    """Why a new password is not good enough for `user`, or None (see services/passwords)."""
    words: list[str] = []
    if user is not None:
        tenant = session.get(Tenant, user.tenant_id) if user.tenant_id else None
        words = passwords.own_words(
            user.username, user.name, user.email, tenant.name if tenant else ""
        )
    return passwords.problem(
        password,
        min_length=int(setting("PASSWORD_MIN_LENGTH")),
        username=user.username if user else "",
        email=user.email if user else "",
        user_inputs=words,
    )


def record(
    session: Session, kind: str, username: str, ip: str, now: datetime, tenant_id: int | None
) -> None:
    """Add one login-attempt row."""
    session.add(
        LoginAttempt(
            kind=kind, username=username[:200], ip=ip[:64], created_at=now, tenant_id=tenant_id
        )
    )


def account_locked_until(session: Session, username: str, now: datetime) -> datetime | None:
    """The end of the username's lockout, or None when it may try (known or not)."""
    lockout = seconds("LOGIN_LOCKOUT_SECONDS")
    started = session.scalar(
        select(func.max(LoginAttempt.created_at)).where(
            LoginAttempt.username == username, LoginAttempt.kind == LOCK
        )
    )
    if started is not None and started + lockout > now:
        return started + lockout
    return None


def _record_failure(
    session: Session, username: str, ip: str, now: datetime, tenant_id: int | None
) -> Verdict:
    """Count one failure; lock the username when it reaches the limit within the window."""
    prune(session, now)
    record(session, FAILURE, username, ip, now, tenant_id)
    session.flush()
    since = now - seconds("LOGIN_FAILURE_WINDOW")
    last_lock = session.scalar(
        select(func.max(LoginAttempt.created_at)).where(
            LoginAttempt.username == username, LoginAttempt.kind == LOCK
        )
    )
    if last_lock is not None and last_lock > since:
        since = last_lock  # failures before a lock are spent on it
    failures = session.scalar(
        select(func.count()).where(
            LoginAttempt.username == username,
            LoginAttempt.kind == FAILURE,
            LoginAttempt.created_at > since,
        )
    )
    locked_until = None
    if (failures or 0) >= int(setting("LOGIN_MAX_FAILURES")):
        record(session, LOCK, username, ip, now, tenant_id)
        locked_until = now + seconds("LOGIN_LOCKOUT_SECONDS")
    session.flush()
    return Verdict(locked_until=locked_until)


def prune(session: Session, now: datetime) -> None:
    """Forget attempts older than a day and expired reset tokens (the tables stay small)."""
    session.execute(delete(LoginAttempt).where(LoginAttempt.created_at < now - KEEP))
    session.execute(delete(PasswordResetToken).where(PasswordResetToken.expires_at < now))


def clear_failures(session: Session, username: str) -> None:
    """Forget a username's failures and lock (after a good login or a password reset)."""
    session.execute(
        delete(LoginAttempt).where(
            LoginAttempt.username == username, LoginAttempt.kind.in_((FAILURE, LOCK))
        )
    )


def authenticate(
    session: Session, username: str, password: str, ip: str, now: datetime | None = None
) -> Verdict:
    """Check a password login; unknown usernames take the same path, time and lockout.

    A locked username is refused without looking at the password. A good password clears
    the username's failures and rehashes a hash made with another method. Flushes; the
    caller commits (a failure must be committed too: it counts).
    """
    now = now or utcnow()
    locked_until = account_locked_until(session, username, now)
    if locked_until is not None:
        record(session, REFUSED, username, ip, now, None)
        session.flush()
        return Verdict(locked_until=locked_until)
    user = session.scalar(select(User).where(User.username == username))
    method = password_method()
    if user is not None and user.password_hash:
        good = check_password_hash(user.password_hash, password)
    else:
        check_password_hash(_dummy_hash(method), password)  # same cost as a real check
        good = False
    if user is None or not good or not user.active:
        return _record_failure(session, username, ip, now, user.tenant_id if user else None)
    clear_failures(session, username)
    if needs_rehash(user.password_hash, method):
        _rehash(session, user, password, method)
    session.flush()
    return Verdict(user=user)


def _rehash(session: Session, user: User, password: str, method: str) -> None:
    """Store a hash made with `method`, unless a concurrent login already did.

    A conditional update: only the first login replaces the old hash; the others take the
    hash it stored, so every session of that moment carries the same password mark.
    """
    old = user.password_hash
    session.execute(
        update(User)
        .where(User.id == user.id, User.password_hash == old)
        .values(password_hash=generate_password_hash(password, method=method))
        .execution_options(synchronize_session=False)
    )
    session.refresh(user, ["password_hash"])
