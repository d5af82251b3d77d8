"""Tests for forms.data: typed_data and summary."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import wtforms
from werkzeug.datastructures import MultiDict
from wtforms.fields import HiddenField

from forms import FormDefinition, build_form_class, summary, typed_data

Submit = Callable[..., Any]

VALID_POST = [
    ("name", "  Kari Nordmann "),
    ("fnr", "170585 12311"),
    ("story", "Linje 1\r\nLinje 2\n"),
    ("count", "1 200"),
    ("colour", "blue"),
    ("size", "l"),
    ("extras", "cake"),
    ("extras", "ice"),
    ("when", "17.05.2025"),
    ("consent", "y"),
]


def test_typed_data_types(submit: Submit, sample_definition: FormDefinition) -> None:
    form = submit(sample_definition, VALID_POST)
    assert form.errors == {}
    data = typed_data(form, sample_definition)
    assert data == {
        "name": "Kari Nordmann",
        "fnr": "17058512311",
        "story": "Linje 1\nLinje 2",
        "count": 1200,
        "colour": "blue",
        "size": "l",
        "extras": ["cake", "ice"],
        "when": "2025-05-17",
        "consent": True,
    }
    assert type(data["count"]) is int
    assert json.loads(json.dumps(data)) == data


def test_empty_optional_fields_are_none(submit: Submit, sample_definition: FormDefinition) -> None:
    required_only = [
        ("name", "Kari"),
        ("fnr", "17058512311"),
        ("colour", "red"),
        ("consent", "y"),
        ("size", ""),
        ("story", "  "),
    ]
    form = submit(sample_definition, required_only)
    assert form.errors == {}
    data = typed_data(form, sample_definition)
    assert data["story"] is None and data["count"] is None and data["when"] is None
    assert data["size"] is None
    assert data["extras"] == []
    assert list(data) == sample_definition.keys


def test_numbers_are_never_decimal(submit: Submit, make_definition: Callable[..., Any]) -> None:
    definition = make_definition(
        [
            {"type": "number", "key": "a"},
            {"type": "number", "key": "b"},
            {"type": "number", "key": "c"},
        ]
    )
    form = submit(definition, {"a": "2,50", "b": "3,0", "c": "-0,125"})
    data = typed_data(form, definition)
    assert data == {"a": 2.5, "b": 3, "c": -0.125}
    assert [type(v) for v in data.values()] == [float, int, float]
    assert not any(isinstance(v, Decimal) for v in data.values())


def test_csrf_and_base_fields_are_excluded(sample_definition: FormDefinition) -> None:
    class Base(wtforms.Form):
        csrf_token = HiddenField()

    form = build_form_class(sample_definition, base=Base)(MultiDict(VALID_POST))
    assert form.validate()
    assert "csrf_token" not in typed_data(form, sample_definition)


def test_summary_nb(sample_definition: FormDefinition) -> None:
    data = {
        "name": "Kari",
        "colour": "blue",
        "extras": ["cake", "ice"],
        "when": "2025-05-17",
        "consent": True,
        "count": None,
        "unknown": 1,
    }
    rows = summary(sample_definition, data)
    assert rows == [
        {"key": "name", "label": "Fullt navn", "value": "Kari"},
        {"key": "count", "label": "Antall", "value": "–"},
        {"key": "colour", "label": "Farge", "value": "Blå"},
        {"key": "extras", "label": "Tillegg", "value": "Kake, Is"},
        {"key": "when", "label": "Dato", "value": "17.05.2025"},
        {
            "key": "consent",
            "label": "Jeg bekrefter at opplysningene er riktige",
            "value": "Ja",
        },
    ]


def test_summary_en(sample_definition: FormDefinition) -> None:
    data = {
        "name": "Kari",
        "colour": "red",
        "when": "2025-05-17",
        "consent": False,
        "size": "x",
    }
    rows = {row["key"]: row for row in summary(sample_definition, data, locale="en")}
    assert rows["name"]["label"] == "Full name"
    assert rows["colour"]["value"] == "Red"
    assert rows["when"]["value"] == "2025-05-17"
    assert rows["consent"]["value"] == "No"
    assert rows["size"]["value"] == "x"  # unknown option values are shown as stored


@pytest.mark.parametrize(
    ("component", "value", "nb", "en"),
    [
        ({"type": "number"}, 1234.5, "1\u00a0234,5", "1,234.5"),
        ({"type": "number"}, 1_200_000, "1\u00a0200\u00a0000", "1,200,000"),
        ({"type": "number"}, 7, "7", "7"),
        ({"type": "number"}, Decimal("0.10"), "0,1", "0.1"),
        ({"type": "checkbox"}, True, "Ja", "Yes"),
        ({"type": "textfield"}, "", "–", "–"),
        (
            {"type": "textfield", "properties": {"type": "kontonummer"}},
            "12345678903",
            "1234 56 78903",
            "1234 56 78903",
        ),
        (
            {"type": "textfield", "properties": {"type": "organisasjonsnummer"}},
            "974760673",
            "974 760 673",
            "974 760 673",
        ),
        (
            {"type": "datetime", "subtype": "date"},
            "not a date",
            "not a date",
            "not a date",
        ),
    ],
)
def test_summary_formats(
    component: dict[str, Any],
    value: Any,
    nb: str,
    en: str,
    make_definition: Callable[..., FormDefinition],
) -> None:
    definition = make_definition([{"key": "k", "label": "K", **component}])
    assert summary(definition, {"k": value})[0]["value"] == nb
    assert summary(definition, {"k": value}, locale="en")[0]["value"] == en
