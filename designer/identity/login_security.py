"""Login throttling, account lockout, password policy and one-time password-reset tokens.

Attempts and tokens live in the database, so every web process and host sees the same
counters (SQLite and PostgreSQL alike). Every service function takes `now` (naive UTC) so
tests can move the clock instead of sleeping. Functions that write commit `db.session`.
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
from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from designer.extensions import db
from designer.models import LoginAttempt, PasswordResetToken, User
from engine.models import utcnow

# Werkzeug's default, pinned: a Werkzeug upgrade must not silently change our stored hashes.
# scrypt N=2^15, r=8 uses 32 MiB per check; a login that finds weaker parameters rehashes.
PASSWORD_METHOD = "scrypt:32768:8:1"

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

FAILURE = "failure"  # wrong password or unknown username: counts for account and address
REFUSED = "refused"  # attempt on a locked username: counts for the address only
LOCK = "lock"  # the username is locked from created_at for LOGIN_LOCKOUT_SECONDS
RESET = "reset"  # a password-reset request: counts for the address
RESET_SENT = "reset_sent"  # a reset e-mail went to this username
KEEP = timedelta(days=1)  # longer than any window or lockout above may sensibly be

# Lower-cased; a few the whole world uses and a few Norwegians do.
COMMON_PASSWORDS = frozenset(
    """
    123456789012 1234567890123 123456123456 111111111111 000000000000 121212121212
    password1234 password12345 password123456 passwordpassword qwertyuiopas qwerty123456
    qwertyqwerty 1q2w3e4r5t6y 1qaz2wsx3edc abc123abc123 iloveyou1234 letmein12345
    welcome12345 administrator admin1234567 adminadmin12 changeme1234 trustno11234
    passord12345 passord123456 passordpassord sommer123456 sommeren2024 sommeren2025
    sommeren2026 vinter123456 hoesten12345 kommune12345 kommunen1234 norge1234567
    norway123456 hemmelig1234 hemmelig12345 flytverk1234 flytverk12345 velkommen123
    velkommen1234 bergen123456 oslo12345678 trondheim123 rosenborg123 brann1234567
    """.split()
)


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


def _seconds(key: str) -> timedelta:
    return timedelta(seconds=float(setting(key)))


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


@cache
def _dummy_hash() -> str:
    # Checked when the username is unknown, so that both paths cost one hash.
    return generate_password_hash(secrets.token_hex(16), method=PASSWORD_METHOD)


def password_fingerprint(user: User) -> str:
    """A short digest of the stored hash: changes whenever the password does."""
    return _sha256(user.password_hash)[:32]


def needs_rehash(password_hash: str) -> bool:
    """True when a stored hash was made with other parameters than PASSWORD_METHOD."""
    return password_hash.split("$", 1)[0] != PASSWORD_METHOD


def _record(kind: str, username: str, ip: str, now: datetime, tenant_id: int | None) -> None:
    db.session.add(
        LoginAttempt(
            kind=kind, username=username[:200], ip=ip[:64], created_at=now, tenant_id=tenant_id
        )
    )


def _ip_block(kinds: tuple[str, ...], ip: str, limit: int, now: datetime) -> datetime | None:
    """When the address may try again, if `limit` attempts of `kinds` are in the window."""
    window = _seconds("LOGIN_IP_WINDOW")
    times = db.session.scalars(
        select(LoginAttempt.created_at)
        .where(
            LoginAttempt.ip == ip,
            LoginAttempt.kind.in_(kinds),
            LoginAttempt.created_at > now - window,
        )
        .order_by(LoginAttempt.created_at.desc())
        .limit(limit)
    ).all()
    if len(times) < limit:
        return None
    # The oldest of the last `limit` attempts must leave the window first.
    return times[-1] + window


def ip_blocked_until(ip: str, now: datetime) -> datetime | None:
    """Login throttling per client address (credential stuffing): the end of the block."""
    return _ip_block((FAILURE, REFUSED), ip, int(setting("LOGIN_IP_MAX_FAILURES")), now)


def reset_blocked_until(ip: str, now: datetime) -> datetime | None:
    """Password-reset requests per client address: the end of the block, if any."""
    return _ip_block((RESET,), ip, int(setting("PASSWORD_RESET_IP_MAX_REQUESTS")), now)


def account_locked_until(username: str, now: datetime) -> datetime | None:
    """The end of the username's lockout, or None when it may try (known or not)."""
    lockout = _seconds("LOGIN_LOCKOUT_SECONDS")
    started = db.session.scalar(
        select(func.max(LoginAttempt.created_at)).where(
            LoginAttempt.username == username, LoginAttempt.kind == LOCK
        )
    )
    if started is not None and started + lockout > now:
        return started + lockout
    return None


def _record_failure(username: str, ip: str, now: datetime, tenant_id: int | None) -> Verdict:
    """Count one failure; lock the username when it reaches the limit within the window."""
    prune(now)
    _record(FAILURE, username, ip, now, tenant_id)
    db.session.flush()
    since = now - _seconds("LOGIN_FAILURE_WINDOW")
    last_lock = db.session.scalar(
        select(func.max(LoginAttempt.created_at)).where(
            LoginAttempt.username == username, LoginAttempt.kind == LOCK
        )
    )
    if last_lock is not None and last_lock > since:
        since = last_lock  # failures before a lock are spent on it
    failures = db.session.scalar(
        select(func.count()).where(
            LoginAttempt.username == username,
            LoginAttempt.kind == FAILURE,
            LoginAttempt.created_at > since,
        )
    )
    locked_until = None
    if (failures or 0) >= int(setting("LOGIN_MAX_FAILURES")):
        _record(LOCK, username, ip, now, tenant_id)
        locked_until = now + _seconds("LOGIN_LOCKOUT_SECONDS")
    db.session.commit()
    return Verdict(locked_until=locked_until)


