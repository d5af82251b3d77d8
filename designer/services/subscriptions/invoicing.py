"""Recurring work: a service's cycle (e.g. monthly invoicing) run once per period.

A service's settings name its recurring work:
    "recurring": [{"key": "monthly_invoice", "every": "month", "day": 1, "at": "06:00",
                   "work": "invoice", "price": {"decision": "meal_price", "output": "unit_price"},
                   "text": {"nb": "...", "nn": "...", "en": "..."}}]
The run for a period (the month before the run day) is due from `day` at `at` o'clock local
time. `invoice` work makes one invoice per subscription and period from the portions
delivered and the late cancellations (charged), priced by the published version's decision
table with the subscription's details as its inputs — the price in force on the run day.
A period's run is one `RecurringRun` row (unique): a second worker, or the same one again,
finds it and does nothing; an invoice is unique per subscription and period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from designer.models import Invoice, RecurringRun, Subscription, utcnow
from designer.services.subscriptions import core
from designer.services.subscriptions.schedule import (
    RETRY_AFTER,
    Work,
    due,
    due_period,
    period_bounds,
    record_failure,
    run_of,
    works_of,
)
from engine.api import DecisionError, add_event, decide
from engine.errors import NotFound
from engine.models import Instance, ProcessModel, ProcessVersion

__all__ = [
    "RETRY_AFTER",
    "Tally",
    "Work",
    "due",
    "due_period",
    "period_bounds",
    "price_of",
    "record_failure",
    "run",
    "run_of",
    "tally",
    "works_of",
]


@dataclass(frozen=True)
class Tally:
    """What one subscription is charged for in a period."""

    delivered: list[core.DayOrder]
    late: list[core.DayOrder]

    @property
    def portions(self) -> int:
        """Portions delivered."""
        return sum(o.quantity for o in self.delivered)

    @property
    def late_portions(self) -> int:
        """Portions cancelled after the cut-off (charged)."""
        return sum(o.quantity for o in self.late)


# The unit price per set of a subscription's details (or why there is none), within one run.
Prices = dict[tuple[tuple[str, str], ...], Decimal | str]


def tally(
    subscription: Subscription,
    changed: dict[tuple[int, date], Any],
    first: date,
    last: date,
    skip_holidays: bool = False,
) -> Tally:
    """The delivered and late-cancelled days of a subscription in a period."""
    days = [
        core.order_on(subscription, day, changed.get((subscription.id, day)), skip_holidays)
        for day in core.delivery_days(subscription, first, last)
    ]
    return Tally(
        delivered=[o for o in days if o.delivered],
        late=[o for o in days if o.kind == "late_cancel" and o.quantity > 0],
    )


def _lines(work: Work, counted: Tally, unit: Decimal, lang: str) -> list[dict[str, Any]]:
    text = work.text.get(lang) or work.text.get("nb") or work.key
    return [
        {
            "kind": kind,
            "text": text,
            "quantity": sum(o.quantity for o in days),
            "unit_price": str(unit),
            "amount": str(unit * sum(o.quantity for o in days)),
            "days": [o.day.isoformat() for o in days],
        }
        for kind, days in (("delivered", counted.delivered), ("late_cancel", counted.late))
        if days
    ]


def run(
    session: Session, model: ProcessModel, work: Work, period: str, now: datetime | None = None
) -> RecurringRun:
    """Make the period's invoices of every subscription of the service; flush.

    The caller commits; an IntegrityError on flush means another worker made the run.
    """
    now = now or utcnow()
    version = session.get(ProcessVersion, model.published_version_id)
    assert version is not None
    failed = run_of(session, model, work, period)
    if failed is not None and failed.status == "failed":
        session.delete(failed)
        session.flush()
    made = RecurringRun(
        tenant_id=model.tenant_id, model_id=model.id, work=work.key, period=period, status="running"
    )
    session.add(made)
    session.flush()  # claims the period: a second run fails here
    first, last = period_bounds(period)
    subs = list(
        session.scalars(
            select(Subscription).where(
                Subscription.tenant_id == model.tenant_id,
                Subscription.model_id == model.id,
                Subscription.starts_on <= last,
                or_(Subscription.ends_on.is_(None), Subscription.ends_on >= first),
            )
        )
    )
    invoiced = set(
        session.scalars(
            select(Invoice.subscription_id).where(
                Invoice.model_id == model.id, Invoice.period == period
            )
        )
    )
    changed = core.changes_of(session, [s.id for s in subs], first, last)
    cases = {
        case.id: case
        for case in session.scalars(
            select(Instance).where(Instance.id.in_([s.instance_id for s in subs]))
        )
    }
    prices: Prices = {}
    total, count = Decimal(0), 0
    for sub in subs:
        if sub.id in invoiced:
            continue
        invoice = charge(session, version, work, sub, period, changed, prices, now, cases)
        if invoice is not None and invoice.status == "ready":
            total += invoice.amount
            count += 1
    made.status, made.count, made.total, made.finished_at = "done", count, total, utcnow()
    session.flush()
    return made


def charge(
    session: Session,
    version: ProcessVersion,
    work: Work,
    sub: Subscription,
    period: str,
    changed: dict[tuple[int, date], Any],
    prices: Prices,
    now: datetime,
    cases: dict[int, Instance],
    invoice: Invoice | None = None,
    actor: str = "system:recurring",
    kind: str = "invoiced",
) -> Invoice | None:
    """The subscription's invoice for the period (added, or `invoice` filled in); None when
    nothing was delivered or charged. Not priced by the table: status no_price, never sent.
    A priced one goes on the case's timeline as `kind` by `actor`."""
    first, last = period_bounds(period)
    counted = tally(sub, changed, first, last, work.skip_holidays)
    if not counted.portions and not counted.late_portions:
        return None
    inputs = {str(k): v for k, v in (sub.attributes or {}).items()}
    key = tuple(sorted((k, repr(v)) for k, v in inputs.items() if k != "stop"))
    if key not in prices:
        try:
            prices[key] = price_of(version, work, inputs)
        except ValueError as err:  # this one is not priced; the others are invoiced
            prices[key] = str(err)
    unit = prices[key]
    if isinstance(unit, str):  # not priced: kept for staff to see, never sent
        made = _invoice(sub, period, now, [], status="no_price", error=unit)
    else:
        made = _invoice(sub, period, now, _lines(work, counted, unit, "nb"))
    if invoice is None:
        session.add(made)
        invoice = made
    else:  # priced again: the same row, so the invoice stays one per period
        for name in ("amount", "lines", "status", "last_error", "next_attempt_at"):
            setattr(invoice, name, getattr(made, name))
        invoice.attempts = 0
    case = cases.get(sub.instance_id)
    if case is not None and invoice.status == "ready":
        summary = {"period": period, "amount": str(invoice.amount), "portions": counted.portions}
        summary["late"] = counted.late_portions
        add_event(session, case, actor, kind, None, summary)
    return invoice


def _invoice(
    sub: Subscription,
    period: str,
    now: datetime,
    lines: list[dict[str, Any]],
    *,
    status: str = "ready",
    error: str | None = None,
) -> Invoice:
    """One subscription's invoice for a period, with its lines' sum."""
    return Invoice(
        tenant_id=sub.tenant_id,
        model_id=sub.model_id,
        subscription_id=sub.id,
        period=period,
        reference=f"{sub.case_no}-{period}",
        recipient=sub.name,
        amount=sum((Decimal(line["amount"]) for line in lines), Decimal(0)),
        lines=lines,
        status=status,
        last_error=error[:500] if error else None,
        next_attempt_at=now,
    )


def price_of(version: ProcessVersion, work: Work, inputs: dict[str, Any]) -> Decimal:
    """The unit price the version's decision table gives for a subscription's details."""
    try:
        result = decide(version, work.decision, inputs)
    except (DecisionError, NotFound) as err:
        # Not the table's message: it quotes the inputs (income tier and the like).
        raise ValueError(f"{work.key}: no rule of {work.decision} matched") from err
    value = result.get(work.output)
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except ArithmeticError:
        raise ValueError(f"{work.key}: the price {value!r} is not a number") from None
