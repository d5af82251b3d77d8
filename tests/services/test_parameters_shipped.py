"""The shipped services' parameters (processes/<service>/parameters.json): valid, used by the
rules, and named and explained in bokmål, nynorsk and English."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale

from designer.services import parameters
from designer.services.catalog import check, read_folder, shipped_folders
from tests.processes.test_service_languages import BOKMAL_ONLY

FOLDERS = {os.path.basename(f): f for f in shipped_folders()}
WITH_PARAMETERS = sorted(k for k, f in FOLDERS.items() if os.path.exists(f"{f}/parameters.json"))
LANGUAGES = ("nb", "nn", "en")
# What the issue moved into parameters, with the figures the services always had.
EXPECTED = {
    "leisure_subsidy": {
        "min_age": 6,
        "max_age": 18,
        "income_limit": 450000,
        "review_limit": 550000,
        "fee_max": 3000,
        "equipment_max": 1500,
    },
    "kindergarten": {
        "second_child_discount": 30,
        "third_child_discount": 100,
        "offer_answer_days": 14,
    },
    "proactive_kindergarten": {"answer_days": 30},
    "meal_delivery": {"cutoff_days": 1, "cutoff_hour": 12, "min_per_week": 3},
}


def _raw(key: str) -> list[dict[str, Any]]:
    with open(os.path.join(FOLDERS[key], "parameters.json"), encoding="utf-8") as handle:
        return list(json.load(handle)["parameters"])


def test_the_thresholds_and_amounts_are_parameters_with_their_figures() -> None:
    assert WITH_PARAMETERS == sorted(EXPECTED)
    for key, expected in EXPECTED.items():
        assert {item["name"]: item["value"] for item in _raw(key)} == expected, key
        assert all(item["default"] == item["value"] for item in _raw(key)), key


@pytest.mark.parametrize("key", WITH_PARAMETERS)
def test_each_file_is_valid_and_every_parameter_is_used_by_the_rules(key: str) -> None:
    bundle = read_folder(FOLDERS[key])
    check(bundle)  # raises with the problems: a broken file or an unknown param.<name>
    items = parameters.items(bundle.files)
    used = parameters.usages(bundle.bpmn, bundle.files)
    assert sorted(used) == sorted(item["name"] for item in items)
    with open(os.path.join(FOLDERS[key], "parameters.json"), encoding="utf-8") as handle:
        text = handle.read()
    # Written as the Parametere view writes it: pretty, the keys of each item sorted.
    assert (
        text
        == json.dumps({"parameters": _raw(key)}, ensure_ascii=False, indent=2, sort_keys=True)
        + "\n"
    )


@pytest.mark.parametrize("key", WITH_PARAMETERS)
def test_each_parameter_is_named_and_explained_in_every_language(key: str) -> None:
    for item in _raw(key):
        for part in ("label", "description"):
            texts = item[part]
            assert set(texts) == set(LANGUAGES), (item["name"], part)
            assert all(texts[code].strip() for code in LANGUAGES), (item["name"], part)
            assert texts["en"] != texts["nb"], (item["name"], part)
            assert not BOKMAL_ONLY.search(texts["nn"]), (item["name"], part, texts["nn"])
        unit = item.get("unit")
        if isinstance(unit, dict):
            assert set(unit) == set(LANGUAGES), item["name"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_parameter_reads_in_the_language_asked_for(app: Flask, lang: str) -> None:
    with app.app_context(), force_locale(lang):
        for key in WITH_PARAMETERS:
            for found in parameters.read(read_folder(FOLDERS[key]).files, lang):
                assert (found.label_lang, found.description_lang) == (lang, lang)
                assert parameters.shown(found, lang)


VALUES = [
    ("amount", 450000, "kr", "nb", "450\u00a0000\u00a0kr"),
    ("amount", 450000, "kr", "en", "NOK\u00a0450,000"),
    ("amount", 12.5, "kr", "nn", "12,50\u00a0kr"),
    ("percent", 30, "", "nb", "30\u00a0%"),
    ("percent", 30, "", "en", "30%"),
    ("integer", 6, "år", "nb", "6\u00a0år"),
    ("number", 1.5, "", "en", "1.5"),
    ("days", 1, "", "nb", "1 dag"),
    ("days", 14, "", "nn", "14 dagar"),
    ("days", 14, "", "en", "14 days"),
    ("weeks", 3, "", "nb", "3 uker"),
    ("boolean", True, "", "nb", "ja"),
    ("date", "2026-08-01", "", "nb", "01.08.2026"),
    ("text", "Klagenemnda", "", "nn", "Klagenemnda"),
]


@pytest.mark.parametrize(("kind", "value", "unit", "lang", "words"), VALUES)
def test_a_value_is_written_with_its_unit_as_the_language_writes_it(
    app: Flask, kind: str, value: Any, unit: str, lang: str, words: str
) -> None:
    with app.app_context(), force_locale(lang):
        assert parameters.value_text(kind, value, unit, lang) == words


@pytest.mark.parametrize(
    ("kind", "typed", "value"),
    [
        ("amount", "450 000", 450000),
        ("amount", "12,5", 12.5),
        ("percent", "100", 100),
        ("days", "14", 14),
        ("integer", "-3", -3),
        ("boolean", "ja", True),
        ("boolean", "no", False),
        ("date", "01.08.2026", "2026-08-01"),
        ("text", "  Klagenemnda  ", "Klagenemnda"),
    ],
)
def test_a_typed_value_is_read_by_its_type(app: Flask, kind: str, typed: str, value: Any) -> None:
    with app.app_context():
        assert parameters.parse_value(kind, typed) == value


@pytest.mark.parametrize(
    ("kind", "typed"),
    [
        ("amount", "-1"),
        ("percent", "101"),
        ("days", "-2"),
        ("days", "1.5"),
        ("number", "1e999"),
        ("amount", "9" * 30),
        ("date", "2026-13-01"),
        ("boolean", "kanskje"),
        ("integer", ""),
    ],
)
def test_a_value_that_does_not_fit_is_refused(app: Flask, kind: str, typed: str) -> None:
    with app.app_context(), pytest.raises(ValueError):
        parameters.parse_value(kind, typed)


def test_places_name_the_table_and_rule_or_the_diagram_element(app: Flask) -> None:
    bundle = read_folder(FOLDERS["kindergarten"])
    with app.app_context(), force_locale("en"):
        used = parameters.usages(bundle.bpmn, bundle.files)
    assert used["second_child_discount"] == [
        "decisions/kindergarten_price.dmn: Barnehagepris (rule income_second)",
        "decisions/kindergarten_price.dmn: Barnehagepris (rule max_second)",
    ]
    # The offer's deadline (dueInDays) and its timer.
    assert used["offer_answer_days"] == [
        "process.bpmn: Svar på tilbudet om barnehageplass",
        "process.bpmn: Ikke svart innen fristen",
    ]
    assert parameters.names_in('x < param.a and "param.b" and y.param.c and param.a') == ["a"]
