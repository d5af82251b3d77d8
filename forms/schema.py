"""Structural checks of form-js components, collecting every problem found."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from .checks import (
    check_conditional,
    check_filepicker,
    check_rows,
    check_values,
    is_count,
    is_number,
    list_key,
)
from .errors import problem
from .kinds import (
    CHOICE_TYPES,
    CONTAINER_TYPES,
    INPUT_TYPES,
    KNOWN_TYPES,
    NORWEGIAN_TYPES,
    RESERVED_KEYS,
    VALIDATION_TYPES,
)

MAX_DEPTH = 8

Problems = list[dict[str, str | None]]


def check_components(components: Any) -> Problems:
    """Return every problem in a top-level ``components`` value."""
    if not isinstance(components, list):
        return [problem(None, "The definition has no 'components' list.")]
    problems: Problems = []
    _check_list(components, "components", 0, set(), problems, in_list=False)
    return problems


def _check_list(
    components: list[Any],
    path: str,
    depth: int,
    seen: set[str],
    problems: Problems,
    in_list: bool,
) -> None:
    for index, component in enumerate(components):
        where = f"{path}[{index}]"
        if not isinstance(component, dict):
            problems.append(problem(None, f"{where} is not an object."))
            continue
        problems.extend(_check_component(where, component, depth, seen, in_list))
        ctype = component.get("type")
        children = component.get("components")
        if ctype not in CONTAINER_TYPES or depth >= MAX_DEPTH:
            continue
        if not isinstance(children, list) or (ctype == "dynamiclist" and in_list):
            continue
        # A dynamic list's rows are a namespace of their own.
        inner_seen = seen if ctype == "group" else set()
        inner = in_list or ctype == "dynamiclist"
        _check_list(children, f"{where}.components", depth + 1, inner_seen, problems, inner)


def _check_component(
    where: str, component: dict[str, Any], depth: int, seen: set[str], in_list: bool
) -> Problems:
    ctype = component.get("type")
    if isinstance(component.get("id"), str):
        where = f"{where} ({component['id']})"
    if not isinstance(ctype, str) or ctype not in KNOWN_TYPES:
        return [problem(_key_of(component), f"{where}: unknown component type {ctype!r}.")]
    where = f"{where}, {ctype}"
    problems = check_conditional(where, _key_of(component), component)
    if ctype == "group":
        return problems + _check_group(where, component, depth)
    if ctype == "dynamiclist":
        return problems + _check_dynamiclist(where, component, depth, seen, in_list)
    if ctype not in INPUT_TYPES:
        text = component.get("text", "")
        if ctype == "text" and not isinstance(text, str):
            problems.append(problem(None, f"{where}: 'text' must be a string."))
        return problems
    key = component.get("key")
    if not isinstance(key, str) or not key:
        return [problem(None, f"{where}: an input component needs a 'key'.")]
    return problems + _check_input(key, ctype, component, seen, in_list)


def _check_input(
    key: str, ctype: str, component: dict[str, Any], seen: set[str], in_list: bool
) -> Problems:
    problems = _check_key(key, seen)
    problems += _check_strings(key, component)
    problems += _check_validate(key, component.get("validate"))
    problems += _check_properties(key, ctype, component.get("properties"))
    if ctype in CHOICE_TYPES:
        problems += check_values(key, component)
    if ctype == "filepicker":
        problems += check_filepicker(key, component, in_list)
    if ctype == "datetime" and component.get("subtype", "date") != "date":
        problems.append(problem(key, "Only date fields are supported (datetime subtype 'date')."))
    if ctype == "number":
        digits = component.get("decimalDigits")
        if digits is not None and not is_count(digits):
            problems.append(problem(key, "'decimalDigits' must be a whole number of 0 or more."))
    return problems


def _check_dynamiclist(
    where: str, component: dict[str, Any], depth: int, seen: set[str], in_list: bool
) -> Problems:
    key = list_key(component)
    if key is None:
        return [problem(None, f"{where}: a dynamic list needs a 'path' (its key).")]
    problems = _check_key(key, seen) + _check_strings(key, component)
    if in_list:
        problems.append(problem(key, "Dynamic lists cannot be nested in each other."))
    if not isinstance(component.get("components"), list):
        problems.append(problem(key, "A dynamic list needs a 'components' list."))
    elif depth >= MAX_DEPTH:
        problems.append(problem(key, "The dynamic list is nested too deeply."))
    return problems + check_rows(key, component)


def _check_group(where: str, component: dict[str, Any], depth: int) -> Problems:
    if not isinstance(component.get("components"), list):
        return [problem(None, f"{where}: a group needs a 'components' list.")]
    if depth >= MAX_DEPTH:
        return [problem(None, f"{where}: groups are nested too deeply.")]
    return []


def _key_of(component: dict[str, Any]) -> str | None:
    key = component.get("key")
    return key if isinstance(key, str) and key else None


def _check_key(key: str, seen: set[str]) -> Problems:
    if key in seen:
        return [problem(key, f"The key {key!r} is used by more than one field.")]
    seen.add(key)
    if not key.isidentifier() or key.startswith("_"):
        return [
            problem(
                key,
                f"The key {key!r} must start with a letter and contain "
                "only letters, digits and underscores.",
            )
        ]
    if key in RESERVED_KEYS:
        return [problem(key, f"The key {key!r} is reserved; choose another.")]
    return []


def _check_strings(key: str, component: dict[str, Any]) -> Problems:
    names = ("label", "description", "dateLabel")
    return [
        problem(key, f"'{name}' must be a string.")
        for name in names
        if component.get(name) is not None and not isinstance(component[name], str)
    ]


def _check_validate(key: str, validate: Any) -> Problems:
    if validate is None:
        return []
    if not isinstance(validate, dict):
        return [problem(key, "'validate' must be an object.")]
    problems: Problems = []
    if not isinstance(validate.get("required", False), bool):
        problems.append(problem(key, "'validate.required' must be true or false."))
    for name in ("minLength", "maxLength"):
        if validate.get(name) is not None and not is_count(validate[name]):
            problems.append(problem(key, f"'validate.{name}' must be a whole number of 0 or more."))
    for name in ("min", "max"):
        if validate.get(name) is not None and not is_number(validate[name]):
            problems.append(problem(key, f"'validate.{name}' must be a number."))
    if not problems:
        problems += _check_ranges(key, validate)
    pattern = validate.get("pattern")
    if pattern is not None:
        problems += _check_pattern(key, pattern)
    kind = validate.get("validationType")
    if kind not in (None, "", *VALIDATION_TYPES):
        problems.append(problem(key, f"Unknown validationType {kind!r}; use 'email' or 'phone'."))
    return problems


def _check_ranges(key: str, validate: dict[str, Any]) -> Problems:
    problems: Problems = []
    for low, high in (("minLength", "maxLength"), ("min", "max")):
        if validate.get(low) is not None and validate.get(high) is not None:
            if validate[low] > validate[high]:
                problems.append(problem(key, f"'validate.{low}' is larger than 'validate.{high}'."))
    return problems


def _check_pattern(key: str, pattern: Any) -> Problems:
    if not isinstance(pattern, str):
        return [problem(key, "'validate.pattern' must be a string.")]
    try:
        re.compile(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        return [problem(key, f"'validate.pattern' is not a valid regular expression: {exc}.")]
    return []


def _check_properties(key: str, ctype: str, properties: Any) -> Problems:
    if properties is None:
        return []
    if not isinstance(properties, dict):
        return [problem(key, "'properties' must be an object.")]
    problems: Problems = []
    for name in ("label_en", "description_en", "autocomplete"):
        if properties.get(name) is not None and not isinstance(properties[name], str):
            problems.append(problem(key, f"'properties.{name}' must be a string."))
    kind = properties.get("type")
    if kind is not None and (ctype != "textfield" or kind not in NORWEGIAN_TYPES):
        problems.append(
            problem(
                key,
                f"Unknown 'properties.type' {kind!r} for "
                f"{ctype}; textfields allow "
                f"{', '.join(sorted(NORWEGIAN_TYPES))}.",
            )
        )
    for name in ("minDate", "maxDate"):
        value = properties.get(name)
        if value is not None and not is_date_spec(value):
            problems.append(
                problem(
                    key,
                    f"'properties.{name}' must be 'today' or a date written YYYY-MM-DD.",
                )
            )
    return problems


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
