"""Rules between two fields: ``"validate": {"compare": {"op": ">=", "key": "valid_from"}}``.

A field may be compared with another field of the same scope (the form, or the same row
of a dynamic list): ``<``, ``<=``, ``>``, ``>=`` between two dates or two numbers, ``=``
and ``!=`` between two fields of the same kind. The rule is checked when both fields
are shown and hold a valid value; the message goes on the field that has the rule.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from wtforms.validators import StopValidation

from . import messages as m
from .checks import list_key
from .errors import Problem, problem
from .formats import format_date, format_number
from .kinds import INPUT_TYPES
from .messages import N_
from .names import name_of
from .rules import is_empty
from .values import typed_value

Problems = list[Problem]

OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "=": operator.eq,
    "!=": operator.ne,
}
ORDERING = frozenset({"<", "<=", ">", ">="})
# What a field holds, for comparing: text of any kind compares with text.
KINDS = {
    "datetime": "date",
    "number": "number",
    "textfield": "text",
    "textarea": "text",
    "radio": "text",
    "select": "text",
}
MESSAGES = {
    ("date", "<"): m.COMPARE_DATE_BEFORE,
    ("date", "<="): m.COMPARE_DATE_NOT_AFTER,
    ("date", ">"): m.COMPARE_DATE_AFTER,
    ("date", ">="): m.COMPARE_DATE_NOT_BEFORE,
    ("number", "<"): m.COMPARE_LESS,
    ("number", "<="): m.COMPARE_NOT_MORE,
    ("number", ">"): m.COMPARE_MORE,
    ("number", ">="): m.COMPARE_NOT_LESS,
}


def comparisons(component: dict[str, Any]) -> list[Any]:
    """The component's ``validate.compare`` entries as written (one object or a list)."""
    validate = component.get("validate")
    found = validate.get("compare") if isinstance(validate, dict) else None
    if found is None:
        return []
    return found if isinstance(found, list) else [found]


def _scopes(components: Any) -> Iterator[list[dict[str, Any]]]:
    """The input components of the form, then of each dynamic list's row."""
    top: list[dict[str, Any]] = []
    lists: list[dict[str, Any]] = []
    _collect(components, top, lists, 0)
    yield top
    for dynamic_list in lists:
        row: list[dict[str, Any]] = []
        _collect(dynamic_list.get("components"), row, [], 0)
        yield row


def _collect(components: Any, out: list[Any], lists: list[Any], depth: int) -> None:
    if not isinstance(components, list) or depth > 8:
        return
    for component in components:
        if not isinstance(component, dict):
            continue
        ctype = component.get("type")
        if ctype == "group":
            _collect(component.get("components"), out, lists, depth + 1)
        elif ctype == "dynamiclist":
            out.append(component)
            lists.append(component)
        elif ctype in INPUT_TYPES:
            out.append(component)


def _key(component: dict[str, Any]) -> str | None:
    key = list_key(component) if component.get("type") == "dynamiclist" else component.get("key")
    return key if isinstance(key, str) and key else None


def check_relations(components: Any) -> Problems:
    """Problems with the ``validate.compare`` rules of every field."""
    problems: Problems = []
    for scope in _scopes(components):
        by_key = {k: c for c in scope if (k := _key(c)) is not None}
        for component in scope:
            for rule in comparisons(component):
                problems += _check_rule(component, rule, by_key)
    return problems


def _check_rule(
    component: dict[str, Any], rule: Any, by_key: dict[str, dict[str, Any]]
) -> Problems:
    key, name = _key(component), name_of(component)
    if not isinstance(rule, dict) or not isinstance(rule.get("key"), str):
        template = N_(
            "A comparison of %(field)s (validate.compare) cannot be read: it must name an "
            "operator (op) and the key of the other field (key)."
        )
        return [problem(key, template, field=name)]
    op, other_key = rule.get("op"), rule["key"]
    if not isinstance(op, str) or op not in OPERATORS:
        template = N_(
            "%(field)s is compared with an unknown operator (%(value)s): use <, <=, >, >=, = or !=."
        )
        return [problem(key, template, field=name, value=str(op))]
    other = by_key.get(other_key)
    if other is None:
        template = N_(
            "%(field)s is compared with “%(other)s”, which is not a field of the same form "
            "or of the same row: correct the key."
        )
        return [problem(key, template, field=name, other=other_key)]
    if other is component:
        template = N_("%(field)s is compared with itself: choose another field.")
        return [problem(key, template, field=name)]
    mine, theirs = KINDS.get(str(component.get("type"))), KINDS.get(str(other.get("type")))
    if op in ORDERING and (mine not in ("date", "number") or mine != theirs):
        template = N_(
            "%(field)s and %(other)s cannot be compared with %(op)s: that needs two dates "
            "or two numbers."
        )
        return [problem(key, template, field=name, other=name_of(other), op=op)]
    if mine is None or mine != theirs:
        template = N_(
            "%(field)s and %(other)s cannot be compared: they hold different kinds of answers."
        )
        return [problem(key, template, field=name, other=name_of(other))]
    return []


class Compare:
    """Checks a field against another field of its form (or row) by an operator."""

    def __init__(
        self, op: str, component: dict[str, Any], other: dict[str, Any], locale: str
    ) -> None:
        self.op, self.component, self.other, self.locale = op, component, other, locale
        self.kind = KINDS[component["type"]]

    def __call__(self, form: Any, field: Any) -> None:
        if field.process_errors or is_empty(field.data):
            return
        other_key = self.other["key"]
        # A hidden field counts as empty (forms/validation.py keeps the hidden keys).
        if other_key in getattr(form, "_forms_hidden", ()):
            return
        other = getattr(form, other_key, None)
        if other is None or other.process_errors or is_empty(other.data):
            return
        mine = typed_value(self.component, field.data)
        theirs = typed_value(self.other, other.data)
        if mine is None or theirs is None or OPERATORS[self.op](mine, theirs):
            return
        raise StopValidation(self._message(field, other))

    def _message(self, field: Any, other: Any) -> str:
        params = {"label": field.label.text, "other": other.label.text}
        if self.op == "=":
            return str(field.gettext(m.COMPARE_SAME) % params)
        if self.op == "!=":
            return str(field.gettext(m.COMPARE_DIFFERENT) % params)
        params["value"] = self._shown(other.data)
        return str(field.gettext(MESSAGES[(self.kind, self.op)]) % params)

    def _shown(self, value: Any) -> str:
        if isinstance(value, date):
            return format_date(value, self.locale)
        return format_number(Decimal(str(value)), self.locale)


def validators_for(scope: list[dict[str, Any]], locale: str) -> dict[str, list[Compare]]:
    """The Compare validators of a checked scope's fields, by key."""
    by_key = {c["key"]: c for c in scope}
    found: dict[str, list[Compare]] = {}
    for component in scope:
        for rule in comparisons(component):
            other = by_key[rule["key"]]
            found.setdefault(component["key"], []).append(
                Compare(rule["op"], component, other, locale)
            )
    return found
