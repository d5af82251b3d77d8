"""A service's subscription terms and what a subscription orders on each delivery day.

A subscription has a standing week (`plan`: quantity and choice per delivery weekday) and
changed days (`SubscriptionDay`: another order, a pause, a late cancellation). The order in
force on a day is the changed day if there is one, else the standing week's. A day can be
changed until its cut-off: `cutoff_hour` o'clock (local time), `cutoff_days` working days
before it — both parameters of the published version, so a municipality sets its own.
A service whose settings say `"holidays": "skip"` brings nothing on public holidays: such a
day is a `holiday` (nothing delivered, nothing charged, nothing to change).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import format_date, get_locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from designer.models import MenuDay, Subscription, SubscriptionDay, utcnow
from designer.services import workdays
from engine.api import parameter_values
from engine.models import ProcessModel, ProcessVersion

ZONE = workdays.ZONE
DELIVERED = ("order", "standing")  # kinds of a day on which food is brought
HOLIDAYS = ("deliver", "skip")  # what a service does on a public holiday
DEFAULTS = {"cutoff_days": 1, "cutoff_hour": 12, "min_per_week": 0}


@dataclass(frozen=True)
class Terms:
    """What a service's settings and parameters say about its subscriptions."""

    cutoff_days: int = 1
    cutoff_hour: int = 12
    min_per_week: int = 0
    choices: tuple[str, ...] = ("A",)
    choice_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    value_labels: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    menu_groups: tuple[str, ...] = ()
    staff_groups: tuple[str, ...] = ()
    weeks_ahead: int = 4
    max_quantity: int = 3
    skip_holidays: bool = False

    def label(self, name: str, value: Any, lang: str) -> str:
        """A value's text in `lang` (bokmål, then the value itself, when missing)."""
        texts = self.value_labels.get(name, {}).get(str(value), {})
        return str(texts.get(lang) or texts.get("nb") or ("" if value is None else value))

    def choice_label(self, choice: str, lang: str) -> str:
        """The name of a choice ("Dish 1") in `lang`."""
        texts = self.choice_labels.get(choice, {})
        return str(texts.get(lang) or texts.get("nb") or choice)


def settings_of(model: ProcessModel) -> dict[str, Any]:
    """The service's `subscription` settings ({} when it has no subscriptions)."""
    found = (model.settings or {}).get("subscription")
    return found if isinstance(found, dict) else {}


def _published(session: Session, model: ProcessModel) -> ProcessVersion | None:
    if model.published_version_id is None:
        return None
    return session.get(ProcessVersion, model.published_version_id)


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def terms_of(session: Session, model: ProcessModel) -> Terms:
    """The terms in force: the settings, and the cut-off parameters of the live version."""
    settings = settings_of(model)
    version = _published(session, model)
    values = parameter_values(version.files) if version is not None else {}
    choices = tuple(str(c) for c in settings.get("choices") or ("A",))
    return Terms(
        cutoff_days=max(0, _int(values.get("cutoff_days"), DEFAULTS["cutoff_days"])),
        cutoff_hour=min(23, max(0, _int(values.get("cutoff_hour"), DEFAULTS["cutoff_hour"]))),
        min_per_week=max(0, _int(values.get("min_per_week"), DEFAULTS["min_per_week"])),
        choices=choices,
        choice_labels=dict(settings.get("choice_labels") or {}),
        value_labels=dict(settings.get("value_labels") or {}),
        menu_groups=tuple(settings.get("menu_groups") or ()),
        staff_groups=tuple(settings.get("staff_groups") or ()),
        weeks_ahead=max(1, min(12, _int(settings.get("weeks_ahead"), 4))),
        skip_holidays=skips_holidays(model),
    )


def skips_holidays(model: ProcessModel) -> bool:
    """True when the service brings nothing on public holidays (`"holidays": "skip"`)."""
    return settings_of(model).get("holidays") == "skip"


def now() -> datetime:
    """The clock changes are checked against (naive UTC); tests set it."""
    return utcnow()


def local_now(now: datetime) -> datetime:
    """A naive UTC moment as Norwegian local time."""
    return now.replace(tzinfo=workdays.UTC).astimezone(ZONE)


def today(now: datetime) -> date:
    """The local date at the naive UTC moment `now`."""
    return workdays.local_date(now)


