"""Rules between two fields (forms/relations.py): ``validate.compare``, and a field that is
required only when another answer says so (``conditional.hide`` + ``required``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from forms import DefinitionError, FormDefinition, typed_data
from forms.i18n import problem_text
from tests.forms.conftest import definition_of

Submit = Callable[..., Any]


def _date(key: str, label: str, **extra: Any) -> dict[str, Any]:
    return {"type": "datetime", "subtype": "date", "key": key, "label": label, **extra}


def _number(key: str, label: str, **extra: Any) -> dict[str, Any]:
    return {"type": "number", "key": key, "label": label, **extra}


def _period(op: str = ">=", **extra: Any) -> FormDefinition:
    return definition_of(
        [
            _date("valid_from", "Gyldig fra"),
            _date("valid_to", "Gyldig til", validate={"compare": {"op": op, "key": "valid_from"}}),
        ],
        **extra,
    )


def test_a_permit_cannot_end_before_it_begins(submit: Submit) -> None:
    form = submit(_period(), {"valid_from": "2026-12-01", "valid_to": "2026-11-30"})
    assert form.errors == {
        "valid_to": ["«Gyldig til» kan ikke være før «Gyldig fra» (01.12.2026)."]
    }
    for same_or_later in ("2026-12-01", "2029-11-30"):
        form = submit(_period(), {"valid_from": "2026-12-01", "valid_to": same_or_later})
        assert form.errors == {}, same_or_later


@pytest.mark.parametrize(
    ("locale", "message"),
    [
        ("nn", "«Gyldig til» kan ikkje vere før «Gyldig fra» (01.12.2026)."),
        ("en", "“Gyldig til” cannot be before “Gyldig fra” (2026-12-01)."),
    ],
)
def test_the_message_is_in_the_readers_language(submit: Submit, locale: str, message: str) -> None:
    form = submit(_period(), {"valid_from": "2026-12-01", "valid_to": "2026-11-30"}, locale)
    assert form.errors == {"valid_to": [message]}


def test_an_empty_or_unreadable_other_field_is_not_compared(submit: Submit) -> None:
    assert submit(_period(), {"valid_to": "2026-11-30"}).errors == {}
    form = submit(_period(), {"valid_from": "1. desember", "valid_to": "2026-11-30"})
    assert list(form.errors) == ["valid_from"]  # only the date that does not parse


def test_a_hidden_other_field_counts_as_empty(submit: Submit) -> None:
    definition = definition_of(
        [
            {"type": "checkbox", "key": "later", "label": "Senere start"},
            _date("start", "Start", conditional={"hide": "=later != true"}),
            _date("end", "Slutt", validate={"compare": {"op": ">", "key": "start"}}),
        ]
    )
    data = {"start": "2027-01-10", "end": "2027-01-01"}
    assert submit(definition, data).errors == {}
    assert submit(definition, {**data, "later": "y"}).errors == {
        "end": ["«Slutt» må være etter «Start» (10.01.2027)."]
    }


@pytest.mark.parametrize(
    ("op", "low", "high", "message"),
    [
        ("<", "5", "5", "«Egenandel» må være mindre enn «Beløp» (5)."),
        ("<=", "6", "5", "«Egenandel» kan ikke være mer enn «Beløp» (5)."),
        (">", "5", "5", "«Egenandel» må være mer enn «Beløp» (5)."),
        (">=", "4", "5", "«Egenandel» kan ikke være mindre enn «Beløp» (5)."),
    ],
)
def test_numbers_compare_as_numbers(
    submit: Submit, op: str, low: str, high: str, message: str
) -> None:
    definition = definition_of(
        [
            _number("amount", "Beløp"),
            _number("share", "Egenandel", validate={"compare": {"op": op, "key": "amount"}}),
        ]
    )
    assert submit(definition, {"amount": high, "share": low}).errors == {"share": [message]}
    assert submit(definition, {"amount": "10", "share": "10"}).errors == (
        {} if op in ("<=", ">=") else {"share": [message.replace("(5)", "(10)")]}
    )


def test_equal_and_different_texts_and_several_rules_on_one_field(submit: Submit) -> None:
    definition = definition_of(
        [
            {"type": "textfield", "key": "email", "label": "E-post"},
            {"type": "textfield", "key": "old", "label": "Gammel e-post"},
            {
                "type": "textfield",
                "key": "again",
                "label": "E-post igjen",
                "validate": {"compare": [{"op": "=", "key": "email"}, {"op": "!=", "key": "old"}]},
            },
        ]
    )
    data = {"email": "kari@example.no", "old": "kari@example.no", "again": "kari@example.no"}
    assert submit(definition, data).errors == {
        "again": ["«E-post igjen» må være ulik «Gammel e-post»."]
    }
    assert submit(definition, {**data, "again": "kari@eksempel.no"}).errors == {
        "again": ["«E-post igjen» må være lik «E-post»."]
    }
    assert submit(definition, {**data, "old": "kari@gammel.no"}).errors == {}


def test_rows_compare_within_the_row(submit: Submit) -> None:
    definition = definition_of(
        [
            {
                "type": "dynamiclist",
                "path": "stays",
                "label": "Opphold",
                "components": [
                    _date("arrived", "Kom"),
                    _date("left", "Reiste", validate={"compare": {"op": ">=", "key": "arrived"}}),
                ],
            }
        ]
    )
    data = [
        ("stays-0-arrived", "2026-01-01"),
        ("stays-0-left", "2026-01-05"),
        ("stays-1-arrived", "2026-02-10"),
        ("stays-1-left", "2026-02-01"),
    ]
    form = submit(definition, data)
    assert form.errors == {
        "stays": [{}, {"left": ["«Reiste» kan ikke være før «Kom» (10.02.2026)."]}]
    }


def test_the_last_rule_of_a_field_speaks_only_when_its_own_checks_pass(submit: Submit) -> None:
    definition = _period()
    form = submit(definition, {"valid_from": "2026-12-01", "valid_to": ""})
    assert form.errors == {}
    required = definition_of(
        [
            _date("valid_from", "Gyldig fra"),
            _date(
                "valid_to",
                "Gyldig til",
                validate={"required": True, "compare": {"op": ">=", "key": "valid_from"}},
            ),
        ]
    )
    assert submit(required, {"valid_from": "2026-12-01"}).errors == {
        "valid_to": ["«Gyldig til» må fylles ut."]
    }


def _problems(components: list[dict[str, Any]]) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        definition_of(components)
    return [problem_text(p, "nb") for p in caught.value.problems]


def test_rules_that_cannot_work_are_refused_with_the_fields_named() -> None:
    text = {"type": "textfield", "key": "navn", "label": "Navn"}
    start = _date("start", "Start")

    def rule(value: Any, ctype: dict[str, Any] = start) -> list[dict[str, Any]]:
        return [text, ctype, _date("slutt", "Slutt", validate={"compare": value})]

    assert _problems(rule(">= start")) == [
        "En sammenligning i «Slutt» (slutt) (validate.compare) kan ikke leses: den må ha en "
        "operator og nøkkelen til det andre feltet."
    ]
    assert "ukjent operator (=>)" in _problems(rule({"op": "=>", "key": "start"}))[0]
    assert "«sluttdato», som ikke er et felt" in _problems(rule({"op": ">", "key": "sluttdato"}))[0]
    assert "med seg selv" in _problems(rule({"op": ">", "key": "slutt"}))[0]
    assert "to datoer eller to tall" in _problems(rule({"op": ">", "key": "navn"}))[0]
    checkbox = {"type": "checkbox", "key": "ok", "label": "OK"}
    assert (
        "ulike slags svar"
        in _problems([checkbox, _date("d", "D", validate={"compare": {"op": "=", "key": "ok"}})])[0]
    )


def test_a_field_in_a_row_cannot_compare_with_a_field_outside_it() -> None:
    found = _problems(
        [
            _date("start", "Start"),
            {
                "type": "dynamiclist",
                "path": "rows",
                "label": "Rader",
                "components": [
                    _date("end", "Slutt", validate={"compare": {"op": ">", "key": "start"}})
                ],
            },
        ]
    )
    assert len(found) == 1 and "som ikke er et felt" in found[0]


# --- required when another answer says so --------------------------------------------

# The shipped parking permit's pattern: shown (and required) unless the answer is "no", so
# a browser without JavaScript shows the file input at once and the file goes in one post.
STATEMENT = [
    {
        "type": "radio",
        "key": "attached",
        "label": "Legger du ved legeerklæring?",
        "values": [{"label": "Ja", "value": "yes"}, {"label": "Nei", "value": "no"}],
    },
    {
        "type": "filepicker",
        "key": "statement",
        "label": "Legeerklæring",
        "accept": ".pdf",
        "validate": {"required": True},
        "conditional": {"hide": '=attached = "no"'},
    },
]


def test_a_file_is_required_only_when_the_answer_says_it_is_attached(submit: Submit) -> None:
    definition = definition_of(STATEMENT)
    for answer in ({"attached": "yes"}, {}):
        assert submit(definition, answer).errors == {
            "statement": ["Velg en fil for «Legeerklæring»."]
        }
    form = submit(definition, {"attached": "no"})
    assert form.errors == {} and typed_data(form, definition) == {"attached": "no"}
