"""Typed, JSON-friendly data from a validated form, and read-only summaries of it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .definition import FormDefinition
from .i18n import format_date, format_number, label_for, option_label, ui_text
from .validators import normalize_identifier


def typed_data(form: Any, definition: FormDefinition) -> dict[str, Any]:
    """The validated data keyed by component key (call after ``form.validate()``)."""
    return {
        component["key"]: _typed(component, form[component["key"]].data)
        for component in definition.input_components
    }


def _typed(component: dict[str, Any], data: Any) -> Any:
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
        return _json_number(data)
    if ctype == "datetime":
        return data.isoformat() if isinstance(data, date) else str(data)
    return data  # pragma: no cover - every input type is handled above


def _json_number(value: Any) -> int | float | None:
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


def summary(
    definition: FormDefinition, data: dict[str, Any], locale: str = "nb"
) -> list[dict[str, str]]:
    """Read-only rows ``{"key", "label", "value"}`` for the keys present in ``data``."""
    return [
        {
            "key": component["key"],
            "label": label_for(component, locale),
            "value": format_value(component, data[component["key"]], locale),
        }
        for component in definition.input_components
        if component["key"] in data
    ]


def format_value(component: dict[str, Any], value: Any, locale: str) -> str:
    """Format one stored value for people to read."""
    if value is None or value == "" or value == []:
        return ui_text("empty", locale)
    ctype = component["type"]
    if isinstance(value, bool):
        return ui_text("yes" if value else "no", locale)
    if ctype in ("radio", "select", "checklist"):
        values = value if isinstance(value, list) else [value]
        return ", ".join(_option_text(component, item, locale) for item in values)
    if ctype == "datetime":
        return _date_text(value, locale)
    if ctype == "number" and isinstance(value, int | float | Decimal):
        return format_number(value, locale)
    return _identifier_text(component, str(value))


def _option_text(component: dict[str, Any], value: Any, locale: str) -> str:
    for option in component.get("values") or []:
        if str(option.get("value")) == str(value):
            return option_label(option, locale)
    return str(value)


def _date_text(value: Any, locale: str) -> str:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return str(value)
    return format_date(value, locale) if isinstance(value, date) else str(value)


def _identifier_text(component: dict[str, Any], text: str) -> str:
    kind = (component.get("properties") or {}).get("type")
    compact = normalize_identifier(str(kind or ""), text)
    if kind == "kontonummer" and len(compact) == 11 and compact.isdigit():
        return f"{compact[:4]} {compact[4:6]} {compact[6:]}"
    if kind == "organisasjonsnummer" and len(compact) == 9 and compact.isdigit():
        return f"{compact[:3]} {compact[3:6]} {compact[6:]}"
    return text
