"""What the worker needs to send the outbox: which messages are due, how a try is recorded.

The worker (`designer.worker.outbox`) claims a due row, composes it, sends it over SMTP
with no transaction open and records the outcome with `finish`; nothing here commits. A
failure is retried with a growing pause and given up after MAX_ATTEMPTS. Without
MAIL_SERVER nothing is sent: the messages stay in the outbox ("outbox" status).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_

from designer.models import OutboxMessage, retry_pause
from designer.notify.mail import MAX_ERROR, mask

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
CLAIM_LEASE = timedelta(minutes=5)  # a claim older than this (a crashed worker) is free


def due(now: datetime) -> Any:
    """The conditions of a message that is due now: unsent, its pause over, not claimed."""
    return (
        OutboxMessage.sent_at.is_(None),
        # Never tried, or a failure with a retry planned (None after a give-up).
        or_(OutboxMessage.error.is_(None), OutboxMessage.next_attempt_at.is_not(None)),
        or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
        or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < now - CLAIM_LEASE),
    )


def finish(message: OutboxMessage, error: str | None, now: datetime) -> None:
    """Record a try's outcome (the caller commits); a delivered key is scrubbed."""
    message.claimed_at = None
    if error is None:
        message.sent_at, message.error, message.next_attempt_at = now, None, None
    else:
        message.error = error[:MAX_ERROR]
        tries = message.attempts or 1
        retry = tries < MAX_ATTEMPTS
        message.next_attempt_at = now + retry_pause(tries) if retry else None
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
