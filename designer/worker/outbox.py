"""Send the outbox's due e-mails over SMTP, after the commits that wrote them.

Each due message is claimed (committed), composed, sent with no transaction open and its
outcome recorded in a second short transaction (`designer.worker.sending`). What is due
and how a try is recorded are `designer.notify.outbox`'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from sqlalchemy.orm import Session

from designer.models import OutboxMessage
from designer.notify import outbox
from designer.notify.mail import compose, setting, transmit
from designer.worker.sending import claim_row, due_ids, send_each
from engine.models import utcnow


def deliver_pending(
    session: Session, config: Mapping[str, Any], now: datetime | None = None, limit: int = 50
) -> int:
    """Send up to `limit` due outbox messages over SMTP; return how many were sent.

    Call it outside a request (the worker tick, `flask notify send`); it commits `session`
    itself. Returns 0 and leaves every row as it is when MAIL_SERVER is not set.
    """
    if not setting(config, "MAIL_SERVER"):
        return 0
    moment = now or utcnow()
    ids = due_ids(session, OutboxMessage, outbox.due(moment), limit)

    def prepare(session: Session, message_id: int) -> EmailMessage | None:
        message = session.get(OutboxMessage, message_id)
        return compose(message, config) if message is not None else None

    def settle(session: Session, message_id: int, _: Any, error: Exception | None) -> bool:
        message = session.get(OutboxMessage, message_id)
        if message is None:
            return False
        text = None if error is None else f"{type(error).__name__}: {error}"
        outbox.finish(message, text, moment)
        return error is None

    return send_each(
        session,
        ids,
        claim=lambda message_id: claim_row(
            session, OutboxMessage, message_id, outbox.due(moment), moment
        ),
        prepare=prepare,
        send=lambda email: transmit(email, config),
        settle=settle,
    )