def prune(now: datetime) -> None:
    """Forget attempts older than a day and expired reset tokens (the tables stay small)."""
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.created_at < now - KEEP))
    db.session.execute(delete(PasswordResetToken).where(PasswordResetToken.expires_at < now))


def clear_failures(username: str) -> None:
    """Forget a username's failures and lock (after a good login or a password reset)."""
    db.session.execute(
        delete(LoginAttempt).where(
            LoginAttempt.username == username, LoginAttempt.kind.in_((FAILURE, LOCK))
        )
    )


def authenticate(username: str, password: str, ip: str, now: datetime | None = None) -> Verdict:
    """Check a password login; unknown usernames take the same path, time and lockout.

    A locked username is refused without looking at the password. A good password clears
    the username's failures and rehashes a hash made with weaker parameters.
    """
    now = now or utcnow()
    db.session.commit()  # end the read snapshot before writing (SQLite)
    locked_until = account_locked_until(username, now)
    if locked_until is not None:
        _record(REFUSED, username, ip, now, None)
        db.session.commit()
        return Verdict(locked_until=locked_until)
    user = db.session.scalar(select(User).where(User.username == username))
    if user is not None and user.password_hash:
        good = check_password_hash(user.password_hash, password)
    else:
        check_password_hash(_dummy_hash(), password)  # same cost as a real check
        good = False
    if user is None or not good or not user.active:
        return _record_failure(username, ip, now, user.tenant_id if user else None)
    clear_failures(username)
    if needs_rehash(user.password_hash):
        user.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)
    db.session.commit()
    return Verdict(user=user)


def password_problem(password: str, user: User | None = None) -> str | None:
    """Why a new password is not good enough (a msgid key), or None when it is."""
    if len(password) < int(setting("PASSWORD_MIN_LENGTH")):
        return "short"
    folded = password.casefold()
    if folded in COMMON_PASSWORDS or len(set(folded)) < 4:
        return "common"
    if user is not None:
        personal = {user.username.casefold(), user.email.casefold().split("@")[0]} - {""}
        if any(len(part) >= 3 and part in folded for part in personal):
            return "personal"
    return None


def find_accounts(login: str) -> list[User]:
    """Active password accounts with an e-mail, named by username or by e-mail address."""
    login = login.strip()
    if not login:
        return []
    users = list(db.session.scalars(select(User).where(User.username == login)))
    if not users and "@" in login:
        users = list(
            db.session.scalars(
                select(User)
                .where(func.lower(User.email) == login.lower())
                .order_by(User.id)
                .limit(5)
            )
        )
    return [u for u in users if u.active and u.password_hash and "@" in u.email]


def issue_reset_token(user: User, ip: str, now: datetime | None = None) -> str | None:
    """A fresh one-time token for `user` (older ones are voided); None when throttled.

    Only the token's hash is stored; the caller sends the token and forgets it.
    """
    now = now or utcnow()
    db.session.commit()
    window = _seconds("LOGIN_IP_WINDOW")
    recent = db.session.scalar(
        select(func.count()).where(
            LoginAttempt.username == user.username,
            LoginAttempt.kind == RESET_SENT,
            LoginAttempt.created_at > now - window,
        )
    )
    if (recent or 0) >= int(setting("PASSWORD_RESET_MAX_PER_ACCOUNT")):
        return None
    token = secrets.token_urlsafe(32)
    db.session.execute(delete(PasswordResetToken).where(PasswordResetToken.user_id == user.id))
    db.session.add(
        PasswordResetToken(
            tenant_id=user.tenant_id,
            user_id=user.id,
            token_hash=_sha256(token),
            password_fingerprint=password_fingerprint(user),
            created_at=now,
            expires_at=now + _seconds("PASSWORD_RESET_MAX_AGE"),
        )
    )
    _record(RESET_SENT, user.username, ip, now, user.tenant_id)
    db.session.commit()
    return token


def record_reset_request(ip: str, now: datetime | None = None) -> None:
    """Count one reset request from an address (whether or not an account matched)."""
    now = now or utcnow()
    db.session.commit()
    prune(now)
    _record(RESET, "", ip, now, None)
    db.session.commit()


def user_for_token(token: str, now: datetime | None = None) -> User | None:
    """The user a reset token belongs to, if it is unused, unexpired and still current."""
    now = now or utcnow()
    if not token or len(token) > 100:
        return None
    row = db.session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == _sha256(token))
    )
    if row is None or row.expires_at <= now:
        return None
    user = db.session.get(User, row.user_id)
    if user is None or not user.active or password_fingerprint(user) != row.password_fingerprint:
        return None
    return user


def reset_password(token: str, new_password: str, now: datetime | None = None) -> User | None:
    """Set a new password with a token; the token and the user's failures are spent.

    Returns None (and changes nothing) when the token is not valid.
    """
    now = now or utcnow()
    db.session.commit()
    user = user_for_token(token, now)
    if user is None:
        return None
    # Spending the token is the atomic step: of two concurrent uses only one deletes it.
    spent = db.session.execute(
        delete(PasswordResetToken).where(PasswordResetToken.token_hash == _sha256(token))
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        return None
    user.password_hash = generate_password_hash(new_password, method=PASSWORD_METHOD)
    db.session.execute(delete(PasswordResetToken).where(PasswordResetToken.user_id == user.id))
    clear_failures(user.username)
    db.session.commit()
    return user
