"""Tests for forms.fields: number and date input as people type it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from forms import FormDefinition, build_form_class
from forms.rules import today

Submit = Callable[..., Any]
MakeDefinition = Callable[..., FormDefinition]


def one(component: dict[str, Any], make_definition: MakeDefinition) -> FormDefinition:
    return make_definition([{"key": "f", "label": "Feltet", **component}])


def errors_of(form: Any) -> list[str]:
    return list(form["f"].errors)


# --- number ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12),
        ("12,5", 12.5),
        ("12.5", 12.5),
        ("1 000", 1000),
        ("-3", -3),
        ("\u22123,25", -3.25),
        ("0", 0),
        ("1\u00a0000,75", 1000.75),
    ],
)
def test_number_accepts_norwegian_input(
    value: str, expected: float, submit: Submit, make_definition: MakeDefinition
) -> None:
    form = submit(one({"type": "number"}, make_definition), {"f": value})
    assert form.errors == {}
    assert float(form["f"].data) == expected


@pytest.mark.parametrize(
    "value", ["abc", "1,2,3", "NaN", "Infinity", "1e5", "12,", ",5", "1" * 31, "٣"]
)
def test_number_rejects_garbage(
    value: str, submit: Submit, make_definition: MakeDefinition
) -> None:
    form = submit(
        one({"type": "number", "validate": {"required": True}}, make_definition),
        {"f": value},
    )
    assert len(errors_of(form)) == 1
    assert "må fylles ut" not in errors_of(form)[0]


def test_number_rules(submit: Submit, make_definition: MakeDefinition) -> None:
    definition = one({"type": "number", "validate": {"min": 1.5, "max": 10}}, make_definition)
    assert errors_of(submit(definition, {"f": "1"})) == ["Tallet må være 1,5 eller høyere."]
    assert errors_of(submit(definition, {"f": "10,01"})) == ["Tallet må være 10 eller lavere."]
    assert errors_of(submit(definition, {"f": "1"}, locale="en")) == [
        "The number must be 1.5 or more."
    ]
    assert submit(definition, {"f": "10"}).errors == {}
    assert submit(definition, {"f": ""}).errors == {}


def test_integer_and_decimal_digits(submit: Submit, make_definition: MakeDefinition) -> None:
    integer = one({"type": "number", "decimalDigits": 0}, make_definition)
    assert errors_of(submit(integer, {"f": "1,5"})) == ["Skriv inn et heltall, for eksempel 12."]
    assert build_form_class(integer)()["f"].render_kw["inputmode"] == "numeric"
    two = one({"type": "number", "decimalDigits": 2}, make_definition)
    assert submit(two, {"f": "1,25"}).errors == {}
    assert submit(two, {"f": "1,250"}).errors == {}
    assert errors_of(submit(two, {"f": "1,255"})) == ["Bruk høyst 2 desimaler."]


def test_number_zero_satisfies_required(submit: Submit, make_definition: MakeDefinition) -> None:
    definition = one({"type": "number", "validate": {"required": True}}, make_definition)
    assert submit(definition, {"f": "0"}).errors == {}
    assert errors_of(submit(definition, {"f": " "})) == ["«Feltet» må fylles ut."]


# --- dates -------------------------------------------------------------------


@pytest.mark.parametrize("value", ["2025-05-17", "17.05.2025", " 2025-05-17 "])
def test_date_formats(value: str, submit: Submit, make_definition: MakeDefinition) -> None:
    form = submit(one({"type": "datetime", "subtype": "date"}, make_definition), {"f": value})
    assert form.errors == {} and form["f"].data.isoformat() == "2025-05-17"


@pytest.mark.parametrize("value", ["2025-02-30", "17/05/2025", "i morgen", "2025-13-01"])
def test_date_invalid(value: str, submit: Submit, make_definition: MakeDefinition) -> None:
    definition = one(
        {"type": "datetime", "subtype": "date", "validate": {"required": True}},
        make_definition,
    )
    assert errors_of(submit(definition, {"f": value})) == [
        "Skriv inn en gyldig dato, for eksempel 17.05.2025."
    ]
    assert errors_of(submit(definition, {"f": value}, locale="en")) == [
        "Enter a real date, for example 2025-05-17."
    ]


def test_date_required(submit: Submit, make_definition: MakeDefinition) -> None:
    definition = one(
        {
            "type": "datetime",
            "subtype": "date",
            "dateLabel": "Dato",
            "validate": {"required": True},
        },
        make_definition,
    )
    assert errors_of(submit(definition, {"f": ""})) == ["«Feltet» må fylles ut."]
    no_label = make_definition(
        [
            {
                "type": "datetime",
                "subtype": "date",
                "key": "f",
                "dateLabel": "Dato",
                "validate": {"required": True},
            }
        ]
    )
    assert errors_of(submit(no_label, {})) == ["«Dato» må fylles ut."]


def test_date_range_relative_to_today(submit: Submit, make_definition: MakeDefinition) -> None:
    definition = one(
        {"type": "datetime", "subtype": "date", "properties": {"minDate": "today"}},
        make_definition,
    )
    now = today()
    assert submit(definition, {"f": now.isoformat()}).errors == {}
    yesterday = (now - timedelta(days=1)).isoformat()
    assert errors_of(submit(definition, {"f": yesterday})) == [
        "Datoen kan ikke være tilbake i tid."
    ]
    future = one(
        {"type": "datetime", "subtype": "date", "properties": {"maxDate": "today"}},
        make_definition,
    )
    tomorrow = (now + timedelta(days=1)).isoformat()
    assert errors_of(submit(future, {"f": tomorrow}, locale="en")) == [
        "The date cannot be in the future."
    ]
    passed = one(
        {"type": "datetime", "subtype": "date", "disallowPassedDates": True},
        make_definition,
    )
    assert errors_of(submit(passed, {"f": yesterday}))


def test_date_range_fixed(submit: Submit, make_definition: MakeDefinition) -> None:
    definition = one(
        {
            "type": "datetime",
            "subtype": "date",
            "properties": {"minDate": "2025-01-01", "maxDate": "2025-12-31"},
        },
        make_definition,
    )
    assert errors_of(submit(definition, {"f": "2024-12-31"})) == [
        "Datoen kan ikke være før 01.01.2025."
    ]
    assert errors_of(submit(definition, {"f": "2026-01-01"}, locale="en")) == [
        "The date cannot be after 2025-12-31."
    ]
    assert submit(definition, {"f": "2025-06-01"}).errors == {}
