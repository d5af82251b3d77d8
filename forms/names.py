"""How problems name a component: by its label and key, else by type and position.

Names are texts for the catalogue (`errors.text`): «Fødselsnummer» (fnr) in bokmål and
nynorsk, “Fødselsnummer” (fnr) in English; a component without label or key is
"Text view no. 2 in «Valg»", with the type as the form editor's palette calls it.
"""

from __future__ import annotations

from typing import Any

from .errors import text
from .messages import N_

MAX_LABEL = 60
# The form editor's palette names (the same message ids as static/src/texts/form-js.json).
TYPE_NAMES: dict[str, str] = {
    "textfield": N_("Text field"),
    "textarea": N_("Text area"),
    "number": N_("Number"),
    "checkbox": N_("Checkbox"),
    "checklist": N_("Checkbox group"),
    "radio": N_("Radio group"),
    "select": N_("Select"),
    "datetime": N_("Date time"),
    "group": N_("Group"),
    "dynamiclist": N_("Dynamic list"),
    "filepicker": N_("File picker"),
    "text": N_("Text view"),
    "separator": N_("Separator"),
    "spacer": N_("Spacer"),
    "button": N_("Button"),
    "taglist": N_("Tag list"),
    "image": N_("Image view"),
    "table": N_("Table"),
    "expression": N_("Expression"),
    "html": N_("HTML view"),
}
COMPONENT = N_("Component")


def quoted(value: str) -> dict[str, Any]:
    """A label, key or symbol in the locale's quotation marks."""
    return text(N_("“%(label)s”"), label=value)


def type_name(component: Any) -> dict[str, Any]:
    """The palette name of a component's type ("Component" for unknown types)."""
    ctype = component.get("type") if isinstance(component, dict) else None
    name = TYPE_NAMES.get(ctype) if isinstance(ctype, str) else None
    return text(name or COMPONENT)


def name_of(component: Any, position: int = 0, parent: Any = None) -> dict[str, Any]:
    """The component's name in problems; `position` counts from 1 among its siblings and
    `parent` is the enclosing group's or list's name (None at the top)."""
    label = _label(component)
    key = _key(component)
    if label and key and label != key:
        return text(N_("“%(label)s” (%(key)s)"), label=label, key=key)
    if label or key:
        return quoted(label or key)
    if parent is None:
        return text(N_("%(type)s no. %(n)s"), type=type_name(component), n=position)
    return text(
        N_("%(type)s no. %(n)s in %(parent)s"),
        type=type_name(component),
        n=position,
        parent=parent,
    )


def _label(component: Any) -> str:
    if not isinstance(component, dict):
        return ""
    for name in ("label", "dateLabel"):
        value = component.get(name)
        if isinstance(value, str) and value.strip():
            label = " ".join(value.split())
            return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"
    return ""


def _key(component: Any) -> str:
    if not isinstance(component, dict):
        return ""
    key = component.get("key")
    if component.get("type") == "dynamiclist":  # form-js keeps a list's key in "path"
        key = component.get("path", key)
    if isinstance(key, str) and key.strip():
        return key if len(key) <= MAX_LABEL else key[: MAX_LABEL - 1] + "…"
    return ""


# The form editor's names of a component's settings (form-js.json, formeditor.json ids).
SETTING_NAMES: dict[str, str] = {
    "label": N_("Field label"),
    "description": N_("Field description"),
    "dateLabel": N_("Date label"),
    "text": N_("Text"),
    "validate.required": N_("Required"),
    "validate.minLength": N_("Minimum length"),
    "validate.maxLength": N_("Maximum length"),
    "validate.min": N_("Minimum"),
    "validate.max": N_("Maximum"),
    "validate.pattern": N_("Custom regular expression"),
    "decimalDigits": N_("Decimal digits"),
    "defaultRepetitions": N_("Default number of items"),
    "allowAddRemove": N_("Allow add/delete items"),
    "multiple": N_("Upload multiple files"),
    "properties.label_en": N_("Label in English"),
    "properties.description_en": N_("Description in English"),
}


def setting(name: str) -> dict[str, Any] | str:
    """A setting as the form editor names it; a custom property by its own name."""
    known = SETTING_NAMES.get(name)
    return text(known) if known else name.removeprefix("properties.")
