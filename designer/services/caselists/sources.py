"""Where a case list's rows come from: a small registry of sources, each with its fields.

A source reads the rows of one service (and, when `needs_day`, one day) as plain dicts whose
values are already display texts in the language asked for; types say how to sort, sum and
show them: text, int, date (a `date`) and list (texts, shown joined with ", ").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from designer.services.workdays import local_date
from engine.models import Instance, ProcessModel

TYPES = ("text", "int", "date", "list")
Rows = Callable[[Session, ProcessModel, "date | None", str], list[dict[str, Any]]]


@dataclass(frozen=True)
class Source:
    """One kind of rows a list can show."""

    name: str
    label: Any  # a lazy text
    fields: dict[str, tuple[Any, str]]  # field -> (label, type)
    needs_day: bool
    rows: Rows

    def type_of(self, field: str) -> str:
        """The type of `field` ("text" for one the source does not have)."""
        return self.fields[field][1] if field in self.fields else "text"


SOURCES: dict[str, Source] = {}


def register(source: Source) -> Source:
    """Add (or replace) a source in the registry."""
    SOURCES[source.name] = source
    return source


def unregister(name: str) -> None:
    """Remove a source (tests register their own)."""
    SOURCES.pop(name, None)


STATUS = {
    "running": _l("In progress"),
    "completed": _l("Completed"),
    "cancelled": _l("Cancelled"),
    "failed": _l("Failed"),
}


def _day(moment: Any) -> date | None:
    """The local date (the municipality's time zone) of a naive UTC moment."""
    return local_date(moment) if moment is not None else None


def case_rows(
    session: Session, model: ProcessModel, day: date | None, lang: str
) -> list[dict[str, Any]]:
    """The service's cases (test runs left out), one row each."""
    found = session.scalars(
        select(Instance)
        .where(
            Instance.model_id == model.id,
            Instance.tenant_id == model.tenant_id,
            Instance.is_test.is_(False),
        )
        .order_by(Instance.id)
    )
    return [
        {
            "case_no": case.case_no,
            "subject": case.subject or "",
            "status": str(STATUS.get(case.status, case.status)),
            "outcome": case.outcome or "",
            "created_at": _day(case.created_at),
            "completed_at": _day(case.completed_at),
            "instance_id": case.id,
        }
        for case in found
    ]


def _subscription_rows(
    session: Session, model: ProcessModel, day: date | None, lang: str
) -> list[dict[str, Any]]:
    from designer.services.subscriptions import rows  # written beside this package

    return list(rows.subscription_rows(session, model, day, lang))


def _delivery_rows(
    session: Session, model: ProcessModel, day: date | None, lang: str
) -> list[dict[str, Any]]:
    from designer.services.subscriptions import rows

    return list(rows.delivery_rows(session, model, day, lang))


CASE_NO = (_l("Case number"), "text")
NAME = (_l("Name"), "text")
PERSON = {
    "address": (_l("Address"), "text"),
    "access_notes": (_l("Key and access notes"), "text"),
    "route": (_l("Route"), "text"),
    "stop": (_l("Stop"), "int"),
    "size": (_l("Portion size"), "text"),
    "diet": (_l("Diet"), "list"),
    "allergies": (_l("Allergies"), "text"),
}
INSTANCE = (_l("Case id"), "int")

register(
    Source(
        "cases",
        _l("Cases"),
        {
            "case_no": CASE_NO,
            "subject": (_l("Subject"), "text"),
            "status": (_l("Status"), "text"),
            "outcome": (_l("Outcome"), "text"),
            "created_at": (_l("Received"), "date"),
            "completed_at": (_l("Completed"), "date"),
            "instance_id": INSTANCE,
        },
        False,
        case_rows,
    )
)
register(
    Source(
        "subscriptions",
        _l("Subscriptions"),
        {
            "case_no": CASE_NO,
            "name": NAME,
            "status": (_l("Status"), "text"),
            "starts_on": (_l("Starts"), "date"),
            "ends_on": (_l("Ends"), "date"),
            "weekdays": (_l("Weekdays"), "list"),
            **PERSON,
            "income_tier": (_l("Income tier"), "text"),
            "portions_per_week": (_l("Portions per week"), "int"),
            "instance_id": INSTANCE,
        },
        False,
        _subscription_rows,
    )
)
register(
    Source(
        "deliveries",
        _l("Deliveries"),
        {
            "day": (_l("Delivery date"), "date"),
            "case_no": CASE_NO,
            "name": NAME,
            **PERSON,
            "quantity": (_l("Quantity"), "int"),
            "choice": (_l("Choice (code)"), "text"),
            "choice_text": (_l("Dish"), "text"),
            "note": (_l("Note"), "text"),
            "instance_id": INSTANCE,
        },
        True,
        _delivery_rows,
    )
)
