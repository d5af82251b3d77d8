"""Typed, JSON-friendly data from a validated form, and read-only summaries of it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from .definition import FormDefinition, row_components
from .formats import format_date, format_number
from .i18n import label_for, ui_text
from .options import option_list
from .uploads import Upload
from .validators import normalize_identifier
from .values import is_blank, typed_value
from .visibility import Visibility, visibility


def typed_data(form: Any, definition: FormDefinition) -> dict[str, Any]:
    """The validated data keyed by component key (call after ``form.validate()``).

    Hidden components are left out. A dynamic list is a list of row dicts (rows
    left completely empty are dropped); a file picker is an ``uploads.Upload`` (a
    list of them with ``multiple``), which the caller stores and replaces with a
    reference before the data goes into process data.
    """
    visible = visibility(form, definition)
    return {
        component["key"]: _field_data(component, form[component["key"]], visible)
        for component in definition.input_components
        if not visible.is_hidden(component)
    }


def _field_data(component: dict[str, Any], bound: Any, visible: Visibility) -> Any:
    ctype = component["type"]
    if ctype == "dynamiclist":
        rows = []
        for entry in bound.entries:
            row = {
                child["key"]: _field_data(child, entry.form[child["key"]], visible)
                for child in row_components(component)
                if not visible.is_hidden(child, entry.name)
            }
            if not all(is_blank(value) for value in row.values()):
                rows.append(row)
        return rows
    if ctype == "filepicker":
        uploads = [Upload(storage, info) for storage, info in bound.inspected()]
        if bound.multiple:
            return uploads
        return uploads[0] if uploads else None
    return typed_value(component, bound.data)


def summary(
    definition: FormDefinition,
    data: dict[str, Any],
    locale: str = "nb",
    context: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Read-only rows ``{"key", "label", "value"}`` for the keys present in ``data``.

    A dynamic list's row also has ``"items"``: one text per list row. ``context``
    gives ``valuesKey`` options their labels.
    """
    rows: list[dict[str, Any]] = []
    for component in definition.input_components:
        key = component["key"]
        if key not in data:
            continue
        row: dict[str, Any] = {"key": key, "label": label_for(component, locale)}
        if component["type"] == "dynamiclist":
            items = _list_items(component, data[key], locale, context)
            row["items"] = items
            row["value"] = "; ".join(items) if items else ui_text("empty", locale)
        else:
            row["value"] = format_value(component, data[key], locale, context)
        rows.append(row)
    return rows


def _list_items(
    component: dict[str, Any], value: Any, locale: str, context: dict[str, Any] | None
) -> list[str]:
    items = []
    for entry in value if isinstance(value, list) else []:
        if not isinstance(entry, dict):
            continue
        parts = [
            f"{label_for(child, locale)}: "
            f"{format_value(child, entry[child['key']], locale, context)}"
            for child in row_components(component)
            if child["key"] in entry
        ]
        items.append(", ".join(parts))
    return items


def format_value(
    component: dict[str, Any],
    value: Any,
    locale: str,
    context: dict[str, Any] | None = None,
) -> str:
    """Format one stored value for people to read."""
    if value is None or value == "" or value == []:
        return ui_text("empty", locale)
    ctype = component["type"]
    if isinstance(value, bool):
        return ui_text("yes" if value else "no", locale)
    if ctype in ("radio", "select", "checklist"):
        values = value if isinstance(value, list) else [value]
        labels = dict(option_list(component, context, locale))
        return ", ".join(labels.get(str(item), str(item)) for item in values)
    if ctype == "filepicker":
        files = value if isinstance(value, list) else [value]
        return ", ".join(_file_name(item) for item in files)
    if ctype == "datetime":
        return _date_text(value, locale)
    if ctype == "number" and isinstance(value, int | float | Decimal):
        return format_number(value, locale)
    return _identifier_text(component, str(value))


def _file_name(value: Any) -> str:
    if isinstance(value, Upload):
        return value.info.filename_safe
    if isinstance(value, dict):
        return str(value.get("filename") or value.get("name") or "")
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
