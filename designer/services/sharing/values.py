"""Parameter values as a process owner types them, and the adopter's parameters.json.

The definitions (name, type, unit, label, description) are the origin's; only the values
are the adopter's. A value typed in a form is read by its type: amounts and numbers with
spaces and a decimal comma ("450 000", "12,5"), whole numbers, dates (2026-08-01 or
01.08.2026), yes/no and text.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from flask_babel import gettext as _

from engine.api import check_parameters, parameter_definitions

FILE = "parameters.json"
DECIMAL_TYPES = ("number", "amount", "percent")
WHOLE_TYPES = ("integer", "days", "weeks")
MAX_TEXT = 2000
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_WHOLE = re.compile(r"^-?\d{1,15}$")
_NORWEGIAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


def definitions(files: dict[str, str]) -> list[dict[str, Any]]:
    """The parameters of a service's files (none when parameters.json is missing or broken)."""
    try:
        return [dict(item) for item in parameter_definitions(files)]
    except ValueError:
        return []


def values(files: dict[str, str]) -> dict[str, Any]:
    """The parameters' values by name."""
    return {item["name"]: item["value"] for item in definitions(files)}


def parse(kind: str, raw: str) -> Any:
    """The value `raw` typed for a parameter of type `kind`; ValueError says what is wrong."""
    text = " ".join(str(raw or "").split())
    if not text:
        raise ValueError(_("Give a value."))
    if kind in DECIMAL_TYPES:
        plain = text.replace(" ", "").replace("\u00a0", "").replace(",", ".")
        if not _NUMBER.match(plain):
            raise ValueError(_("Write a number, for example 450000 or 12,5."))
        number = float(plain)
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if kind in WHOLE_TYPES:
        plain = text.replace(" ", "")
        if not _WHOLE.match(plain):
            raise ValueError(_("Write a whole number."))
        return int(plain)
    if kind == "boolean":
        if text in ("yes", "no"):
            return text == "yes"
        raise ValueError(_("Choose yes or no."))
    if kind == "date":
        found = _NORWEGIAN_DATE.match(text)
        if found:
            text = f"{found.group(3)}-{int(found.group(2)):02d}-{int(found.group(1)):02d}"
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValueError(_("Write a date, for example 01.08.2026.")) from None
    if len(text) > MAX_TEXT:
        raise ValueError(_("The text is too long."))
    return text


def shown(kind: str, value: Any) -> str:
    """A value as the form's field shows it (read back by `parse`)."""
    if kind == "boolean":
        return "yes" if value else "no"
    if kind == "date" and isinstance(value, str):
        try:
            return date.fromisoformat(value).strftime("%d.%m.%Y")
        except ValueError:
            return value
    if isinstance(value, float) and not value.is_integer():
        return str(value).replace(".", ",")
    return str(value)


def read_form(
    items: list[dict[str, Any]], typed: dict[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The values typed for `items` (by name) and the error of each field that is wrong."""
    found: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for item in items:
        name = item["name"]
        try:
            found[name] = parse(str(item["type"]), typed.get(name, ""))
        except ValueError as err:
            errors[name] = str(err)
    return found, errors


def with_values(files: dict[str, str], chosen: dict[str, Any]) -> dict[str, str]:
    """`files` whose parameters.json has the `chosen` values (the definitions kept); files
    without parameters are returned as they are. ValueError if the result is not valid."""
    items = definitions(files)
    if not items:
        return dict(files)
    for item in items:
        if item["name"] in chosen:
            item["value"] = chosen[item["name"]]
    result = {**files, FILE: json.dumps({"parameters": items}, ensure_ascii=False, indent=2)}
    _values, problems = check_parameters(result)
    if problems:
        raise ValueError(problems[0].message)
    return result
