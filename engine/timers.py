"""Timers: when a workflow next needs waking up, and the clock SpiffWorkflow reads.

SpiffWorkflow's timer events call `datetime.now()` themselves. The scheduler wakes an
instance at a given moment, so the library must see that moment: its timer module gets a
datetime whose `now()` honours a per-thread override (`clock_at`), and the real time
otherwise. This is what lets timers be tested with a controlled clock.
"""

from __future__ import annotations

import contextvars
import copy
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, tzinfo
from typing import Any

import SpiffWorkflow.bpmn.specs.event_definitions.timer as spiff_timer
from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from .codechecks import label_of
from .errors import Problem
from .scripting import check_syntax

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
# TimeDate has no "Timer" in its name: a date timer must still wake its case.
_TIMER_EVENTS = (
    "TimeDateEventDefinition",
    "DurationTimerEventDefinition",
    "CycleTimerEventDefinition",
)
_TIMER_TAGS = ("timeDate", "timeDuration", "timeCycle")
# What other modellers write: a duration, a date-time or a repeating interval, unquoted.
_LOOKS_ISO = re.compile(r"^(R\d*/)?[0-9P][0-9A-Za-z:.,+\-/]*$")
_MEANT_ISO = re.compile(r"^(R\d*/|P\d|PT\d|\d{4}-)")


def _compiles(text: str) -> bool:
    return check_syntax(text, "eval") is None


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
        if str(getattr(pending, "event_type", "")) not in _TIMER_EVENTS:
            continue
        moment = _as_utc_naive(getattr(pending, "value", None))
        if moment is not None:
            due.append(moment)
    return min(due) if due else None


def _iso_ok(kind: str, text: str) -> bool:
    """Whether `text` is a plain ISO 8601 value SpiffWorkflow can schedule for `kind`."""
    try:
        if kind == "timeCycle":
            TimerEventDefinition.parse_iso_recurring_interval(text)
        elif kind == "timeDuration":
            TimerEventDefinition.parse_iso_duration(text)
        else:
            TimerEventDefinition.get_datetime(text.replace("Z", "+00:00"))
    except Exception:  # the library raises bare Exception for bad values
        return False
    return True


def plain_iso(kind: str, text: str) -> bool:
    """A timer value written as plain ISO 8601 (`PT2H`, `R6/P1D`, `2026-03-01T08:00:00Z`)."""
    text = text.strip()
    return bool(_LOOKS_ISO.match(text)) and _iso_ok(kind, text)


def quote_plain_iso(root: etree._Element) -> etree._Element:
    """A copy of `root` whose plain ISO timer values are Python string literals.

    SpiffWorkflow evaluates every timer value as an expression; `PT2H` as written by
    other modellers would fail at run time. Expressions are left alone.
    """
    if next(root.iter(*(f"{{{BPMN}}}{t}" for t in _TIMER_TAGS)), None) is None:
        return root
    root = copy.deepcopy(root)
    for element in root.iter(*(f"{{{BPMN}}}{t}" for t in _TIMER_TAGS)):
        text = (element.text or "").strip()
        if plain_iso(etree.QName(element).localname, text):
            element.text = repr(text)
    return root


def timer_problems(root: etree._Element, filename: str) -> list[Problem]:
    """Every timer must be plain ISO 8601 or a Python expression that compiles."""
    problems = []
    for element in root.iter(*(f"{{{BPMN}}}{t}" for t in _TIMER_TAGS)):
        kind, text = etree.QName(element).localname, (element.text or "").strip()
        if text and (plain_iso(kind, text) if _MEANT_ISO.match(text) else _compiles(text)):
            continue
        owner = element.getparent()
        while owner is not None and not owner.get("name") and _is_definition(owner):
            owner = owner.getparent()
        event = owner if owner is not None else element
        label = label_of(event)
        problems.append(
            Problem(
                f"The timer of '{label}' is not valid: write an ISO 8601 value such as "
                "PT2H, P3D, R6/P1D or 2026-03-01T08:00:00Z, or a Python expression.",
                element_id=event.get("id"),
                line=element.sourceline,
                file=filename,
                code="timer_invalid",
                params={"label": label, "value": text},
            )
        )
    return problems


def _is_definition(element: etree._Element) -> bool:
    return etree.QName(element).localname == "timerEventDefinition"
