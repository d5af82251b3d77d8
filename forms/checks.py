"""Definition checks for choices, conditions, file pickers, dynamic lists and pages."""

from __future__ import annotations

import math
from typing import Any

from .conditions import check
from .errors import problem
from .uploads import MAX_SIZE_MB_LIMIT, parse_accept

Problems = list[dict[str, str | None]]
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


def check_conditional(where: str, key: str | None, component: dict[str, Any]) -> Problems:
    """Problems with ``conditional``: it must be ``{"hide": "=<expression>"}``."""
    conditional = component.get("conditional")
    if conditional is None:
        return []
    name = key or where
    if not isinstance(conditional, dict):
        return [problem(key, f"{name}: 'conditional' must be an object.")]
    expression = conditional.get("hide")
    if expression is None or (isinstance(expression, str) and not expression.strip()):
        return []
    if not isinstance(expression, str):
        return [problem(key, f"{name}: 'conditional.hide' must be an expression.")]
    error = check(expression)
    if error is None:
        return []
    return [problem(key, f"{name}: 'conditional.hide' cannot be read: {error}")]


def _is_option_value(value: Any) -> bool:
    return isinstance(value, str) or is_number(value)


def check_values(key: str, component: dict[str, Any]) -> Problems:
    """Problems with a choice field's ``values`` (optional with a ``valuesKey``)."""
    values_key = component.get("valuesKey")
    if values_key is not None and (not isinstance(values_key, str) or not values_key):
        return [problem(key, "'valuesKey' must be the name of a data key.")]
    values = component.get("values")
    if values_key and values is None:
        return []  # options come from process data at run time
    if not isinstance(values, list) or not values:
        return [
            problem(
                key,
                "A choice field needs a non-empty 'values' list or a 'valuesKey'.",
            )
        ]
    problems: Problems = []
    seen: set[str] = set()
    for index, option in enumerate(values):
        if not isinstance(option, dict) or not _is_option_value(option.get("value")):
            problems.append(problem(key, f"values[{index}] needs a text or number 'value'."))
            continue
        for name in ("label", "label_en"):
            if option.get(name) is not None and not isinstance(option[name], str):
                problems.append(problem(key, f"values[{index}].{name} must be a string."))
        value = str(option["value"])
        if value in seen or value == "":
            problems.append(
                problem(key, f"values[{index}] has an empty or repeated value {value!r}.")
            )
        seen.add(value)
    return problems


def check_filepicker(key: str, component: dict[str, Any], in_list: bool) -> Problems:
    """Problems with a file picker's ``accept``, ``multiple`` and size limit."""
    problems: Problems = []
    if in_list:
        problems.append(problem(key, "File uploads cannot be inside a dynamic list."))
    accept = component.get("accept")
    if accept is not None:
        if not isinstance(accept, str):
            problems.append(problem(key, "'accept' must be text such as '.pdf,.png'."))
        else:
            kinds, unknown = parse_accept(accept)
            if unknown:
                problems.append(
                    problem(
                        key,
                        f"'accept' has file types we cannot check: {', '.join(unknown)}.",
                    )
                )
            elif not kinds:
                problems.append(problem(key, "'accept' names no file types."))
    if not isinstance(component.get("multiple", False), bool):
        problems.append(problem(key, "'multiple' must be true or false."))
    properties = component.get("properties")
    size = size_mb(properties.get("maxSizeMB")) if isinstance(properties, dict) else None
    if size is not None and not 0 < size <= MAX_SIZE_MB_LIMIT:
        problems.append(
            problem(
                key,
                f"'properties.maxSizeMB' must be a number above 0 and at most {MAX_SIZE_MB_LIMIT}.",
            )
        )
    return problems


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


def check_rows(key: str, component: dict[str, Any]) -> Problems:
    """Problems with a dynamic list's row limits and add/remove settings."""
    properties = component.get("properties")
    if properties is not None and not isinstance(properties, dict):
        return [problem(key, "'properties' must be an object.")]
    properties = properties or {}
    problems: Problems = []
    for name in ("minRows", "maxRows"):
        value = as_count(properties.get(name))
        if value is not None and (not is_count(value) or value > MAX_ROWS_LIMIT):
            problems.append(
                problem(
                    key,
                    f"'properties.{name}' must be a whole number from 0 to {MAX_ROWS_LIMIT}.",
                )
            )
    high = _count(properties.get("maxRows"), -1)
    if not problems and high != -1 and (high == 0 or _count(properties.get("minRows"), 0) > high):
        problems.append(
            problem(key, "'properties.maxRows' must be at least 1 and not below minRows.")
        )
    repetitions = component.get("defaultRepetitions")
    if repetitions is not None and not is_count(repetitions):
        problems.append(problem(key, "'defaultRepetitions' must be a whole number of 0 or more."))
    if not isinstance(component.get("allowAddRemove", True), bool):
        problems.append(problem(key, "'allowAddRemove' must be true or false."))
    return problems


def wants_pages(raw: dict[str, Any]) -> bool:
    """True when the definition asks to be shown one top-level group per page."""
    properties = raw.get("properties")
    if not isinstance(properties, dict):
        return False
    return properties.get("pages") in (True, "true")


def check_pages(raw: dict[str, Any]) -> Problems:
    """Problems with a multi-page definition (``properties.pages``)."""
    if not wants_pages(raw):
        return []
    components = raw.get("components")
    if not isinstance(components, list) or not components:
        return [problem(None, "A multi-page form needs at least one group.")]
    problems: Problems = []
    last = len(components) - 1
    for index, component in enumerate(components):
        if not isinstance(component, dict) or component.get("type") != "group":
            problems.append(
                problem(
                    None,
                    f"components[{index}]: a multi-page form ('properties.pages') may "
                    "only have groups at the top; each group is a page.",
                )
            )
        elif component.get("conditional") is not None:
            problems.append(
                problem(
                    None,
                    f"components[{index}]: a page cannot have a condition; put it on "
                    "the components inside the page.",
                )
            )
        elif index != last and _has_filepicker(component):
            problems.append(
                problem(
                    None,
                    f"components[{index}]: file uploads must be on the last page of "
                    "a multi-page form.",
                )
            )
    return problems


def _has_filepicker(component: dict[str, Any], depth: int = 0) -> bool:
    if component.get("type") == "filepicker":
        return True
    children = component.get("components")
    if depth > 10 or not isinstance(children, list):
        return False
    return any(isinstance(c, dict) and _has_filepicker(c, depth + 1) for c in children)
