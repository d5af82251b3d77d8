"""Timers: when a workflow next needs waking up, and the clock SpiffWorkflow reads.

SpiffWorkflow's timer events call `datetime.now()` themselves. The scheduler wakes an
instance at a given moment, so the library must see that moment: its timer module gets a
datetime whose `now()` honours a per-thread override (`clock_at`), and the real time
otherwise. This is what lets timers be tested with a controlled clock.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, tzinfo
from typing import Any

import SpiffWorkflow.bpmn.specs.event_definitions.timer as spiff_timer
from SpiffWorkflow.bpmn import BpmnWorkflow

_NOW: contextvars.ContextVar[datetime | None] = contextvars.ContextVar("flytverk_now", default=None)


class _ClockedDatetime(datetime):
    @classmethod
    def now(cls, tz: tzinfo | None = None) -> Any:
        moment = _NOW.get()
        if moment is None:
            return super().now(tz)
        aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return aware.astimezone(tz) if tz else aware.astimezone().replace(tzinfo=None)


spiff_timer.datetime = _ClockedDatetime  # type: ignore[misc]


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """Make SpiffWorkflow's timers see `moment` (naive UTC) as now, in this thread."""
    token = _NOW.set(moment)
    try:
        yield
    finally:
        _NOW.reset(token)


def _as_utc_naive(value: Any) -> datetime | None:
    if isinstance(value, dict):  # cycle timers keep {"cycles", "next", "duration"}
        if value.get("cycles") == 0:
            return None
        value = value.get("next")
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def next_timer_at(workflow: BpmnWorkflow) -> datetime | None:
    """The earliest due time among the timers the workflow waits for (naive UTC)."""
    due = []
    for pending in workflow.waiting_events():
        if "Timer" not in str(getattr(pending, "event_type", "")):
            continue
        moment = _as_utc_naive(getattr(pending, "value", None))
        if moment is not None:
            due.append(moment)
    return min(due) if due else None
