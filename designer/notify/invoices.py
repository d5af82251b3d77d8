"""Staff told when invoices of a month are given up (the invoice adapter refused them
MAX_ATTEMPTS times): one e-mail per person, service and month a day, not one per invoice —
an invoicing system that is down refuses every invoice of a run."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from designer import languages
from designer.models import OutboxMessage, User, utcnow
from designer.notify.mail import enqueue
from designer.notify.messages import external_url, language, reachable
from engine.models import ProcessModel

KIND = "invoices_given_up"
ONCE_PER = timedelta(days=1)


def notify_given_up(
    session: Session,
    model: ProcessModel,
    period: str,
    count: int,
    staff: list[User],
) -> int:
    """Write the e-mails to the service's staff (in the caller's transaction); how many."""
    since = utcnow() - ONCE_PER  # the outbox's own clock (its rows' created_at)
    url = external_url("subscriptions.invoice_month", model_id=model.id, period=period)
    malform = languages.of_tenant(model.tenant)
    made = 0
    for user in staff:
        if not reachable(user):
            continue
        lang = language(session, user, model.tenant_id)
        service = languages.card_text(model, "name", lang, malform)
        with force_locale(lang):
            subject = _(
                "Invoices for %(period)s could not be sent: %(service)s",
                period=period,
                service=service,
            )
        told = session.scalar(
            select(OutboxMessage.id).where(
                OutboxMessage.tenant_id == model.tenant_id,
                OutboxMessage.kind == KIND,
                OutboxMessage.recipient == user.email,
                OutboxMessage.subject == subject,
                OutboxMessage.created_at >= since,
            )
        )
        if told is not None:
            continue
        context = {
            "name": user.name,
            "service": service,
            "period": period,
            "count": count,
            "month_url": url,
        }
        enqueue(
            session,
            user.email,
            subject,
            KIND,
            context,
            tenant_id=model.tenant_id,
            instance_id=None,
            locale=lang,
        )
        made += 1
    return made
