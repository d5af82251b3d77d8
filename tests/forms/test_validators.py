"""Tests for forms.validators: Norwegian identifiers, phone numbers, email."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forms.validators import (
    is_valid_email,
    is_valid_fodselsnummer,
    is_valid_kontonummer,
    is_valid_organisasjonsnummer,
    is_valid_phone,
    is_valid_postnummer,
    normalize_identifier,
)


def _check_digit(digits: list[int], weights: tuple[int, ...]) -> int | None:
    """Independent mod-11 reference, written from Skatteetaten's description."""
    total = 0
    for digit, weight in zip(digits, weights, strict=True):
        total += digit * weight
    check = (11 - total % 11) % 11
    return None if check == 10 else check


def make_fnr(born: date, individual: int, day_offset: int = 0, month_offset: int = 0) -> str | None:
    """A fødselsnummer for a birth date and individual number (None if impossible)."""
    base = (
        f"{born.day + day_offset:02d}{born.month + month_offset:02d}"
        f"{born.year % 100:02d}{individual:03d}"
    )
    digits = [int(c) for c in base]
    k1 = _check_digit(digits, (3, 7, 6, 1, 8, 9, 4, 5, 2))
    if k1 is None:
        return None
    k2 = _check_digit(digits + [k1], (5, 4, 3, 2, 7, 6, 5, 4, 3, 2))
    if k2 is None:
        return None
    return f"{base}{k1}{k2}"


def some_fnrs(born: date, day_offset: int = 0, month_offset: int = 0) -> list[str]:
    made = [make_fnr(born, i, day_offset, month_offset) for i in range(100, 160)]
    return [fnr for fnr in made if fnr is not None]


BIRTH_DATES = [
    date(1899, 12, 31),
    date(1940, 1, 1),
    date(1985, 5, 17),
    date(2000, 2, 29),
    date(2012, 11, 30),
    date(2024, 2, 29),
]


@pytest.mark.parametrize("born", BIRTH_DATES)
def test_fodselsnummer_generated_are_valid(born: date) -> None:
    numbers = some_fnrs(born)
    assert len(numbers) > 30
    assert all(is_valid_fodselsnummer(n) for n in numbers)


@pytest.mark.parametrize("number", ["17058512311", "01010151291", "29020060040", "170585 12311"])
def test_fodselsnummer_known_valid(number: str) -> None:
    assert is_valid_fodselsnummer(number)


@pytest.mark.parametrize("born", BIRTH_DATES)
def test_d_nummer_h_nummer_and_synthetic_are_valid(born: date) -> None:
    for day_offset, month_offset in ((40, 0), (0, 40), (0, 80), (40, 80)):
        numbers = some_fnrs(born, day_offset, month_offset)
        assert numbers and all(is_valid_fodselsnummer(n) for n in numbers)


def test_known_d_h_and_synthetic_numbers() -> None:
    assert is_valid_fodselsnummer("57058512305")  # D-nummer
    assert is_valid_fodselsnummer("17458512485")  # H-nummer
    assert is_valid_fodselsnummer("17858512387")  # Tenor synthetic


def test_fodselsnummer_wrong_check_digits() -> None:
    valid = "17058512311"
    for position in (9, 10):
        for digit in "0123456789":
            changed = valid[:position] + digit + valid[position + 1 :]
            assert is_valid_fodselsnummer(changed) is (changed == valid)


@pytest.mark.parametrize(
    "number",
    [
        "",
        "1705851231",
        "170585123111",
        "1705851231a",
        "abcdefghijk",
        "17.05.85.12311",
        "١٧٠٥٨٥١٢٣١١",
        "17-05-85-12311",
    ],
)
def test_fodselsnummer_wrong_shape(number: str) -> None:
    assert not is_valid_fodselsnummer(number)


@pytest.mark.parametrize(
    ("day", "month", "year"),
    [
        (31, 2, 85),
        (30, 2, 0),
        (29, 2, 85),
        (0, 5, 85),
        (17, 13, 85),
        (17, 0, 85),
        (32, 1, 85),
        (72, 1, 85),
        (17, 53, 85),
        (17, 93, 85),
        (17, 33, 85),
    ],
)
def test_fodselsnummer_impossible_dates(day: int, month: int, year: int) -> None:
    found = 0
    for individual in range(100, 200):
        base = f"{day:02d}{month:02d}{year:02d}{individual:03d}"
        digits = [int(c) for c in base]
        k1 = _check_digit(digits, (3, 7, 6, 1, 8, 9, 4, 5, 2))
        k2 = None if k1 is None else _check_digit(digits + [k1], (5, 4, 3, 2, 7, 6, 5, 4, 3, 2))
        if k1 is not None and k2 is not None:
            found += 1
            assert not is_valid_fodselsnummer(f"{base}{k1}{k2}")
    assert found


