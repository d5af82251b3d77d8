"""Checks of a field's settings: its validation (``validate``) and custom properties."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from .checks import Name, is_count, is_number, not_an_object, on_or_off, whole_number
from .errors import Problem, problem
from .kinds import NORWEGIAN_TYPES, VALIDATION_TYPES
from .messages import N_
from .names import setting

Problems = list[Problem]


def must_be_text(key: str | None, name: Name, setting_name: str) -> Problem:
    """The problem of a setting that must be text."""
    template = N_("“%(setting)s” of %(field)s must be text.")
    return problem(key, template, setting=setting(setting_name), field=name)


def check_validate(key: str, name: Name, validate: Any) -> Problems:
    """Problems with a field's ``validate`` settings."""
    if validate is None:
        return []
    if not isinstance(validate, dict):
        template = N_("The validation settings of %(field)s (“validate”) must be a JSON object.")
        return [problem(key, template, field=name)]
    problems: Problems = []
    if not isinstance(validate.get("required", False), bool):
        problems.append(on_or_off(key, name, "validate.required"))
    for limit in ("minLength", "maxLength"):
        if validate.get(limit) is not None and not is_count(validate[limit]):
            problems.append(whole_number(key, name, f"validate.{limit}"))
    for limit in ("min", "max"):
        if validate.get(limit) is not None and not is_number(validate[limit]):
            template = N_("“%(setting)s” of %(field)s must be a number.")
            problems.append(
                problem(key, template, setting=setting(f"validate.{limit}"), field=name)
            )
    if not problems:
        problems += _check_ranges(key, name, validate)
    pattern = validate.get("pattern")
    if pattern is not None:
        problems += _check_pattern(key, name, pattern)
    kind = validate.get("validationType")
    if kind not in (None, "", *VALIDATION_TYPES):
        template = N_(
            "%(field)s has an unknown validation pattern (%(value)s): choose “Email”, "
            "“Phone” or “Custom”."
        )
        problems.append(problem(key, template, field=name, value=_shown(kind)))
    return problems


def _check_ranges(key: str, name: Name, validate: dict[str, Any]) -> Problems:
    problems: Problems = []
    for low, high in (("minLength", "maxLength"), ("min", "max")):
        if validate.get(low) is not None and validate.get(high) is not None:
            if validate[low] > validate[high]:
                template = N_(
                    "“%(low)s” of %(field)s is larger than “%(high)s”: the lower limit "
                    "cannot be above the upper limit."
                )
                low_name, high_name = setting(f"validate.{low}"), setting(f"validate.{high}")
                problems.append(problem(key, template, low=low_name, field=name, high=high_name))
    return problems


def _check_pattern(key: str, name: Name, pattern: Any) -> Problems:
    if not isinstance(pattern, str):
        return [must_be_text(key, name, "validate.pattern")]
    try:
        re.compile(pattern)
    except re.error as exc:
        if exc.pos is not None:
            template = N_(
                "“%(setting)s” of %(field)s is not a valid regular expression (the error "
                "is at character %(position)s): correct it or choose another validation "
                "pattern."
            )
            where = {"position": exc.pos + 1}
            return [
                problem(key, template, setting=setting("validate.pattern"), field=name, **where)
            ]
        return [_bad_pattern(key, name)]
    except (RecursionError, OverflowError):
        return [_bad_pattern(key, name)]
    return []


def _bad_pattern(key: str, name: Name) -> Problem:
    template = N_(
        "“%(setting)s” of %(field)s is not a valid regular expression: correct it or "
        "choose another validation pattern."
    )
    return problem(key, template, setting=setting("validate.pattern"), field=name)


def check_properties(key: str, name: Name, ctype: str, properties: Any) -> Problems:
    """Problems with a field's custom ``properties`` (English texts, types, dates)."""
    if properties is None:
        return []
    if not isinstance(properties, dict):
        return [not_an_object(key, name)]
    problems: Problems = [
        must_be_text(key, name, f"properties.{property_name}")
        for property_name in ("label_en", "description_en", "autocomplete")
        if properties.get(property_name) is not None
        and not isinstance(properties[property_name], str)
    ]
    kind = properties.get("type")
    if kind is not None and ctype != "textfield":
        template = N_(
            "%(field)s has a Norwegian field type (the custom property type), but only text "
            "fields can have one: remove the property."
        )
        problems.append(problem(key, template, field=name))
    elif kind is not None and kind not in NORWEGIAN_TYPES:
        template = N_(
            "%(field)s has an unknown Norwegian field type (%(value)s): choose national "
            "identity number, organisation number, postcode or bank account number."
        )
        problems.append(problem(key, template, field=name, value=_shown(kind)))
    for limit in ("minDate", "maxDate"):
        value = properties.get(limit)
        if value is not None and not is_date_spec(value):
            template = N_(
                "The custom property %(property)s of %(field)s must be “today” or a date "
                "written YYYY-MM-DD, such as 2025-05-17."
            )
            problems.append(problem(key, template, property=limit, field=name))
    return problems


def _shown(value: Any) -> str:
    """A value from the definition as it is written there."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def is_date_spec(value: Any) -> bool:
    """True for ``"today"`` or an ISO ``YYYY-MM-DD`` date string."""
    if value == "today":
        return True
    if not isinstance(value, str):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10
