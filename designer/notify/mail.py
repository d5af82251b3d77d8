"""Render, send and record one e-mail: SMTP when configured, the outbox table always.

Transactions: `send()` commits `db.session`. Call it after an engine runtime call has
returned (those commit their own transaction) and never in the middle of your own unit of
work: anything pending in the session is committed with the message. SMTP talks to the
network before the write starts, so no database lock is held while a mail server is slow.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any

from flask import current_app
from jinja2 import TemplateError, TemplateNotFound
from sqlalchemy.exc import SQLAlchemyError

from designer.extensions import db
from designer.models import OutboxMessage
from engine.models import Event, Tenant, utcnow

logger = logging.getLogger(__name__)

DEFAULTS: dict[str, Any] = {
    "MAIL_SERVER": None,
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_FROM": "Flytverk <noreply@flytverk.local>",
    "MAIL_TIMEOUT": 10,
}
LOCALES = ("nb", "en")
_MAX_ERROR = 1000


def mask(address: str) -> str:
    """An address fit for the case timeline: 'kari@example.no' -> 'k***@example.no'."""
    local, at, domain = address.strip().rpartition("@")
    if not at or not local:
        return "***"
    return f"{local[0]}***@{domain}"


def _setting(key: str) -> Any:
    return current_app.config.get(key, DEFAULTS[key])


def _one_line(text: str) -> str:
    # Header values must not carry line breaks (header injection).
    return " ".join(str(text).split())


def render(template: str, context: dict[str, Any], locale: str = "nb") -> tuple[str, str | None]:
    """Text body and, if the template has one, HTML body: email/<template>.<locale>.txt|html."""
    lang = locale if locale in LOCALES else "nb"
    env = current_app.jinja_env
    names = [f"email/{template}.{lang}", f"email/{template}.nb", f"email/{template}"]
    text = env.select_template([n + ".txt" for n in names]).render(**context)
    try:
        html: str | None = env.select_template([n + ".html" for n in names]).render(**context)
    except TemplateNotFound:
        html = None
    return text, html


def _email(message: OutboxMessage) -> EmailMessage:
    sender = str(_setting("MAIL_FROM"))
    domain = parseaddr(sender)[1].rpartition("@")[2] or "flytverk.local"
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=True)
    email["Message-ID"] = make_msgid(domain=domain)
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies, please
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    return email


def _deliver(email: EmailMessage) -> None:
    host, port = str(_setting("MAIL_SERVER")), int(_setting("MAIL_PORT"))
    with smtplib.SMTP(host, port, timeout=float(_setting("MAIL_TIMEOUT"))) as smtp:
        if _setting("MAIL_USE_TLS"):
            smtp.starttls(context=ssl.create_default_context())
        if _setting("MAIL_USERNAME"):
            smtp.login(str(_setting("MAIL_USERNAME")), str(_setting("MAIL_PASSWORD") or ""))
        smtp.send_message(email)


def _try_to_send(message: OutboxMessage) -> None:
    if "@" not in message.recipient:
        message.error = "No valid e-mail address."
        return
    try:
        _deliver(_email(message))
    except (OSError, ValueError) as err:  # smtplib.SMTPException is an OSError
        message.error = f"{type(err).__name__}: {err}"[:_MAX_ERROR]
    else:
        message.sent_at = utcnow()


def _record(message: OutboxMessage, actor: str) -> None:
    try:
        # End the caller's read snapshot first (as engine.store.begin_write does): SQLite
        # refuses to turn a stale read into a write.
        db.session.commit()
        db.session.add(message)
        if message.instance_id is not None:
            summary = {
                "to": mask(message.recipient),
                "subject": message.subject,
                "template": message.kind,
                "status": message.status,
            }
            db.session.add(
                Event(
                    tenant_id=message.tenant_id,
                    instance_id=message.instance_id,
                    actor=actor,
                    kind="notification",
                    summary=summary,
                )
            )
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        logger.exception("Could not record e-mail %r", message.kind)


def municipality(tenant_id: int) -> str:
    """The municipality's name, for signing e-mails."""
    tenant = db.session.get(Tenant, tenant_id)
    return tenant.name if tenant is not None else ""


def send(
    to: str,
    subject: str,
    template: str,
    context: dict[str, Any],
    *,
    tenant_id: int,
    instance_id: int | None,
    actor: str = "system",
    locale: str = "nb",
) -> OutboxMessage:
    """Render, send (if MAIL_SERVER is set) and record an e-mail; never raises on failure.

    A failed e-mail must not fail a case step: SMTP and template errors end up in the
    message's `error` and the log, and the case timeline gets a `notification` event.
    """
    message = OutboxMessage(
        tenant_id=tenant_id,
        instance_id=instance_id,
        kind=template,
        recipient=_one_line(to),
        subject=_one_line(subject)[:300],
        body_text="",
    )
    try:
        context = {"municipality": municipality(tenant_id), "locale": locale, **context}
        message.body_text, message.body_html = render(template, context, locale)
    except TemplateError as err:
        logger.exception("E-mail template %r failed", template)
        message.error = f"Template: {err}"[:_MAX_ERROR]
    if message.error is None and _setting("MAIL_SERVER"):
        _try_to_send(message)
    if message.error:
        logger.warning(
            "E-mail %r to %s failed: %s", template, mask(message.recipient), message.error
        )
    _record(message, actor)
    return message