def cutoff_of(day: date, terms: Terms) -> datetime:
    """The last moment (naive UTC) the order of delivery day `day` can be changed."""
    deadline = workdays.working_days_before(day, terms.cutoff_days)
    local = datetime.combine(deadline, time(terms.cutoff_hour), tzinfo=ZONE)
    return local.astimezone(workdays.UTC).replace(tzinfo=None)


def is_open(day: date, terms: Terms, now: datetime) -> bool:
    """True while the order of `day` can still be changed."""
    return now < cutoff_of(day, terms)


def week_start(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


def delivers_on(subscription: Subscription, day: date) -> bool:
    """True when `day` is one of the subscription's delivery days."""
    if day < subscription.starts_on or (subscription.ends_on and day > subscription.ends_on):
        return False
    return day.weekday() in set(subscription.weekdays or ())


def delivery_days(subscription: Subscription, first: date, last: date) -> list[date]:
    """The subscription's delivery days from `first` to `last`, both included."""
    days, day = [], first
    while day <= last:
        if delivers_on(subscription, day):
            days.append(day)
        day += timedelta(days=1)
    return days


@dataclass(frozen=True)
class DayOrder:
    """What a subscription orders on one delivery day."""

    day: date
    quantity: int
    choice: str
    kind: str  # standing | order | pause | late_cancel | holiday

    @property
    def delivered(self) -> bool:
        """True when food is brought that day."""
        return self.kind in DELIVERED and self.quantity > 0


def standing(subscription: Subscription, day: date) -> DayOrder:
    """The standing week's order of `day`."""
    planned = (subscription.plan or {}).get(str(day.weekday())) or {}
    return DayOrder(
        day,
        _int(planned.get("quantity"), 1),
        str(planned.get("choice") or "A"),
        "standing",
    )


def order_on(
    subscription: Subscription,
    day: date,
    changed: SubscriptionDay | None,
    skip_holidays: bool = False,
) -> DayOrder:
    """The order in force on a delivery day, given that day's change (if any); on a public
    holiday of a service that skips them, a `holiday` whatever was ordered."""
    if skip_holidays and day in workdays.public_holidays(day.year):
        return DayOrder(day, 0, standing(subscription, day).choice, "holiday")
    if changed is None:
        return standing(subscription, day)
    return DayOrder(day, changed.quantity, changed.choice, changed.kind)


def changes_of(
    session: Session, subscription_ids: Iterable[int], first: date, last: date
) -> dict[tuple[int, date], SubscriptionDay]:
    """The changed days of the subscriptions between two dates, by (subscription, day)."""
    ids = list(subscription_ids)
    if not ids:
        return {}
    rows = session.scalars(
        select(SubscriptionDay).where(
            SubscriptionDay.subscription_id.in_(ids),
            SubscriptionDay.day >= first,
            SubscriptionDay.day <= last,
        )
    )
    return {(row.subscription_id, row.day): row for row in rows}


def orders(
    session: Session, subscription: Subscription, first: date, last: date, terms: Terms
) -> list[DayOrder]:
    """The order in force on each delivery day from `first` to `last`."""
    changed = changes_of(session, [subscription.id], first, last)
    return [
        order_on(subscription, day, changed.get((subscription.id, day)), terms.skip_holidays)
        for day in delivery_days(subscription, first, last)
    ]


def menu_of(session: Session, model: ProcessModel, first: date, last: date) -> dict[date, MenuDay]:
    """The menu the kitchen entered for the days from `first` to `last`."""
    rows = session.scalars(
        select(MenuDay).where(
            MenuDay.tenant_id == model.tenant_id,
            MenuDay.model_id == model.id,
            MenuDay.day >= first,
            MenuDay.day <= last,
        )
    )
    return {row.day: row for row in rows}


def choice_text(menu: MenuDay | None, choice: str, terms: Terms, lang: str) -> str:
    """What a choice is on a day: the dish the menu names, else the choice's name."""
    dish = (menu.choices or {}).get(choice) if menu is not None else None
    return str(dish) if dish else terms.choice_label(choice, lang)


def day_text(day: date) -> str:
    """A date as people say it: "tirsdag 8. desember", "Tuesday 8 December"."""
    english = str(get_locale() or "nb").startswith("en")
    return str(format_date(day, "EEEE d MMMM" if english else "EEEE d. MMMM"))


def status_of(subscription: Subscription, on: date) -> str:
    """ "active", or "ended" once its last day has passed."""
    ended = subscription.ends_on is not None and subscription.ends_on < on
    return "ended" if subscription.status == "ended" or ended else "active"
