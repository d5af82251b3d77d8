"""Definition checks of multi-page forms (``"properties": {"pages": true}``)."""

from __future__ import annotations

from typing import Any

from .errors import Problem, problem
from .messages import N_
from .names import name_of


def wants_pages(raw: dict[str, Any]) -> bool:
    """True when the definition asks to be shown one top-level group per page."""
    properties = raw.get("properties")
    if not isinstance(properties, dict):
        return False
    return properties.get("pages") in (True, "true")


def check_pages(raw: dict[str, Any]) -> list[Problem]:
    """Problems with a multi-page definition (``properties.pages``)."""
    if not wants_pages(raw):
        return []
    components = raw.get("components")
    if not isinstance(components, list) or not components:
        template = N_("A multi-page form needs at least one group: each group is a page.")
        return [problem(None, template)]
    problems: list[Problem] = []
    last = len(components) - 1
    for index, component in enumerate(components):
        name = name_of(component, index + 1)
        if not isinstance(component, dict) or component.get("type") != "group":
            template = N_(
                "%(field)s is not a group: in a multi-page form every component at the top "
                "must be a group, one for each page."
            )
            problems.append(problem(None, template, field=name))
        elif component.get("conditional") is not None:
            template = N_(
                "%(field)s is a page and cannot have a condition: put the condition on the "
                "components inside the page."
            )
            problems.append(problem(None, template, field=name))
        elif index != last and _has_filepicker(component):
            template = N_(
                "%(field)s holds a file upload: in a multi-page form file uploads must be on "
                "the last page."
            )
            problems.append(problem(None, template, field=name))
    return problems


def _has_filepicker(component: dict[str, Any], depth: int = 0) -> bool:
    if component.get("type") == "filepicker":
        return True
    children = component.get("components")
    if depth > 10 or not isinstance(children, list):
        return False
    return any(isinstance(c, dict) and _has_filepicker(c, depth + 1) for c in children)
