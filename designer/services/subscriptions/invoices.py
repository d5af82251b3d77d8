"""A service's invoices of one month, as the staff who follow up invoicing see them.

Every invoice has a state a person can act on: sent; waiting for the worker; failed and
retrying; given up after MAX_ATTEMPTS (send it again once the invoicing system is fixed); no
price (the decision table gave none for the subscription's details: price it again once the
table or the details are fixed). Sending and pricing again keep the one invoice per
subscription and month.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from designer.models import Invoice, RecurringRun, Subscription, User, UserRole, utcnow
from designer.services.errors import Forbidden, Invalid, Missing, Stale
from designer.services.subscriptions import core, invoicing
from designer.services.subscriptions.changes import may_staff
from engine.api import add_event
from engine.models import Instance, ProcessModel, ProcessVersion

MAX_ATTEMPTS = 10  # tries of the invoice adapter before an invoice waits for a person
STATES = ("no_price", "gave_up", "retrying", "waiting", "sent")  # the order of the page


def state_of(invoice: Invoice, now: datetime | None = None) -> str:
    """What a person reads off an invoice: one of STATES."""
    if _given_up(invoice, now or utcnow()):
        return "gave_up"
    if invoice.status == "failed":
        return "gave_up" if invoice.attempts >= MAX_ATTEMPTS else "retrying"
    shown = {"ready": "waiting", "sending": "waiting", "sent": "sent", "no_price": "no_price"}
    return shown.get(invoice.status, invoice.status)


@dataclass
class Month:
    """One service's invoices of one period, by state, with the period's run."""

    period: str
    rows: list[tuple[Invoice, str]] = field(default_factory=list)
    totals: dict[str, tuple[int, Decimal]] = field(default_factory=dict)
    run: RecurringRun | None = None


def month_of(session: Session, model: ProcessModel, period: str) -> Month:
    """The period's invoices of the service, those that need a person first."""
    found = Month(period=period)
    invoices = session.scalars(
        select(Invoice)
        .where(Invoice.tenant_id == model.tenant_id, Invoice.model_id == model.id)
        .where(Invoice.period == period)
        .order_by(Invoice.reference)
    ).all()
    rows = [(invoice, state_of(invoice)) for invoice in invoices]
    found.rows = sorted(rows, key=lambda row: STATES.index(row[1]) if row[1] in STATES else 9)
    for state in STATES:
        mine = [invoice for invoice, s in rows if s == state]
        if mine:
            found.totals[state] = (len(mine), sum((i.amount for i in mine), Decimal(0)))
    found.run = session.scalar(
        select(RecurringRun).where(RecurringRun.model_id == model.id, RecurringRun.period == period)
    )
    return found


def model_of_staff(session: Session, user: User, model_id: int) -> ProcessModel:
    """A subscription service whose invoices the user may follow up."""
    model = session.get(ProcessModel, model_id)
    if model is None or model.tenant_id != user.tenant_id or not core.settings_of(model):
        raise Missing()
    if not may_staff(user, model):
        raise Forbidden()
    return model


def staff_of(session: Session, model: ProcessModel) -> list[User]:
    """The active people who follow up the service's invoices (team leads, administrators
    and caseworkers in its staff groups)."""
    staff_roles = select(UserRole.user_id).where(
        UserRole.role.in_(("team_lead", "admin", "caseworker"))
    )
    found = session.scalars(
        select(User)
        .where(
            User.tenant_id == model.tenant_id,
            User.active.is_(True),
            User.id.in_(staff_roles),
        )
        .order_by(User.id)
    )
    return [user for user in found if may_staff(user, model)]


def invoicing_models(session: Session, user: User) -> list[ProcessModel]:
    """The services with monthly invoicing whose invoices the user may follow up."""
    found = session.scalars(
        select(ProcessModel)
        .where(ProcessModel.tenant_id == user.tenant_id, ProcessModel.archived.is_(False))
        .order_by(ProcessModel.id)
    )
    return [
        model
        for model in found
        if any(w.work == "invoice" for w in invoicing.works_of(model)) and may_staff(user, model)
    ]


