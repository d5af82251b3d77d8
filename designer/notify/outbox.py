"""Send what the outbox holds, after commit: claim a row, talk SMTP, record the result.

Each row is claimed by a conditional UPDATE (two workers never send one message twice),
committed, sent with no transaction open, then marked sent or failed in a second short
transaction. A failure is retried with a growing pause and given up after MAX_ATTEMPTS.
Without MAIL_SERVER nothing is sent: the messages stay in the outbox ("outbox" status).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from designer.models import OutboxMessage
from designer.notify.mail import MAX_ERROR, compose, mask, setting, transmit
from engine.models import utcnow

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF = timedelta(minutes=1)  # 1, 2, 4, 8 minutes between tries
CLAIM_LEASE = timedelta(minutes=5)  # a claim older than this (a crashed worker) is free


def _due(now: datetime) -> Any:
    return (
        OutboxMessage.sent_at.is_(None),
        # Never tried, or a failure with a retry planned (None after a give-up).
        or_(OutboxMessage.error.is_(None), OutboxMessage.next_attempt_at.is_not(None)),
        or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
        or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < now - CLAIM_LEASE),
    )


def _claim(session: Session, message_id: int, now: datetime) -> bool:
    claimed = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, *_due(now))
        .values(claimed_at=now, attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return bool(getattr(claimed, "rowcount", 0) == 1)


def _finish(message: OutboxMessage, error: str | None, now: datetime) -> None:
    message.claimed_at = None
    if error is None:
        message.sent_at, message.error, message.next_attempt_at = now, None, None
    else:
        message.error = error[:MAX_ERROR]
        tries = message.attempts or 1
        retry = tries < MAX_ATTEMPTS
        message.next_attempt_at = now + BACKOFF * 2 ** (tries - 1) if retry else None
        logger.warning(
            "E-mail %s to %s failed (try %s): %s",
            message.id,
            mask(message.recipient),
            tries,
            error,
        )
    if message.secret and (message.sent_at is not None or message.next_attempt_at is None):
        # Delivered or given up: the outbox copy must not be a working key any more.
        message.body_text = message.body_text.replace(message.secret, "…")
        if message.body_html:
            message.body_html = message.body_html.replace(message.secret, "…")
        message.secret = None


def deliver_pending(
    session: Session, config: Mapping[str, Any], now: datetime | None = None, limit: int = 50
) -> int:
    """Send up to `limit` due outbox messages over SMTP; return how many were sent.

    Call it after commit, outside a request (the worker tick); it commits `session` itself.
    Returns 0 and leaves every row as it is when MAIL_SERVER is not set.
    """
    if not setting(config, "MAIL_SERVER"):
        return 0
    now = now or utcnow()
    ids = list(
        session.scalars(
            select(OutboxMessage.id).where(*_due(now)).order_by(OutboxMessage.id).limit(limit)
        )
    )
    session.rollback()  # end the read: each claim is its own short transaction
    sent = 0
    for message_id in ids:
        if not _claim(session, message_id, now):
            continue  # another worker has it
        message = session.get(OutboxMessage, message_id)
        if message is None:
            continue
        email = compose(message, config)
        session.commit()  # no transaction open while the mail server talks
        error: str | None = None
        try:
            transmit(email, config)
        except (OSError, ValueError) as err:  # smtplib.SMTPException is an OSError
            error = f"{type(err).__name__}: {err}"
        message = session.get(OutboxMessage, message_id)
        if message is None:
            continue
        _finish(message, error, now)
        session.commit()
        sent += error is None
    return sent
