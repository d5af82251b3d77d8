"""Numbers, amounts and dates as people read them in nb, nn and en, by Babel (CLDR data).

- Numbers: grouped with the language's separator (a no-break space in nb/nn, a comma in
  en), the value's own decimals without trailing zeros: "1 200 000", "1 250,5", "1,250.5".
  A float is rounded to 10 decimals first, which drops binary noise (0.1 + 0.2 is "0,3").
- Amounts in kroner: the language's CLDR currency pattern, decimals only when there are
  øre: "3 000 kr" and "1 250,50 kr" (nb, nn), "NOK 3,000" and "NOK 1,250.50" (en).
- Dates: nb/nn "17.05.2025" (CLDR short); en ISO "2025-05-17" (unambiguous).
"""

from __future__ import annotations

import decimal
import functools
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from babel import Locale
from babel.dates import format_date as _babel_date
from babel.numbers import format_currency, format_decimal

from .i18n import normalize_locale

_DATE_FORMATS = {"nb": "short", "nn": "short", "en": "yyyy-MM-dd"}
_CENTS = Decimal("0.01")
FLOAT_DECIMALS = 10  # engine/dmn/explain.py rounds the same way
# Babel rounds in the current decimal context: enough digits for any float (1e308).
_PRECISION = 800


@functools.cache
def _locale(code: str) -> Locale:
    return Locale.parse(code)


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        value = round(value, FLOAT_DECIMALS)
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def format_number(value: int | float | Decimal, locale: str) -> str:
    """A number as the language writes it, with all its decimals: '1 250,5'."""
    number = _decimal(value)
    if number is None:
        return str(value)
    code = normalize_locale(locale)
    with decimal.localcontext() as context:
        context.prec = _PRECISION
        return str(
            format_decimal(number.normalize(), locale=_locale(code), decimal_quantization=False)
        )


@functools.cache
def _amount_pattern(code: str, whole: bool) -> str:
    pattern = str(_locale(code).currency_formats["standard"].pattern)
    if whole:
        pattern = pattern.replace(".00", "")
    # CLDR's currencySpacing (which Babel does not apply): a letter symbol such as
    # "NOK" before the digits gets a no-break space.
    return pattern.replace("¤#", "¤\u00a0#")


def format_amount(value: Any, locale: str) -> str:
    """An amount in kroner: '3 000 kr', '1 250,50 kr' (nb, nn); 'NOK 3,000' (en).

    A value that is not a number is shown as it is, with the currency after it.
    """
    number = _decimal(value)
    code = normalize_locale(locale)
    if number is None:
        return f"{value}\u00a0kr" if code != "en" else f"NOK\u00a0{value}"
    with decimal.localcontext() as context:
        context.prec = _PRECISION
        amount = number.quantize(_CENTS, rounding=ROUND_HALF_UP)  # øre rounded half up
        pattern = _amount_pattern(code, amount == amount.to_integral_value())
        text = format_currency(
            amount, "NOK", format=pattern, locale=_locale(code), currency_digits=False
        )
    return str(text)


def format_date(value: date, locale: str) -> str:
    """A date: '17.05.2025' in nb and nn, '2025-05-17' in English."""
    code = normalize_locale(locale)
    return str(_babel_date(value, _DATE_FORMATS[code], locale=_locale(code)))
