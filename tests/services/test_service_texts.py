"""A service's texts per language: lookup with the målform as fallback, forms, reasons."""

from __future__ import annotations

import json

from designer.services import service_texts
from designer.services.service_texts import Texts, localise_form, reason_text, setting_text

FORM = {
    "type": "default",
    "components": [
        {"type": "text", "text": "Fyll ut skjemaet."},
        {
            "type": "radio",
            "key": "role",
            "label": "Skal du kjøre selv?",
            "description": "Velg ett svar.",
            "values": [
                {"label": "Ja", "value": "yes", "label_en": "Yes (legacy)"},
                {"label": "Nei", "value": "no"},
            ],
            "properties": {"label_en": "Will you drive? (legacy)"},
        },
        {
            "type": "group",
            "label": "Om deg",
            "components": [{"type": "textfield", "key": "name", "label": "Navn"}],
        },
    ],
}
NN = {
    "form/soknad.json/#0/text": "Fyll ut skjemaet.",
    "form/soknad.json/role/label": "Skal du køyre sjølv?",
    "form/soknad.json/role/option/yes": "Ja, eg køyrer",
    "form/soknad.json/name/label": "Namn",
    "reason/no_statement": "Søknaden manglar legeerklæring.",
    "service/appeal": "Du kan klage innan tre veker.",
}


def _files(**texts: dict[str, str]) -> dict[str, str]:
    return {f"texts.{lang}.json": json.dumps(t) for lang, t in texts.items()}


def test_every_text_of_a_form_has_a_stable_id() -> None:
    found = {
        text_id: base for text_id, base, _english in service_texts.form_texts("soknad.json", FORM)
    }
    assert found == {
        "form/soknad.json/#0/text": "Fyll ut skjemaet.",
        "form/soknad.json/role/label": "Skal du kjøre selv?",
        "form/soknad.json/role/description": "Velg ett svar.",
        "form/soknad.json/role/option/yes": "Ja",
        "form/soknad.json/role/option/no": "Nei",
        "form/soknad.json/#2/label": "Om deg",
        "form/soknad.json/name/label": "Navn",
    }


def test_a_form_in_nynorsk_takes_its_texts_and_keeps_what_has_none() -> None:
    texts = service_texts.texts_for(_files(nn=NN), {}, "nn", "nb")
    local = localise_form("soknad.json", FORM, texts)
    role = local["components"][1]
    assert role["label"] == "Skal du køyre sjølv?"
    assert role["description"] == "Velg ett svar."  # no nynorsk text: the base stays
    assert [v["label"] for v in role["values"]] == ["Ja, eg køyrer", "Nei"]
    assert "label_en" not in role["properties"] and "label_en" not in role["values"][0]
    assert local["components"][2]["components"][0]["label"] == "Namn"
    assert FORM["components"][1]["label"] == "Skal du kjøre selv?"  # the original is untouched


def test_a_missing_translation_falls_back_to_the_malform_never_to_an_id() -> None:
    files = _files(nn=NN, en={"form/soknad.json/name/label": "Name"})
    english_in_nn_municipality = service_texts.texts_for(files, {}, "en", "nn")
    assert english_in_nn_municipality("form/soknad.json/name/label", "Navn") == "Name"
    assert english_in_nn_municipality("form/soknad.json/role/label", "x") == "Skal du køyre sjølv?"
    assert english_in_nn_municipality("form/unknown/label", "Navn") == "Navn"
    english_in_nb_municipality = service_texts.texts_for(files, {}, "en", "nb")
    assert english_in_nb_municipality("form/soknad.json/role/label", "Skal du kjøre selv?") == (
        "Skal du kjøre selv?"
    )


def test_without_own_texts_an_english_page_keeps_the_forms_legacy_english() -> None:
    texts = service_texts.texts_for({}, {}, "en", "nb")
    assert texts.empty and localise_form("soknad.json", FORM, texts) is FORM


def test_reasons_by_rule_and_settings_in_the_readers_language() -> None:
    nn = service_texts.texts_for(_files(nn=NN), {}, "nn", "nb")
    decision = {"rule": "no_statement", "reason": "Søknaden mangler legeerklæring."}
    assert reason_text(decision, nn) == "Søknaden manglar legeerklæring."
    own_words = {"reason": "Jeg har vurdert saken."}  # a caseworker's words stay as written
    assert reason_text(own_words, nn) == "Jeg har vurdert saken."
    legacy = {"reason": "Avslått.", "reason_en": "Rejected."}
    assert reason_text(legacy, service_texts.texts_for({}, {}, "en", "nb")) == "Rejected."
    assert reason_text(legacy, service_texts.texts_for({}, {}, "nb", "nb")) == "Avslått."
    settings = {"appeal": {"nb": "Du kan klage innen tre uker.", "en": "You may appeal."}}
    assert setting_text(settings, "appeal", nn) == "Du kan klage innan tre veker."
    assert setting_text(settings, "appeal", Texts("en", "nb")) == "You may appeal."
    assert setting_text(settings, "appeal", Texts("nb", "nb")) == "Du kan klage innen tre uker."


def test_decision_table_reasons_are_translated_by_rule() -> None:
    nn = Texts(
        "nn", "nb", {"decision/price/rule_1": "Inntekta er låg, så du får gratis kjernetid."}
    )
    summary = {
        "decision": "price",
        "rules": [{"id": "rule_1", "annotation": "Inntekten er lav."}, {"id": "rule_2"}],
    }
    local = service_texts.localise_explanation(summary, nn)
    assert [r.get("annotation") for r in local["rules"]] == [
        "Inntekta er låg, så du får gratis kjernetid.",
        None,
    ]
    assert summary["rules"][0]["annotation"] == "Inntekten er lav."


def test_broken_or_hostile_text_files_are_ignored_not_fatal() -> None:
    files = {"texts.nn.json": "[1, 2", "texts.en.json": json.dumps({"a": 1, "b": ["x"], "c": "ok"})}
    assert service_texts.read(files, "nn") == {}
    assert service_texts.read(files, "en") == {"c": "ok"}


def test_a_text_says_which_language_it_comes_in() -> None:
    files = _files(nn={"service/appeal": "Du kan klage."}, en={"reason/x": "Rejected."})
    english = service_texts.texts_for(files, {}, "en", "nn")
    assert english.language_of("reason/x") == "en"
    assert english.language_of("service/appeal") == "nn"  # the målform filled the gap
    assert english.language_of("service/legal_basis") == "nb"  # the service's own text
