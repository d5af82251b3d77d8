"""The connector registry of the app: HTTP, e-mail, letters and payments.

Letters and payments go through adapters so a municipality can plug in its own (a KS
SvarUt client, the finance system): set `LETTER_ADAPTER` / `PAYMENT_ADAPTER` to
"package.module:factory", where `factory(app)` returns an object with `send_letter(letter,
context)` / `order_payment(order, context)`. The defaults keep everything inside Flytverk: a
letter lands in the case's outbox (the citizen reads it on the case page), a payment order in
the `payment_order` table, once per idempotency key. Test runs never reach any of them: the
registry (registry.py) sends their calls to recording doubles (testing.py).
"""

from __future__ import annotations

from flask import Flask

from designer.integrations.letter import (
    CaseOutboxLetters,
    LetterAdapter,
    LetterConnector,
    letters_of,
)
from designer.integrations.mail import MailConnector
from designer.integrations.payment import (
    MAX_PAYMENT,
    LedgerPayments,
    PaymentAdapter,
    PaymentConnector,
)
from designer.integrations.registry import Registry, build_registry, problems

__all__ = [
    "MAX_PAYMENT",
    "CaseOutboxLetters",
    "LedgerPayments",
    "LetterAdapter",
    "LetterConnector",
    "MailConnector",
    "PaymentAdapter",
    "PaymentConnector",
    "Registry",
    "build_registry",
    "init_app",
    "letters_of",
    "problems",
    "registry_of",
]


def init_app(app: Flask) -> None:
    """Build the registry once per app."""
    app.extensions["flytverk_connectors"] = build_registry(app)


def registry_of(app: Flask) -> Registry | None:
    """The app's connector registry (None before init_app)."""
    return app.extensions.get("flytverk_connectors")
