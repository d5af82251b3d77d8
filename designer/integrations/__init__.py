"""The connector registry of the app: HTTP, e-mail, letters and payments.

Letters and payments go through adapters so a municipality can plug in its own (a KS
SvarUt client, the finance system): set `LETTER_ADAPTER` / `PAYMENT_ADAPTER` to
"package.module:factory", where `factory(app)` returns an object with `send_letter(letter,
context)` / `order_payment(order, context)`. The defaults keep everything inside Flytverk: a
letter lands in the case's outbox (the citizen reads it on the case page), a payment order in
the `payment_order` table, once per idempotency key.
"""

from __future__ import annotations

import importlib
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from designer.extensions import db
from designer.models import OutboxMessage, PaymentOrder, User
from engine.connectors import (
    CallContext,
    ConnectorFailed,
    HttpConnector,
    Param,
    Registry,
    missing_params,
)
from engine.errors import Problem
from engine.servicetasks import ConnectorTask
from forms.validators import is_valid_kontonummer

MAX_PAYMENT = Decimal("1000000")


class LetterAdapter(Protocol):
    """Sends a letter to the citizen's digital mailbox."""

    def send_letter(self, letter: dict[str, Any], context: CallContext) -> dict[str, Any]:
        """Send; return a receipt (JSON-friendly) or raise ConnectorFailed."""
        ...  # pragma: no cover - protocol


class PaymentAdapter(Protocol):
    """Orders a payment from the municipality's finance system."""

    def order_payment(self, order: dict[str, Any], context: CallContext) -> dict[str, Any]:
        """Order; return a receipt (JSON-friendly) or raise ConnectorFailed."""
        ...  # pragma: no cover - protocol


def _owner(context: CallContext) -> User | None:
    if not context.owner:
        return None
    user_id = context.owner.removeprefix("user:")
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


def _text(params: dict[str, Any], name: str, limit: int) -> str:
    value = params.get(name)
    if value is None or not str(value).strip():
        raise ConnectorFailed(f"The parameter '{name}' is empty.", retry=False)
    return str(value).strip()[:limit]


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
                db.session.commit()
            return {"status": "delivered", "letter_id": found.id, "channel": "case"}


class LedgerPayments:
    """Default payments: an order row per idempotency key, for the finance system to collect."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def order_payment(self, order: dict[str, Any], context: CallContext) -> dict[str, Any]:
        """Record the order (or find the one an earlier attempt recorded)."""
        with self.app.app_context():
            row = PaymentOrder(
                tenant_id=context.tenant_id,
                instance_id=context.instance_id,
                idempotency_key=context.idempotency_key,
                amount=order["amount"],
                account=order["account"],
                recipient=order["recipient"],
                reference=order["reference"],
            )
            db.session.add(row)
            try:
                db.session.commit()
            except IntegrityError:
                db.session.rollback()
                row = db.session.scalars(
                    select(PaymentOrder).where(
                        PaymentOrder.idempotency_key == context.idempotency_key
                    )
                ).one()
            return {"status": row.status, "payment_id": row.id, "amount": str(row.amount)}


class LetterConnector:
    """A letter to the applicant's digital mailbox (through the letter adapter)."""

    label_nb, label_en = "Brev til digital postkasse", "Letter to the digital mailbox"
    params = (Param("title", "Tittel", "Title"), Param("body", "Tekst", "Text"))

    def __init__(self, app: Flask, adapter: LetterAdapter) -> None:
        self.app, self.adapter = app, adapter

    def call(self, params: dict[str, Any], context: CallContext) -> Any:
        """Address the letter to the case's applicant and hand it to the adapter."""
        with self.app.app_context():
            owner = _owner(context)
            if owner is None:
                raise ConnectorFailed("The case has no applicant to write to.", retry=False)
            recipient = owner.national_id or owner.username
        letter = {
            "recipient": recipient,
            "title": _text(params, "title", 300),
            "body": _text(params, "body", 20000),
            "case_no": context.case_no,
        }
        return self.adapter.send_letter(letter, context)


