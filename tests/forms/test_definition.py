"""Tests for forms.definition, forms.schema and forms.errors."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from forms import DefinitionError, FormDefinition, build_form_class

TEXTFIELD = {"type": "textfield", "key": "name", "label": "Navn"}


def envelope(*components: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "default",
        "id": "Form_x",
        "schemaVersion": 16,
        "components": list(components),
    }


def problems_of(source: Any) -> list[dict[str, Any]]:
    with pytest.raises(DefinitionError) as caught:
        FormDefinition.from_json(source)
    return caught.value.problems


def test_parses_text_bytes_and_dict_alike() -> None:
    raw = envelope(TEXTFIELD)
    text = json.dumps(raw)
    parsed = [
        FormDefinition.from_json(text),
        FormDefinition.from_json(text.encode("utf-8")),
        FormDefinition.from_json(raw),
    ]
    assert {d.hash for d in parsed} == {parsed[0].hash}
    assert parsed[0].id == "Form_x"
    assert parsed[0].keys == ["name"]


def test_hash_is_sha256_of_canonical_json() -> None:
    one = FormDefinition.from_json('{"components": [], "id": "a", "type": "default"}')
    two = FormDefinition.from_json('{"type":"default","id":"a","components":[]}')
    other = FormDefinition.from_json('{"type":"default","id":"b","components":[]}')
    assert len(one.hash) == 64 and int(one.hash, 16) >= 0
    assert one.hash == two.hash
    assert one.hash != other.hash


def test_dict_source_is_copied() -> None:
    raw = envelope(copy.deepcopy(TEXTFIELD))
    definition = FormDefinition.from_json(raw)
    raw["components"][0]["label"] = "Endret"
    assert definition.components[0]["label"] == "Navn"


def test_input_components_include_group_children_in_order() -> None:
    definition = FormDefinition.from_json(
        envelope(
            {"type": "text", "text": "Hei"},
            {"type": "textfield", "key": "a"},
            {
                "type": "group",
                "label": "G",
                "components": [
                    {"type": "number", "key": "b"},
                    {"type": "group", "components": [{"type": "checkbox", "key": "c"}]},
                ],
            },
            {"type": "separator"},
            {"type": "datetime", "subtype": "date", "key": "d"},
        )
    )
    assert definition.keys == ["a", "b", "c", "d"]
    assert [c["type"] for c in definition.input_components] == [
        "textfield",
        "number",
        "checkbox",
        "datetime",
    ]
    assert [c["type"] for c in definition.components] == [
        "text",
        "textfield",
        "group",
        "separator",
        "datetime",
    ]
    assert definition.component("c")["type"] == "checkbox"
    with pytest.raises(KeyError):
        definition.component("missing")


def test_form_js_button_is_accepted_and_ignored() -> None:
    definition = FormDefinition.from_json(
        envelope(TEXTFIELD, {"type": "button", "action": "submit", "label": "Send"})
    )
    assert definition.keys == ["name"]


def test_missing_id_is_none() -> None:
    assert FormDefinition.from_json({"components": []}).id is None


@pytest.mark.parametrize(
    "source",
    ["{not json", b"\xff\xfe\x00", "", "[1, 2]", '"text"', "42", 42, None, ["x"]],
)
def test_rejects_non_objects(source: Any) -> None:
    problems = problems_of(source)
    assert len(problems) == 1 and problems[0]["key"] is None


@pytest.mark.parametrize("raw", [{"type": "default"}, {"components": {"a": 1}}])
def test_rejects_missing_components_list(raw: dict[str, Any]) -> None:
    assert "components" in problems_of(raw)[0]["message"]


BAD_COMPONENTS = [
    ({"type": "fancy", "key": "a"}, "a", "“fancy”, which flytverk forms cannot show"),
    ({"key": "a"}, "a", "has no component type"),
    ({"type": "textfield", "label": "No key"}, None, "has no key: fill in “key”"),
    ({"type": "textfield", "key": ""}, None, "has no key: fill in “key”"),
    ({"type": "textfield", "key": "a b"}, "a b", "letters, digits"),
    ({"type": "textfield", "key": "_private"}, "_private", "letters, digits"),
    ({"type": "textfield", "key": "csrf_token"}, "csrf_token", "reserved"),
    ({"type": "textfield", "key": "data"}, "data", "reserved"),
    (
        {"type": "textfield", "key": "a", "validate": {"pattern": "(unclosed"}},
        "a",
        "regular expression",
    ),
    (
        {"type": "textfield", "key": "a", "validate": {"pattern": 5}},
        "a",
        "“custom regular expression” of “a” must be text",
    ),
    (
        {"type": "textfield", "key": "a", "validate": {"minLength": "3"}},
        "a",
        "“minimum length” of “a” must be a whole number",
    ),
    (
        {"type": "textfield", "key": "a", "validate": {"maxLength": -1}},
        "a",
        "“maximum length” of “a” must be a whole number",
    ),
    (
        {"type": "textfield", "key": "a", "validate": {"maxLength": 2.5}},
        "a",
        "“maximum length” of “a” must be a whole number",
    ),
    (
        {"type": "textfield", "key": "a", "validate": {"minLength": True}},
        "a",
        "“minimum length” of “a” must be a whole number",
    ),
    (
        {"type": "textfield", "key": "a", "validate": {"minLength": 5, "maxLength": 2}},
        "a",
        "larger",
    ),
    (
        {"type": "number", "key": "a", "validate": {"min": "1"}},
        "a",
        "“minimum” of “a” must be a number",
    ),
    (
        {"type": "number", "key": "a", "validate": {"max": False}},
        "a",
        "“maximum” of “a” must be a number",
    ),
    (
        {"type": "number", "key": "a", "validate": {"min": float("inf")}},
        "a",
        "“minimum” of “a” must be a number",
    ),
    ({"type": "number", "key": "a", "validate": {"min": 5, "max": 1}}, "a", "larger"),
    (
        {"type": "number", "key": "a", "decimalDigits": -1},
        "a",
        "“decimal digits” of “a” must be a whole number",
    ),
    (
        {"type": "textfield", "key": "a", "validate": {"required": "yes"}},
        "a",
        "required",
    ),
    ({"type": "textfield", "key": "a", "validate": []}, "a", "validate"),
    (
        {"type": "textfield", "key": "a", "validate": {"validationType": "url"}},
        "a",
        "unknown validation pattern (url)",
    ),
    (
        {"type": "textfield", "key": "a", "properties": {"type": "personnummer"}},
        "a",
        "unknown norwegian field type (personnummer)",
    ),
    (
        {"type": "number", "key": "a", "properties": {"type": "postnummer"}},
        "a",
        "only text fields can have one",
    ),
    (
        {"type": "textfield", "key": "a", "properties": {"label_en": 3}},
        "a",
        "“label in english” of “a” must be text",
    ),
    ({"type": "textfield", "key": "a", "properties": "x"}, "a", "properties"),
    ({"type": "textfield", "key": "a", "label": ["x"]}, "a", "label"),
    ({"type": "radio", "key": "a"}, "a", "values"),
    ({"type": "select", "key": "a", "values": []}, "a", "values"),
    ({"type": "select", "key": "a", "valuesKey": ""}, "a", "“input values key” of “a”"),
    ({"type": "select", "key": "a", "valuesKey": 3}, "a", "“input values key” of “a”"),
    ({"type": "radio", "key": "a", "values": [{"label": "x"}]}, "a", "value"),
    (
        {"type": "radio", "key": "a", "values": [{"value": "x", "label": 1}]},
        "a",
        "label",
    ),
    (
        {"type": "radio", "key": "a", "values": [{"value": "x"}, {"value": "x"}]},
        "a",
        "option 2 of “a” has the same value as an earlier option (x)",
    ),
    ({"type": "datetime", "key": "a", "subtype": "datetime"}, "a", "date"),
    (
        {"type": "datetime", "key": "a", "properties": {"minDate": "tomorrow"}},
        "a",
        "minDate",
    ),
    (
        {"type": "datetime", "key": "a", "properties": {"maxDate": "2024-02-30"}},
        "a",
        "maxDate",
    ),
    ({"type": "group", "label": "G"}, None, "components"),
    ({"type": "text", "text": ["x"]}, None, "text"),
    ("not an object", None, "component no. 1 is not a component"),
]


@pytest.mark.parametrize(("component", "key", "fragment"), BAD_COMPONENTS)
def test_component_problems(component: Any, key: str | None, fragment: str) -> None:
    problems = problems_of(envelope(component))
    assert len(problems) == 1, problems
    assert problems[0]["key"] == key
    assert fragment.lower() in problems[0]["message"].lower()


def test_duplicate_keys_are_found_across_groups() -> None:
    problems = problems_of(
        envelope(
            {"type": "textfield", "key": "a", "label": "Navn"},
            {"type": "group", "components": [{"type": "number", "key": "a", "label": "Alder"}]},
        )
    )
    assert [(p["key"], p["message"]) for p in problems] == [
        ("a", "“Alder” (a) has the same key as “Navn” (a): give each field its own key.")
    ]


def test_every_problem_is_reported_at_once() -> None:
    problems = problems_of(
        envelope(
            {"type": "fancy"},
            {"type": "textfield"},
            {"type": "number", "key": "n", "validate": {"min": "x", "max": "y"}},
        )
    )
    assert len(problems) == 4


def test_groups_nested_too_deeply_are_rejected() -> None:
    component: dict[str, Any] = {"type": "textfield", "key": "deep"}
    for _ in range(12):
        component = {"type": "group", "components": [component]}
    assert "nested too deeply" in problems_of(envelope(component))[0]["message"]


def test_error_message_is_readable() -> None:
    with pytest.raises(DefinitionError) as caught:
        FormDefinition.from_json(
            envelope({"type": "textfield", "key": "a", "validate": {"pattern": "("}})
        )
    text = str(caught.value)
    assert text.startswith("Invalid form definition: a: ")
    assert "regular expression" in text
    assert isinstance(caught.value, Exception)


def test_not_plain_json_data_is_rejected() -> None:
    raw = envelope(TEXTFIELD)
    raw["extra"] = {1, 2}
    assert "plain JSON" in problems_of(raw)[0]["message"]


SHIPPED = sorted((Path(__file__).resolve().parents[2] / "processes").glob("*/forms/*.json"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_shipped_form_definitions_parse_and_build(path: Path) -> None:
    definition = FormDefinition.from_json(path.read_bytes())
    assert definition.keys
    for locale in ("nb", "nn", "en"):
        assert build_form_class(definition, locale=locale)()
