"""Plain validation functions for Norwegian identifiers, phone numbers and email."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from email_validator import EmailNotValidError, validate_email

_SPACES = re.compile(r"\s+")
_SPACES_AND_DOTS = re.compile(r"[\s.]+")
_NORWEGIAN_PHONE = re.compile(r"(?:\+47|0047)?[0-9]{8}", re.ASCII)
_INTERNATIONAL_PHONE = re.compile(r"\+[0-9]{7,15}", re.ASCII)

_FNR_WEIGHTS_1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_FNR_WEIGHTS_2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
_ORGNR_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)
_KONTONUMMER_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def digits_only(value: str, length: int, separators: re.Pattern[str] = _SPACES) -> str:
    """Return ``value`` without separators if it is exactly ``length`` ASCII digits."""
    if not isinstance(value, str):
        return ""
    compact = separators.sub("", value)
    if len(compact) != length or not compact.isascii() or not compact.isdigit():
        return ""
    return compact


def mod11_check_digit(digits: Sequence[int], weights: Sequence[int]) -> int | None:
    """The mod-11 check digit for ``digits``, or None when no digit is possible."""
    remainder = 11 - sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
    if remainder == 11:
        return 0
    if remainder == 10:
        return None
    return remainder


def is_valid_fodselsnummer(value: str) -> bool:
    """True for a valid fødselsnummer, D-nummer, H-nummer or synthetic test number."""
    compact = digits_only(value, 11)
    if not compact:
        return False
    digits = [int(c) for c in compact]
    if not _has_plausible_birth_date(compact):
        return False
    first = mod11_check_digit(digits[:9], _FNR_WEIGHTS_1)
    if first is None or first != digits[9]:
        return False
    second = mod11_check_digit(digits[:10], _FNR_WEIGHTS_2)
    return second is not None and second == digits[10]


def _has_plausible_birth_date(compact: str) -> bool:
    day, month, year = int(compact[0:2]), int(compact[2:4]), int(compact[4:6])
    if day > 40:  # D-nummer: first digit + 4
        day -= 40
    if month > 80:  # Skatteetaten's synthetic test numbers (Tenor): month + 80
        month -= 80
    elif month > 40:  # H-nummer and NAV's synthetic numbers: month + 40
        month -= 40
    # The century is not checked strictly: 29 February passes in any year
    # divisible by four, which is right for every birth year in use.
    for century in (2000, 1900):
        try:
            date(century + year, month, day)
        except ValueError:
            continue
        return True
    return False


def is_valid_organisasjonsnummer(value: str) -> bool:
    """True for a 9-digit organisasjonsnummer with a correct mod-11 check digit."""
    compact = digits_only(value, 9)
    if not compact:
        return False
    digits = [int(c) for c in compact]
    return mod11_check_digit(digits[:8], _ORGNR_WEIGHTS) == digits[8]


def is_valid_kontonummer(value: str) -> bool:
    """True for an 11-digit Norwegian account number (spaces and dots allowed)."""
    compact = digits_only(value, 11, _SPACES_AND_DOTS)
    if not compact:
        return False
    digits = [int(c) for c in compact]
    return mod11_check_digit(digits[:10], _KONTONUMMER_WEIGHTS) == digits[10]


def is_valid_postnummer(value: str) -> bool:
    """True for a Norwegian postnummer: exactly four digits."""
    return (
        isinstance(value, str) and len(value.strip()) == 4 and bool(digits_only(value.strip(), 4))
    )


def is_valid_phone(value: str) -> bool:
    """True for a Norwegian (8 digits, optional +47/0047) or +international number."""
    if not isinstance(value, str):
        return False
    compact = _SPACES.sub("", value)
    return bool(_NORWEGIAN_PHONE.fullmatch(compact) or _INTERNATIONAL_PHONE.fullmatch(compact))


def is_valid_email(value: str) -> bool:
    """True for a syntactically valid email address (no DNS lookup)."""
    if not isinstance(value, str) or not value or value != value.strip():
        return False
    try:
        validate_email(value, check_deliverability=False)
    except (EmailNotValidError, UnicodeError):
        return False
    return True


def normalize_identifier(kind: str, value: str) -> str:
    """Return a Norwegian identifier of ``kind`` as bare digits (input if invalid)."""
    length = {
        "fodselsnummer": 11,
        "organisasjonsnummer": 9,
        "postnummer": 4,
        "kontonummer": 11,
    }.get(kind)
    if length is None:
        return value
    separators = _SPACES_AND_DOTS if kind == "kontonummer" else _SPACES
    return digits_only(value, length, separators) or value


IDENTIFIER_CHECKS = {
    "fodselsnummer": is_valid_fodselsnummer,
    "organisasjonsnummer": is_valid_organisasjonsnummer,
    "postnummer": is_valid_postnummer,
    "kontonummer": is_valid_kontonummer,
}
