"""Letters to the citizen's digital mailbox: the connector and the default adapter."""

from __future__ import annotations

from typing import Any, Protocol

from flask import Flask
from sqlalchemy import select

from designer.extensions import db
from designer.integrations.common import N_, owner_of, text_param
from designer.models import OutboxMessage
from engine.api import CallContext, ConnectorFailed, Param


class LetterAdapter(Protocol):
    """Sends a letter to the citizen's digital mailbox."""

    def send_letter(self, letter: dict[str, Any], context: CallContext) -> dict[str, Any]:
        """Send; return a receipt (JSON-friendly) or raise ConnectorFailed."""
        ...  # pragma: no cover - protocol


class CaseOutboxLetters:
    """Default letters: kept in the case's outbox, shown to the citizen on the case page."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def send_letter(self, letter: dict[str, Any], context: CallContext) -> dict[str, Any]:
        """Record the letter once per idempotency key; return its outbox id."""
        with self.app.app_context():
            kind = f"letter:{context.idempotency_key}"
            found = db.session.scalar(
                select(OutboxMessage).where(
                    OutboxMessage.kind == kind, OutboxMessage.tenant_id == context.tenant_id
                )
            )
            if found is None:
                found = OutboxMessage(
                    tenant_id=context.tenant_id,
                    instance_id=context.instance_id,
                    kind=kind,
                    recipient=letter["recipient"],
                    subject=letter["title"][:300],
                    body_text=letter["body"],
                )
                db.session.add(found)
                db.session.commit()  # a worker's call: no request owns this transaction
            return {"status": "delivered", "letter_id": found.id, "channel": "case"}


class LetterConnector:
    """A letter to the applicant's digital mailbox (through the letter adapter)."""

    label_nb, label_en = "Brev til digital postkasse", N_("Letter to the digital mailbox")
    params: tuple[Param, ...] = (Param("title", "Tittel", "Title"), Param("body", "Tekst", "Text"))

    def __init__(self, app: Flask, adapter: LetterAdapter) -> None:
        self.app, self.adapter = app, adapter

    def call(self, params: dict[str, Any], context: CallContext) -> Any:
        """Address the letter to the case's applicant and hand it to the adapter."""
        with self.app.app_context():
            owner = owner_of(context)
            if owner is None:
                raise ConnectorFailed("The case has no applicant to write to.", retry=False)
            recipient = owner.national_id or owner.username
        letter = {
            "recipient": recipient,
            "title": text_param(params, "title", 300),
            "body": text_param(params, "body", 20000),
            "case_no": context.case_no,
        }
        return self.adapter.send_letter(letter, context)


def letters_of(instance_id: int) -> list[OutboxMessage]:
    """Letters the default letter adapter put in a case's outbox, oldest first."""
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.instance_id == instance_id, OutboxMessage.kind.like("letter:%"))
            .order_by(OutboxMessage.id)
        )
    )
