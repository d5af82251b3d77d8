"""Integers from URLs, query strings and form bodies, bounded to what the database can hold.

An id outside the database's integer range cannot name a row: a path with one simply does
not match (404), a query id with one is a 404 (`arg_id`), and a filter, page or form value
with one counts as absent. SQLite overflows past 2**63 and PostgreSQL's `integer` past
2**31, so ids are kept below the smaller bound. Only ASCII digits count: `int()` would
read other scripts' digits, and `str.isdigit()` accepts '²', which `int()` refuses.
"""

from __future__ import annotations

import builtins
from typing import Any

from flask import Flask, abort, request
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter, Map

from designer.services.numbers import DB_INT_MAX, parse_int


class BoundedInt(IntegerConverter):
    """`<int:...>` limited to 0..DB_INT_MAX and ASCII digits; anything else is a 404."""

    regex = r"[0-9]+"

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = None,
        signed: bool = False,
    ) -> None:
        bound = DB_INT_MAX if max is None else builtins.min(max, DB_INT_MAX)
        super().__init__(map, fixed_digits, min, bound, signed)


def arg_int(name: str, default: int, *, low: int = 0, high: int = DB_INT_MAX) -> int:
    """A query-string integer, or `default` when it is missing or malformed."""
    value = parse_int(request.args.get(name), low=low, high=high)
    return default if value is None else value


def arg_id(name: str) -> int | None:
    """A query-string id: None when absent, 404 if it cannot exist, 400 if it is no number."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()):
        abort(400)
    value = parse_int(raw, low=1)
    if value is None:  # too long, too large or 0: no row has it
        abort(404)
    return value


def form_int(name: str, *, low: int = 0, high: int = DB_INT_MAX) -> int | None:
    """A form-body integer, or None when it is missing or malformed."""
    return parse_int(request.form.get(name), low=low, high=high)


def clean_args(args: Any, *names: str) -> MultiDict[str, str]:
    """A copy of `args` without those of `names` that are not bounded integers.

    For services that parse the query themselves (inbox, audit log): what they get can no
    longer overflow the database or trip `int()` on a non-ASCII digit.
    """
    cleaned: MultiDict[str, str] = MultiDict(args)
    for name in names:
        if name in cleaned and parse_int(cleaned.get(name)) is None:
            cleaned.pop(name)
    return cleaned


def init_app(app: Flask) -> None:
    """Make every `<int:...>` in the app's routes a bounded one (before blueprints register)."""
    app.url_map.converters["int"] = BoundedInt
