"""Tests for forms.mapping and forms.rules: text, identifiers and choices."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from forms import FormDefinition, build_form_class

Submit = Callable[..., Any]
MakeDefinition = Callable[..., FormDefinition]


def one(component: dict[str, Any], make_definition: MakeDefinition) -> FormDefinition:
    return make_definition([{"key": "f", "label": "Feltet", **component}])


def errors_of(form: Any) -> list[str]:
    return list(form["f"].errors)


# --- textfield ---------------------------------------------------------------


def test_required_textfield(submit: Submit, make_definition: MakeDefinition) -> None:
    definition = one({"type": "textfield", "validate": {"required": True}}, make_definition)
    for posted in ({}, {"f": ""}, {"f": "   "}):
        form = submit(definition, posted)
        assert errors_of(form) == ["«Feltet» må fylles ut."]
    form = submit(definition, {"f": "  Kari  "})
    assert form.errors == {} and form["f"].data == "Kari"


def test_required_message_in_english(submit: Submit, make_definition: MakeDefinition) -> None:
    definition = one(
        {
            "type": "textfield",
            "validate": {"required": True},
            "properties": {"label_en": "Name"},
        },
        make_definition,
    )
    assert errors_of(submit(definition, {}, locale="en")) == ["“Name” is required."]


def test_optional_textfield_accepts_nothing(
    submit: Submit, make_definition: MakeDefinition
) -> None:
    definition = one({"type": "textfield", "validate": {"minLength": 3}}, make_definition)
    assert submit(definition, {}).errors == {}
    assert submit(definition, {"f": " "}).errors == {}


@pytest.mark.parametrize(
    ("validate", "value", "message"),
    [
        ({"minLength": 3}, "ab", "Skriv minst 3 tegn."),
        ({"maxLength": 3}, "abcd", "Skriv høyst 3 tegn. Du har skrevet 4."),
        ({"pattern": "[a-c]+"}, "abcd", "Verdien har ikke riktig format."),
        ({"pattern": "[0-9]{3}"}, "1234", "Verdien har ikke riktig format."),
        (
            {"validationType": "email"},
            "kari@",
            "Skriv inn en gyldig e-postadresse, for eksempel navn@eksempel.no.",
        ),
        (
            {"validationType": "phone"},
            "1234",
            "Skriv inn et gyldig telefonnummer: "
            "8 siffer, eller + og landskode for utenlandske nummer.",
        ),
    ],
)
def test_text_rules(
    validate: dict[str, Any],
    value: str,
    message: str,
    submit: Submit,
    make_definition: MakeDefinition,
) -> None:
    definition = one({"type": "textfield", "validate": validate}, make_definition)
    assert errors_of(submit(definition, {"f": value})) == [message]


@pytest.mark.parametrize(
    ("validate", "value"),
    [
        ({"minLength": 3}, "abc"),
        ({"maxLength": 3}, " abc "),
        ({"pattern": "[a-c]+"}, "abcabc"),
        ({"validationType": "email"}, "kari@kommune.no"),
        ({"validationType": "phone"}, "+47 912 34 567"),
    ],
)
def test_text_rules_pass(
    validate: dict[str, Any],
    value: str,
    submit: Submit,
    make_definition: MakeDefinition,
) -> None:
    definition = one({"type": "textfield", "validate": validate}, make_definition)
    assert submit(definition, {"f": value}).errors == {}


def test_english_plural_messages(submit: Submit, make_definition: MakeDefinition) -> None:
    definition = one(
        {"type": "textfield", "validate": {"minLength": 1, "maxLength": 1}},
        make_definition,
    )
    assert errors_of(submit(definition, {"f": "ab"}, locale="en")) == [
        "Enter at most 1 character. You have entered 2."
    ]
    definition = one({"type": "textfield", "validate": {"minLength": 4}}, make_definition)
    assert errors_of(submit(definition, {"f": "ab"}, locale="en")) == [
        "Enter at least 4 characters."
    ]


def test_control_characters_are_rejected(submit: Submit, make_definition: MakeDefinition) -> None:
    definition = one({"type": "textarea"}, make_definition)
    assert errors_of(submit(definition, {"f": "a\x00b"})) == [
        "Teksten inneholder tegn som ikke er tillatt."
    ]
    assert submit(definition, {"f": "linje 1\r\nlinje 2\tx"}).errors == {}


@pytest.mark.parametrize(
    ("kind", "valid", "invalid", "message"),
    [
        (
            "fodselsnummer",
            "17058512311",
            "17058512312",
            "Fødselsnummeret er ikke gyldig. Sjekk at du har skrevet 11 siffer riktig.",
        ),
        (
            "organisasjonsnummer",
            "974 760 673",
            "974760672",
            "Organisasjonsnummeret er ikke gyldig. Sjekk at du har skrevet 9 siffer riktig.",
        ),
        ("postnummer", "0150", "150", "Postnummeret må være 4 siffer."),
        (
            "kontonummer",
            "1234.56.78903",
            "1234.56.78904",
            "Kontonummeret er ikke gyldig. Sjekk at du har skrevet 11 siffer riktig.",
        ),
    ],
)
def test_norwegian_types(
    kind: str,
    valid: str,
    invalid: str,
    message: str,
    submit: Submit,
    make_definition: MakeDefinition,
) -> None:
    definition = one({"type": "textfield", "properties": {"type": kind}}, make_definition)
    assert submit(definition, {"f": valid}).errors == {}
    assert errors_of(submit(definition, {"f": invalid})) == [message]


def test_fodselsnummer_message_in_english(submit: Submit, make_definition: MakeDefinition) -> None:
    definition = one(
        {"type": "textfield", "properties": {"type": "fodselsnummer"}}, make_definition
    )
    assert errors_of(submit(definition, {"f": "123"}, locale="en")) == [
        "The national identity number is not valid. Check that you typed all 11 digits correctly."
    ]


# --- checkbox, radio, select, checklist ---------------------------------------


def test_required_checkbox_must_be_checked(submit: Submit, make_definition: MakeDefinition) -> None:
    definition = one({"type": "checkbox", "validate": {"required": True}}, make_definition)
    assert errors_of(submit(definition, {})) == ["Du må krysse av for «Feltet»."]
    assert submit(definition, {"f": "y"}).errors == {}
    optional = one({"type": "checkbox"}, make_definition)
    assert submit(optional, {}).errors == {}


OPTIONS = [
    {"label": "Ja", "value": "yes"},
    {"label": "Nei", "value": "no"},
    {"label": "Kanskje", "value": 3},
]


@pytest.mark.parametrize("ctype", ["radio", "select"])
def test_single_choice(ctype: str, submit: Submit, make_definition: MakeDefinition) -> None:
    required = one(
        {"type": ctype, "values": OPTIONS, "validate": {"required": True}},
        make_definition,
    )
    assert submit(required, {"f": "yes"}).errors == {}
    assert submit(required, {"f": "3"}).errors == {}
    assert errors_of(submit(required, {"f": "maybe"})) == ["Velg et av alternativene."]
    for posted in ({}, {"f": ""}):
        assert errors_of(submit(required, posted)) == ["Velg et alternativ for «Feltet»."]
    optional = one({"type": ctype, "values": OPTIONS}, make_definition)
    assert submit(optional, {}).errors == {}
    assert errors_of(submit(optional, {"f": "maybe"}, locale="en")) == [
        "Select one of the options."
    ]


def test_select_has_a_placeholder(make_definition: MakeDefinition) -> None:
    definition = one({"type": "select", "values": OPTIONS}, make_definition)
    form = build_form_class(definition, locale="en")()
    assert '<option selected value="">Choose …</option>' in form["f"]()


def test_checklist(submit: Submit, make_definition: MakeDefinition) -> None:
    definition = one(
        {"type": "checklist", "values": OPTIONS, "validate": {"required": True}},
        make_definition,
    )
    form = submit(definition, [("f", "yes"), ("f", "3")])
    assert form.errors == {} and form["f"].data == ["yes", "3"]
    assert errors_of(submit(definition, {})) == ["Velg minst ett alternativ for «Feltet»."]
    assert errors_of(submit(definition, [("f", "yes"), ("f", "bad")])) == [
        "Velg blant alternativene."
    ]


def test_option_labels_follow_locale(make_definition: MakeDefinition) -> None:
    definition = one(
        {
            "type": "radio",
            "values": [
                {"label": "Rød", "value": "red", "label_en": "Red"},
                {"label": "Blå", "value": "blue"},
            ],
        },
        make_definition,
    )
    labels = [o.label.text for o in build_form_class(definition, locale="en")()["f"]]
    assert labels == ["Red", "Blå"]


def test_default_values(make_definition: MakeDefinition) -> None:
    definition = make_definition(
        [
            {"type": "textfield", "key": "t", "defaultValue": "Oslo"},
            {"type": "number", "key": "n", "defaultValue": 3},
            {"type": "checkbox", "key": "c", "defaultValue": True},
            {"type": "radio", "key": "r", "values": OPTIONS, "defaultValue": "no"},
            {
                "type": "datetime",
                "subtype": "date",
                "key": "d",
                "defaultValue": "2025-05-17",
            },
        ]
    )
    form = build_form_class(definition)()
    assert (form.t.data, int(form.n.data), form.c.data, form.r.data) == (
        "Oslo",
        3,
        True,
        "no",
    )
    assert form.d.data.isoformat() == "2025-05-17"
