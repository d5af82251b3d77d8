"""Render and record one e-mail in the outbox; build and talk SMTP for the worker.

Transactions: `enqueue()` adds the message (and the case timeline row) to the caller's
session and flushes; the caller commits it with the change that caused it. Nothing talks
SMTP here in a request: `designer.worker.outbox.deliver_pending` sends after commit.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any

from flask import current_app
from flask_babel import force_locale
from jinja2 import Environment, TemplateError, TemplateNotFound
from sqlalchemy.orm import Session

from designer import languages
from designer.extensions import db_session
from designer.models import OutboxMessage
from engine.api import add_event
from engine.models import Instance, Tenant

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
MAX_ERROR = 1000


def mask(address: str) -> str:
    """An address fit for the case timeline: 'kari@example.no' -> 'k***@example.no'."""
    local, at, domain = address.strip().rpartition("@")
    if not at or not local:
        return "***"
    return f"{local[0]}***@{domain}"


def setting(config: Mapping[str, Any], key: str) -> Any:
    """A MAIL_* setting, with its default."""
    value = config.get(key)
    return DEFAULTS[key] if value is None else value


def _one_line(text: str) -> str:
    # Header values must not carry line breaks (header injection).
    return " ".join(str(text).split())


def render(
    template: str,
    context: dict[str, Any],
    locale: str = languages.DEFAULT,
    env: Environment | None = None,
) -> tuple[str, str | None]:
    """Text body and, if the template has one, HTML body (email/<template>.txt|html).

    Rendered in `locale` (nb, nn or en; else bokmål): the templates' texts come from that
    language's catalogue, and `locale` is the HTML body's `lang`.
    """
    lang = languages.known(locale) or languages.DEFAULT
    env = env or current_app.jinja_env
    context = {**context, "locale": lang}
    with force_locale(lang):
        text = env.get_template(f"email/{template}.txt").render(**context)
        try:
            html_template = env.get_template(f"email/{template}.html")
        except TemplateNotFound:
            return text, None
        return text, html_template.render(**context)


def compose(message: OutboxMessage, config: Mapping[str, Any]) -> EmailMessage:
    """The e-mail of an outbox row, ready for SMTP."""
    sender = str(setting(config, "MAIL_FROM"))
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


def transmit(email: EmailMessage, config: Mapping[str, Any]) -> None:
    """Hand one e-mail to the configured SMTP server; raises OSError/ValueError on failure."""
    host, port = str(setting(config, "MAIL_SERVER")), int(setting(config, "MAIL_PORT"))
    timeout = float(setting(config, "MAIL_TIMEOUT"))
    with smtplib.SMTP(host, port, timeout=timeout) as smtp:
        if setting(config, "MAIL_USE_TLS"):
            smtp.starttls(context=ssl.create_default_context())
        if setting(config, "MAIL_USERNAME"):
            password = str(setting(config, "MAIL_PASSWORD") or "")
            smtp.login(str(setting(config, "MAIL_USERNAME")), password)
        smtp.send_message(email)


def municipality(session: Session, tenant_id: int) -> str:
    """The municipality's name, for signing e-mails."""
    tenant = session.get(Tenant, tenant_id)
    return tenant.name if tenant is not None else ""


def enqueue(
    session: Session,
    to: str,
    subject: str,
    template: str,
    context: dict[str, Any],
    *,
    tenant_id: int,
    instance_id: int | None,
    actor: str = "system",
    locale: str | None = None,
    secret: str | None = None,
    env: Environment | None = None,
) -> OutboxMessage:
    """Render an e-mail into the outbox (and the case timeline) in the caller's transaction.

    `locale` is the recipient's language (designer.languages.for_person); None: the
    municipality's målform. `subject` comes already in that language.

    A template error or an address without '@' is recorded on the message (status
    'failed', never retried) instead of raised: a notice must not fail the case step.
    """
    message = OutboxMessage(
        tenant_id=tenant_id,
        instance_id=instance_id,
        kind=template,
        recipient=_one_line(to),
        subject=_one_line(subject)[:300],
        body_text="",
        attempts=0,
        secret=secret,
    )
    if locale is None:
        locale = languages.of_tenant(session.get(Tenant, tenant_id))
    try:
        context = {"municipality": municipality(session, tenant_id), **context}
        message.body_text, message.body_html = render(template, context, locale, env)
    except TemplateError as err:
        logger.exception("E-mail template %r failed", template)
        message.error = f"Template: {err}"[:MAX_ERROR]
    if message.error is None and "@" not in message.recipient:
        message.error = "No valid e-mail address."
    if message.error:
        logger.warning("E-mail %r to %s: %s", template, mask(message.recipient), message.error)
    session.add(message)
    if instance_id is not None:
        instance = session.get(Instance, instance_id)
        if instance is not None:
            summary = {
                "to": mask(message.recipient),
                "subject": message.subject,
                "template": message.kind,
                "status": message.status,
            }
            add_event(session, instance, actor, "notification", None, summary)
    session.flush()
    return message


def send(
    to: str,
    subject: str,
    template: str,
    context: dict[str, Any],
    *,
    tenant_id: int,
    instance_id: int | None,
    actor: str = "system",
    locale: str | None = None,
    secret: str | None = None,
) -> OutboxMessage:
    """`enqueue` on `db_session` and commit: for callers outside any unit of work of theirs.

    The worker delivers it after the commit (`deliver_pending`); prefer `enqueue` inside a
    request, committed with the change the e-mail tells about.
    """
    message = enqueue(
        db_session,
        to,
        subject,
        template,
        context,
        tenant_id=tenant_id,
        instance_id=instance_id,
        actor=actor,
        locale=locale,
        secret=secret,
    )
    db_session.commit()
    return message
