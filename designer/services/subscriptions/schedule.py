"""When a service's recurring work is due: its settings, its periods, its run rows.

See designer.services.subscriptions.invoicing for what the `invoice` work does.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from designer.models import RecurringRun, Subscription
from designer.services.subscriptions import core
from engine.models import ProcessModel

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
    skip_holidays: bool = False  # the service brings (and charges) nothing on public holidays


def _work(item: Any, skip_holidays: bool) -> Work | None:
    if not isinstance(item, dict) or item.get("work") not in WORKS:
        return None
    if item.get("every", "month") not in EVERY:
        return None
    hour, _, minute = str(item.get("at") or "06:00").partition(":")
    price = item.get("price") or {}
    try:
        return Work(
            key=str(item.get("key") or item["work"])[:60],
            work=str(item["work"]),
            day=min(28, max(1, int(item.get("day") or 1))),
            at=time(int(hour or 6), int(minute or 0)),
            decision=str(price.get("decision") or ""),
            output=str(price.get("output") or "unit_price"),
            text=dict(item.get("text") or {}),
            skip_holidays=skip_holidays,
        )
    except (TypeError, ValueError):
        return None  # a setting that does not say when: not run (problems() names it)


def works_of(model: ProcessModel) -> list[Work]:
    """The service's recurring work that Flytverk knows how to run (broken items skipped)."""
    skip = core.skips_holidays(model)
    found = [_work(item, skip) for item in (model.settings or {}).get("recurring") or ()]
    return [work for work in found if work is not None]


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


RETRY_AFTER = timedelta(hours=1)  # a failed run is tried again this long after
MAX_MONTHS_BACK = 24


def _periods_since(first: date, last_period: str) -> list[str]:
    year, month = first.year, first.month
    end_year, end_month = (int(part) for part in last_period.split("-"))
    found = []
    while (year, month) <= (end_year, end_month):
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found[-MAX_MONTHS_BACK:]


def due(session: Session, now: datetime) -> Iterator[tuple[ProcessModel, Work, str]]:
    """Every published service's recurring work with a period not yet run, oldest first:
    a month the worker missed (it was down) is run too. A failed run is due again after
    RETRY_AFTER."""
    models = session.scalars(
        select(ProcessModel).where(
            ProcessModel.published_version_id.is_not(None), ProcessModel.archived.is_(False)
        )
    )
    for model in models:
        works = works_of(model)
        if not works:
            continue
        earliest = session.scalar(
            select(func.min(Subscription.starts_on)).where(
                Subscription.tenant_id == model.tenant_id, Subscription.model_id == model.id
            )
        )
        for work in works:
            latest = due_period(work, now)
            periods = _periods_since(earliest, latest) if earliest else [latest]
            runs = {
                row.period: row
                for row in session.scalars(
                    select(RecurringRun).where(
                        RecurringRun.tenant_id == model.tenant_id,
                        RecurringRun.model_id == model.id,
                        RecurringRun.work == work.key,
                        RecurringRun.period.in_(periods),
                    )
                )
            }
            for period in periods:
                made = runs.get(period)
                if made is None or (
                    made.status == "failed" and made.started_at <= now - RETRY_AFTER
                ):
                    yield model, work, period


def run_of(session: Session, model: ProcessModel, work: Work, period: str) -> RecurringRun | None:
    """The run of one period of a service's work, if there is one."""
    return session.scalar(
        select(RecurringRun).where(
            RecurringRun.tenant_id == model.tenant_id,
            RecurringRun.model_id == model.id,
            RecurringRun.work == work.key,
            RecurringRun.period == period,
        )
    )


def record_failure(
    session: Session, model: ProcessModel, work: Work, period: str, now: datetime
) -> None:
    """A run that failed as a whole: kept as a failed run, tried again after RETRY_AFTER."""
    found = run_of(session, model, work, period)
    if found is None:
        found = RecurringRun(
            tenant_id=model.tenant_id, model_id=model.id, work=work.key, period=period
        )
        session.add(found)
    found.status, found.started_at, found.finished_at = "failed", now, None
    session.flush()
