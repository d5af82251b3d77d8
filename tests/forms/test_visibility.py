"""Tests for forms.visibility: hidden components are neither validated nor stored."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from forms import FormDefinition, PageStep, build_form_class, page_step, typed_data
from forms.pages import revealed
from forms.visibility import form_values, visibility
from tests.forms.conftest import ALL_COMPONENTS, definition_of
from tests.forms.jsbridge import Node, dom_json, server_visibility
from tests.forms.test_pages import PAGES

Render = Callable[..., str]
Parse = Callable[[str], Any]

CHAIN = [
    {
        "type": "radio",
        "key": "has_pet",
        "label": "Har du dyr?",
        "values": [{"value": "yes"}, {"value": "no"}],
    },
    {
        "type": "group",
        "label": "Om dyret",
        "conditional": {"hide": '=has_pet != "yes"'},
        "components": [
            {
                "type": "textfield",
                "key": "pet_name",
                "label": "Navn",
                "validate": {"required": True},
            },
            {"type": "number", "key": "legs", "label": "Bein"},
        ],
    },
    {
        "type": "textarea",
        "key": "many_legs",
        "label": "Fortell om beina",
        "validate": {"required": True},
        "conditional": {"hide": "=legs = null or legs <= 4"},
    },
    {"type": "text", "text": "Takk!", "conditional": {"hide": "=has_pet = null"}},
]


def bound(definition: FormDefinition, posted: dict[str, Any] | list[tuple[str, str]]) -> Any:
    form = build_form_class(definition)(MultiDict(posted))
    form.validate()
    return form


def test_hidden_fields_are_not_validated_or_stored() -> None:
    definition = definition_of(CHAIN)
    form = bound(definition, {"has_pet": "no", "legs": "8"})
    assert form.errors == {}
    assert typed_data(form, definition) == {"has_pet": "no"}


def test_shown_fields_are_validated_and_stored() -> None:
    definition = definition_of(CHAIN)
    form = bound(definition, {"has_pet": "yes", "legs": "8"})
    assert set(form.errors) == {"pet_name", "many_legs"}
    form = bound(
        definition,
        {"has_pet": "yes", "pet_name": "Fido", "legs": "8", "many_legs": "Åtte"},
    )
    assert form.errors == {}
    assert typed_data(form, definition) == {
        "has_pet": "yes",
        "pet_name": "Fido",
        "legs": 8,
        "many_legs": "Åtte",
    }


def test_a_hidden_field_counts_as_null_for_later_conditions() -> None:
    definition = definition_of(CHAIN)
    # legs = 8 would show many_legs, but legs is hidden with its group.
    form = bound(definition, {"has_pet": "no", "legs": "8"})
    visible = visibility(form, definition)
    assert visible.is_hidden(definition.component("many_legs"))
    assert visible.is_hidden(definition.component("legs"))
    assert not visible.is_hidden(definition.components[-1])
    assert form_values(form, definition)["legs"] == 8.0


def test_invalid_numbers_count_as_null() -> None:
    definition = definition_of(CHAIN)
    form = bound(definition, {"has_pet": "yes", "pet_name": "x", "legs": "mange"})
    assert set(form.errors) == {"legs"}  # many_legs is hidden: legs is null


def test_rows_see_their_own_fields_first(all_definition: FormDefinition) -> None:
    posted = [
        ("name", "Kari"),
        ("children-0-_row", "1"),
        ("children-0-name", "Ola"),
        ("children-0-age", "7"),
        ("children-1-_row", "1"),
        ("children-1-name", "Per"),
        ("children-1-age", "19"),
    ]
    form = bound(all_definition, posted)
    rows = form.errors["children"]
    assert rows[0] == {"needs": ["«Behov» må fylles ut."]}
    assert rows[1] == {}
    posted.append(("children-0-needs", "Briller"))
    form = bound(all_definition, posted)
    assert "children" not in form.errors
    assert typed_data(form, all_definition)["children"] == [
        {"name": "Ola", "age": 7, "needs": "Briller"},
        {"name": "Per", "age": 19},
    ]


def test_hidden_list_rows_are_not_validated() -> None:
    definition = definition_of(
        [
            {"type": "checkbox", "key": "none", "label": "Ingen"},
            {
                "type": "dynamiclist",
                "path": "people",
                "conditional": {"hide": "=none"},
                "components": [{"type": "textfield", "key": "who", "validate": {"required": True}}],
            },
        ]
    )
    form = bound(definition, {"none": "y", "people-0-who": ""})
    assert form.errors == {}
    assert typed_data(form, definition) == {"none": True}


def test_hidden_wrappers_are_rendered_hidden(
    render_form: Render, parse: Parse, make_definition: Callable[..., FormDefinition]
) -> None:
    definition = make_definition(CHAIN)
    form = bound(definition, {"has_pet": "yes", "legs": "2"})
    tree = parse(render_form(form, definition))
    group = tree.xpath(".//fieldset[@data-component='group']")[0]
    assert group.get("data-hide-when") == '=has_pet != "yes"'
    assert group.get("hidden") is None
    many = tree.xpath(".//*[@data-key='many_legs']")[0]
    assert many.get("hidden") is not None and many.get("data-name") == "many_legs"
    assert tree.xpath(".//*[@class='form-text']")[0].get("hidden") is None
    form = build_form_class(definition)()
    tree = parse(render_form(form, definition))
    assert tree.xpath(".//fieldset[@data-component='group']")[0].get("hidden") is not None
    assert tree.xpath(".//*[@class='form-text']")[0].get("hidden") is not None


def test_data_format_hooks(
    render_form: Render, parse: Parse, all_definition: FormDefinition
) -> None:
    tree = parse(render_form(build_form_class(all_definition)(), all_definition))
    formats = {
        el.get("data-key"): el.get("data-format")
        for el in tree.xpath(".//*[@data-format]")
        if not el.xpath("ancestor::template")
    }
    assert formats == {"fnr": "fodselsnummer", "count": "integer", "age": "integer"}
    assert tree.find("form").get("data-forms") is not None


# Browser parity: live.js reads the server's HTML and must hide the same wrappers.
TEXTS = st.sampled_from(["", "red", "blue", "s", "l", "7", "19", "30", "x", "17.05.2024"])
FIELD_NAMES = [
    "name",
    "count",
    "colour",
    "size",
    "extras",
    "when",
    "consent",
    "colour_note",
    "children-0-name",
    "children-0-age",
    "children-0-needs",
    "children-1-age",
    "children-1-_row",
]
submissions = st.lists(st.tuples(st.sampled_from(FIELD_NAMES), TEXTS), max_size=10)


def _pet_submissions() -> st.SearchStrategy[list[tuple[str, str]]]:
    names = st.sampled_from(["has_pet", "pet_name", "legs", "many_legs"])
    values = st.sampled_from(["yes", "no", "", "2", "8", "mange", "4,5"])
    return st.lists(st.tuples(names, values), max_size=6)


def _page_submissions() -> st.SearchStrategy[list[tuple[str, str]]]:
    names = st.sampled_from(["_page", "name", "pets", "cats", "vets-0-vet", "note", "size"])
    values = st.sampled_from(["1", "2", "3", "cat", "dog", "", "x", "s"])
    return st.lists(st.tuples(names, values), max_size=8)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    all_posted=submissions,
    pet_posted=_pet_submissions(),
    page_posted=_page_submissions(),
)
def test_live_js_hides_what_the_server_hides(
    node: Node,
    env: Any,
    all_posted: list[tuple[str, str]],
    pet_posted: list[tuple[str, str]],
    page_posted: list[tuple[str, str]],
) -> None:
    template = env.from_string(
        '{% import "forms/macros.html" as fm %}{{ fm.render_form(form, definition, "nb") }}'
    )
    paged = definition_of(PAGES, properties={"pages": True})
    for definition, posted in (
        (definition_of(ALL_COMPONENTS), all_posted),
        (definition_of(CHAIN), pet_posted),
        (paged, page_posted),
    ):
        form = bound(definition, posted)
        tree, expected = server_visibility(template.render(form=form, definition=definition))
        actual = node.call("visibility", tree=dom_json(tree))
        assert actual == expected, posted


def test_fields_revealed_without_javascript_are_shown_before_submitting(
    render_form: Render, parse: Parse
) -> None:
    definition = definition_of(CHAIN)
    tree = parse(render_form(build_form_class(definition)(), definition))
    hidden = tree.xpath(".//input[@data-forms-hidden]")[0]
    assert hidden.get("name") == "_hidden"
    assert hidden.get("value") == "pet_name legs many_legs"
    # The citizen answers "yes" and presses Send: the follow-up questions appear.
    form = build_form_class(definition)(
        MultiDict({"has_pet": "yes", "_hidden": hidden.get("value")})
    )
    assert revealed(form, definition)
    assert page_step(form, definition) == PageStep(1, False) and form.errors == {}
    tree = parse(render_form(form, definition))
    assert tree.xpath(".//input[@data-forms-hidden]/@value") == ["many_legs"]
    form = build_form_class(definition)(
        MultiDict({"has_pet": "yes", "pet_name": "Fido", "_hidden": "many_legs"})
    )
    assert page_step(form, definition) == PageStep(1, True)
    assert form.validate()
    # Hiding fields, or a client that posts no _hidden at all, submits at once.
    form = build_form_class(definition)(MultiDict({"has_pet": "no", "_hidden": ""}))
    assert page_step(form, definition) == PageStep(1, True)
    form = build_form_class(definition)(MultiDict({"has_pet": "yes"}))
    assert page_step(form, definition) == PageStep(1, True)
