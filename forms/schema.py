"""Structural checks of form-js components, collecting every problem found."""

from __future__ import annotations

from typing import Any

from .checks import (
    Name,
    check_conditional,
    check_filepicker,
    check_rows,
    check_values,
    is_count,
    list_key,
    whole_number,
)
from .errors import Problem, problem, text
from .kinds import (
    CHOICE_TYPES,
    CONTAINER_TYPES,
    INPUT_TYPES,
    KNOWN_TYPES,
    RESERVED_KEYS,
)
from .messages import N_
from .names import TYPE_NAMES, name_of
from .settings import check_properties, check_validate, must_be_text

MAX_DEPTH = 8

Problems = list[Problem]
Seen = dict[str, Name]  # the keys used so far, by the name of the field using each


def check_components(components: Any) -> Problems:
    """Return every problem in a top-level ``components`` value."""
    if not isinstance(components, list):
        template = N_(
            "The form has no list of components (“components”), so it is not a form from "
            "the form editor."
        )
        return [problem(None, template)]
    problems: Problems = []
    _check_list(components, None, 0, {}, problems, in_list=False)
    return problems


def _check_list(
    components: list[Any],
    parent: Name | None,
    depth: int,
    seen: Seen,
    problems: Problems,
    in_list: bool,
) -> None:
    for index, component in enumerate(components):
        name = name_of(component, index + 1, parent)
        if not isinstance(component, dict):
            template = N_("%(field)s is not a component: each component must be a JSON object.")
            problems.append(problem(None, template, field=name))
            continue
        problems.extend(_check_component(name, component, depth, seen, in_list))
        ctype = component.get("type")
        children = component.get("components")
        if ctype not in CONTAINER_TYPES or depth >= MAX_DEPTH:
            continue
        if not isinstance(children, list) or (ctype == "dynamiclist" and in_list):
            continue
        # A dynamic list's rows are a namespace of their own.
        inner_seen = seen if ctype == "group" else {}
        inner = in_list or ctype == "dynamiclist"
        _check_list(children, name, depth + 1, inner_seen, problems, inner)


def _check_component(
    name: Name, component: dict[str, Any], depth: int, seen: Seen, in_list: bool
) -> Problems:
    ctype = component.get("type")
    if not isinstance(ctype, str) or ctype not in KNOWN_TYPES:
        return [_unknown_type(name, component)]
    problems = check_conditional(name, _key_of(component), component)
    if ctype == "group":
        return problems + _check_group(name, component, depth)
    if ctype == "dynamiclist":
        return problems + _check_dynamiclist(name, component, depth, seen, in_list)
    if ctype not in INPUT_TYPES:
        if ctype == "text" and not isinstance(component.get("text", ""), str):
            problems.append(must_be_text(None, name, "text"))
        return problems
    key = component.get("key")
    if not isinstance(key, str) or not key:
        template = N_("%(field)s has no key: fill in “Key” (the name its answer is stored under).")
        return [problem(None, template, field=name)]
    return problems + _check_input(key, name, ctype, component, seen, in_list)


def _unknown_type(name: Name, component: dict[str, Any]) -> Problem:
    ctype = component.get("type")
    if not isinstance(ctype, str) or not ctype.strip():
        template = N_(
            "%(field)s has no component type: remove the component and add a new one from "
            "the list of components."
        )
        return problem(_key_of(component), template, field=name)
    template = N_(
        "%(field)s is a component of the type “%(type)s”, which Flytverk forms cannot show: "
        "remove it or use another component."
    )
    shown = TYPE_NAMES.get(ctype)
    return problem(_key_of(component), template, field=name, type=text(shown) if shown else ctype)


def _check_input(
    key: str, name: Name, ctype: str, component: dict[str, Any], seen: Seen, in_list: bool
) -> Problems:
    problems = _check_key(key, name, seen)
    problems += _check_strings(key, name, component)
    problems += check_validate(key, name, component.get("validate"))
    problems += check_properties(key, name, ctype, component.get("properties"))
    if ctype in CHOICE_TYPES:
        problems += check_values(key, name, component)
    if ctype == "filepicker":
        problems += check_filepicker(key, name, component, in_list)
    if ctype == "datetime" and component.get("subtype", "date") != "date":
        template = N_(
            "%(field)s asks for a time: only dates are supported, so set “Subtype” to date."
        )
        problems.append(problem(key, template, field=name))
    if ctype == "number":
        digits = component.get("decimalDigits")
        if digits is not None and not is_count(digits):
            problems.append(whole_number(key, name, "decimalDigits"))
    return problems


def _check_dynamiclist(
    name: Name, component: dict[str, Any], depth: int, seen: Seen, in_list: bool
) -> Problems:
    key = list_key(component)
    if key is None:
        template = N_("%(field)s has no path: fill in “Path” (the name its rows are stored under).")
        return [problem(None, template, field=name)]
    problems = _check_key(key, name, seen) + _check_strings(key, name, component)
    if in_list:
        template = N_(
            "%(field)s is a dynamic list inside another dynamic list: move it out, lists "
            "cannot be nested."
        )
        problems.append(problem(key, template, field=name))
    if not isinstance(component.get("components"), list):
        template = N_(
            "%(field)s has no list of components (“components”): add the fields of one row to it."
        )
        problems.append(problem(key, template, field=name))
    elif depth >= MAX_DEPTH:
        problems.append(_too_deep(key, name))
    return problems + check_rows(key, name, component)


def _check_group(name: Name, component: dict[str, Any], depth: int) -> Problems:
    if not isinstance(component.get("components"), list):
        template = N_(
            "%(field)s is a group without a list of components (“components”): add "
            "components to it or remove it."
        )
        return [problem(None, template, field=name)]
    if depth >= MAX_DEPTH:
        return [_too_deep(None, name)]
    return []


def _too_deep(key: str | None, name: Name) -> Problem:
    template = N_(
        "%(field)s is nested too deeply (more than %(limit)s levels of groups and lists): "
        "move it further out."
    )
    return problem(key, template, field=name, limit=MAX_DEPTH)


def _key_of(component: dict[str, Any]) -> str | None:
    key = component.get("key")
    return key if isinstance(key, str) and key else None


def _check_key(key: str, name: Name, seen: Seen) -> Problems:
    if key in seen:
        template = N_("%(field)s has the same key as %(other)s: give each field its own key.")
        return [problem(key, template, field=name, other=seen[key])]
    seen[key] = name
    if not key.isidentifier() or key.startswith("_"):
        template = N_(
            "The key of %(field)s must start with a letter and contain only letters, "
            "digits and underscores, no spaces."
        )
        return [problem(key, template, field=name)]
    if key in RESERVED_KEYS:
        template = N_("The key of %(field)s is reserved for the form itself: choose another key.")
        return [problem(key, template, field=name)]
    return []


def _check_strings(key: str, name: Name, component: dict[str, Any]) -> Problems:
    names = ("label", "description", "dateLabel")
    return [
        must_be_text(key, name, setting_name)
        for setting_name in names
        if component.get(setting_name) is not None and not isinstance(component[setting_name], str)
    ]
