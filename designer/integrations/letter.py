"""Letters to the citizen's digital mailbox: the message, the connector, the default adapter.

A letter adapter takes a `LetterMessage` (what KS SvarUt's REST API needs) and returns a
receipt; it is idempotent by `external_ref`. The decision letters (designer.services.letters
.delivery) and the BPMN `letter` connector both send through the app's adapter
(`LETTER_ADAPTER`, default `CaseOutboxLetters`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Protocol

from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from designer import languages
from designer.extensions import db, db_session
from designer.integrations import pdf
from designer.integrations.common import N_, owner_of, text_param
from designer.models import OutboxMessage
from engine.api import CallContext, ConnectorFailed, Param
from engine.models import Tenant, utcnow


@dataclass(frozen=True)
class Document:
    """One document of a letter or an archive package (the PDF, or an attachment)."""

    filename: str
    title: str
    media_type: str
    content: bytes
    role: str = "main"  # main | attachment


@dataclass(frozen=True)
class LetterMessage:
    """A letter as KS SvarUt's REST API needs it (the default adapter keeps it on the case).

    `external_ref` makes delivery idempotent: a retry with the same reference never sends
    twice ("<sender system>:<tenant slug>:<case no>:<letter no>").
    """

    external_ref: str
    tenant_id: int
    instance_id: int | None
    case_no: str
    recipient_id: str  # fødselsnummer (11 digits) or organisasjonsnummer (9 digits)
    recipient_name: str
    address: str
    postal_code: str
    city: str
    title: str
    documents: tuple[Document, ...]
    language: str = "nb"
    digital_only: bool = False
    high_security: bool = False  # the recipient must log in on level high to read it
    accounting_code: str = ""
    sender_system: str = "flytverk"
    extra: dict[str, Any] = field(default_factory=dict)


class LetterAdapter(Protocol):
    """Sends a letter to the citizen's digital mailbox."""

    def send_letter(self, message: LetterMessage) -> dict[str, Any]:
        """Send once per `message.external_ref`; return a receipt (JSON-friendly).

        Raise ConnectorFailed (`retry=False` when trying again cannot help) on failure.
        """
        ...  # pragma: no cover - protocol


# Decision letters' references start with this; the connector's keys do not ("flytverk-").
DECISION_KIND_PREFIX = "letter:flytverk:"
_KIND_LENGTH = 100  # OutboxMessage.kind


def outbox_kind(external_ref: str) -> str:
    """The outbox kind that keeps a letter once per tenant: "letter:<external ref>"."""
    kind = f"letter:{external_ref}"
    if len(kind) <= _KIND_LENGTH:
        return kind
    digest = hashlib.sha256(external_ref.encode()).hexdigest()[:32]
    return f"{kind[: _KIND_LENGTH - 33]}#{digest}"


def _kept(tenant_id: int, kind: str) -> OutboxMessage | None:
    return db.session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.kind == kind, OutboxMessage.tenant_id == tenant_id
        )
    )


class CaseOutboxLetters:
    """Default letters: kept in the case's outbox, shown to the citizen on the case page."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def send_letter(self, message: LetterMessage) -> dict[str, Any]:
        """Keep the letter once per reference (a unique index); return its outbox id."""
        with self.app.app_context():  # its own session: the caller's transaction is not ours
            kind = outbox_kind(message.external_ref)
            found = _kept(message.tenant_id, kind)
            if found is None:
                found = OutboxMessage(
                    tenant_id=message.tenant_id,
                    instance_id=message.instance_id,
                    kind=kind,
                    recipient=(message.recipient_id or message.recipient_name or "-")[:200],
                    subject=message.title[:300],
                    body_text=str(message.extra.get("body") or ""),
                    sent_at=utcnow(),  # delivered to the case page: no e-mail to send
                )
                db.session.add(found)
                try:
                    db.session.commit()
                except IntegrityError:  # another worker kept it a moment ago
                    db.session.rollback()
                    found = _kept(message.tenant_id, kind)
                    if found is None:
                        raise
            return {
                "status": "delivered",
                "letter_id": found.id,
                "channel": "case",
                "external_ref": message.external_ref,
            }


class LetterConnector:
    """A letter to the applicant's digital mailbox (through the letter adapter)."""

    label_nb, label_en = "Brev til digital postkasse", N_("Letter to the digital mailbox")
    params: tuple[Param, ...] = (Param("title", "Tittel", "Title"), Param("body", "Tekst", "Text"))

    def __init__(self, app: Flask, adapter: LetterAdapter) -> None:
        self.app, self.adapter = app, adapter

    def call(self, params: dict[str, Any], context: CallContext) -> Any:
        """Address the letter to the case's applicant, make its PDF, hand it to the adapter."""
        title = text_param(params, "title", 300)
        body = text_param(params, "body", 20000)
        with self.app.app_context():
            owner = owner_of(context)
            if owner is None:
                raise ConnectorFailed("The case has no applicant to write to.", retry=False)
            tenant = db.session.get(Tenant, context.tenant_id)
            municipality = tenant.name if tenant is not None else ""
            lang = languages.for_person(db_session, owner, context.tenant_id)
            content = pdf.simple_pdf(
                title,
                body,
                lang=lang,
                municipality=municipality,
                case_no=context.case_no,
                when=utcnow(),
            )
            message = LetterMessage(
                external_ref=context.idempotency_key,
                tenant_id=context.tenant_id,
                instance_id=context.instance_id,
                case_no=context.case_no,
                recipient_id=owner.national_id or owner.username,
                recipient_name=owner.name,
                address=owner.address,
                postal_code=owner.postal_code,
                city=owner.city,
                title=title,
                documents=(
                    Document(
                        filename=f"brev-{context.case_no}.pdf",
                        title=title,
                        media_type="application/pdf",
                        content=content,
                    ),
                ),
                language=lang,
                extra={"body": body},
            )
        return self.adapter.send_letter(message)


def adapter_of(app: Flask) -> LetterAdapter:
    """The app's letter adapter (the one its `letter` connector sends through)."""
    registry = app.extensions.get("flytverk_connectors")
    switch = registry.connectors.get("letter") if registry is not None else None
    connector = getattr(switch, "real", switch)
    if isinstance(connector, LetterConnector):
        return connector.adapter
    found = app.extensions.get("flytverk_letter_adapter")
    if found is None:
        found = app.extensions["flytverk_letter_adapter"] = CaseOutboxLetters(app)
    return found  # type: ignore[no-any-return]


def letters_of(instance_id: int) -> list[OutboxMessage]:
    """Letters a service's `letter` connector put in a case's outbox, oldest first.

    Decision letters are kept there too, but the case page shows them from their own rows.
    """
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.instance_id == instance_id,
                OutboxMessage.kind.like("letter:%"),
                OutboxMessage.kind.not_like(f"{DECISION_KIND_PREFIX}%"),
            )
            .order_by(OutboxMessage.id)
        )
    )
