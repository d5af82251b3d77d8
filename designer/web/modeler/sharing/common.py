"""What the sharing pages share: connectors, parameter fields and group fields."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField

from designer.integrations.http import allowed_hosts
from designer.services.sharing import catalogue, values
from designer.web.i18n import locale
from designer.web.modeler.common import registry

# What each parameter type is called on the pages.
TYPE_LABELS = {
    "number": _l("Number"),
    "amount": _l("Amount"),
    "percent": _l("Percent"),
    "integer": _l("Whole number"),
    "days": _l("Days"),
    "weeks": _l("Weeks"),
    "text": _l("Text"),
    "date": _l("Date"),
    "boolean": _l("Yes or no"),
}


class StepForm(FlaskForm):
    """The CSRF token and the hidden fields of the adopt and take-over forms."""

    submission_key = HiddenField()
    version = HiddenField()


def connectors(needed: list[dict[str, Any]]) -> list[catalogue.Connector]:
    """The connectors a service needs, checked against this installation's."""
    return catalogue.connectors(needed, registry(), allowed_hosts(current_app), locale())


def label_of(item: dict[str, Any]) -> str:
    """A parameter's label in the UI language (else bokmål, else its name)."""
    label = item.get("label") or {}
    if isinstance(label, dict):
        return str(label.get(locale()) or label.get("nb") or item["name"])
    return str(label or item["name"])


def text_of(item: dict[str, Any], name: str) -> str:
    """A parameter's description or unit in the UI language (text or per language)."""
    value = item.get(name) or {}
    if isinstance(value, dict):
        return str(value.get(locale()) or value.get("nb") or "")
    return str(value)


def param_field(name: str) -> str:
    """The form field (and its id) of a parameter's value."""
    return f"param-{name}"


def typed_values(items: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, str]]:
    """The parameter values the form sent, and each field's error."""
    typed = {item["name"]: request.form.get(param_field(item["name"]), "") for item in items}
    return values.read_form(items, typed)


def typed_groups(groups: list[str]) -> dict[str, tuple[str, str]]:
    """Per origin group (fields by position): the own group chosen, the new group's name."""
    return {
        group: (
            request.form.get(f"group-{i}", ""),
            request.form.get(f"group-{i}-new", ""),
        )
        for i, group in enumerate(groups)
    }


def page_globals() -> dict[str, Any]:
    """What the sharing templates use besides their own values."""
    return {
        "type_labels": TYPE_LABELS,
        "param_label": label_of,
        "param_text": text_of,
        "param_field": param_field,
        "shown_value": values.shown,
    }