@settings(database=None, max_examples=200, deadline=None)  # a property, not a timing
@given(
    born=st.dates(min_value=date(1854, 1, 1), max_value=date(2039, 12, 31)),
    individual=st.integers(0, 999),
    d_nummer=st.booleans(),
)
def test_fodselsnummer_property(born: date, individual: int, d_nummer: bool) -> None:
    number = make_fnr(born, individual, 40 if d_nummer else 0)
    if number is not None:
        assert is_valid_fodselsnummer(number)
        digits = [int(c) for c in number]
        digits[10] = (digits[10] + 1) % 10
        assert not is_valid_fodselsnummer("".join(map(str, digits)))


@pytest.mark.parametrize("number", ["974760673", "974 760 673", "923609016"])
def test_organisasjonsnummer_valid(number: str) -> None:
    assert is_valid_organisasjonsnummer(number)


@pytest.mark.parametrize(
    "number", ["974760672", "97476067", "9747606730", "97476067a", "", "974.760.673"]
)
def test_organisasjonsnummer_invalid(number: str) -> None:
    assert not is_valid_organisasjonsnummer(number)


@pytest.mark.parametrize(
    "number", ["12345678903", "1234.56.78903", "1234 56 78903", " 1234.56.78903 "]
)
def test_kontonummer_valid(number: str) -> None:
    assert is_valid_kontonummer(number)


@pytest.mark.parametrize(
    "number", ["12345678904", "1234567890", "123456789031", "1234-56-78903", "abc"]
)
def test_kontonummer_invalid(number: str) -> None:
    assert not is_valid_kontonummer(number)


@pytest.mark.parametrize("number", ["0150", "9990", "0001", " 7010 "])
def test_postnummer_valid(number: str) -> None:
    assert is_valid_postnummer(number)


@pytest.mark.parametrize("number", ["150", "01500", "01a0", "01 50", "", "٠١٥٠"])
def test_postnummer_invalid(number: str) -> None:
    assert not is_valid_postnummer(number)


@pytest.mark.parametrize(
    "number",
    [
        "12345678",
        "912 34 567",
        "+47 912 34 567",
        "004791234567",
        "+4791234567",
        "+46 70 123 45 67",
        "+1 202 555 0143",
    ],
)
def test_phone_valid(number: str) -> None:
    assert is_valid_phone(number)


@pytest.mark.parametrize(
    "number",
    [
        "1234567",
        "123456789",
        "+47 1234",
        "phone",
        "+123456",
        "+1234567890123456",
        "0046701234567",
        "912-34-567",
        "",
    ],
)
def test_phone_invalid(number: str) -> None:
    assert not is_valid_phone(number)


@pytest.mark.parametrize(
    "address", ["kari@example.no", "kari.nordmann+skjema@kommune.no", "øyvind@bø.no"]
)
def test_email_valid(address: str) -> None:
    assert is_valid_email(address)


@pytest.mark.parametrize(
    "address",
    [
        "kari",
        "kari@",
        "@example.no",
        "kari@@example.no",
        "kari example.no",
        " kari@example.no",
        "",
    ],
)
def test_email_invalid(address: str) -> None:
    assert not is_valid_email(address)


def test_normalize_identifier() -> None:
    assert normalize_identifier("kontonummer", "1234.56.78903") == "12345678903"
    assert normalize_identifier("organisasjonsnummer", "974 760 673") == "974760673"
    assert normalize_identifier("fodselsnummer", "170585 12311") == "17058512311"
    assert normalize_identifier("postnummer", "0150") == "0150"
    assert normalize_identifier("", "as typed") == "as typed"
    assert normalize_identifier("kontonummer", "not a number") == "not a number"


@settings(database=None, max_examples=300, deadline=None)
@given(st.text())
def test_validators_never_raise(text: str) -> None:
    for check in (
        is_valid_fodselsnummer,
        is_valid_organisasjonsnummer,
        is_valid_kontonummer,
        is_valid_postnummer,
        is_valid_phone,
        is_valid_email,
    ):
        assert check(text) in (True, False)
