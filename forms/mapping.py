"""Map one form-js input component to an unbound WTForms field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from wtforms.fields import BooleanField, FormField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from . import messages as m
from .checks import row_limits, size_mb
from .fields import (
    CheckboxesField,
    ChoiceField,
    DateInputField,
    NumberField,
    RadioChoiceField,
    clean_multiline,
    strip_text,
)
from .filefield import UploadCheck, UploadField
from .i18n import description_for, label_for, option_label, ui_text
from .repeat import DynamicListField
from .rules import (
    Check,
    DateRange,
    DecimalPlaces,
    Length,
    NumberRange,
    Pattern,
    Required,
    SafeText,
)
from .uploads import DEFAULT_MAX_SIZE_MB, KINDS, parse_accept
from .validators import IDENTIFIER_CHECKS, is_valid_email, is_valid_phone

_IDENTIFIER_MESSAGES = {
    "fodselsnummer": m.FODSELSNUMMER,
    "organisasjonsnummer": m.ORGANISASJONSNUMMER,
    "postnummer": m.POSTNUMMER,
    "kontonummer": m.KONTONUMMER,
}
_REQUIRED_MESSAGES = {
    "checkbox": m.REQUIRED_CHECKBOX,
    "radio": m.REQUIRED_CHOICE,
    "select": m.REQUIRED_CHOICE,
    "checklist": m.REQUIRED_CHECKLIST,
    "filepicker": m.REQUIRED_FILE,
}

Builder = Callable[[dict[str, Any], str, dict[str, Any]], Any]


def _validate(component: dict[str, Any]) -> dict[str, Any]:
    value = component.get("validate")
    return value if isinstance(value, dict) else {}


def _properties(component: dict[str, Any]) -> dict[str, Any]:
    value = component.get("properties")
    return value if isinstance(value, dict) else {}


def _presence(component: dict[str, Any]) -> list[Any]:
    if _validate(component).get("required"):
        return [Required(_REQUIRED_MESSAGES.get(component["type"], m.REQUIRED))]
    return [Optional()]


def _text_checks(component: dict[str, Any]) -> list[Any]:
    validate = _validate(component)
    checks: list[Any] = [SafeText()]
    kind = _properties(component).get("type")
    if kind in IDENTIFIER_CHECKS:
        checks.append(Check(IDENTIFIER_CHECKS[kind], _IDENTIFIER_MESSAGES[kind]))
    if validate.get("validationType") == "email":
        checks.append(Check(is_valid_email, m.EMAIL))
    elif validate.get("validationType") == "phone":
        checks.append(Check(is_valid_phone, m.PHONE))
    if validate.get("minLength") is not None or validate.get("maxLength") is not None:
        checks.append(Length(validate.get("minLength"), validate.get("maxLength")))
    if validate.get("pattern"):
        checks.append(Pattern(validate["pattern"]))
    return checks


def _render_kw(component: dict[str, Any]) -> dict[str, str]:
    render_kw: dict[str, str] = {}
    properties = _properties(component)
    if properties.get("type") in IDENTIFIER_CHECKS:
        render_kw["inputmode"] = "numeric"
    validation_type = _validate(component).get("validationType")
    if validation_type == "email":
        render_kw.update(type="email", spellcheck="false")
    elif validation_type == "phone":
        render_kw["type"] = "tel"
    autocomplete = properties.get("autocomplete")
    if isinstance(autocomplete, str) and autocomplete.strip():
        render_kw["autocomplete"] = autocomplete.strip()
    return render_kw


def _default_text(component: dict[str, Any]) -> str | None:
    value = component.get("defaultValue")
    return None if value is None or isinstance(value, dict | list) else str(value)


def _textfield(component: dict[str, Any], locale: str, common: dict[str, Any]) -> Any:
    return StringField(
        validators=_presence(component) + _text_checks(component),
        filters=[strip_text],
        default=_default_text(component),
        render_kw=_render_kw(component),
        **common,
    )


def _textarea(component: dict[str, Any], locale: str, common: dict[str, Any]) -> Any:
    return TextAreaField(
        validators=_presence(component) + _text_checks(component),
        filters=[clean_multiline],
        default=_default_text(component),
        render_kw=_render_kw(component) or None,
        **common,
    )


def _number(component: dict[str, Any], locale: str, common: dict[str, Any]) -> Any:
    validate = _validate(component)
    places = component.get("decimalDigits")
    integer = places == 0
    checks: list[Any] = [NumberRange(validate.get("min"), validate.get("max"), locale)]
    if isinstance(places, int) and places > 0:
        checks.append(DecimalPlaces(places))
    render_kw = _render_kw(component)
    render_kw["inputmode"] = "numeric" if integer else "decimal"
    default = component.get("defaultValue")
    return NumberField(
        validators=_presence(component) + checks,
        integer=integer,
        default=default if isinstance(default, int | float | str) else None,
        render_kw=render_kw,
        **common,
    )


def _checkbox(component: dict[str, Any], locale: str, common: dict[str, Any]) -> Any:
    return BooleanField(
        validators=_presence(component),
        default=component.get("defaultValue") is True,
        **common,
    )


def _choices(component: dict[str, Any], locale: str) -> list[SelectChoice]:
    return [
        SelectChoice(value=str(option["value"]), label=option_label(option, locale))
        for option in component.get("values") or []
    ]


def _radio(component: dict[str, Any], locale: str, common: dict[str, Any]) -> Any:
    return RadioChoiceField(
        validators=_presence(component),
        choices=_choices(component, locale),
        default=_default_text(component),
        **common,
    )


def _select(component: dict[str, Any], locale: str, common: dict[str, Any]) -> Any:
    placeholder = SelectChoice(value="", label=ui_text("choose", locale))
    return ChoiceField(
        validators=_presence(component),
        choices=[placeholder, *_choices(component, locale)],
        default=_default_text(component) or "",
        render_kw=_render_kw(component) or None,
        **common,
    )


def _checklist(component: dict[str, Any], locale: str, common: dict[str, Any]) -> Any:
    default = component.get("defaultValue")
    return CheckboxesField(
        validators=_presence(component),
        choices=_choices(component, locale),
        default=[str(v) for v in default] if isinstance(default, list) else [],
        **common,
    )


def _datetime(component: dict[str, Any], locale: str, common: dict[str, Any]) -> Any:
    properties = _properties(component)
    min_date = properties.get("minDate")
    if min_date is None and component.get("disallowPassedDates"):
        min_date = "today"
    max_date = properties.get("maxDate")
    default = component.get("defaultValue")
    try:
        default_date = date.fromisoformat(default) if isinstance(default, str) else None
    except ValueError:
        default_date = None
    return DateInputField(
        validators=_presence(component) + [DateRange(min_date, max_date, locale)],
        min_date=min_date,
        max_date=max_date,
        default=default_date,
        render_kw=_render_kw(component) or None,
        **common,
    )


def _filepicker(component: dict[str, Any], locale: str, common: dict[str, Any]) -> Any:
    accept = component.get("accept")
    kinds = parse_accept(accept)[0] if isinstance(accept, str) else list(KINDS)
    size = size_mb(_properties(component).get("maxSizeMB")) or DEFAULT_MAX_SIZE_MB
    return UploadField(
        validators=_presence(component) + [UploadCheck(locale)],
        multiple=component.get("multiple") is True,
        kinds=kinds,
        max_size_mb=size,
        **common,
    )


BUILDERS: dict[str, Builder] = {
    "textfield": _textfield,
    "textarea": _textarea,
    "number": _number,
    "checkbox": _checkbox,
    "checklist": _checklist,
    "radio": _radio,
    "select": _select,
    "datetime": _datetime,
    "filepicker": _filepicker,
}


def make_field(component: dict[str, Any], locale: str, after: list[Any] | None = None) -> Any:
    """Return an unbound WTForms field for one input component; `after` are validators
    that run last (rules between fields, forms/relations.py)."""
    common = {
        "label": label_for(component, locale),
        "description": description_for(component, locale),
    }
    field = BUILDERS[component["type"]](component, locale, common)
    if after:
        field.kwargs["validators"] = [*field.kwargs["validators"], *after]
    return field


def make_list_field(component: dict[str, Any], locale: str, row_class: type) -> Any:
    """Return an unbound DynamicListField of ``row_class`` rows for a dynamic list."""
    minimum, maximum, initial = row_limits(component)
    return DynamicListField(
        FormField(row_class),
        label=label_for(component, locale),
        description=description_for(component, locale),
        min_entries=minimum,
        max_entries=maximum,
        initial=initial,
        allow_add_remove=component.get("allowAddRemove") is not False,
    )
