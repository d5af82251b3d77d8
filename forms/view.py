"""View models the Jinja macros render: one item per component, and error links."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from markupsafe import Markup

from .definition import FormDefinition
from .fields import DateInputField
from .i18n import description_for, label_for, normalize_locale, translate
from .markup import render_markdown

HIDDEN_FIELD_TYPES = frozenset({"HiddenField", "CSRFTokenField"})
_CHOICE_GROUPS = frozenset({"radio", "checklist"})


@dataclass
class Item:
    """One renderable component: an input, a choice group, a group or display text."""

    kind: str
    label: str = ""
    field: Any = None
    hint: str = ""
    hint_id: str = ""
    errors: list[str] = dc_field(default_factory=list)
    error_id: str = ""
    required: bool = False
    attrs: dict[str, str] = dc_field(default_factory=dict)
    children: list[Item] = dc_field(default_factory=list)
    html: Markup = dc_field(default_factory=Markup)


@dataclass
class ErrorLink:
    """One entry of the error summary; ``href`` is empty for form-level errors."""

    href: str
    text: str


def form_items(form: Any, definition: FormDefinition, locale: str) -> list[Item]:
    """Build the items for ``definition``'s components, bound to ``form``'s fields."""
    return _items(form, definition.components, normalize_locale(locale))


def _items(form: Any, components: list[dict[str, Any]], locale: str) -> list[Item]:
    items: list[Item] = []
    for component in components:
        ctype = component["type"]
        if ctype == "group":
            children = _items(form, component["components"], locale)
            items.append(Item("group", label_for(component, locale), children=children))
        elif ctype == "text":
            items.append(Item("text", html=render_markdown(_text(component, locale))))
        elif ctype == "separator":
            items.append(Item("separator"))
        elif "key" in component and component["key"] in form:
            items.append(_input_item(form[component["key"]], component, locale))
    return items


def _text(component: dict[str, Any], locale: str) -> str:
    properties = component.get("properties") or {}
    english = properties.get("text_en")
    if locale == "en" and isinstance(english, str) and english.strip():
        return english
    return str(component.get("text") or "")


def _input_item(bound: Any, component: dict[str, Any], locale: str) -> Item:
    ctype = component["type"]
    kind = "choices" if ctype in _CHOICE_GROUPS else ctype
    if kind != "choices" and kind != "checkbox":
        kind = "input"
    hint = description_for(component, locale)
    errors = [str(error) for error in bound.errors]
    item = Item(
        kind,
        label_for(component, locale),
        field=bound,
        hint=hint,
        hint_id=f"{bound.id}-hint" if hint else "",
        errors=errors,
        error_id=f"{bound.id}-error" if errors else "",
        required=bool((component.get("validate") or {}).get("required")),
    )
    described_by = " ".join(filter(None, (item.hint_id, item.error_id)))
    if described_by:
        item.attrs["aria-describedby"] = described_by
    if kind == "choices":
        return item  # attrs go on the fieldset; options render plainly
    if errors:
        item.attrs["aria-invalid"] = "true"
    if item.required:
        item.attrs["aria-required"] = "true"
    if isinstance(bound, DateInputField):
        item.attrs.update(bound.date_limits())
    return item


def has_errors(form: Any) -> bool:
    """True when any field or the form itself has errors."""
    return bool(getattr(form, "form_errors", None)) or any(f.errors for f in form)


def error_links(form: Any, definition: FormDefinition, locale: str) -> list[ErrorLink]:
    """Error summary entries: each invalid field in definition order, then the rest."""
    locale = normalize_locale(locale)
    links: list[ErrorLink] = []
    for component in definition.input_components:
        key = component["key"]
        if key not in form or not form[key].errors:
            continue
        bound = form[key]
        target = f"{bound.id}-0" if component["type"] in _CHOICE_GROUPS else bound.id
        label = label_for(component, locale)
        message = " ".join(str(error) for error in bound.errors)
        # Required messages already name the field («Navn» må fylles ut).
        named = f"«{label}»" in message or f"“{label}”" in message
        text = message if named else f"{label}: {message}"
        links.append(ErrorLink(f"#{target}", text))
    for other in form:
        if other.short_name not in definition.keys and other.errors:
            # Hidden fields such as the CSRF token cannot be focused: no link.
            links.extend(ErrorLink("", translate(str(e), locale)) for e in other.errors)
    links.extend(
        ErrorLink("", translate(str(e), locale))
        for e in getattr(form, "form_errors", None) or []
    )
    return links
