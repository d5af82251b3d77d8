"""The names a rules page uses, in the reader's language where the service has them.

A `Named` text knows the language it is written in: a decision table's or a gateway's name
has no translation resource, so an English page shows it as written (marked `lang="nb"`).
Names in conditions and cells get the form field's label (and its options' labels) or the
decision output's label; amounts are written in kroner, other numbers as numbers. A
parameter (`param.<name>`) is written as its label and the version's value: "Inntektsgrense
for automatisk innvilgelse (450 000 kr)".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _

import forms
from designer.services import parameters
from designer.services.errors import Invalid
from designer.services.rulesdoc.words import Param, Ref
from designer.services.service_texts import Texts, form_texts
from engine.api import local_name, parse_xml
from engine.errors import ModelInvalid

_MONEY_WORDS: tuple[str, ...] = ("inntekt", "income", "beløp", "belop", "amount", "pris")
_MONEY_WORDS += ("price", "kostnad", "cost", "kontingent", "_fee", "fee_", "support")
_CURRENCY = re.compile(r"\b(kr|nok)\b", re.IGNORECASE)
_NOT_MONEY = ("%", "prosent", "percent", "share")  # "andel av inntekten (%)" is a share
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


@dataclass(frozen=True)
class Named:
    """A text and the language it is written in; `code` for a name written as in the model."""

    text: str
    lang: str
    code: bool = False


def is_money(*names: str) -> bool:
    """Whether a value named so is an amount in kroner (income, price, fee, '(kr)')."""
    text = " ".join(names).casefold()
    if bool(_CURRENCY.search(text)):
        return True
    return not any(w in text for w in _NOT_MONEY) and any(w in text for w in _MONEY_WORDS)


@dataclass(frozen=True)
class _Field:
    label: Named
    options: dict[str, Named]


class Labels:
    """Texts of one version in one language: names, labels, options, values."""

    def __init__(self, files: dict[str, str], texts: Texts, malform: str) -> None:
        self.texts, self.malform, self.lang, self.base = texts, malform, texts.lang, texts.base
        self.fields: dict[str, _Field] = {}
        self.outputs: dict[str, Named] = {}
        try:
            found = parameters.read(files, self.lang, self.base)
        except Invalid:  # a version cannot be published so; an old draft's page shows none
            found = []
        self.parameters = {p.name: p for p in found}
        for name, text in sorted(files.items()):
            if name.startswith("forms/") and name.endswith(".json"):
                self._read_form(name.removeprefix("forms/"), text)
            elif name.endswith(".dmn"):
                self._read_outputs(name, text)

    def named(self, text_id: str, base_text: str) -> Named:
        """The service's text `text_id` in the reader's language, the målform's, or as written."""
        if text_id in self.texts.wanted:
            return Named(self.texts.wanted[text_id], self.lang)
        if text_id in self.texts.fallback:
            return Named(self.texts.fallback[text_id], self.malform)
        return Named(base_text, self.base)

    def as_written(self, text: str) -> Named:
        """A name the service has in its own language only (a table's, a gateway's)."""
        return Named(text, self.base)

    def _read_form(self, name: str, text: str) -> None:
        try:
            definition = json.loads(text)
        except ValueError:
            return
        if not isinstance(definition, dict):
            return
        prefix = f"form/{name}/"
        for text_id, base_text, _english in form_texts(name, definition):
            key, _sep, rest = text_id.removeprefix(prefix).partition("/")
            field = self.fields.get(key)
            if rest == "label" and field is None:
                self.fields[key] = _Field(self.named(text_id, base_text), {})
            elif rest.startswith("option/") and field is not None:
                field.options.setdefault(
                    rest.removeprefix("option/"), self.named(text_id, base_text)
                )

    def _read_outputs(self, name: str, text: str) -> None:
        try:
            root = parse_xml(text, filename=name)
        except ModelInvalid:
            return
        for element in root.iter():
            if isinstance(element.tag, str) and local_name(element) == "output":
                key = element.get("name")
                if key:
                    self.outputs.setdefault(key, Named(str(element.get("label") or key), self.base))

    def label(self, name: str) -> Named:
        """What a name in a condition is called: the field's label, the output's, or itself."""
        if name in self.fields:
            return self.fields[name].label
        if name in self.outputs:
            return self.outputs[name]
        return Named(name, self.base, code=True)

    def translated_field(self, name: str) -> Named | None:
        """A form field's label when the reader's language has its own (for table inputs)."""
        field = self.fields.get(name)
        return field.label if field is not None and field.label.lang != self.base else None

    def parameter(self, name: str) -> str:
        """A parameter in words: its label and value, 'Inntektsgrense (450 000 kr)'."""
        found = self.parameters.get(name)
        if found is None:
            return f"{parameters.PREFIX}.{name}"
        return f"{found.label} ({parameters.shown(found, self.lang)})"

    def parameter_named(self, name: str) -> Named:
        """A parameter's label and value, marked with the language of the label."""
        found = self.parameters.get(name)
        return Named(self.parameter(name), found.label_lang if found else self.lang)

    def parameter_value(self, name: str) -> str | None:
        """A parameter's value as an explanation fills it in: '450 000' (the unit is the
        text's); None for a name that is not one."""
        found = self.parameters.get(name)
        if found is None:
            return None
        if found.kind in parameters.NUMBER_KINDS:
            return parameters.number_text(found.value, self.lang)
        return parameters.shown(found, self.lang)

    def notes(self, expression: str) -> tuple[tuple[str, str], ...]:
        """The parameters an expression shown as written uses, each with its words:
        ('param.fee_max', 'Høyeste støtte til kontingent per år (3 000 kr)')."""
        return tuple(
            (f"{parameters.PREFIX}.{name}", self.parameter(name))
            for name in parameters.names_in(expression)
        )

    def value(self, name: str | None, value: Any, *, money: bool = False) -> str:
        """A value as the page writes it: '615 590 kr', '«Kontingent»', 'ja', '18'."""
        if isinstance(value, Param):
            return self.parameter(value.name)
        if isinstance(value, Ref):
            return f"[{self.label(value.name).text}]"
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        if value is None:
            return _("empty")
        if isinstance(value, int | float):
            money = money or (name is not None and is_money(name, self.label(name).text))
            shown = forms.format_amount if money else forms.format_number
            return shown(value, self.lang)
        if isinstance(value, str) and _DATE.match(value):
            try:
                return forms.format_date(date.fromisoformat(value), self.lang)
            except ValueError:
                pass
        if isinstance(value, str):
            field = self.fields.get(name or "")
            option = field.options.get(value) if field is not None else None
            return _("“%(text)s”", text=option.text if option is not None else value)
        return repr(value)

    def fill(self, text: str, names: dict[str, str], values: dict[str, str] | None = None) -> str:
        """A reason with its `{placeholders}` named: 'Prisen blir [Pris per måned] kr'; a
        placeholder in `values` (a column that reads a parameter) is its value: '450 000'."""

        def replace(match: re.Match[str]) -> str:
            key = match.group(1).strip()
            if values and key in values:
                return values[key]
            return f"[{names.get(key, key)}]"

        return _PLACEHOLDER.sub(replace, text)
