"""How list values compare and match: numbers numerically, dates by date, texts by letters;
nothing (None, "", an empty list) last, whichever way a list is sorted."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def empty(value: Any) -> bool:
    """None, a blank text or an empty list."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple)):
        return not any(not empty(v) for v in value)
    return False


def _key(value: Any) -> tuple[int, Any]:
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, (int, float)):
        return (0, value)
    if isinstance(value, datetime):
        return (1, value.date().isoformat())
    if isinstance(value, date):
        return (1, value.isoformat())
    if isinstance(value, (list, tuple)):
        return (2, ", ".join(str(v) for v in value).casefold())
    text = str(value).strip()
    if NUMBER.match(text):
        return (0, float(text))
    if ISO_DATE.match(text):
        return (1, text)
    return (2, text.casefold())


def compare(a: Any, b: Any, *, descending: bool = False) -> int:
    """-1, 0 or 1: `a` before, with or after `b`; an empty value after any other."""
    if empty(a) or empty(b):
        return int(empty(a)) - int(empty(b))
    ka, kb = _key(a), _key(b)
    said = (ka > kb) - (ka < kb)
    return -said if descending else said


def _one(item: Any, op: str, target: Any, shown: Callable[[Any], str] | None) -> bool:
    if shown is not None:
        return shown(item) == str(target)
    if op == "contains":
        return str(target).casefold() in str(item).casefold()
    said = compare(item, target)
    return {"eq": said == 0, "gte": said >= 0, "lte": said <= 0}.get(op, False)


def matches(
    value: Any, op: str, target: Any = None, *, shown: Callable[[Any], str] | None = None
) -> bool:
    """Whether a row's `value` passes the filter `op` `target` (a list passes on any item).

    `shown` compares the value as shown (the reader's choice) instead.
    """
    if op == "empty":
        return empty(value)
    if op == "not_empty":
        return not empty(value)
    items = [v for v in value if not empty(v)] if isinstance(value, (list, tuple)) else [value]
    items = [v for v in items if not empty(v)]
    if op == "ne":
        return not any(_one(i, "eq", target, shown) for i in items)
    if op == "in":
        wanted = target if isinstance(target, list) else [target]
        return any(_one(i, "eq", t, shown) for i in items for t in wanted)
    return any(_one(i, op, target, shown) for i in items)
