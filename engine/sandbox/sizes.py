"""Output and value sizes: bytes of JSON counted, never built, and checked against the limits."""

from __future__ import annotations

import datetime as _dt
import decimal
import json
import math
import uuid
from typing import Any

from .limits import LIMITS, reject

_SCALARS = (_dt.date, _dt.time, _dt.timedelta, decimal.Decimal, uuid.UUID)


def _plain(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return list(value)
    if isinstance(value, _SCALARS):
        return str(value)
    raise TypeError(f"it holds a {type(value).__name__}")


_ENCODER = json.JSONEncoder(default=_plain, ensure_ascii=False, separators=(",", ":"))
_KEYWORDS = {True: 4, False: 5, None: 4}  # true, false, null
_STRING_CACHE = 64  # strings longer than this are measured once per run


class _Over(Exception):
    """The value is larger than the bound being measured against."""


class _Measure:
    """Bytes of compact UTF-8 JSON of a value, counted without building the JSON.

    Stops (`_Over`) as soon as the count passes `bound`, so a list of a million
    references to one long text costs as much as the bound, not as the JSON.
    Raises TypeError / ValueError as `json` would for values it cannot encode.
    """

    def __init__(self, bound: float) -> None:
        self.total = 0
        self.bound = bound
        self._path: set[int] = set()
        self._texts: dict[int, int] = {}

    def _add(self, count: int) -> None:
        self.total += count
        if self.total > self.bound:
            raise _Over

    def _text(self, text: str) -> int:
        if len(text) <= _STRING_CACHE:
            return len(_ENCODER.encode(text).encode())
        size = self._texts.get(id(text))
        if size is None:
            size = self._texts[id(text)] = len(_ENCODER.encode(text).encode())
        return size

    def _key(self, key: Any) -> int:
        if isinstance(key, str):
            return self._text(key)
        if key is True or key is False or key is None:
            return _KEYWORDS[key] + 2
        if isinstance(key, (int, float)):
            return len(_ENCODER.encode(key)) + 2
        raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")

    def value(self, value: Any) -> None:
        """Add the JSON size of `value`."""
        if isinstance(value, str):
            self._add(self._text(value))
        elif value is None or value is True or value is False:
            self._add(_KEYWORDS[value])
        elif isinstance(value, (int, float)):
            self._add(len(_ENCODER.encode(value)))
        elif isinstance(value, (list, tuple, dict, set, frozenset)):
            self._container(value)
        else:
            self.value(_plain(value))

    def _container(self, value: Any) -> None:
        if id(value) in self._path:
            raise ValueError("Circular reference detected")
        self._path.add(id(value))
        try:
            self._add(2 + max(len(value) - 1, 0))  # brackets and commas
            if isinstance(value, dict):
                for key, item in value.items():
                    self._add(self._key(key) + 1)
                    self.value(item)
            else:
                for item in value:
                    self.value(item)
        finally:
            self._path.discard(id(value))


def json_size(value: Any, bound: float = math.inf) -> int:
    """Bytes of compact JSON for `value`, or `bound + 1` once it is known to be larger."""
    measure = _Measure(bound)
    try:
        measure.value(value)
    except _Over:
        return int(bound) + 1
    return measure.total


def _size(values: dict[str, Any], bound: float = math.inf) -> int:
    """Bytes of JSON for `values`; the error names the first value that cannot be kept."""
    for key, value in values.items():
        try:
            json_size(value, bound)
        except (TypeError, ValueError, RecursionError) as err:
            reject(f"The script's variable '{key}' cannot be kept as case data ({err}).")
    return json_size(values, bound) if values else 0


CONTAINERS = (dict, list, set)


def _size_or_zero(values: dict[str, Any]) -> int:
    try:
        return json_size(values) if values else 0
    except (TypeError, ValueError, RecursionError):
        return 0  # data the script found: not its fault


def containers_size(context: dict[str, Any]) -> int:
    """Bytes of JSON of the values a script could change in place (taken before it runs)."""
    return _size_or_zero({k: v for k, v in context.items() if isinstance(v, CONTAINERS)})


def check_output(results: dict[str, Any], context: dict[str, Any], before: int) -> None:
    """Refuse data that cannot be stored, or growth beyond `max_output_bytes`.

    `before` is `containers_size(context)` from before the run; `results` are the
    variables the script left, `context` the task data it started with. Sizes are
    counted, never built: counting stops at 16 MB or four times what is allowed.
    """
    changed = {
        k: v
        for k, v in results.items()
        if isinstance(v, CONTAINERS) or k not in context or context[k] is not v
    }
    replaced = {
        k: context[k] for k in changed if k in context and not isinstance(context[k], CONTAINERS)
    }
    allowed = LIMITS.max_output_bytes + before + _size_or_zero(replaced)
    bound = max(16 * 2**20, 4 * allowed)
    size = _size(changed, bound)
    grown = size - allowed + LIMITS.max_output_bytes
    if size > allowed:
        wrote = f"more than {grown - 1:,}" if size > bound else f"{grown:,}"
        reject(
            f"The script wrote {wrote} bytes of data; "
            f"the limit is {LIMITS.max_output_bytes:,} bytes."
        )


def check_value(value: Any, context: dict[str, Any]) -> None:
    """Refuse an expression's value that is not data, or larger than the data it read
    plus `max_output_bytes` (counted, never built)."""
    try:
        size = json_size(value, LIMITS.max_output_bytes)
        if size > LIMITS.max_output_bytes:
            allowed = LIMITS.max_output_bytes + _size_or_zero(context)
            size = json_size(value, allowed)
            if size > allowed:
                reject(
                    "The expression's value is larger than the case data it read by more "
                    f"than {LIMITS.max_output_bytes:,} bytes."
                )
    except (TypeError, ValueError, RecursionError) as err:
        reject(f"The expression's value cannot be used as case data ({err}).")
