"""Changing a subscription: a week's order, a pause, a late cancellation, the end.

Citizens change days until their cut-off; after it the day is refused with the moment it
closed. Staff may also register a late cancellation (not delivered, but charged) and end a
subscription. Every change is a row per day and one event on the case's timeline, flushed in
the caller's transaction (the view commits).
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from designer.models import Invoice, Subscription, SubscriptionDay, User, utcnow
from designer.services.errors import Forbidden, Invalid, Missing
from designer.services.subscriptions import core
from engine.api import add_event
from engine.models import Instance, ProcessModel

EVENTS = (
    "subscription_started",
    "order_changed",
    "subscription_paused",
    "late_cancelled",
    "subscription_ended",
    "invoiced",
    "invoice_resent",
    "invoice_priced",
)
STAFF_ROLES = ("caseworker", "team_lead", "admin")


def _closed_text(day: date, terms: core.Terms) -> str:
    moment = core.cutoff_of(day, terms)  # naive UTC: Babel shows it in local time
    return str(
        _l(
            "Changes for %(day)s closed at %(when)s. Call us if you must cancel.",
            day=core.day_text(day),
            when=_l(
                "%(day)s at %(time)s",
                day=core.day_text(core.local_now(moment).date()),
                time=core.local_now(moment).strftime("%H:%M"),
            ),
        )
    )


def of_owner(session: Session, user: User, subscription_id: int) -> Subscription:
    """The user's own subscription (Missing for anyone else's)."""
    found = session.get(Subscription, subscription_id)
    if found is None or found.tenant_id != user.tenant_id or found.owner != user.actor:
        raise Missing()
    return found


def may_staff(user: User, model: ProcessModel) -> bool:
    """True when the user may change subscriptions of the service as staff."""
    if user.tenant_id != model.tenant_id:
        return False
    if user.has_role("team_lead", "admin"):
        return True
    groups = {row.group_name for row in user.group_rows}
    return user.has_role("caseworker") and bool(
        groups.intersection(core.settings_of(model).get("staff_groups") or ())
    )


def of_staff(session: Session, user: User, subscription_id: int) -> Subscription:
    """A subscription the staff user may change (Missing/Forbidden otherwise)."""
    found = session.get(Subscription, subscription_id)
    if found is None or found.tenant_id != user.tenant_id:
        raise Missing()
    model = session.get(ProcessModel, found.model_id)
    if model is None or not may_staff(user, model):
        raise Forbidden()
    return found


def _event(
    session: Session, sub: Subscription, actor: str, kind: str, summary: dict[str, Any]
) -> None:
    case = session.get(Instance, sub.instance_id)
    assert case is not None
    add_event(session, case, actor, kind, None, summary)


def _set_day(
    session: Session,
    sub: Subscription,
    rows: dict[date, SubscriptionDay],
    order: core.DayOrder,
    actor: str,
    now: datetime,
) -> None:
    row = rows.get(order.day)
    if row is None:
        row = SubscriptionDay(tenant_id=sub.tenant_id, subscription_id=sub.id, day=order.day)
        session.add(row)
        rows[order.day] = row
    row.quantity, row.choice, row.kind = order.quantity, order.choice, order.kind
    row.changed_at, row.changed_by = now, actor


def change_week(
    session: Session,
    sub: Subscription,
    wanted: dict[date, tuple[int, str]],
    actor: str,
    now: datetime | None = None,
) -> list[core.DayOrder]:
    """Set the order of delivery days of one week: {day: (quantity, choice)}.

    Raises Invalid naming the field (`q-<day>` / `c-<day>`) of a day that is closed, not a
    delivery day, or out of range, and when the week falls under the minimum.
    """
    now = now or core.now()
    model = session.get(ProcessModel, sub.model_id)
    assert model is not None
    terms = core.terms_of(session, model)
    if not wanted:
        raise Invalid(str(_l("Choose the days to change.")))
    first = core.week_start(min(wanted))
    last = first + timedelta(days=6)
    if core.week_start(max(wanted)) != first:
        raise Invalid(str(_l("Change one week at a time.")))
    current = {o.day: o for o in core.orders(session, sub, first, last, terms)}
    errors: dict[str, str] = {}
    changed: list[core.DayOrder] = []
    for day, (quantity, choice) in sorted(wanted.items()):
        name = day.isoformat()
        if day not in current:
            errors[f"q-{name}"] = str(_l("We do not deliver to you on this day."))
            continue
        if current[day].kind == "holiday":
            errors[f"q-{name}"] = str(_l("We do not deliver on public holidays."))
            continue
        if not 0 <= quantity <= terms.max_quantity:
            errors[f"q-{name}"] = str(_l("Choose from 0 to %(n)s portions.", n=terms.max_quantity))
            continue
        if choice not in terms.choices:
            errors[f"c-{name}"] = str(_l("Choose one of the dishes."))
            continue
        before = current[day]
        kind = "order" if quantity > 0 else "pause"
        if (before.quantity, before.choice) == (quantity, choice) and before.kind != "late_cancel":
            continue
        if not core.is_open(day, terms, now):
            errors[f"q-{name}"] = _closed_text(day, terms)
            continue
        if before.kind == "late_cancel":
            errors[f"q-{name}"] = str(_l("This day is cancelled by the municipality."))
            continue
        current[day] = core.DayOrder(day, quantity, choice, kind)
        changed.append(current[day])
    if errors:
        raise Invalid(str(_l("The order was not changed.")), fields=errors)
    delivered = sum(o.quantity for o in current.values() if o.delivered)
    minimum = _week_minimum(current, terms)
    if changed and minimum and delivered < minimum and not _all_paused(current):
        raise Invalid(
            str(_l("Order at least %(n)s portions a week, or pause the whole week.", n=minimum)),
            fields={"week": str(_l("At least %(n)s portions a week.", n=minimum))},
        )
    if not changed:
        return []
    rows = {d: r for (_, d), r in core.changes_of(session, [sub.id], first, last).items()}
    for order in changed:
        _set_day(session, sub, rows, order, actor, now)
    sub.updated_at = now
    _event(
        session,
        sub,
        actor,
        "order_changed",
        {
            "week": f"{first.isocalendar().year}-W{first.isocalendar().week:02d}",
            "days": [
                {"day": o.day.isoformat(), "quantity": o.quantity, "choice": o.choice}
                for o in changed
            ],
        },
    )
    session.flush()
    return changed


def _week_minimum(current: dict[date, core.DayOrder], terms: core.Terms) -> int:
    """The week's minimum, in proportion to its delivery days that are no holidays (a week
    with one of two days a holiday asks for half, rounded up)."""
    if not current or not terms.min_per_week:
        return 0
    open_days = sum(o.kind != "holiday" for o in current.values())
    return math.ceil(terms.min_per_week * open_days / len(current))


def _all_paused(current: dict[date, core.DayOrder]) -> bool:
    return all(o.quantity == 0 for o in current.values())


def pause(
    session: Session,
    sub: Subscription,
    first: date,
    last: date,
    actor: str,
    *,
    staff: bool = False,
    now: datetime | None = None,
) -> tuple[int, int]:
    """Pause the delivery days from `first` to `last`; (paused days, late-cancelled days).

    A citizen's pause must start after the cut-off of its first day; staff may pause days
    already closed, which become late cancellations (not delivered, charged).
    """
    now = now or core.now()
    if last < first:
        raise Invalid(fields={"last": str(_l("The last day must be on or after the first day."))})
    if (last - first).days > 366:
        raise Invalid(fields={"last": str(_l("A pause can last at most a year."))})
    model = session.get(ProcessModel, sub.model_id)
    assert model is not None
    terms = core.terms_of(session, model)
    days = core.orders(session, sub, first, last, terms)
    if not days:
        raise Invalid(fields={"first": str(_l("We do not deliver to you in this period."))})
    closed = [o for o in days if o.kind != "holiday" and not core.is_open(o.day, terms, now)]
    if closed and not staff:
        raise Invalid(fields={"first": _closed_text(closed[0].day, terms)})
    rows = {d: r for (_, d), r in core.changes_of(session, [sub.id], first, last).items()}
    today = core.today(now)
    late = changed = 0
    for order in days:
        if (
            order.quantity == 0
            and order.kind == "pause"
            or order.kind in ("late_cancel", "holiday")
        ):
            continue  # paused or cancelled already, or nothing brought that day
        is_late = not core.is_open(order.day, terms, now)
        if is_late and order.day < today:
            continue  # delivered already: not a cancellation
        kind = "late_cancel" if is_late else "pause"
        late += is_late
        changed += 1
        quantity = order.quantity if is_late else 0  # a late cancellation keeps what is charged
        _set_day(
            session, sub, rows, core.DayOrder(order.day, quantity, order.choice, kind), actor, now
        )
    if not changed:
        return 0, 0
    sub.updated_at = now
    _event(
        session,
        sub,
        actor,
        "late_cancelled" if late and late == changed else "subscription_paused",
        {"from": first.isoformat(), "to": last.isoformat(), "days": changed, "late": late},
    )
    session.flush()
    return changed - late, late


def end(
    session: Session, sub: Subscription, last: date, actor: str, now: datetime | None = None
) -> None:
    """End the subscription after delivery day `last` (staff).

    Not before a day already invoiced, nor before today (days delivered stay delivered);
    an ended subscription may only be ended earlier, never later.
    """
    today = core.today(now or core.now())
    invoiced = session.scalar(
        select(func.max(Invoice.period)).where(
            Invoice.subscription_id == sub.id, Invoice.status != "no_price"
        )
    )
    earliest = max(today - timedelta(days=1), sub.starts_on - timedelta(days=1))
    if invoiced:
        year, month = (int(part) for part in invoiced.split("-"))
        following = date(year + month // 12, month % 12 + 1, 1)
        earliest = max(earliest, following - timedelta(days=1))
    if last < earliest:
        raise Invalid(
            fields={
                "end_last": str(
                    _l("The last day can be %(day)s at the earliest.", day=core.day_text(earliest))
                )
            }
        )
    if sub.ends_on is not None and last >= sub.ends_on:
        raise Invalid(fields={"end_last": str(_l("The subscription ends earlier already."))})
    sub.ends_on = last
    sub.status = "ended" if last < today else "active"
    sub.updated_at = utcnow()
    _event(session, sub, actor, "subscription_ended", {"last": last.isoformat()})
    session.flush()
