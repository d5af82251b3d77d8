"""E-mail from a service task, to an address or to the applicant."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from designer.integrations.common import N_, owner_of, text_param
from engine.api import CallContext, ConnectorFailed, Param

# (to, subject, body, context) -> receipt
Sender = Callable[[str, str, str, CallContext], dict[str, Any]]


def send_through_notify(to: str, subject: str, body: str, context: CallContext) -> dict[str, Any]:
    """The real sender: the notify module (SMTP when configured); a failure is retried."""
    from designer.notify import mail

    message = mail.send(
        to,
        subject,
        "connector_mail",
        {"body": body},
        tenant_id=context.tenant_id,
        instance_id=context.instance_id,
    )
    if message.error:
        raise ConnectorFailed(f"The e-mail could not be sent: {message.error}")
    return {"status": message.status, "message_id": message.id}


class MailConnector:
    """An e-mail, to an address or to the applicant ('applicant'); SMTP when configured."""

    label_nb, label_en = "Send e-post", N_("Send e-mail")
    params: tuple[Param, ...] = (
        Param("to", "Til (adresse eller applicant)", "To (address or applicant)"),
        Param("subject", "Emne", "Subject"),
        Param("body", "Tekst", "Text"),
    )

    def __init__(self, app: Flask, sender: Sender = send_through_notify) -> None:
        self.app, self.sender = app, sender

    def call(self, params: dict[str, Any], context: CallContext) -> Any:
        """Check the address and the texts, then hand the e-mail to the sender."""
        with self.app.app_context():
            to = text_param(params, "to", 200)
            if to.lower() in ("applicant", "søker"):
                owner = owner_of(context)
                to = owner.email if owner is not None else ""
            if "@" not in to:
                raise ConnectorFailed("There is no e-mail address to send to.", retry=False)
            subject = text_param(params, "subject", 300)
            body = text_param(params, "body", 20000)
            return self.sender(to, subject, body, context)
