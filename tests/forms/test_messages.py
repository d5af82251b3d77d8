"""Tests for forms.messages and forms.i18n: catalogue, fallbacks and labels."""

from __future__ import annotations

import re

import pytest
from wtforms.i18n import get_translations

from forms.i18n import (
    Translations,
    format_number,
    label_for,
    normalize_locale,
    translate,
    translations_for,
)
from forms.messages import MESSAGES, PLURALS, UI


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\((\w+)\)[sd]", text))


def test_every_message_has_bokmal_with_the_same_placeholders() -> None:
    for msgid, entry in MESSAGES.items():
        assert entry["nb"].strip()
        assert placeholders(entry["nb"]) <= placeholders(msgid) | {"label"}
        assert placeholders(entry.get("en", msgid)) == placeholders(msgid)


def test_plurals_have_both_forms() -> None:
    for entry in PLURALS.values():
        assert len(entry["nb"]) == 2 and len(entry["en"]) == 2


def test_ui_text_in_both_languages() -> None:
    assert all(set(texts) == {"nb", "en"} for texts in UI.values())


def test_falls_back_to_wtforms_bokmal() -> None:
    builtin = get_translations(["nb"])
    message = "Invalid email address."
    assert Translations("nb").gettext(message) == builtin.gettext(message)
    assert Translations("nb").gettext(message) != message
    assert Translations("en").gettext(message) == message
    assert Translations("en").ngettext("one", "many", 2) == "many"
    plural = "Field must be at least %(min)d character long."
    assert Translations("nb").ngettext(plural, "x", 1) == builtin.ngettext(plural, "x", 1)


def test_our_messages_win_over_wtforms() -> None:
    assert Translations("nb").gettext("This field is required.") == "Feltet må fylles ut."
    assert (
        Translations("nb").gettext("Not a valid date value.").startswith("Skriv inn en gyldig dato")
    )
    assert Translations("en").gettext("Not a valid date value.").startswith("Enter a real date")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("nb", "nb"),
        ("nb_NO", "nb"),
        ("nn", "nb"),
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


def test_translate_leaves_unknown_text() -> None:
    assert translate("Noe annet", "en") == "Noe annet"
    assert translate("The CSRF token is missing.", "en").startswith("The form has")


def test_labels_fall_back_to_bokmal_then_key() -> None:
    component = {
        "type": "textfield",
        "key": "k",
        "label": "Navn",
        "properties": {"label_en": "  "},
    }
    assert label_for(component, "en") == "Navn"
    assert label_for({"type": "textfield", "key": "k"}, "nb") == "k"
    assert label_for({"type": "group"}, "nb") == ""


def test_format_number() -> None:
    assert format_number(1.5, "nb") == "1,5"
    assert format_number(1.5, "en") == "1.5"
    assert format_number(100, "nb") == "100"
    assert format_number(1e20, "nb") == "100000000000000000000"
    assert format_number(float("nan"), "nb") == "nan"
