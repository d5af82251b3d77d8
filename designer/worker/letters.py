"""Render and send the decision letters due, after the commits that wrote them.

Each due letter is claimed (committed), its PDF rendered and committed, the message sent
through the letter adapter with no transaction open, and the outcome settled in a second
short transaction (`designer.worker.sending`). What is due, the PDF, the message and the
bookkeeping of a try are `designer.services.letters.delivery`'s.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from designer.integrations.letter import LetterAdapter, LetterMessage
from designer.models import DecisionLetter
from designer.services.letters import delivery
from designer.worker.sending import claim_row, due_ids, send_each
from engine.models import Instance, utcnow


def claim(session: Session, letter_id: int, now: datetime) -> bool:
    """Take the letter for this worker (committed); False when another worker has it."""
    return claim_row(session, DecisionLetter, letter_id, delivery.due(now), now)


def _prepare(session: Session, letter_id: int) -> LetterMessage | None:
    letter = session.get(DecisionLetter, letter_id)
    instance = session.get(Instance, letter.instance_id) if letter is not None else None
    if letter is None or instance is None:
        return None
    delivery.prepare(session, letter, instance)  # its PDF is kept even if sending fails
    return delivery.message_of(session, letter, instance)


def deliver_pending(
    session: Session, adapter: LetterAdapter, now: datetime | None = None, limit: int = 20
) -> int:
    """Render and send up to `limit` due letters; return how many were sent.

    Call it outside a request (the worker tick, in an app context: the templates); it
    commits `session` itself, a short transaction per step of each letter.
    """
    moment = now or utcnow()
    ids = due_ids(session, DecisionLetter, delivery.due(moment), limit)

    def settle(session: Session, letter_id: int, receipt: Any, error: Exception | None) -> bool:
        letter = session.get(DecisionLetter, letter_id)
        return letter is not None and delivery.settle(letter, receipt, error, moment)

    return send_each(
        session,
        ids,
        claim=lambda letter_id: claim(session, letter_id, moment),
        prepare=_prepare,
        send=adapter.send_letter,
        settle=settle,
    )
