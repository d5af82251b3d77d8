"""Definition checks for choices, conditions, file pickers and dynamic lists."""

from __future__ import annotations

import math
from typing import Any

from .conditions import reason
from .errors import Problem, problem
from .messages import N_
from .names import setting
from .uploads import MAX_SIZE_MB_LIMIT, extensions, parse_accept

Problems = list[Problem]
Name = dict[str, Any]  # a component's name in problems (names.name_of)
MAX_ROWS_LIMIT = 100


def size_mb(value: Any) -> float | None:
    """A size in MB from a definition: form-js stores custom properties as strings."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return -1.0
    return float(value) if is_number(value) else -1.0


def is_count(value: Any) -> bool:
    """True for a whole number of 0 or more (not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def is_number(value: Any) -> bool:
    """True for a finite int or float (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value)


def list_key(component: dict[str, Any]) -> str | None:
    """A dynamic list's data key: form-js ``path``, or ``key``; None if missing."""
    key = component.get("path", component.get("key"))
    return key if isinstance(key, str) and key else None


def hide_expression(component: dict[str, Any]) -> str | None:
    """The component's ``conditional.hide`` expression, if it has one."""
    conditional = component.get("conditional")
    if not isinstance(conditional, dict):
        return None
    expression = conditional.get("hide")
    return expression if isinstance(expression, str) and expression.strip() else None


def check_conditional(name: Name, key: str | None, component: dict[str, Any]) -> Problems:
    """Problems with ``conditional``: it must be ``{"hide": "=<expression>"}``."""
    conditional = component.get("conditional")
    if conditional is None:
        return []
    if not isinstance(conditional, dict):
        return [
            problem(
                key,
                N_(
                    "The condition for hiding %(field)s cannot be read: remove it and build "
                    "it again with “Show the field when”."
                ),
                field=name,
            )
        ]
    expression = conditional.get("hide")
    if expression is None or (isinstance(expression, str) and not expression.strip()):
        return []
    if not isinstance(expression, str):
        return [
            problem(
                key,
                N_(
                    "The condition for hiding %(field)s must be an expression: build it with "
                    "“Show the field when” or write it under “Hide if”."
                ),
                field=name,
            )
        ]
    error = reason(expression)
    if error is None:
        return []
    return [
        problem(
            key,
            N_(
                "The condition for hiding %(field)s cannot be read: %(error)s. Build it with "
                "“Show the field when” or correct the expression under “Hide if”."
            ),
            field=name,
            error=error.text,
        )
    ]


def _is_option_value(value: Any) -> bool:
    return isinstance(value, str) or is_number(value)


def check_values(key: str, name: Name, component: dict[str, Any]) -> Problems:
    """Problems with a choice field's ``values`` (optional with a ``valuesKey``)."""
    values_key = component.get("valuesKey")
    if values_key is not None and (not isinstance(values_key, str) or not values_key):
        template = N_(
            "“Input values key” of %(field)s must be the name of a key in the process data."
        )
        return [problem(key, template, field=name)]
    values = component.get("values")
    if values_key and values is None:
        return []  # options come from process data at run time
    if not isinstance(values, list) or not values:
        template = N_(
            "%(field)s has no options: add static options, or choose dynamic options "
            "with an “Input values key”."
        )
        return [problem(key, template, field=name)]
    problems: Problems = []
    seen: set[str] = set()
    for n, option in enumerate(values, start=1):
        if not isinstance(option, dict) or not _is_option_value(option.get("value")):
            template = N_("Option %(n)s of %(field)s needs a value: text or a number.")
            problems.append(problem(key, template, n=n, field=name))
            continue
        problems += _option_labels(key, name, n, option)
        value = str(option["value"])
        if value == "":
            template = N_(
                "Option %(n)s of %(field)s has an empty value: give every option a value."
            )
            problems.append(problem(key, template, n=n, field=name))
        elif value in seen:
            template = N_(
                "Option %(n)s of %(field)s has the same value as an earlier option "
                "(%(value)s): give every option its own value."
            )
            problems.append(problem(key, template, n=n, field=name, value=value))
        seen.add(value)
    return problems


def _option_labels(key: str, name: Name, n: int, option: dict[str, Any]) -> Problems:
    problems: Problems = []
    if option.get("label") is not None and not isinstance(option["label"], str):
        template = N_("The label of option %(n)s of %(field)s must be text.")
        problems.append(problem(key, template, n=n, field=name))
    if option.get("label_en") is not None and not isinstance(option["label_en"], str):
        template = N_("The English label of option %(n)s of %(field)s must be text.")
        problems.append(problem(key, template, n=n, field=name))
    return problems


def check_filepicker(key: str, name: Name, component: dict[str, Any], in_list: bool) -> Problems:
    """Problems with a file picker's ``accept``, ``multiple`` and size limit."""
    problems: Problems = []
    if in_list:
        template = N_(
            "%(field)s is a file upload inside a dynamic list: move it out of the list, "
            "files cannot be uploaded row by row."
        )
        problems.append(problem(key, template, field=name))
    problems += _check_accept(key, name, component.get("accept"))
    if not isinstance(component.get("multiple", False), bool):
        problems.append(on_or_off(key, name, "multiple"))
    properties = component.get("properties")
    size = size_mb(properties.get("maxSizeMB")) if isinstance(properties, dict) else None
    if size is not None and not 0 < size <= MAX_SIZE_MB_LIMIT:
        template = N_(
            "The custom property maxSizeMB of %(field)s must be a number of megabytes above 0 "
            "and at most %(limit)s."
        )
        problems.append(problem(key, template, field=name, limit=MAX_SIZE_MB_LIMIT))
    return problems


def _check_accept(key: str, name: Name, accept: Any) -> Problems:
    if accept is None:
        return []
    if not isinstance(accept, str):
        template = N_("“Supported file formats” of %(field)s must be text such as .pdf,.png.")
        return [problem(key, template, field=name)]
    kinds, unknown = parse_accept(accept)
    if unknown:
        template = N_(
            "“Supported file formats” of %(field)s names file types that cannot be checked: "
            "%(types)s. Use only these: %(known)s."
        )
        known = ", ".join(extensions())
        return [problem(key, template, field=name, types=", ".join(unknown), known=known)]
    if not kinds:
        template = N_(
            "“Supported file formats” of %(field)s names no file types: write for example "
            ".pdf,.png."
        )
        return [problem(key, template, field=name)]
    return []


def on_or_off(key: str, name: Name, setting_name: str) -> Problem:
    """The problem of a setting that must be true or false."""
    template = N_("“%(setting)s” of %(field)s must be either on or off (true or false).")
    return problem(key, template, setting=setting(setting_name), field=name)


def whole_number(key: str, name: Name, setting_name: str) -> Problem:
    """The problem of a setting that must be a whole number of 0 or more."""
    template = N_("“%(setting)s” of %(field)s must be a whole number of 0 or more.")
    return problem(key, template, setting=setting(setting_name), field=name)


def row_limits(component: dict[str, Any]) -> tuple[int, int, int]:
    """A checked dynamic list's (minimum, maximum, initial) number of rows."""
    properties = component.get("properties")
    properties = properties if isinstance(properties, dict) else {}
    minimum = _count(properties.get("minRows"), 0)
    maximum = _count(properties.get("maxRows"), 0) or MAX_ROWS_LIMIT
    initial = _count(component.get("defaultRepetitions"), 1)
    return minimum, maximum, min(max(initial, minimum), maximum)


def as_count(value: Any) -> Any:
    """form-js keeps custom properties as strings: "3" counts as 3."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return value


def _count(value: Any, default: int) -> int:
    value = as_count(value)
    return int(value) if is_count(value) else default


def not_an_object(key: str | None, name: Name) -> Problem:
    """The problem of custom properties that are not an object."""
    template = N_("“Custom properties” of %(field)s must be a JSON object.")
    return problem(key, template, field=name)


def check_rows(key: str, name: Name, component: dict[str, Any]) -> Problems:
    """Problems with a dynamic list's row limits and add/remove settings."""
    properties = component.get("properties")
    if properties is not None and not isinstance(properties, dict):
        return [not_an_object(key, name)]
    properties = properties or {}
    problems: Problems = []
    for limit in ("minRows", "maxRows"):
        value = as_count(properties.get(limit))
        if value is not None and (not is_count(value) or value > MAX_ROWS_LIMIT):
            template = N_(
                "The custom property %(property)s of %(field)s must be a whole number from 0 "
                "to %(limit)s."
            )
            problems.append(
                problem(key, template, property=limit, field=name, limit=MAX_ROWS_LIMIT)
            )
    high = _count(properties.get("maxRows"), -1)
    if not problems and high != -1 and (high == 0 or _count(properties.get("minRows"), 0) > high):
        template = N_(
            "The custom property maxRows of %(field)s must be at least 1 and not below minRows."
        )
        problems.append(problem(key, template, field=name))
    repetitions = component.get("defaultRepetitions")
    if repetitions is not None and not is_count(repetitions):
        problems.append(whole_number(key, name, "defaultRepetitions"))
    if not isinstance(component.get("allowAddRemove", True), bool):
        problems.append(on_or_off(key, name, "allowAddRemove"))
    return problems
