"""Which components a form's current data hides (form-js ``conditional.hide``).

The rule, mirrored by static/src/forms/live.js:

1. The data is every input's current value, typed as ``typed_data`` types it
   (numbers as numbers, dates as ISO text, empty text as null, a checklist as a
   list in option order, a dynamic list as a list of row objects); values that do
   not parse, and choices that are not options, are null; file pickers are null.
2. Components are visited once, in document order. A component is hidden when an
   enclosing group, dynamic list or row is hidden, or its own expression is
   exactly true. A hidden input's value becomes null for the components after it.
3. Inside a dynamic list row, names are looked up in that row first, then in the
   whole form's data.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .checks import hide_expression
from .conditions import ConditionError, is_hidden, to_value
from .definition import FormDefinition, row_components
from .kinds import CHOICE_TYPES, INPUT_TYPES
from .values import is_blank, typed_value


@dataclass
class Visibility:
    """The hidden components of one bound form; ``scope`` is "" or a row's name."""

    hidden: set[tuple[str, int]] = field(default_factory=set)

    def is_hidden(self, component: dict[str, Any], scope: str = "") -> bool:
        """True when ``component`` (in the row named ``scope``) is hidden."""
        return (scope, id(component)) in self.hidden


def field_value(component: dict[str, Any], bound: Any) -> Any:
    """The condition value of one bound field."""
    ctype = component["type"]
    if ctype == "filepicker":
        return None
    if ctype == "dynamiclist":
        children = row_components(component)
        return [
            {c["key"]: field_value(c, entry.form[c["key"]]) for c in children}
            for entry in bound.entries
        ]
    data = bound.data
    if ctype in CHOICE_TYPES:
        # A value that is not an option is not shown as chosen: null, as in the browser.
        options = [str(choice[0]) for choice in bound.iter_choices()]
        if ctype == "checklist":
            data = [option for option in options if option in (data or [])]
        elif str(data) not in options:
            data = None
    return to_value(typed_value(component, data))


def row_is_blank(dynamic_list: dict[str, Any], entry: Any) -> bool:
    """True when nothing was entered in a row (text that does not parse counts)."""
    for child in row_components(dynamic_list):
        bound = entry.form[child["key"]]
        if bound.process_errors or not is_blank(field_value(child, bound)):
            return False
    return True


def form_values(form: Any, definition: FormDefinition) -> dict[str, Any]:
    """Every input's current condition value, before anything is hidden."""
    return {
        c["key"]: field_value(c, form[c["key"]])
        for c in definition.input_components
        if c["key"] in form
    }


def visibility(form: Any, definition: FormDefinition) -> Visibility:
    """Work out which components the form's current data hides."""
    result = Visibility()
    values = form_values(form, definition)
    _walk(definition.components, values, values, form, "", False, result)
    return result


def _hides(component: dict[str, Any], env: dict[str, Any]) -> bool:
    expression = hide_expression(component)
    if expression is None:
        return False
    try:
        return is_hidden(expression, env)
    except ConditionError:  # pragma: no cover - definitions are checked on load
        return False


def _walk(
    components: list[dict[str, Any]],
    values: dict[str, Any],
    top: dict[str, Any],
    bound_form: Any,
    scope: str,
    parent_hidden: bool,
    result: Visibility,
) -> None:
    for component in components:
        env = values if values is top else {**top, **values}
        hidden = parent_hidden or _hides(component, env)
        if hidden:
            result.hidden.add((scope, id(component)))
        ctype = component["type"]
        key = str(component.get("key"))
        if hidden and ctype in INPUT_TYPES and key in values:
            values[key] = None
        if ctype == "group":
            _walk(component["components"], values, top, bound_form, scope, hidden, result)
        elif ctype == "dynamiclist" and key in bound_form:
            rows = values.get(key)
            for position, entry in enumerate(bound_form[key].entries):
                row = rows[position] if isinstance(rows, list) else {}
                _walk(
                    component["components"],
                    row,
                    top,
                    entry.form,
                    entry.name,
                    hidden,
                    result,
                )


def hidden_keys(
    definition_components: list[dict[str, Any]], visible: Visibility, scope: str = ""
) -> set[str]:
    """Keys of the hidden inputs among ``definition_components`` (through groups)."""
    return {c["key"] for c in _inputs(definition_components) if visible.is_hidden(c, scope)}


def _inputs(components: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for component in components:
        if component["type"] == "group":
            yield from _inputs(component["components"])
        elif component["type"] in INPUT_TYPES:
            yield component


def named_inputs(
    form: Any, components: list[dict[str, Any]], visible: Visibility, scope: str = ""
) -> Iterator[tuple[str, bool]]:
    """``(field name, hidden)`` of every input among ``components``, rows included."""
    for component in components:
        ctype = component["type"]
        key = component.get("key")
        if ctype == "group":
            yield from named_inputs(form, component["components"], visible, scope)
        elif ctype in INPUT_TYPES and key in form:
            bound = form[key]
            yield bound.name, visible.is_hidden(component, scope)
            for entry in bound.entries if ctype == "dynamiclist" else ():
                yield from named_inputs(entry.form, component["components"], visible, entry.name)
