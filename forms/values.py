"""Typing one field's data for process data: text, numbers, dates, lists, files."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from .validators import normalize_identifier


def typed_value(component: dict[str, Any], data: Any) -> Any:
    """The JSON-friendly value of a simple input component's field data."""
    ctype = component["type"]
    if ctype == "checkbox":
        return bool(data)
    if ctype == "checklist":
        return [str(value) for value in data or []]
    if data is None:
        return None
    if ctype in ("textfield", "textarea", "radio", "select"):
        text = str(data).strip()
        if not text:
            return None
        properties = component.get("properties") or {}
        return normalize_identifier(str(properties.get("type", "")), text)
    if ctype == "number":
        return json_number(data)
    if ctype == "datetime":
        return data.isoformat() if isinstance(data, date) else str(data)
    return data  # pragma: no cover - every simple input type is handled above


def json_number(value: Any) -> int | float | None:
    """A number as int when whole, else float; None when not finite."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    number = Decimal(str(value))
    if not number.is_finite():
        return None
    if number == number.to_integral_value():
        return int(number)
    return float(number)


def is_blank(value: Any) -> bool:
    """True for a stored value that means "nothing entered"."""
    return value is None or value is False or value == "" or value == []
