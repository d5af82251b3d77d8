"""WTForms field classes tuned for Norwegian input and server-side validation."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from wtforms import widgets
from wtforms.fields import (
    DateField,
    Field,
    RadioField,
    SelectField,
    SelectMultipleField,
)

from . import messages as m
from .rules import resolve_date

# Spaces (also no-break and narrow no-break) are thousands separators in Norway.
_NUMBER_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_DECIMAL = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?", re.ASCII)
_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)
MAX_DIGITS = 30


def strip_text(value: Any) -> Any:
    """Filter: strip surrounding whitespace from text."""
    return value.strip() if isinstance(value, str) else value


def clean_multiline(value: Any) -> Any:
    """Filter: normalise line endings to ``\\n`` and strip surrounding whitespace."""
    if not isinstance(value, str):
        return value
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


class NumberField(Field):  # type: ignore[misc]
    """A number typed as text: accepts decimal comma and spaced thousands."""

    widget = widgets.TextInput()

    def __init__(
        self,
        label: str | None = None,
        validators: Any = None,
        integer: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(label, validators, **kwargs)
        self.integer = integer

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return "" if self.data is None else format(self.data, "f")

    def process_data(self, value: Any) -> None:
        if value is None or isinstance(value, bool):
            self.data = None
            return
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            number = None
        self.data = number if number is not None and number.is_finite() else None

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        text = _NUMBER_SPACES.sub("", str(valuelist[0])).replace(",", ".")
        text = text.replace("\u2212", "-")  # a typographic minus sign
        self.data = None
        if not text:
            return
        pattern = _INTEGER if self.integer else _DECIMAL
        if not pattern.fullmatch(text):
            message = m.NOT_INTEGER if self.integer else m.NOT_NUMBER
            raise ValueError(self.gettext(message))
        if sum(c.isdigit() for c in text) > MAX_DIGITS:
            raise ValueError(self.gettext(m.TOO_MANY_DIGITS))
        self.data = Decimal(text)


class DateInputField(DateField):  # type: ignore[misc]
    """An ``<input type="date">`` that also accepts DD.MM.YYYY and knows its range."""

    def __init__(
        self,
        label: str | None = None,
        validators: Any = None,
        min_date: str | None = None,
        max_date: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(label, validators, format=["%Y-%m-%d", "%d.%m.%Y"], **kwargs)
        self.min_date = min_date
        self.max_date = max_date

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        text = str(valuelist[0]).strip()
        if not text:
            self.data = None
            return
        # strptime's \d takes any script's digits; the browser (values.js) does not.
        super().process_formdata([text if text.isascii() else "-"])

    def date_limits(self) -> dict[str, str]:
        """The HTML ``min``/``max`` attributes for today's date range."""
        limits: dict[str, str] = {}
        for name, spec in (("min", self.min_date), ("max", self.max_date)):
            resolved: date | None = resolve_date(spec)
            if resolved is not None:
                limits[name] = resolved.isoformat()
        return limits


class ChoiceField(SelectField):  # type: ignore[misc]
    """A select box; an empty choice is left to the required/optional check."""

    def pre_validate(self, form: Any) -> None:
        if self.data in (None, ""):
            return
        super().pre_validate(form)


class RadioChoiceField(RadioField):  # type: ignore[misc]
    """Radio buttons; no selection is left to the required/optional check."""

    def pre_validate(self, form: Any) -> None:
        if self.data in (None, ""):
            return
        super().pre_validate(form)


class CheckboxesField(SelectMultipleField):  # type: ignore[misc]
    """A group of checkboxes, one per option."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()