class PaymentConnector:
    """A payment order (through the payment adapter), checked before it is sent."""

    label_nb, label_en = "Betalingsordre", "Payment order"
    params = (
        Param("amount", "Beløp (kr)", "Amount (NOK)"),
        Param("account", "Kontonummer", "Account number"),
        Param("recipient", "Mottaker", "Recipient", required=False),
        Param("reference", "Referanse", "Reference", required=False),
    )

    def __init__(self, adapter: PaymentAdapter) -> None:
        self.adapter = adapter

    def call(self, params: dict[str, Any], context: CallContext) -> Any:
        """Refuse amounts and accounts no retry can fix; order the rest."""
        try:
            amount = Decimal(str(params.get("amount"))).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            raise ConnectorFailed("The amount is not a number.", retry=False) from None
        if not Decimal(0) < amount <= MAX_PAYMENT:
            raise ConnectorFailed(
                f"The amount {amount} kr is not between 0 and 1 000 000 kr.", retry=False
            )
        account = "".join(ch for ch in str(params.get("account") or "") if ch.isdigit())
        if not is_valid_kontonummer(account):
            raise ConnectorFailed(
                "The account number is not a valid Norwegian account.", retry=False
            )
        order = {
            "amount": amount,
            "account": account,
            "recipient": str(params.get("recipient") or "")[:200],
            "reference": str(params.get("reference") or context.case_no)[:200],
        }
        return self.adapter.order_payment(order, context)


class MailConnector:
    """An e-mail, to an address or to the applicant ('applicant'); SMTP when configured."""

    label_nb, label_en = "Send e-post", "Send e-mail"
    params = (
        Param("to", "Til (adresse eller applicant)", "To (address or applicant)"),
        Param("subject", "Emne", "Subject"),
        Param("body", "Tekst", "Text"),
    )

    def __init__(self, app: Flask) -> None:
        self.app = app

    def call(self, params: dict[str, Any], context: CallContext) -> Any:
        """Send through the notify module; a mail server that fails is retried."""
        from designer.notify import mail

        with self.app.app_context():
            to = _text(params, "to", 200)
            if to.lower() in ("applicant", "søker"):
                owner = _owner(context)
                to = owner.email if owner is not None else ""
            if "@" not in to:
                raise ConnectorFailed("There is no e-mail address to send to.", retry=False)
            message = mail.send(
                to,
                _text(params, "subject", 300),
                "connector_mail",
                {"body": _text(params, "body", 20000)},
                tenant_id=context.tenant_id,
                instance_id=context.instance_id,
            )
            if message.error:
                raise ConnectorFailed(f"The e-mail could not be sent: {message.error}")
            return {"status": message.status, "message_id": message.id}


def _plugged(app: Flask, setting: str, default: Any) -> Any:
    target = app.config.get(setting)
    if not target:
        return default(app)
    module, _, name = str(target).partition(":")
    return getattr(importlib.import_module(module), name)(app)


def build_registry(app: Flask) -> Registry:
    """Every connector the app offers, with the configured adapters."""
    registry = Registry()
    registry.register(
        "http",
        HttpConnector(
            app.config.get("CONNECTOR_HTTP_ALLOWED_HOSTS") or [],
            float(app.config.get("CONNECTOR_HTTP_TIMEOUT") or 10),
        ),
    )
    registry.register("mail", MailConnector(app))
    registry.register(
        "letter", LetterConnector(app, _plugged(app, "LETTER_ADAPTER", CaseOutboxLetters))
    )
    registry.register("payment", PaymentConnector(_plugged(app, "PAYMENT_ADAPTER", LedgerPayments)))
    return registry


def problems(registry: Registry, specs: list[Any]) -> list[Problem]:
    """Service tasks whose connector does not exist or lacks required parameters."""
    found = []
    for spec in specs:
        if not isinstance(spec, ConnectorTask):
            continue
        connector = registry.get(spec.operation_name)
        if connector is None:
            known = ", ".join(sorted(registry.names()))
            found.append(
                Problem(
                    f"There is no connector called '{spec.operation_name}' (there are: {known}).",
                    element_id=spec.bpmn_id,
                )
            )
            continue
        missing = missing_params(connector, spec.operation_params)
        if missing:
            found.append(
                Problem(
                    f"The service task needs the parameter(s): {', '.join(missing)}.",
                    element_id=spec.bpmn_id,
                )
            )
    return found


def init_app(app: Flask) -> None:
    """Build the registry once per app."""
    app.extensions["flytverk_connectors"] = build_registry(app)


def letters_of(instance_id: int) -> list[OutboxMessage]:
    """Letters the default letter adapter put in a case's outbox, oldest first."""
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.instance_id == instance_id, OutboxMessage.kind.like("letter:%"))
            .order_by(OutboxMessage.id)
        )
    )
