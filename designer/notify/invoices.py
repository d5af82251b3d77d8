"""Staff told when invoices of a month are given up (the invoice adapter refused them
MAX_ATTEMPTS times): the worker (designer.worker.recurring.tell_given_up) tells each
service and month once a day, not once per invoice — an invoicing system that is down
refuses every invoice of a run."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from designer import languages
from designer.models import User
from designer.notify.mail import enqueue
from designer.notify.messages import external_url, language, reachable
from engine.models import ProcessModel

KIND = "invoices_given_up"


def notify_given_up(
    session: Session,
    model: ProcessModel,
    period: str,
    count: int,
    staff: list[User],
) -> int:
    """Write the e-mails to the service's staff (in the caller's transaction); how many."""
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
