"""WTForms validators for compiled forms; messages go through the field's gettext."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from wtforms.validators import StopValidation

from . import messages as m
from .formats import format_date, format_number

# C0 controls except tab, newline and carriage return; DEL. NUL breaks PostgreSQL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def is_empty(data: Any) -> bool:
    """True for data that counts as "nothing entered" (0 is not empty)."""
    if data is None or data is False:
        return True
    if isinstance(data, str):
        return not data.strip()
    if isinstance(data, list | tuple):
        return not data
    return False


def _skip(field: Any) -> bool:
    # Processing already failed ("abc" in a number field): keep that one message.
    return bool(field.process_errors) or is_empty(field.data)


def _fail(message: str) -> StopValidation:
    # StopValidation keeps one clear message per field instead of a pile.
    return StopValidation(message)


class Required:
    """Stops with a message naming the field when nothing was entered."""

    def __init__(self, message: str = m.REQUIRED) -> None:
        self.message = message
        # Not "required": WTForms would render the HTML attribute, and we use
        # server validation with aria-required instead.
        self.field_flags = {"mandatory": True}

    def __call__(self, form: Any, field: Any) -> None:
        if field.process_errors:
            raise StopValidation()
        if not is_empty(field.data):
            return
        label = field.label.text
        if label:
            message = field.gettext(self.message) % {"label": label}
        else:
            message = field.gettext(m.REQUIRED_UNNAMED)
        field.errors[:] = []
        raise StopValidation(message)


class SafeText:
    """Rejects text containing control characters."""

    def __call__(self, form: Any, field: Any) -> None:
        if isinstance(field.data, str) and _CONTROL.search(field.data):
            raise _fail(field.gettext(m.BAD_CHARACTERS))


class Length:
    """Checks the length of text against minLength and maxLength."""

    def __init__(self, min_length: int | None, max_length: int | None) -> None:
        self.min_length = min_length
        self.max_length = max_length

    def __call__(self, form: Any, field: Any) -> None:
        if _skip(field):
            return
        length = len(field.data)
        if self.min_length is not None and length < self.min_length:
            message = field.gettext(m.plural(m.MIN_LENGTH, self.min_length))
            raise _fail(message % {"min": self.min_length, "length": length})
        if self.max_length is not None and length > self.max_length:
            message = field.gettext(m.plural(m.MAX_LENGTH, self.max_length))
            raise _fail(message % {"max": self.max_length, "length": length})


class Pattern:
    """Checks that the whole text matches a regular expression."""

    def __init__(self, pattern: str) -> None:
        self.regex = re.compile(pattern)

    def __call__(self, form: Any, field: Any) -> None:
        if not _skip(field) and not self.regex.fullmatch(field.data):
            raise _fail(field.gettext(m.PATTERN))


class Check:
    """Runs a plain ``str -> bool`` function and fails with a catalogue message."""

    def __init__(self, function: Callable[[str], bool], message: str) -> None:
        self.function = function
        self.message = message

    def __call__(self, form: Any, field: Any) -> None:
        if not _skip(field) and not self.function(field.data):
            raise _fail(field.gettext(self.message))


class NumberRange:
    """Checks a number against the component's min and max."""

    def __init__(self, minimum: float | None, maximum: float | None, locale: str) -> None:
        self.minimum = minimum
        self.maximum = maximum
        self.locale = locale

    def __call__(self, form: Any, field: Any) -> None:
        if _skip(field):
            return
        value = Decimal(field.data)
        if self.minimum is not None and value < Decimal(str(self.minimum)):
            text = format_number(self.minimum, self.locale)
            raise _fail(field.gettext(m.NUMBER_MIN) % {"min": text})
        if self.maximum is not None and value > Decimal(str(self.maximum)):
            text = format_number(self.maximum, self.locale)
            raise _fail(field.gettext(m.NUMBER_MAX) % {"max": text})


class DecimalPlaces:
    """Checks that a number has at most ``places`` decimals."""

    def __init__(self, places: int) -> None:
        self.places = places

    def __call__(self, form: Any, field: Any) -> None:
        if _skip(field):
            return
        exponent = Decimal(field.data).normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > self.places:
            message = field.gettext(m.plural(m.DECIMALS, self.places))
            raise _fail(message % {"n": self.places})


def today() -> date:
    """Today's date in Norway, whatever the server's time zone."""
    try:
        return datetime.now(ZoneInfo("Europe/Oslo")).date()
    except ZoneInfoNotFoundError:  # pragma: no cover - no tz database installed
        return date.today()


def resolve_date(spec: str | None) -> date | None:
    """Turn a ``minDate``/``maxDate`` value ("today" or ISO) into a date."""
    if not spec:
        return None
    return today() if spec == "today" else date.fromisoformat(spec)


class DateRange:
    """Checks a date against minDate/maxDate, evaluated at validation time."""

    def __init__(self, min_spec: str | None, max_spec: str | None, locale: str) -> None:
        self.min_spec = min_spec
        self.max_spec = max_spec
        self.locale = locale

    def __call__(self, form: Any, field: Any) -> None:
        if _skip(field):
            return
        low, high = resolve_date(self.min_spec), resolve_date(self.max_spec)
        if low is not None and field.data < low:
            raise _fail(self._message(field, low, self.min_spec, m.DATE_PAST, m.DATE_MIN))
        if high is not None and field.data > high:
            raise _fail(self._message(field, high, self.max_spec, m.DATE_FUTURE, m.DATE_MAX))

    def _message(
        self, field: Any, limit: date, spec: str | None, relative: str, absolute: str
    ) -> str:
        if spec == "today":
            return str(field.gettext(relative))
        return str(field.gettext(absolute) % {"date": format_date(limit, self.locale)})
