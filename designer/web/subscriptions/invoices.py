"""A service's invoices per month for the staff who follow up invoicing (plain HTML forms)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from designer import languages
from designer.extensions import db, db_session
from designer.identity.auth import role_required
from designer.services.errors import Invalid, Stale
from designer.services.subscriptions import core, invoices
from designer.web import auditing as audit
from designer.web.i18n import locale
from designer.web.subscriptions import bp

PERIOD = re.compile(r"^(20[0-9]{2})-(0[1-9]|1[0-2])$")
ROLES = ("caseworker", "team_lead", "admin")


def _period(value: str | None) -> str:
    """The month asked for ("YYYY-MM"), last month by default; 400 for anything else."""
    if not value:
        this_month = core.today(core.now()).replace(day=1)
        return (this_month - timedelta(days=1)).strftime("%Y-%m")
    if not PERIOD.fullmatch(value):
        abort(400)
    return value


def _step(period: str, months: int) -> str:
    year, month = (int(part) for part in period.split("-"))
    index = year * 12 + month - 1 + months
    return date(index // 12, index % 12 + 1, 1).strftime("%Y-%m")


@bp.get("/subscriptions/invoices/<int:model_id>")
@role_required(*ROLES)
def invoice_month(model_id: int) -> ResponseReturnValue:
    """The month's invoices of a service: those that need a person first, then the rest."""
    model = invoices.model_of_staff(db_session, current_user, model_id)  # 404/403 as pages
    period = _period(request.args.get("period"))
    month = invoices.month_of(db_session, model, period)
    audit.record(
        current_user,
        "invoices.view",
        object_type="service",
        object_id=str(model.id),
        detail={"period": period},
    )
    return render_template(
        "subscriptions/invoices.html",
        model=model,
        name=languages.card_text(model, "name", locale()) or model.name_nb,
        month=month,
        previous=_step(period, -1),
        following=_step(period, 1),
        labels=state_labels(),
    )


@bp.post("/subscriptions/invoices/item/<int:invoice_id>")
@role_required(*ROLES)
def invoice_again(invoice_id: int) -> ResponseReturnValue:
    """Send a failed invoice again, or price an unpriced one again."""
    invoice = invoices.of_staff(db_session, current_user, invoice_id)  # 404/403 as pages
    action = request.form.get("action")
    if action not in ("send", "price"):
        abort(400)
    target = url_for(
        "subscriptions.invoice_month", model_id=invoice.model_id, period=invoice.period
    )
    try:
        if action == "send":
            invoices.send_again(db_session, invoice, current_user.actor)
        else:
            invoices.price_again(db_session, invoice, current_user.actor)
    except (Invalid, Stale) as err:
        db_session.rollback()
        flash(err.message, "error")
        return redirect(target)
    audit.record(
        current_user,
        f"invoice.{action}_again",
        commit=False,
        object_type="invoice",
        object_id=str(invoice.id),
        detail={"period": invoice.period},
    )
    db.session.commit()
    if action == "send":
        flash(_("The invoice is sent again on the next round."), "success")
    else:
        flash(_("The invoice is priced and is sent on the next round."), "success")
    return redirect(target)


def state_labels() -> dict[str, str]:
    """What each invoice state is called on the page."""
    return {
        "no_price": _("No price"),
        "gave_up": _("Failed, no more attempts"),
        "retrying": _("Failed, will be tried again"),
        "waiting": _("Waiting to be sent"),
        "sent": _("Sent"),
    }
