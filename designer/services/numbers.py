"""Numbers a client sends: plain ASCII digits within the database's integer range, or nothing."""

from __future__ import annotations

from typing import Any

# PostgreSQL's `integer` (SQLite's limit is higher): ids and counts stay below it.
DB_INT_MAX = 2**31 - 1


def parse_int(raw: Any, *, low: int = 0, high: int = DB_INT_MAX) -> int | None:
    """`raw` as an int in low..high if it is plain ASCII digits, else None.

    `str.isdigit` alone accepts '²' and other digits `int()` refuses or reads differently.
    """
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if low <= raw <= high else None
    text = str(raw if raw is not None else "").strip()
    if not text or len(text) > len(str(high)) or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if low <= value <= high else None
