"""Tests for forms.messages and forms.i18n: catalogue, fallbacks and labels."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from wtforms.i18n import get_translations

import forms
from forms import messages as m
from forms.i18n import (
    Translations,
    catalogue,
    gettext,
    label_for,
    normalize_locale,
    translate,
    translations_for,
    ui_text,
)

NBSP = "\u00a0"
CONSTANTS = {value for name, value in vars(m).items() if name.isupper() and isinstance(value, str)}
PLURALS = {text for pair in (m.MIN_LENGTH, m.MAX_LENGTH, m.DECIMALS) for text in pair}
OURS = sorted((CONSTANTS | PLURALS | set(m.UI.values())) - {m.EMPTY})


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\((\w+)\)[sd]", text))


@pytest.mark.parametrize("locale", ["nb", "nn"])
def test_every_text_is_in_the_catalogue_with_its_placeholders(locale: str) -> None:
    for msgid in OURS:
        text = gettext(msgid, locale)
        assert text != msgid or msgid in ("Send",), f"{locale}: {msgid}"
        assert placeholders(text) <= placeholders(msgid), msgid


def test_english_is_the_message_id() -> None:
    assert all(gettext(msgid, "en") == msgid for msgid in OURS)


def test_without_a_catalogue_forms_speaks_english() -> None:
    previous = forms.use_translations(None)
    try:
        assert ui_text("next", "nb") == "Next"
        assert Translations("nn").gettext(m.NOT_NUMBER) == m.NOT_NUMBER
    finally:
        forms.use_translations(previous)
    assert ui_text("next", "nb") == "Neste"


def test_a_new_catalogue_replaces_the_texts_of_built_forms(
    make_definition: Callable[..., forms.FormDefinition],
) -> None:
    class Shouting:
        def gettext(self, message: str) -> str:
            return message.upper()

        def ngettext(self, singular: str, plural: str, n: int) -> str:
            return (singular if n == 1 else plural).upper()

    definition = make_definition([{"type": "select", "key": "s", "values": [{"value": "a"}]}])
    assert forms.build_form_class(definition)()["s"].choices[0].label == "Velg …"
    previous = forms.use_translations(lambda locale: Shouting())
    try:
        assert forms.build_form_class(definition)()["s"].choices[0].label == "CHOOSE …"
    finally:
        forms.use_translations(previous)


@pytest.mark.parametrize("locale", ["nb", "nn"])
def test_falls_back_to_wtforms_bokmal(locale: str) -> None:
    builtin = get_translations(["nb"])
    message = "Invalid email address."
    assert Translations(locale).gettext(message) == builtin.gettext(message)
    assert Translations(locale).gettext(message) != message
    plural = "Field must be at least %(min)d character long."
    assert Translations(locale).ngettext(plural, "x", 1) == builtin.ngettext(plural, "x", 1)


def test_english_has_no_fallback() -> None:
    assert Translations("en").gettext("Invalid email address.") == "Invalid email address."
    assert Translations("en").ngettext("one", "many", 2) == "many"
    assert Translations("en").ngettext("one", "many", 1) == "one"


def test_our_messages_win_over_wtforms() -> None:
    assert Translations("nb").gettext("This field is required.") == "Feltet må fylles ut."
    assert Translations("nn").gettext("This field is required.") == "Feltet må fyllast ut."
    date_message = "Not a valid date value."
    assert Translations("nb").gettext(date_message).startswith("Skriv inn en gyldig dato")
    assert Translations("nn").gettext(date_message).startswith("Skriv inn ein gyldig dato")
    assert Translations("en").gettext(date_message).startswith("Enter a real date")
    choices = "'%(value)s' is not a valid choice for this field."
    assert Translations("nn").ngettext(choices, "x", 2) == "Vel blant alternativa."
    assert Translations("en").ngettext(choices, "x", 2) == "Select from the options."


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("nb", "nb"),
        ("nb_NO", "nb"),
        ("nn", "nn"),
        ("nn-NO", "nn"),
        ("no", "nb"),
        ("en", "en"),
        ("en_GB", "en"),
        ("EN-us", "en"),
        ("", "nb"),
        (None, "nb"),
        ("de", "nb"),
    ],
)
def test_normalize_locale(given: str | None, expected: str) -> None:
    assert normalize_locale(given) == expected


def test_translations_are_shared() -> None:
    assert translations_for("nb") is translations_for("nb")
    assert catalogue("nn_NO") is catalogue("nn")


def test_translate_leaves_unknown_text() -> None:
    assert translate("Noe annet", "en") == "Noe annet"
    assert translate("The CSRF token is missing.", "en").startswith("The form has")
    assert translate("The CSRF token has expired.", "nn").startswith("Skjemaet har gått ut")


def test_ui_text_in_every_language() -> None:
    assert [ui_text("next", code) for code in ("nb", "nn", "en")] == ["Neste", "Neste", "Next"]
    choose = [ui_text("choose", code) for code in ("nb", "nn", "en")]
    assert choose == ["Velg …", "Vel …", "Choose …"]
    assert {ui_text("empty", code) for code in ("nb", "nn", "en")} == {"–"}


def test_labels_fall_back_to_bokmal_then_key() -> None:
    component = {
        "type": "textfield",
        "key": "k",
        "label": "Navn",
        "properties": {"label_en": "  "},
    }
    assert label_for(component, "en") == "Navn"
    assert label_for({**component, "properties": {"label_en": "Name"}}, "nn") == "Navn"
    assert label_for({"type": "textfield", "key": "k"}, "nb") == "k"
    assert label_for({"type": "group"}, "nb") == ""


def test_format_number() -> None:
    assert forms.format_number(1.5, "nb") == "1,5"
    assert forms.format_number(1.5, "nn") == "1,5"
    assert forms.format_number(1.5, "en") == "1.5"
    assert forms.format_number(100, "nb") == "100"
    assert forms.format_number(1_200_000, "nb") == f"1{NBSP}200{NBSP}000"
    assert forms.format_number(1_200_000, "en") == "1,200,000"
    assert forms.format_number(Decimal("1250.50"), "nn") == f"1{NBSP}250,5"
    assert forms.format_number(1e20, "en") == "100,000,000,000,000,000,000"
    assert forms.format_number(1e40, "nb").startswith(f"10{NBSP}000{NBSP}")
    assert forms.format_number(-0.25, "nb") == "-0,25"
    assert forms.format_number(0.1 + 0.2, "nb") == "0,3"  # no binary noise
    assert forms.format_number(1234.5678, "en") == "1,234.5678"
    assert forms.format_number(float("nan"), "nb") == "nan"


def test_format_amount() -> None:
    assert forms.format_amount(3000, "nb") == f"3{NBSP}000{NBSP}kr"
    assert forms.format_amount("1250.5", "nn") == f"1{NBSP}250,50{NBSP}kr"
    assert forms.format_amount(Decimal("3000.00"), "nb") == f"3{NBSP}000{NBSP}kr"
    assert forms.format_amount(0.005, "nb") == f"0,01{NBSP}kr"  # øre rounded half up
    assert forms.format_amount(3000, "en") == f"NOK{NBSP}3,000"
    assert forms.format_amount(1250.5, "en") == f"NOK{NBSP}1,250.50"
    assert forms.format_amount(-3000, "nb") == f"-3{NBSP}000{NBSP}kr"
    assert forms.format_amount("mye", "nb") == f"mye{NBSP}kr"


def test_format_date() -> None:
    day = date(2025, 5, 17)
    assert [forms.format_date(day, code) for code in ("nb", "nn", "en")] == [
        "17.05.2025",
        "17.05.2025",
        "2025-05-17",
    ]
