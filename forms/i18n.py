"""Locales: WTForms translations object, interface text and bilingual labels."""

from __future__ import annotations

import functools
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from wtforms import i18n as wtforms_i18n

from .messages import MESSAGES, PLURALS, UI

LOCALES = ("nb", "en")


class _GNUTranslations(Protocol):
    def gettext(self, message: str) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int) -> str: ...


def normalize_locale(locale: str | None) -> str:
    """Map any locale string to ``"en"`` or ``"nb"`` (the default)."""
    if locale and str(locale).lower().startswith("en"):
        return "en"
    return "nb"


@functools.cache
def _builtin_nb() -> _GNUTranslations | None:
    try:
        translations: _GNUTranslations = wtforms_i18n.get_translations(["nb"])
    except OSError:  # pragma: no cover - WTForms always ships nb
        return None
    return translations


class Translations:
    """WTForms translations: our catalogue first, then WTForms' built-in bokmål."""

    def __init__(self, locale: str) -> None:
        self.locale = normalize_locale(locale)

    def gettext(self, string: str) -> str:
        """Translate one message id."""
        entry = MESSAGES.get(string)
        if entry is not None:
            return entry.get(self.locale, string)
        builtin = _builtin_nb() if self.locale == "nb" else None
        return builtin.gettext(string) if builtin is not None else string

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Translate a message id with a singular and a plural form."""
        entry = PLURALS.get(singular)
        if entry is not None:
            one, other = entry[self.locale]
            return one if n == 1 else other
        builtin = _builtin_nb() if self.locale == "nb" else None
        if builtin is not None:
            return builtin.ngettext(singular, plural, n)
        return singular if n == 1 else plural


@functools.cache
def translations_for(locale: str) -> Translations:
    """Return the shared translations object for a locale."""
    return Translations(locale)


def translate(message: str, locale: str) -> str:
    """Translate a message if it is in the catalogue, else return it unchanged."""
    entry = MESSAGES.get(message)
    if entry is None:
        return message
    return entry.get(normalize_locale(locale), message)


def ui_text(name: str, locale: str) -> str:
    """Return a piece of interface text (summary title, markers) for a locale."""
    return UI[name][normalize_locale(locale)]


def _localized(item: dict[str, Any], name: str, english: Any, locale: str) -> str:
    if normalize_locale(locale) == "en" and isinstance(english, str):
        if english.strip():
            return english
    value = item.get(name)
    return value if isinstance(value, str) else ""


def _properties(component: dict[str, Any]) -> dict[str, Any]:
    properties = component.get("properties")
    return properties if isinstance(properties, dict) else {}


def label_for(component: dict[str, Any], locale: str) -> str:
    """The component's label in the locale, falling back to bokmål, then the key."""
    english = _properties(component).get("label_en")
    label = _localized(component, "label", english, locale)
    if not label and component.get("type") == "datetime":
        label = _localized(component, "dateLabel", english, locale)
    if not label and component.get("type") != "group":
        label = str(component.get("key") or "")
    return label


def description_for(component: dict[str, Any], locale: str) -> str:
    """The component's description (hint) in the locale, or an empty string."""
    english = _properties(component).get("description_en")
    return _localized(component, "description", english, locale)


def option_label(option: dict[str, Any], locale: str) -> str:
    """The label of one entry of a component's ``values`` list."""
    label = _localized(option, "label", option.get("label_en"), locale)
    return label or str(option.get("value", ""))


def format_number(value: int | float | Decimal, locale: str) -> str:
    """Format a number plainly, with a decimal comma for bokmål."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        text = str(value)
    else:
        number = Decimal(str(value))
        if not number.is_finite():
            return str(value)
        text = format(number.normalize(), "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",") if normalize_locale(locale) == "nb" else text


def format_date(value: date, locale: str) -> str:
    """Format a date as DD.MM.YYYY for bokmål and YYYY-MM-DD for English."""
    if normalize_locale(locale) == "nb":
        return f"{value.day:02d}.{value.month:02d}.{value.year:04d}"
    return value.isoformat()
