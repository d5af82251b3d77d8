"""Recording test doubles: what a test run's service tasks would have done, never done.

A test run (`CallContext.is_test`) must not pay, write letters, send e-mail or call other
systems. The registry hands its calls to these doubles instead: they check the parameters
exactly as the real connectors do (so a test run still finds a bad amount or a host that is
not allowed) and answer with a receipt marked `"test": true`. What would have happened is
read back from the case's connector jobs (designer.services.testruns).
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from designer.integrations.letter import LetterConnector, LetterMessage
from designer.integrations.mail import MailConnector
from designer.integrations.payment import PaymentConnector
from engine.api import CallContext, Connector, ConnectorFailed, HttpConnector, missing_params


class RecordingLetters:
    """A letter adapter that sends nothing."""

    def send_letter(self, message: LetterMessage) -> dict[str, Any]:
        """Answer like a delivered letter, marked as a test."""
        return {"status": "test", "test": True, "channel": "none", "title": message.title}


class RecordingPayments:
    """A payment adapter that pays nothing."""

    def order_payment(self, order: dict[str, Any], context: CallContext) -> dict[str, Any]:
        """Answer like an ordered payment, marked as a test."""
        return {
            "status": "test",
            "test": True,
            "payment_id": None,
            "amount": str(order["amount"]),
            "account": order["account"],
        }


def record_mail(to: str, subject: str, body: str, context: CallContext) -> dict[str, Any]:
    """A mail sender that sends nothing."""
    return {"status": "test", "test": True, "message_id": None, "to": to}


class HttpDouble:
    """The HTTP connector's checks without the call; answers an empty JSON object."""

    def __init__(self, real: HttpConnector) -> None:
        self.params, self.label_nb, self.label_en = real.params, real.label_nb, real.label_en
        self.real = real

    def call(self, params: dict[str, Any], context: CallContext) -> Any:
        """Refuse what the real connector refuses without resolving a name; call nothing."""
        method, url = self.real.check(params)
        return {"status": "test", "test": True, "method": method, "url": url}


class RecordingDouble:
    """The double of a connector without one of its own: checks required parameters only."""

    def __init__(self, real: Connector) -> None:
        self.params, self.label_nb, self.label_en = real.params, real.label_nb, real.label_en

    def call(self, params: dict[str, Any], context: CallContext) -> Any:
        """Refuse a call that lacks required parameters; call nothing."""
        missing = missing_params(self, [k for k, v in params.items() if v is not None])
        if missing:
            raise ConnectorFailed(
                f"The parameter(s) {', '.join(missing)} are missing.", retry=False
            )
        return {"status": "test", "test": True}


def letter_double(app: Flask) -> LetterConnector:
    """The letter connector (same checks) over an adapter that sends nothing."""
    return LetterConnector(app, RecordingLetters())


def payment_double() -> PaymentConnector:
    """The payment connector (same checks) over an adapter that pays nothing."""
    return PaymentConnector(RecordingPayments())


def mail_double(app: Flask) -> MailConnector:
    """The mail connector (same checks) over a sender that sends nothing."""
    return MailConnector(app, sender=record_mail)
