"""Tests for forms.repeat: dynamic lists with and without JavaScript."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jinja2
import pytest
from werkzeug.datastructures import MultiDict

from forms import FormDefinition, build_form_class, list_action, summary, typed_data
from tests.forms.conftest import definition_of

Render = Callable[..., str]
Parse = Callable[[str], Any]

LIST = {
    "type": "dynamiclist",
    "path": "children",
    "label": "Barn",
    "defaultRepetitions": 2,
    "properties": {"minRows": 1, "maxRows": 3},
    "components": [
        {
            "type": "textfield",
            "key": "name",
            "label": "Navn",
            "validate": {"required": True},
        },
        {"type": "number", "key": "age", "label": "Alder", "decimalDigits": 0},
        {"type": "checkbox", "key": "school", "label": "Går på skole"},
    ],
}


@pytest.fixture
def definition() -> FormDefinition:
    return definition_of([{"type": "textfield", "key": "parent", "label": "Forelder"}, LIST])


def rows(posted: list[tuple[str, str]]) -> MultiDict[str, str]:
    return MultiDict(posted)


def names(form: Any) -> list[list[str]]:
    return [[field.name for field in entry.form] for entry in form.children.entries]


def test_initial_rows_follow_default_repetitions(definition: FormDefinition) -> None:
    form = build_form_class(definition)()
    assert len(form.children.entries) == 2
    assert not list_action(form)
    single = definition_of([{**LIST, "defaultRepetitions": 0, "properties": {"minRows": 1}}])
    assert len(build_form_class(single)().children.entries) == 1


def test_add_row_without_javascript(definition: FormDefinition) -> None:
    posted = [
        ("children-0-_row", "1"),
        ("children-0-name", "Ola"),
        ("children-0-school", "y"),
        ("children-add", "1"),
    ]
    form = build_form_class(definition)(rows(posted))
    assert list_action(form)
    assert names(form)[-1] == ["children-1-name", "children-1-age", "children-1-school"]
    assert form.children.entries[0].form.school.data is True
    assert form.errors == {}  # nothing was validated


def test_remove_row_without_javascript(definition: FormDefinition) -> None:
    posted = [
        ("children-0-name", "Ola"),
        ("children-1-name", "Kari"),
        ("children-2-name", "Per"),
        ("children-remove-1", "1"),
    ]
    form = build_form_class(definition)(rows(posted))
    assert list_action(form)
    assert [e.form.name.data for e in form.children.entries] == ["Ola", "Per"]
    assert names(form)[1][0] == "children-1-name"  # renumbered


def test_limits_are_kept(definition: FormDefinition) -> None:
    full = [(f"children-{i}-name", str(i)) for i in range(5)]
    form = build_form_class(definition)(rows([*full, ("children-add", "1")]))
    assert len(form.children.entries) == 3 and list_action(form)
    assert not form.children.can_add
    form = build_form_class(definition)(rows([("children-0-name", "x"), ("children-remove-0", "")]))
    assert len(form.children.entries) == 1 and not form.children.can_remove
    for junk in ("children-remove-9", "children-remove-x", "children-remove-²"):
        form = build_form_class(definition)(rows([("children-0-name", "x"), (junk, "")]))
        assert len(form.children.entries) == 1 and list_action(form)


def test_rows_that_javascript_added_or_removed(definition: FormDefinition) -> None:
    posted = [
        ("children-0-name", "Ola"),
        ("children-3-_row", "1"),  # a row with only an unticked box
        ("children-7-name", "Per"),
        ("children-²-name", "junk"),
        ("children-" + "1" * 5000 + "-name", "junk"),
        ("children_extra-0-name", "junk"),
    ]
    form = build_form_class(definition)(rows(posted))
    assert not list_action(form)
    assert [e.form.name.data for e in form.children.entries] == ["Ola", None, "Per"]
    assert names(form)[2][0] == "children-2-name"


def test_typed_data_is_a_list_of_dicts(definition: FormDefinition) -> None:
    posted = [
        ("parent", "Kari"),
        ("children-0-name", "Ola"),
        ("children-0-age", "7"),
        ("children-0-school", "y"),
        ("children-1-_row", "1"),
        ("children-2-name", "Per"),
    ]
    form = build_form_class(definition)(rows(posted))
    assert form.validate(), form.errors
    data = typed_data(form, definition)
    assert data == {
        "parent": "Kari",
        "children": [
            {"name": "Ola", "age": 7, "school": True},
            {"name": "Per", "age": None, "school": False},
        ],
    }
    rows_out = summary(definition, data)
    assert rows_out[1]["items"] == [
        "Navn: Ola, Alder: 7, Går på skole: Ja",
        "Navn: Per, Alder: –, Går på skole: Nei",
    ]


def test_required_fields_in_rows(definition: FormDefinition) -> None:
    form = build_form_class(definition)(rows([("children-0-age", "x"), ("children-1-name", "A")]))
    assert not form.validate()
    assert form.errors == {
        "children": [
            {
                "name": ["«Navn» må fylles ut."],
                "age": ["Skriv inn et heltall, for eksempel 12."],
            },
            {},
        ]
    }


def test_prefill_from_data_and_prefix(definition: FormDefinition) -> None:
    data = {"children": [{"name": "A", "age": 3, "prefix": "x", "meta": 1}, "junk"]}
    form = build_form_class(definition)(data=data, prefix="t5-")
    assert [e.form.name.data for e in form.children.entries] == ["A", None]
    assert form.children.add_name == "t5-children-add"
    posted = rows([("t5-children-0-name", "B"), ("t5-children-add", "1")])
    form = build_form_class(definition)(posted, prefix="t5-")
    assert list_action(form) and len(form.children.entries) == 2


def test_fixed_lists_have_no_buttons(render_form: Render, parse: Parse) -> None:
    definition = definition_of([{**LIST, "allowAddRemove": False}])
    form = build_form_class(definition)(rows([("children-0-name", "x"), ("children-add", "1")]))
    assert not list_action(form) and len(form.children.entries) == 1
    tree = parse(render_form(form, definition))
    assert not tree.xpath(".//button[@data-list-add or @data-list-remove]")
    assert not tree.xpath(".//template")


@pytest.mark.parametrize(
    ("locale", "row", "add", "remove"),
    [
        ("nb", "Rad", "Legg til rad", "Fjern rad"),
        ("nn", "Rad", "Legg til rad", "Fjern rad"),
        ("en", "Row", "Add row", "Remove row"),
    ],
)
def test_rows_are_fieldsets_with_legends(
    render_form: Render,
    parse: Parse,
    definition: FormDefinition,
    locale: str,
    row: str,
    add: str,
    remove: str,
) -> None:
    form = build_form_class(definition, locale=locale)()
    tree = parse(render_form(form, definition, locale))
    listing = tree.xpath(".//fieldset[@data-component='dynamiclist']")[0]
    assert listing[0].tag == "legend" and listing[0].text == "Barn"
    assert listing.get("data-min") == "1" and listing.get("data-max") == "3"
    assert listing.get("data-row-label") == f"{row} {{n}}"
    live_rows = listing.xpath("./div[@data-rows]/fieldset[@data-row]")
    assert [r.find("legend").text for r in live_rows] == [f"{row} 1", f"{row} 2"]
    buttons = listing.xpath("./div[@data-rows]//button")
    assert [(b.get("name"), b.text, b.get("type")) for b in buttons] == [
        ("children-remove-0", f"{remove} 1", "submit"),
        ("children-remove-1", f"{remove} 2", "submit"),
    ]
    add_button = listing.xpath("./button[@data-list-add]")[0]
    assert add_button.get("name") == "children-add" and add_button.text == add
    assert add_button.get("hidden") is None
    marker = live_rows[1].xpath("./input[@type='hidden']")[0]
    assert marker.get("name") == "children-1-_row"
    template = listing.xpath("./template[@data-row-template]")[0]
    assert template.xpath(".//input[@name='children-__index__-name']")
    assert template.xpath(".//label[@for='children-__index__-name']")
    default = tree.find("form").xpath("./button")[0]
    assert default.get("class") == "visually-hidden" and default.get("tabindex") == "-1"


def test_buttons_hidden_at_the_limits(render_form: Render, parse: Parse) -> None:
    definition = definition_of([{**LIST, "defaultRepetitions": 3}])
    tree = parse(render_form(build_form_class(definition)(), definition))
    assert tree.xpath(".//button[@data-list-add]")[0].get("hidden") is not None
    definition = definition_of([{**LIST, "defaultRepetitions": 1}])
    tree = parse(render_form(build_form_class(definition)(), definition))
    remove = tree.xpath(".//div[@data-rows]//button[@data-list-remove]")
    assert len(remove) == 1 and remove[0].get("hidden") is not None


def test_row_errors_in_the_summary(
    env: jinja2.Environment,
    render_form: Render,
    parse: Parse,
    definition: FormDefinition,
) -> None:
    form = build_form_class(definition)(rows([("children-0-name", "A"), ("children-1-age", "x")]))
    form.validate()
    tree = parse(render_form(form, definition))
    links = tree.xpath(".//div[@class='error-summary']//a")
    assert [(a.get("href"), a.text) for a in links] == [
        ("#children-1-name", "Barn, rad 2: «Navn» må fylles ut."),
        (
            "#children-1-age",
            "Barn, rad 2: Alder: Skriv inn et heltall, for eksempel 12.",
        ),
    ]
    assert tree.get_element_by_id("children-1-name").get("aria-invalid") == "true"
