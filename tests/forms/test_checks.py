"""Tests for forms.checks: definition checks of conditions, lists, files and options."""

from __future__ import annotations

from typing import Any

import pytest

from forms import DefinitionError, FormDefinition
from forms.checks import row_limits
from tests.forms.conftest import definition_of


def problems(*components: dict[str, Any]) -> list[dict[str, Any]]:
    with pytest.raises(DefinitionError) as caught:
        definition_of(list(components))
    return caught.value.problems


def row(*components: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "type": "dynamiclist",
        "path": "rows",
        "components": list(components),
        **extra,
    }


TEXT = {"type": "textfield", "key": "a"}

BAD = [
    (
        {**TEXT, "conditional": {"hide": "=a <"}},
        "a",
        "The condition for hiding “a” cannot be read: the expression ends too soon",
    ),
    ({**TEXT, "conditional": {"hide": 5}}, "a", "must be an expression"),
    ({**TEXT, "conditional": "=a"}, "a", "remove it and build it again"),
    (
        {"type": "text", "text": "x", "conditional": {"hide": "=("}},
        None,
        "cannot be read",
    ),
    (
        {"type": "group", "components": [], "conditional": {"hide": "=not x"}},
        None,
        "expected “(”",
    ),
    ({"type": "dynamiclist", "components": []}, None, "Dynamic list no. 1 has no path"),
    ({"type": "dynamiclist", "path": "rows"}, "rows", "“rows” has no list of components"),
    (
        {"type": "dynamiclist", "path": "a b", "components": []},
        "a b",
        "letters, digits",
    ),
    (row(properties={"maxRows": 0}), "rows", "at least 1"),
    (row(properties={"minRows": 3, "maxRows": 2}), "rows", "not below minRows"),
    (row(properties={"minRows": -1}), "rows", "whole number from 0"),
    (row(properties={"maxRows": 1000}), "rows", "whole number from 0"),
    (row(properties=[]), "rows", "“Custom properties” of “rows”"),
    (row(defaultRepetitions="2"), "rows", "“Default number of items” of “rows”"),
    (row(allowAddRemove="yes"), "rows", "“Allow add/delete items” of “rows”"),
    (row(row(TEXT)), "rows", "cannot be nested"),
    (row(TEXT, {**TEXT, "type": "number"}), "a", "has the same key as"),
    (row({"type": "filepicker", "key": "f"}), "f", "inside a dynamic list"),
    (
        {"type": "filepicker", "key": "f", "accept": ".pdf,.exe"},
        "f",
        "cannot be checked: .exe.",
    ),
    ({"type": "filepicker", "key": "f", "accept": " , "}, "f", "names no file types"),
    (
        {"type": "filepicker", "key": "f", "accept": [".pdf"]},
        "f",
        "must be text such as .pdf,.png",
    ),
    ({"type": "filepicker", "key": "f", "multiple": "yes"}, "f", "“Upload multiple files” of “f”"),
    (
        {"type": "filepicker", "key": "f", "properties": {"maxSizeMB": 0}},
        "f",
        "maxSizeMB",
    ),
    (
        {"type": "filepicker", "key": "f", "properties": {"maxSizeMB": 500}},
        "f",
        "maxSizeMB",
    ),
    (
        {"type": "filepicker", "key": "f", "properties": {"maxSizeMB": "fem"}},
        "f",
        "maxSizeMB",
    ),
    ({"type": "radio", "key": "r", "valuesKey": "x", "values": []}, "r", "“r” has no options"),
    ({"type": "textfield", "key": "nav"}, "nav", "reserved"),
]


@pytest.mark.parametrize(("component", "key", "fragment"), BAD)
def test_component_problems(component: dict[str, Any], key: str | None, fragment: str) -> None:
    found = problems(component)
    assert len(found) == 1, found
    assert found[0]["key"] == key
    assert fragment in found[0]["message"]


def test_condition_problems_name_the_component() -> None:
    with pytest.raises(DefinitionError) as caught:
        definition_of([{**TEXT, "conditional": {"hide": "=a = = 1"}}])
    assert str(caught.value) == (
        "Invalid form definition: a: The condition for hiding “a” cannot be read: "
        "unexpected “=” at character 5: expected a value. Build it with “Show the field "
        "when” or correct the expression under “Hide if”."
    )


def test_duplicate_keys_inside_a_list_but_not_across() -> None:
    definition = definition_of(
        [TEXT, row(TEXT, {"type": "group", "components": [{**TEXT, "key": "b"}]})]
    )
    assert definition.keys == ["a", "rows"]
    assert [c["key"] for c in definition.input_components] == ["a", "rows"]
    assert problems(TEXT, row(), {**row(), "path": "a"})[0]["key"] == "a"


def test_accepted_new_components() -> None:
    definition: FormDefinition = definition_of(
        [
            {"type": "select", "key": "s", "valuesKey": "options"},
            {
                "type": "filepicker",
                "key": "f",
                "accept": ".PDF, image/*",
                "multiple": True,
            },
            {"type": "textfield", "key": "t", "conditional": {"hide": ""}},
            {"type": "textfield", "key": "u", "conditional": {}},
            row(
                TEXT,
                key="rows",
                properties={"minRows": 2, "maxRows": 5},
                defaultRepetitions=1,
            ),
        ]
    )
    component = definition.component("rows")
    assert component["key"] == "rows"
    assert row_limits(component) == (2, 5, 2)
    assert row_limits(row()) == (0, 100, 1)
    assert row_limits(row(defaultRepetitions=9, properties={"maxRows": 3})) == (0, 3, 3)


def test_path_and_key_of_a_list() -> None:
    definition = definition_of([{"type": "dynamiclist", "key": "people", "components": [TEXT]}])
    assert definition.keys == ["people"]
