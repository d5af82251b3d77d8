"""What render_form shows: the page's items, carried values, steps and error links."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wtforms.fields import BooleanField, SelectFieldBase, SelectMultipleField

from .definition import FormDefinition, iter_components, row_components
from .filefield import UploadField
from .i18n import label_for, normalize_locale, translate, ui_text
from .kinds import INPUT_TYPES
from .pages import (
    HIDDEN_FIELD,
    NAV_FIELD,
    PAGE_FIELD,
    current_page,
    page_components,
    page_count,
)
from .view import Item, Scope, build_items, wrapper_attrs
from .visibility import Visibility, named_inputs, visibility

_CHOICE_GROUPS = frozenset({"radio", "checklist"})


@dataclass
class ErrorLink:
    """One entry of the error summary; ``href`` is empty for form-level errors."""

    href: str
    text: str


@dataclass
class Carried:
    """A component of another page, as hidden inputs inside its wrapper."""

    wrapper: dict[str, str]
    inputs: list[tuple[str, str]] = field(default_factory=list)
    children: list[Carried] = field(default_factory=list)
    rows: list[tuple[str, list[Carried]]] = field(default_factory=list)


@dataclass
class FormView:
    """Everything render_form needs for one form (one page of a multi-page form)."""

    items: list[Item]
    errors: list[ErrorLink]
    page: int = 1
    pages: int = 1
    steps: list[str] = field(default_factory=list)
    step_text: str = ""
    carried: list[Carried] = field(default_factory=list)
    page_name: str = ""
    nav_name: str = ""
    steps_id: str = ""
    hidden_name: str = ""
    hidden_value: str = ""
    default_nav: str = ""
    multipart: bool = False
    default_button: bool = False


def form_items(form: Any, definition: FormDefinition, locale: str) -> list[Item]:
    """Items for every component of ``definition`` (all pages), bound to ``form``."""
    visible = visibility(form, definition)
    return _items(form, definition.components, normalize_locale(locale), visible)


def _items(
    form: Any, components: list[dict[str, Any]], locale: str, visible: Visibility
) -> list[Item]:
    scope = Scope(form, locale, visible, context=getattr(form, "_forms_context", None))
    return build_items(components, scope)


def form_view(
    form: Any, definition: FormDefinition, locale: str, page: int | None = None
) -> FormView:
    """The view of ``form`` on ``page`` (default: the current page)."""
    locale = normalize_locale(locale)
    pages = page_count(definition)
    page = min(max(page, 1), pages) if page is not None else current_page(form, definition)
    components = page_components(definition, page)
    visible = visibility(form, definition)
    items = _items(form, components, locale, visible)
    view = FormView(items, error_links(form, definition, locale, page), page, pages)
    prefix = getattr(form, "_prefix", "")
    view.hidden_name = f"{prefix}{HIDDEN_FIELD}"
    view.hidden_value = " ".join(
        name for name, hidden in named_inputs(form, components, visible) if hidden
    )
    view.multipart = any(c["type"] == "filepicker" for c in definition.input_components)
    view.default_button = any(
        c["type"] == "dynamiclist" for c in iter_components(definition.components)
    )
    if pages > 1:
        view.steps_id = f"{prefix}form-steps-status"
        view.steps = [
            label_for(group, locale) or ui_text("step_of", locale) % {"n": n, "total": pages}
            for n, group in enumerate(definition.components, start=1)
        ]
        view.step_text = ui_text("step_of", locale) % {"n": page, "total": pages}
        view.page_name = f"{prefix}{PAGE_FIELD}"
        view.nav_name = f"{prefix}{NAV_FIELD}"
        view.default_nav = "next" if page < pages else "submit"
        view.default_button = view.default_button or page > 1
        others = [c for n, c in enumerate(definition.components, 1) if n != page]
        view.carried = _carry(others, form)
    return view


def _carry(components: list[dict[str, Any]], form: Any) -> list[Carried]:
    carried: list[Carried] = []
    for component in components:
        ctype = component["type"]
        key = component.get("key")
        if ctype == "group":
            inner = _carry(component["components"], form)
            carried.append(Carried(wrapper_attrs(component), children=inner))
        elif ctype in INPUT_TYPES and key in form:
            bound = form[key]
            item = Carried(wrapper_attrs(component, bound), inputs=_hidden_values(bound))
            for entry in getattr(bound, "entries", []) if ctype == "dynamiclist" else []:
                inner = _carry(component["components"], entry.form)
                item.rows.append((f"{entry.name}-_row", inner))
            carried.append(item)
    return carried


def _hidden_values(bound: Any) -> list[tuple[str, str]]:
    if isinstance(bound, UploadField) or hasattr(bound, "entries"):
        return []
    if isinstance(bound, BooleanField):
        return [(bound.name, "y")] if bound.data else []
    if isinstance(bound, SelectMultipleField):
        return [(bound.name, str(value)) for value in bound.data or []]
    if isinstance(bound, SelectFieldBase):
        return [] if bound.data in (None, "") else [(bound.name, str(bound.data))]
    return [(bound.name, str(bound._value()))]


def _message(label: str, errors: Any) -> str:
    message = " ".join(str(error) for error in errors)
    # Required messages already name the field («Navn» må fylles ut).
    named = f"«{label}»" in message or f"“{label}”" in message
    return message if named else f"{label}: {message}"


def _target(component: dict[str, Any], bound: Any) -> str:
    return f"#{bound.id}-0" if component["type"] in _CHOICE_GROUPS else f"#{bound.id}"


def error_links(
    form: Any, definition: FormDefinition, locale: str, page: int | None = None
) -> list[ErrorLink]:
    """Error summary entries: each invalid field in definition order, then the rest.

    With ``page``, only the fields on that page are linked.
    """
    locale = normalize_locale(locale)
    components = (
        definition.input_components
        if page is None
        else [
            c
            for c in iter_components(page_components(definition, page))
            if c["type"] in INPUT_TYPES
        ]
    )
    links: list[ErrorLink] = []
    for component in components:
        key = component["key"]
        if key not in form or not form[key].errors:
            continue
        bound = form[key]
        label = label_for(component, locale)
        if component["type"] != "dynamiclist":
            links.append(ErrorLink(_target(component, bound), _message(label, bound.errors)))
            continue
        for position, entry in enumerate(bound.entries, start=1):
            row_label = ui_text("row_of", locale) % {"list": label, "n": position}
            for child in row_components(component):
                sub = entry.form[child["key"]]
                if sub.errors:
                    text = _message(label_for(child, locale), sub.errors)
                    links.append(ErrorLink(_target(child, sub), f"{row_label}: {text}"))
    for other in form:
        if other.short_name not in definition.keys and other.errors:
            # Hidden fields such as the CSRF token cannot be focused: no link.
            links.extend(ErrorLink("", translate(str(e), locale)) for e in other.errors)
    links.extend(
        ErrorLink("", translate(str(e), locale)) for e in getattr(form, "form_errors", None) or []
    )
    return links
