"""Options from process data (form-js ``valuesKey``), and ``make_form``.

A radio, select or checklist with ``"valuesKey": "municipalities"`` takes its
options from ``context["municipalities"]`` when the form is bound: a list of
``{"value": ..., "label": ..., "label_en": ...}`` objects, or of plain texts and
numbers (the value is also the label). Without that key in the context the
component's static ``values`` (if any) are used.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wtforms import Form
from wtforms.fields.choices import SelectChoice

from .compiler import build_form_class
from .definition import FormDefinition, row_components
from .i18n import normalize_locale, option_label, ui_text
from .kinds import CHOICE_TYPES

MAX_OPTIONS = 1000
_UNSET: Any = object()


def _option_value(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    text = str(value)
    return text if text.strip() else None


def _from_data(raw: Any, locale: str) -> list[tuple[str, str]] | None:
    if not isinstance(raw, list | tuple):
        return None
    options: list[tuple[str, str]] = []
    seen: set[str] = set()
    for item in raw[:MAX_OPTIONS]:
        if isinstance(item, Mapping):
            value = _option_value(item.get("value"))
            label = option_label(dict(item), locale) if value is not None else ""
        else:
            value = _option_value(item)
            label = value or ""
        if value is not None and value not in seen:
            seen.add(value)
            options.append((value, label or value))
    return options


def option_list(
    component: dict[str, Any], context: Mapping[str, Any] | None, locale: str
) -> list[tuple[str, str]]:
    """``(value, label)`` pairs of a choice component, from the context if it has them."""
    values_key = component.get("valuesKey")
    if values_key and isinstance(context, Mapping) and values_key in context:
        dynamic = _from_data(context[values_key], locale)
        if dynamic is not None:
            return dynamic
    return [
        (str(option["value"]), option_label(option, locale))
        for option in component.get("values") or []
    ]


def _set_choices(
    field: Any,
    component: dict[str, Any],
    context: Mapping[str, Any] | None,
    locale: str,
) -> None:
    choices = [
        SelectChoice(value=v, label=label) for v, label in option_list(component, context, locale)
    ]
    if component["type"] == "select":
        choices.insert(0, SelectChoice(value="", label=ui_text("choose", locale)))
    field.choices = choices


def _locale_of(form: Any) -> str:
    locales = getattr(form.meta, "locales", None) or ["nb"]
    return normalize_locale(locales[0])


def bind_row_options(row_form: Any, dynamic_list: dict[str, Any], context: Any) -> None:
    """Give one dynamic-list row's choice fields their options from ``context``."""
    locale = _locale_of(row_form)
    for child in row_components(dynamic_list):
        if child["type"] in CHOICE_TYPES and child.get("valuesKey"):
            _set_choices(row_form[child["key"]], child, context, locale)


def bind_options(form: Any, definition: FormDefinition, context: Mapping[str, Any] | None) -> Any:
    """Set the options of ``valuesKey`` choice fields from ``context``; return ``form``.

    Call it right after instantiating the form and before validating or rendering.
    """
    locale = _locale_of(form)
    form._forms_context = context
    for component in definition.input_components:
        key = component["key"]
        if key not in form:
            continue
        if component["type"] in CHOICE_TYPES and component.get("valuesKey"):
            _set_choices(form[key], component, context, locale)
        elif component["type"] == "dynamiclist":
            for entry in form[key].entries:
                bind_row_options(entry.form, component, context)
    return form


def make_form(
    definition: FormDefinition,
    base: type = Form,
    locale: str = "nb",
    formdata: Any = _UNSET,
    data: Mapping[str, Any] | None = None,
    context: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> Any:
    """Build (cached), instantiate and bind a form in one call.

    ``formdata`` is the submission (leave it out for Flask-WTF to read the
    request); ``data`` fills fields (prefill, earlier answers); ``context`` is the
    process data that ``valuesKey`` options come from. Other keyword arguments
    (``prefix``, ``meta``) go to the form class.
    """
    form_class = build_form_class(definition, base=base, locale=locale)
    if formdata is not _UNSET:
        kwargs["formdata"] = formdata
    form = form_class(data=data, **kwargs)
    return bind_options(form, definition, context)
