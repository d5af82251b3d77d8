"""What the worker needs to deliver decision letters: which are due, their PDF, the message.

The worker (`designer.worker.letters`) claims a due letter, lets `prepare` write its PDF,
commits, sends `message_of(...)` through the letter adapter with no transaction open and
records the outcome with `settle`. Nothing here commits. A failure is tried again with a
growing pause and given up after MAX_ATTEMPTS (or at once when the adapter says trying
again cannot help). The adapter is idempotent by the letter's `external_ref`, so a worker
that died after sending never makes a second letter.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_
from sqlalchemy.orm import Session

from designer.integrations.letter import Document, LetterMessage
from designer.models import DecisionLetter, retry_pause
from designer.services.letters import content, render
from engine import api as engine
from engine.api import ConnectorFailed
from engine.models import Instance, utcnow

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
CLAIM_LEASE = timedelta(minutes=5)  # a claim older than this (a crashed worker) is free
MAX_ERROR = 1000


def due(now: datetime) -> Any:
    """The conditions of a letter that is due now: not sent, its pause over, not claimed."""
    return (
        DecisionLetter.status.in_(("pending", "rendered")),
        or_(DecisionLetter.next_attempt_at.is_(None), DecisionLetter.next_attempt_at <= now),
        or_(DecisionLetter.claimed_at.is_(None), DecisionLetter.claimed_at < now - CLAIM_LEASE),
    )


def pdf_name(letter: DecisionLetter, case_no: str) -> str:
    """The PDF's file name: vedtak-2026-000001-1.pdf."""
    return f"vedtak-{case_no}-{letter.number}.pdf"


def prepare(session: Session, letter: DecisionLetter, instance: Instance) -> None:
    """Write what the letter still lacks: its body (if recording could not), its PDF."""
    if not letter.html:
        render.fill_html(session, letter, instance)
    if letter.pdf is None:
        letter.pdf = render.letter_pdf(session, letter)
    letter.status = "rendered"


def pdf_for(session: Session, letter: DecisionLetter, instance: Instance) -> bytes:
    """The letter's PDF: the stored one, else rendered now (not stored: the worker does)."""
    if letter.pdf is not None:
        return letter.pdf
    if letter.html:
        return render.letter_pdf(session, letter)
    case = content.case_of(session, instance, letter.language)
    title, body = render.fragment(
        case,
        letter.decision or {},
        lang=letter.language,
        kind=letter.kind,
        decided_by_name=letter.decided_by_name,
        when=letter.created_at or utcnow(),
    )
    return render.pdf_of(session, letter.tenant_id, title, body, letter.language)


def message_of(session: Session, letter: DecisionLetter, instance: Instance) -> LetterMessage:
    """The letter as the adapter takes it: addressed to the applicant, the PDF attached."""
    data = engine.current_data(session, instance)
    to = content.recipient_of(content.owner_of(session, instance), data)
    return LetterMessage(
        external_ref=letter.external_ref,
        tenant_id=letter.tenant_id,
        instance_id=letter.instance_id,
        case_no=instance.case_no,
        recipient_id=to.national_id,
        recipient_name=to.name,
        address=to.address,
        postal_code=to.postal_code,
        city=to.city,
        title=letter.title,
        documents=(
            Document(
                filename=pdf_name(letter, instance.case_no),
                title=letter.title,
                media_type="application/pdf",
                content=letter.pdf or b"",
            ),
        ),
        language=letter.language,
        extra={"decision_letter": letter.number, "kind": letter.kind},
    )


def settle(
    letter: DecisionLetter,
    receipt: dict[str, Any] | None,
    error: Exception | None,
    now: datetime,
) -> bool:
    """Record a try's outcome on the letter (the caller commits); True when it was sent."""
    letter.claimed_at = None
    if error is None:
        letter.status, letter.sent_at, letter.receipt = "sent", now, receipt
        letter.error, letter.next_attempt_at = None, None
        return True
    if isinstance(error, ConnectorFailed):
        text, retry = str(error), error.retry
    else:
        logger.error("Letter %s could not be rendered or sent", letter.external_ref, exc_info=error)
        text, retry = f"{type(error).__name__}: {error}", True
    letter.error = text[:MAX_ERROR]
    tries = letter.attempts or 1
    if retry and tries < MAX_ATTEMPTS:
        letter.next_attempt_at = now + retry_pause(tries)
    else:
        letter.status, letter.next_attempt_at = "failed", None
    logger.warning("Letter %s (try %s) failed: %s", letter.external_ref, tries, text)
    return False
