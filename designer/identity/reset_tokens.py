"""One-time password-reset tokens: only the SHA-256 of a token is stored.

Functions take the session and flush; the view commits once at its end.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from designer.identity.login_security import (
    RESET_SENT,
    clear_failures,
    password_fingerprint,
    record,
    seconds,
    setting,
    sha256,
)
from designer.models import LoginAttempt, PasswordResetToken, User
from engine.models import utcnow


def find_accounts(session: Session, login: str) -> list[User]:
    """Active password accounts with an e-mail, named by username or by e-mail address."""
    login = login.strip()
    if not login:
        return []
    users = list(session.scalars(select(User).where(User.username == login)))
    if not users and "@" in login:
        users = list(
            session.scalars(
                select(User)
                .where(func.lower(User.email) == login.lower())
                .order_by(User.id)
                .limit(5)
            )
        )
    return [u for u in users if u.active and u.password_hash and "@" in u.email]


def issue(session: Session, user: User, ip: str, now: datetime | None = None) -> str | None:
    """A fresh one-time token for `user` (older ones are voided); None when throttled.

    Only the token's hash is stored; the caller sends the token and forgets it.
    """
    now = now or utcnow()
    window = seconds("LOGIN_IP_WINDOW")
    recent = session.scalar(
        select(func.count()).where(
            LoginAttempt.username == user.username,
            LoginAttempt.kind == RESET_SENT,
            LoginAttempt.created_at > now - window,
        )
    )
    if (recent or 0) >= int(setting("PASSWORD_RESET_MAX_PER_ACCOUNT")):
        return None
    token = secrets.token_urlsafe(32)
    session.execute(delete(PasswordResetToken).where(PasswordResetToken.user_id == user.id))
    session.add(
        PasswordResetToken(
            tenant_id=user.tenant_id,
            user_id=user.id,
            token_hash=sha256(token),
            password_fingerprint=password_fingerprint(user),
            created_at=now,
            expires_at=now + seconds("PASSWORD_RESET_MAX_AGE"),
        )
    )
    record(session, RESET_SENT, user.username, ip, now, user.tenant_id)
    session.flush()
    return token


def user_for_token(session: Session, token: str, now: datetime | None = None) -> User | None:
    """The user a reset token belongs to, if it is unused, unexpired and still current."""
    now = now or utcnow()
    if not token or len(token) > 100:
        return None
    row = session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == sha256(token))
    )
    if row is None or row.expires_at <= now:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active or password_fingerprint(user) != row.password_fingerprint:
        return None
    return user


def reset_password(
    session: Session, token: str, new_password: str, now: datetime | None = None
) -> User | None:
    """Set a new password with a token; the token and the user's failures are spent.

    Returns None (and changes nothing) when the token is not valid.
    """
    now = now or utcnow()
    user = user_for_token(session, token, now)
    if user is None:
        return None
    # Spending the token is the atomic step: of two concurrent uses only one deletes it.
    spent = session.execute(
        delete(PasswordResetToken).where(PasswordResetToken.token_hash == sha256(token))
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        return None
    user.set_password(new_password)
    session.execute(delete(PasswordResetToken).where(PasswordResetToken.user_id == user.id))
    clear_failures(session, user.username)
    session.flush()
    return user
