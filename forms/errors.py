"""The one exception type of the forms package, and its problems as catalogue templates.

A problem is ``{"key", "message", "template", "params"}``: ``template`` is an English
message id (marked with ``N_``) with named placeholders, ``params`` fills them, and
``message`` is the English text (for logs and tests). A param is plain text, a number or
a nested text (``text(template, **params)``), so names and details are translated too;
``forms.problem_text`` renders a problem in a locale through the plugged-in catalogue.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Problem = dict[str, Any]


def text(template: str, /, **params: Any) -> dict[str, Any]:
    """A translatable piece of a problem's text: a message id and its params."""
    return {"template": template, "params": params}


def render(template: str, params: Mapping[str, Any], gettext: Callable[[str], str]) -> str:
    """`template` translated by `gettext`, its placeholders filled (nested texts first).

    A translation whose placeholders do not match the params falls back to English.
    """
    values = {name: _value(value, gettext) for name, value in params.items()}
    try:
        return str(gettext(template)) % values
    except (KeyError, TypeError, ValueError):
        return template % values


def _value(value: Any, gettext: Callable[[str], str]) -> Any:
    if isinstance(value, Mapping) and isinstance(value.get("template"), str):
        return render(value["template"], value.get("params") or {}, gettext)
    return value


def _english(message: str) -> str:
    return message


def problem(key: str | None, template: str, /, **params: Any) -> Problem:
    """One entry for ``DefinitionError.problems``: `template` is an ``N_()`` message id."""
    return {
        "key": key,
        "message": render(template, params, _english),
        "template": template,
        "params": params,
    }


class DefinitionError(Exception):
    """A form definition is malformed; ``problems`` lists each fault found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems: list[Problem] = [_normalized(p) for p in problems]
        super().__init__(self._describe())

    def _describe(self) -> str:
        parts = []
        for found in self.problems:
            key = found["key"]
            prefix = f"{key}: " if key else ""
            parts.append(f"{prefix}{found['message']}")
        return "Invalid form definition: " + "; ".join(parts)

    def __str__(self) -> str:
        return self._describe()


def _normalized(found: Mapping[str, Any]) -> Problem:
    message = str(found.get("message") or "")
    template = found.get("template")
    if not isinstance(template, str):  # a plain {"key", "message"}: shown as it is
        return {"key": found.get("key"), "message": message, "template": None, "params": {}}
    params = dict(found.get("params") or {})
    return {"key": found.get("key"), "message": message, "template": template, "params": params}
