"""The rows case lists read from subscriptions: one per subscription, one per delivery.

Values are display texts in the reader's language (labels from the service's
`subscription.value_labels`), numbers stay numbers and dates stay dates.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import format_date
from sqlalchemy import select
from sqlalchemy.orm import Session

from designer.models import Subscription
from designer.services.subscriptions import core
from engine.models import ProcessModel


def _weekday(day_number: int) -> str:
    # 2024-01-01 was a Monday: its week gives every weekday's name in the locale.
    return format_date(date(2024, 1, 1 + int(day_number)), "EEEE")


def _labels(terms: core.Terms, name: str, value: Any, lang: str) -> Any:
    if isinstance(value, list):
        return [terms.label(name, v, lang) for v in value]
    return terms.label(name, value, lang)


def _common(sub: Subscription, terms: core.Terms, lang: str) -> dict[str, Any]:
    attributes = sub.attributes or {}
    stop = attributes.get("stop")
    return {
        "case_no": sub.case_no,
        "name": sub.name,
        "address": str(attributes.get("address") or ""),
        "access_notes": str(attributes.get("access_notes") or ""),
        "route": _labels(terms, "route", attributes.get("route"), lang),
        "stop": int(str(stop)) if str(stop).isdigit() else None,
        "size": _labels(terms, "size", attributes.get("size"), lang),
        "diet": _labels(terms, "diet", list(attributes.get("diet") or []), lang),
        "allergies": str(attributes.get("allergies") or ""),
        "income_tier": _labels(terms, "income_tier", attributes.get("income_tier"), lang),
        "instance_id": sub.instance_id,
    }


def _of_service(session: Session, model: ProcessModel) -> list[Subscription]:
    return list(
        session.scalars(
            select(Subscription)
            .where(Subscription.tenant_id == model.tenant_id, Subscription.model_id == model.id)
            .order_by(Subscription.id)
        )
    )


def subscription_rows(
    session: Session, model: ProcessModel, day: date | None, lang: str
) -> list[dict[str, Any]]:
    """One row per subscription of the service."""
    terms = core.terms_of(session, model)
    rows = []
    for sub in _of_service(session, model):
        planned = sum(
            int((sub.plan or {}).get(str(d), {}).get("quantity") or 0) for d in sub.weekdays or ()
        )
        rows.append(
            {
                **_common(sub, terms, lang),
                "status": core.status_of(sub, core.today(core.now())),
                "starts_on": sub.starts_on,
                "ends_on": sub.ends_on,
                "weekdays": [_weekday(d) for d in sorted(sub.weekdays or ())],
                "portions_per_week": planned,
            }
        )
    return rows


def delivery_rows(
    session: Session, model: ProcessModel, day: date | None, lang: str
) -> list[dict[str, Any]]:
    """One row per subscription that gets food on `day` (pauses and cancellations left out)."""
    if day is None:
        return []
    terms = core.terms_of(session, model)
    subs = [s for s in _of_service(session, model) if core.delivers_on(s, day)]
    changed = core.changes_of(session, [s.id for s in subs], day, day)
    menu = core.menu_of(session, model, day, day).get(day)
    rows = []
    for sub in subs:
        order = core.order_on(sub, day, changed.get((sub.id, day)), terms.skip_holidays)
        if not order.delivered:
            continue
        rows.append(
            {
                **_common(sub, terms, lang),
                "day": day,
                "quantity": order.quantity,
                "choice": order.choice,
                "choice_text": core.choice_text(menu, order.choice, terms, lang),
                "note": menu.note if menu is not None else "",
            }
        )
    return rows


def cutoff_of(session: Session, model: ProcessModel, day: date) -> datetime:
    """The moment (naive UTC) after which the orders of delivery day `day` are final."""
    return core.cutoff_of(day, core.terms_of(session, model))
