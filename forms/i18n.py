"""Locales: the application's catalogue, WTForms translations and the components' labels.

forms keeps no texts of its own in other languages: the application plugs in its
catalogue with `use_translations(catalogue)`, a callable taking a locale ("nb", "nn",
"en") and returning an object with `gettext` and `ngettext` (e.g. Babel's
`Translations`). Without one, the English message ids are shown. Every function here
takes the locale explicitly: the caller decides the language, not a request.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from wtforms import i18n as wtforms_i18n

from .errors import render
from .messages import ALIASES, UI

LOCALES = ("nb", "nn", "en")
DEFAULT_LOCALE = "nb"


class GNUTranslations(Protocol):
    """What a catalogue offers for one language (gettext's interface)."""

    def gettext(self, message: str) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int) -> str: ...


Catalogue = Callable[[str], GNUTranslations]


class _English:
    """No catalogue: the message ids are the English texts."""

    def gettext(self, message: str) -> str:
        return message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return singular if n == 1 else plural


_ENGLISH = _English()
_catalogue: Catalogue | None = None


def use_translations(catalogue: Catalogue | None) -> Catalogue | None:
    """Translate through `catalogue(locale)` from now on (None: the English ids).

    Returns the catalogue used until now, so a test can put it back.
    """
    global _catalogue
    previous, _catalogue = _catalogue, catalogue
    translations_for.cache_clear()
    from .compiler import clear_cache  # built classes hold texts of the old catalogue

    clear_cache()
    return previous


def normalize_locale(locale: str | None) -> str:
    """'nb', 'nn' or 'en' for any locale string ('nn_NO' -> 'nn'); others: 'nb'."""
    code = str(locale or "").strip().lower().replace("_", "-").split("-")[0]
    return code if code in LOCALES else DEFAULT_LOCALE


def catalogue(locale: str | None) -> GNUTranslations:
    """The plugged-in catalogue for a locale (English ids without one)."""
    if _catalogue is None:
        return _ENGLISH
    return _catalogue(normalize_locale(locale))


def gettext(message: str, locale: str | None) -> str:
    """`message` (a message id) in the locale."""
    return str(catalogue(locale).gettext(message))


def problem_text(problem: Mapping[str, Any], locale: str | None) -> str:
    """A problem of `DefinitionError.problems` in the locale, its names and details too.

    A problem without a template (made by hand) is shown as its message.
    """
    template = problem.get("template")
    if not isinstance(template, str):
        return str(problem.get("message") or "")
    return render(template, problem.get("params") or {}, catalogue(locale).gettext)


@functools.cache
def _builtin(locale: str) -> GNUTranslations | None:
    if locale == "en":
        return None
    try:  # WTForms ships bokmål only: nynorsk readers get it for WTForms' own texts
        translations: GNUTranslations = wtforms_i18n.get_translations(["nb"])
    except OSError:  # pragma: no cover - WTForms always ships nb
        return None
    return translations


class Translations:
    """WTForms translations: the catalogue first (our ids for WTForms' ones), then WTForms'
    built-in bokmål for its messages the catalogue does not have."""

    def __init__(self, locale: str) -> None:
        self.locale = normalize_locale(locale)

    def gettext(self, string: str) -> str:
        """Translate one message id."""
        ours = ALIASES.get(string, string)
        text = str(catalogue(self.locale).gettext(ours))
        builtin = _builtin(self.locale)
        if text != ours or string in ALIASES or builtin is None:
            return text
        return str(builtin.gettext(string))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Translate a message id with a singular and a plural form."""
        if singular in ALIASES:
            return self.gettext(singular)
        text = str(catalogue(self.locale).ngettext(singular, plural, n))
        builtin = _builtin(self.locale)
        if text not in (singular, plural) or builtin is None:
            return text
        return str(builtin.ngettext(singular, plural, n))


@functools.cache
def translations_for(locale: str) -> Translations:
    """Return the shared translations object for a locale."""
    return Translations(locale)


def translate(message: str, locale: str) -> str:
    """A message from WTForms, Flask-WTF or forms in the locale (unknown text unchanged)."""
    return translations_for(normalize_locale(locale)).gettext(message)


def ui_text(name: str, locale: str) -> str:
    """A piece of interface text (summary title, markers, buttons) in the locale."""
    return gettext(UI[name], locale)


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
