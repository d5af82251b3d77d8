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

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from designer.models import Invoice, RecurringRun, Subscription, utcnow
from designer.services.subscriptions import core
from engine.api import DecisionError, add_event, decide
from engine.errors import NotFound
from engine.models import Instance, ProcessModel, ProcessVersion

WORKS = ("invoice",)
EVERY = ("month",)


@dataclass(frozen=True)
class Work:
    """One recurring work of a service."""

    key: str
    work: str
    day: int
    at: time
    decision: str
    output: str
    text: dict[str, str]


def works_of(model: ProcessModel) -> list[Work]:
    """The service's recurring work that Flytverk knows how to run."""
    found = []
    for item in (model.settings or {}).get("recurring") or ():
        if not isinstance(item, dict) or item.get("work") not in WORKS:
            continue
        if item.get("every", "month") not in EVERY:
            continue
        hour, _, minute = str(item.get("at") or "06:00").partition(":")
        price = item.get("price") or {}
        found.append(
            Work(
                key=str(item.get("key") or item["work"])[:60],
                work=str(item["work"]),
                day=min(28, max(1, int(item.get("day") or 1))),
                at=time(int(hour or 6), int(minute or 0)),
                decision=str(price.get("decision") or ""),
                output=str(price.get("output") or "unit_price"),
                text=dict(item.get("text") or {}),
            )
        )
    return found


def period_bounds(period: str) -> tuple[date, date]:
    """The first and last day of a period "YYYY-MM"."""
    first = date.fromisoformat(f"{period}-01")
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, following - timedelta(days=1)


def due_period(work: Work, now: datetime) -> str:
    """The latest period whose run is due at `now` (naive UTC): "YYYY-MM"."""
    local = core.local_now(now)
    this_month = local.date().replace(day=1)
    run_at = datetime.combine(this_month.replace(day=work.day), work.at, tzinfo=core.ZONE)
    ended = this_month - timedelta(days=1)  # the month before this one ...
    if local < run_at:  # ... unless this month's run is still ahead: the one before
        ended = ended.replace(day=1) - timedelta(days=1)
    return f"{ended.year:04d}-{ended.month:02d}"


def due(session: Session, now: datetime) -> Iterator[tuple[ProcessModel, Work, str]]:
    """Every published service's recurring work whose period's run has not been made."""
    models = session.scalars(
        select(ProcessModel).where(
            ProcessModel.published_version_id.is_not(None), ProcessModel.archived.is_(False)
        )
    )
    for model in models:
        for work in works_of(model):
            period = due_period(work, now)
            made = session.scalar(
                select(RecurringRun.id).where(
                    RecurringRun.tenant_id == model.tenant_id,
                    RecurringRun.model_id == model.id,
                    RecurringRun.work == work.key,
                    RecurringRun.period == period,
                )
            )
            if made is None:
                yield model, work, period


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


def tally(
    subscription: Subscription, changed: dict[tuple[int, date], Any], first: date, last: date
) -> Tally:
    """The delivered and late-cancelled days of a subscription in a period."""
    days = [
        core.order_on(subscription, day, changed.get((subscription.id, day)))
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
    prices: dict[tuple[tuple[str, str], ...], Decimal] = {}
    total, count = Decimal(0), 0
    for sub in subs:
        if sub.id in invoiced:
            continue
        counted = tally(sub, changed, first, last)
        if not counted.portions and not counted.late_portions:
            continue
        inputs = {str(k): v for k, v in (sub.attributes or {}).items()}
        key = tuple(sorted((k, repr(v)) for k, v in inputs.items() if k != "stop"))
        if key not in prices:
            prices[key] = price_of(version, work, inputs)
        unit = prices[key]
        lines = _lines(work, counted, unit, "nb")
        amount = sum((Decimal(line["amount"]) for line in lines), Decimal(0))
        session.add(
            Invoice(
                tenant_id=sub.tenant_id,
                model_id=model.id,
                subscription_id=sub.id,
                period=period,
                reference=f"{sub.case_no}-{period}",
                recipient=sub.name,
                amount=amount,
                lines=lines,
                status="ready",
                next_attempt_at=now,
            )
        )
        case = session.get(Instance, sub.instance_id)
        if case is not None:
            summary = {"period": period, "amount": str(amount), "portions": counted.portions}
            summary["late"] = counted.late_portions
            add_event(session, case, "system:recurring", "invoiced", None, summary)
        total += amount
        count += 1
    made.status, made.count, made.total, made.finished_at = "done", count, total, utcnow()
    session.flush()
    return made


def price_of(version: ProcessVersion, work: Work, inputs: dict[str, Any]) -> Decimal:
    """The unit price the version's decision table gives for a subscription's details."""
    try:
        result = decide(version, work.decision, inputs)
    except (DecisionError, NotFound) as err:
        raise ValueError(f"{work.key}: no price for {inputs}: {err}") from err
    value = result.get(work.output)
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except ArithmeticError:
        raise ValueError(f"{work.key}: the price {value!r} is not a number") from None