def of_staff(session: Session, user: User, invoice_id: int) -> Invoice:
    """An invoice of a service the user may follow up (Missing/Forbidden otherwise)."""
    invoice = session.get(Invoice, invoice_id)
    if invoice is None or invoice.tenant_id != user.tenant_id:
        raise Missing()
    model_of_staff(session, user, invoice.model_id)
    return invoice


def _given_up(invoice: Invoice, now: datetime) -> bool:
    """A claim at the attempt limit whose worker died: no worker takes it any more."""
    ended = invoice.next_attempt_at is None or invoice.next_attempt_at <= now
    return invoice.status == "sending" and invoice.attempts >= MAX_ATTEMPTS and ended


def update_as_read(session: Session, invoice: Invoice, *also: Any, **values: Any) -> bool:
    """Write `values` only if the invoice's status and attempts are still as this session
    read them (and `also` holds): a person or a worker may have changed it meanwhile, and an
    invoice must never go twice. True when it was written (not flushed into `invoice`)."""
    changed = session.execute(
        update(Invoice)
        .where(
            Invoice.id == invoice.id,
            Invoice.status == invoice.status,
            Invoice.attempts == invoice.attempts,
            *also,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(changed.rowcount == 1)  # type: ignore[attr-defined]


def _take(session: Session, invoice: Invoice, **values: Any) -> None:
    if not update_as_read(session, invoice, **values):
        raise Stale(str(_l("The invoice changed meanwhile. Its state is shown now.")))
    session.refresh(invoice)


def send_again(session: Session, invoice: Invoice, actor: str, now: datetime | None = None) -> None:
    """A failed invoice goes to the invoicing system again on the worker's next round."""
    now = now or utcnow()
    if invoice.status != "failed" and not _given_up(invoice, now):
        raise Invalid(str(_l("Only an invoice that failed can be sent again.")))
    _take(session, invoice, status="ready", attempts=0, next_attempt_at=now)
    _event(session, invoice, actor, "invoice_resent")
    session.flush()


def price_again(
    session: Session, invoice: Invoice, actor: str, now: datetime | None = None
) -> None:
    """An unpriced invoice priced by the decision table in force now (Invalid if it still
    gives no price: the reason is the field error)."""
    if invoice.status != "no_price":
        raise Invalid(str(_l("Only an invoice without a price can be priced again.")))
    sub = session.get(Subscription, invoice.subscription_id)
    model = session.get(ProcessModel, invoice.model_id)
    works = invoicing.works_of(model) if model else []
    work = next((w for w in works if w.work == "invoice"), None)
    version = session.get(ProcessVersion, model.published_version_id) if model else None
    if model is None or sub is None or work is None or version is None:
        raise Invalid(str(_l("The service has no invoicing to price this invoice with.")))
    _take(session, invoice, status="no_price")  # holds the row until this commits
    first, last = invoicing.period_bounds(invoice.period)
    changed = core.changes_of(session, [sub.id], first, last)
    case = session.get(Instance, sub.instance_id)
    cases = {case.id: case} if case is not None else {}
    now = now or utcnow()
    charged = invoicing.charge(
        session, version, work, sub, invoice.period, changed, {}, now, cases, invoice,
        actor=actor, kind="invoice_priced",
    )  # fmt: skip
    if charged is None:
        raise Invalid(str(_l("Nothing was delivered or charged in the month any more.")))
    if invoice.status == "no_price":
        raise Invalid(str(_l("The decision table still gives no price for the details.")))
    run = invoicing.run_of(session, model, work, invoice.period)
    if run is not None:  # the month's figures count it now
        run.count, run.total = (run.count or 0) + 1, (run.total or Decimal(0)) + invoice.amount
    session.flush()


def _event(session: Session, invoice: Invoice, actor: str, kind: str) -> None:
    sub = session.get(Subscription, invoice.subscription_id)
    case = session.get(Instance, sub.instance_id) if sub else None
    if case is not None:
        summary = {"period": invoice.period, "amount": str(invoice.amount)}
        add_event(session, case, actor, kind, None, summary)
