"""build_form_class: a cached WTForms Form subclass for a form definition."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from typing import Any

from wtforms import Form

from .definition import FormDefinition, row_components
from .errors import DefinitionError, problem
from .i18n import Translations, normalize_locale, translations_for
from .mapping import make_field, make_list_field
from .messages import N_
from .names import name_of
from .relations import validators_for
from .validation import DefinedForm, RowForm

CACHE_SIZE = 256
_cache: OrderedDict[tuple[str, type, str], type] = OrderedDict()
_lock = threading.Lock()


def build_form_class(definition: FormDefinition, base: type = Form, locale: str = "nb") -> type:
    """Return a cached Form subclass of ``base`` for ``definition`` in ``locale``."""
    locale = normalize_locale(locale)
    cache_key = (definition.hash, base, locale)
    with _lock:
        cached = _cache.get(cache_key)
        if cached is not None:
            _cache.move_to_end(cache_key)
            return cached
    form_class = _build(definition, base, locale)
    with _lock:
        _cache[cache_key] = form_class
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return form_class


def clear_cache() -> None:
    """Forget every cached form class (for tests and hot reloading)."""
    with _lock:
        _cache.clear()


def _build(definition: FormDefinition, base: type, locale: str) -> type:
    clashes = [key for key in definition.keys if hasattr(base, key)]
    if clashes:
        template = N_(
            "The key of %(field)s clashes with a name the form itself uses: choose another key."
        )
        raise DefinitionError(
            [problem(key, template, field=name_of(definition.component(key))) for key in clashes]
        )
    attrs: dict[str, Any] = {"Meta": _meta_class(locale)}
    compare = validators_for(definition.input_components, locale)
    for component in definition.input_components:
        attrs[component["key"]] = _field(component, locale, compare.get(component["key"], []))
    attrs["__module__"] = __name__
    attrs["_forms_definition"] = definition
    metaclass: Any = type(base)
    form_class: type = metaclass(_class_name(definition), (DefinedForm, base), attrs)
    return form_class


def _field(component: dict[str, Any], locale: str, compare: list[Any]) -> Any:
    if component["type"] != "dynamiclist":
        return make_field(component, locale, compare)
    attrs: dict[str, Any] = {"Meta": _meta_class(locale), "__module__": __name__}
    children = row_components(component)
    in_row = validators_for(children, locale)
    for child in children:
        attrs[child["key"]] = make_field(child, locale, in_row.get(child["key"], []))
    metaclass: Any = type(RowForm)
    row_class: type = metaclass(f"Row_{component['key']}", (RowForm,), attrs)
    return make_list_field(component, locale, row_class)


def _meta_class(locale: str) -> type:
    def get_translations(self: Any, form: Any) -> Translations:
        return translations_for(locale)

    # WTForms merges this Meta with the base form's (e.g. FlaskForm's CSRF Meta).
    return type("Meta", (), {"locales": [locale], "get_translations": get_translations})


def _class_name(definition: FormDefinition) -> str:
    name = re.sub(r"\W+", "_", definition.id or "", flags=re.ASCII).strip("_")
    return f"Form_{name}" if name else "DefinedForm"
