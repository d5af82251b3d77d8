"""View models the Jinja macros render: one item per component, bound to its field.

Every component's wrapper carries the hooks static/src/forms/live.js reads:
``data-component`` (the form-js type), ``data-key`` and ``data-name`` (data key and
field name of inputs), ``data-format`` (``integer`` or a Norwegian identifier type)
and ``data-hide-when`` (the ``conditional.hide`` expression). Wrappers of hidden
components get the ``hidden`` attribute.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from markupsafe import Markup

from .checks import hide_expression
from .fields import DateInputField
from .filefield import UploadField
from .formats import format_number
from .i18n import description_for, label_for, ui_text
from .markup import render_markdown
from .options import bind_row_options
from .repeat import DynamicListField
from .uploads import accept_attribute, kind_labels
from .visibility import Visibility

HIDDEN_FIELD_TYPES = frozenset({"HiddenField", "CSRFTokenField"})
_CHOICE_GROUPS = frozenset({"radio", "checklist"})
TEMPLATE_INDEX = "__index__"


@dataclass
class Row:
    """One row of a dynamic list (or the row template, with index ``__index__``)."""

    index: str
    legend: str
    marker: str
    children: list[Item]
    remove_name: str = ""
    remove_label: str = ""


@dataclass
class Item:
    """One renderable component: an input, a choice group, a group, a list or text."""

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
    wrapper: dict[str, str] = dc_field(default_factory=dict)
    hidden: bool = False
    limits: str = ""
    limits_id: str = ""
    rows: list[Row] = dc_field(default_factory=list)
    template: Row | None = None
    list_attrs: dict[str, str] = dc_field(default_factory=dict)
    add_name: str = ""
    add_label: str = ""
    can_add: bool = False
    can_remove: bool = False


@dataclass
class Scope:
    """What building items needs: the bound form or row, locale and visibility."""

    form: Any
    locale: str
    visible: Visibility
    name: str = ""
    context: Any = None


def wrapper_attrs(component: dict[str, Any], bound: Any = None) -> dict[str, str]:
    """The ``data-*`` hooks of a component's wrapper element."""
    attrs = {"data-component": str(component["type"])}
    if bound is not None:
        attrs["data-key"] = str(component["key"])
        attrs["data-name"] = str(bound.name)
    kind = (component.get("properties") or {}).get("type")
    if component["type"] == "number" and component.get("decimalDigits") == 0:
        attrs["data-format"] = "integer"
    elif isinstance(kind, str) and component["type"] == "textfield":
        attrs["data-format"] = kind
    expression = hide_expression(component)
    if expression is not None:
        attrs["data-hide-when"] = expression
    return attrs


def build_items(components: list[dict[str, Any]], scope: Scope) -> list[Item]:
    """Items for ``components`` bound to ``scope.form``'s fields."""
    items: list[Item] = []
    for component in components:
        ctype = component["type"]
        if ctype in ("spacer", "button"):
            continue
        key = component.get("key")
        bound = scope.form[key] if ctype != "group" and key and key in scope.form else None
        if ctype not in ("group", "text", "separator") and bound is None:
            continue
        if ctype == "group":
            label = label_for(component, scope.locale)
            item = Item("group", label, children=build_items(component["components"], scope))
        elif ctype == "text":
            item = Item("text", html=render_markdown(_text(component, scope.locale)))
        elif ctype == "separator":
            item = Item("separator")
        elif isinstance(bound, DynamicListField):
            item = _list_item(bound, component, scope)
        else:
            item = _input_item(bound, component, scope.locale)
        item.wrapper = wrapper_attrs(component, bound)
        item.hidden = scope.visible.is_hidden(component, scope.name)
        items.append(item)
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
    if isinstance(bound, UploadField):
        size = format_number(bound.max_size_mb, locale)
        types = kind_labels(bound.kinds)
        item.limits = ui_text("file_limits", locale) % {"types": types, "size": size}
        item.limits_id = f"{bound.id}-limits"
        item.attrs["accept"] = accept_attribute(bound.kinds)
    described_by = " ".join(filter(None, (item.hint_id, item.limits_id, item.error_id)))
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


def _list_item(bound: DynamicListField, component: dict[str, Any], scope: Scope) -> Item:
    locale = scope.locale
    hint = description_for(component, locale)
    item = Item(
        "list",
        label_for(component, locale),
        field=bound,
        hint=hint,
        hint_id=f"{bound.id}-hint" if hint else "",
        add_name=bound.add_name if bound.allow_add_remove else "",
        add_label=ui_text("add_row", locale),
        can_add=bound.can_add,
        can_remove=bound.can_remove,
    )
    item.list_attrs = {
        "data-row-label": ui_text("row", locale) % {"n": "{n}"},
        "data-remove-label": ui_text("remove_row", locale) % {"n": "{n}"},
        "data-min": str(bound.min_entries),
        "data-max": str(bound.max_entries or ""),
    }
    if hint:
        item.list_attrs["aria-describedby"] = item.hint_id
    for position, entry in enumerate(bound.entries):
        row_scope = Scope(entry.form, locale, scope.visible, entry.name, scope.context)
        item.rows.append(_row(bound, component, row_scope, str(position), position + 1))
    if bound.allow_add_remove:
        row_class = bound.unbound_field.args[0]
        template = row_class(formdata=None, prefix=f"{bound.name}-{TEMPLATE_INDEX}-")
        bind_row_options(template, component, scope.context)
        row_scope = Scope(template, locale, Visibility(), "", scope.context)
        item.template = _row(bound, component, row_scope, TEMPLATE_INDEX, "{n}")
    return item


def _row(
    bound: DynamicListField,
    component: dict[str, Any],
    scope: Scope,
    index: str,
    number: int | str,
) -> Row:
    children = build_items(component["components"], scope)
    row = Row(
        index=index,
        legend=ui_text("row", scope.locale) % {"n": number},
        marker=f"{bound.name}-{index}-_row",
        children=children,
    )
    if bound.allow_add_remove:
        row.remove_name = f"{bound.name}-remove-{index}"
        row.remove_label = ui_text("remove_row", scope.locale) % {"n": number}
    return row


def has_errors(form: Any) -> bool:
    """True when any field or the form itself has errors."""
    return bool(getattr(form, "form_errors", None)) or any(f.errors for f in form)
