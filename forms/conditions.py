"""Evaluate form-js ``conditional.hide`` expressions; mirrored by conditions.js.

Values are null, booleans, numbers (IEEE doubles, as in JavaScript), strings,
lists and contexts (objects). Evaluation never fails: a missing name is null, and
an operation on the wrong kinds of value (``"a" < 1``, ``1 / 0``) is null. ``=`` is
strict (``"1" = 1`` is false, ``null = null`` is true), ``and``/``or``/``not`` use
FEEL's three-valued logic, ``x in list`` tests membership (``x in y`` for a
non-list ``y`` means ``x = y``). A component is hidden only when its expression is
exactly ``true``; null or any other value leaves it shown.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from .exprerrors import not_text
from .expressions import ConditionError, Node, parse

MAX_DATA_DEPTH = 32

__all__ = ["ConditionError", "check", "evaluate", "is_hidden", "parse", "reason", "to_value"]


def check(expression: Any) -> str | None:
    """Return why ``expression`` cannot be parsed, or None when it can."""
    error = reason(expression)
    return None if error is None else str(error)


def reason(expression: Any) -> ConditionError | None:
    """The error that stops ``expression`` from being parsed (its ``text`` for people)."""
    try:
        parse(expression)
    except ConditionError as exc:
        return exc
    except TypeError:  # unhashable: lru_cache refuses it before parse() runs
        return not_text()
    return None


def evaluate(expression: str, data: Mapping[str, Any]) -> Any:
    """Evaluate ``expression`` over ``data`` (ConditionError if it does not parse)."""
    return _eval(parse(expression), data)


def is_hidden(expression: str, data: Mapping[str, Any]) -> bool:
    """True when a ``conditional.hide`` expression evaluates to exactly true."""
    return _eval(parse(expression), data) is True


def to_value(raw: Any, depth: int = 0) -> Any:
    """Convert Python data to a condition value (numbers become floats)."""
    if raw is None or isinstance(raw, bool | str):
        return raw
    if depth > MAX_DATA_DEPTH:
        return None
    if isinstance(raw, int | float | Decimal):
        try:
            number = float(raw)
        except OverflowError:
            return None
        return number if math.isfinite(number) else None
    if isinstance(raw, date):
        return raw.isoformat()
    if isinstance(raw, list | tuple):
        return [to_value(item, depth + 1) for item in raw]
    if isinstance(raw, Mapping):
        return {str(k): to_value(v, depth + 1) for k, v in raw.items()}
    return None


def _lookup(data: Any, names: tuple[str, ...]) -> Any:
    value: Any = data
    for name in names:
        if not isinstance(value, Mapping) or name not in value:
            return None
        value = value[name]
    return to_value(value)


def _number(value: Any) -> bool:
    return isinstance(value, float) and not isinstance(value, bool)


def equal(left: Any, right: Any) -> bool:
    """Strict, deep equality of two condition values."""
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if _number(left) or _number(right):
        return _number(left) and _number(right) and left == right
    if isinstance(left, str) or isinstance(right, str):
        return isinstance(left, str) and isinstance(right, str) and left == right
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(equal, left, right))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(equal(left[k], right[k]) for k in left)
    return False


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _arithmetic(op: str, left: Any, right: Any) -> Any:
    if op == "+" and isinstance(left, str) and isinstance(right, str):
        return left + right
    if not (_number(left) and _number(right)):
        return None
    if op == "+":
        return _finite(left + right)
    if op == "-":
        return _finite(left - right)
    if op == "*":
        return _finite(left * right)
    return None if right == 0 else _finite(left / right)


def _order(op: str, left: Any, right: Any) -> bool | None:
    both_numbers = _number(left) and _number(right)
    if not both_numbers and not (isinstance(left, str) and isinstance(right, str)):
        return None
    if op == "<":
        return bool(left < right)
    if op == "<=":
        return bool(left <= right)
    if op == ">":
        return bool(left > right)
    return bool(left >= right)


def _binary(op: str, left: Any, right: Any) -> Any:
    if op == "and":
        if left is False or right is False:
            return False
        return True if left is True and right is True else None
    if op == "or":
        if left is True or right is True:
            return True
        return False if left is False and right is False else None
    if op == "=":
        return equal(left, right)
    if op == "!=":
        return not equal(left, right)
    if op == "in":
        if isinstance(right, list):
            return any(equal(left, item) for item in right)
        return equal(left, right)
    if op in ("<", "<=", ">", ">="):
        return _order(op, left, right)
    return _arithmetic(op, left, right)


def _eval(node: Node, data: Mapping[str, Any]) -> Any:
    kind = node[0]
    if kind == "value":
        return node[1]
    if kind == "path":
        return _lookup(data, node[1])
    if kind == "list":
        return [_eval(item, data) for item in node[1]]
    if kind == "neg":
        value = _eval(node[1], data)
        return -value if _number(value) else None
    if kind == "not":
        value = _eval(node[1], data)
        return (not value) if isinstance(value, bool) else None
    return _binary(node[1], _eval(node[2], data), _eval(node[3], data))
