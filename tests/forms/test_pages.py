"""Tests for forms.pages and paged rendering: navigation, per-page validation, carry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from werkzeug.datastructures import MultiDict

from forms import (
    DefinitionError,
    FormDefinition,
    PageStep,
    build_form_class,
    first_error_page,
    page_count,
    page_step,
    typed_data,
    validate_page,
)
from forms.pages import page_keys
from tests.forms.conftest import definition_of

Render = Callable[..., str]
Parse = Callable[[str], Any]

PAGES = [
    {
        "type": "group",
        "label": "Om deg",
        "properties": {"label_en": "About you"},
        "components": [
            {
                "type": "textfield",
                "key": "name",
                "label": "Navn",
                "validate": {"required": True},
            },
            {
                "type": "checklist",
                "key": "pets",
                "label": "Dyr",
                "values": [{"value": "cat"}, {"value": "dog"}],
            },
            {"type": "checkbox", "key": "ok", "label": "Samtykke"},
        ],
    },
    {
        "type": "group",
        "label": "Dyrene",
        "components": [
            {
                "type": "number",
                "key": "cats",
                "label": "Antall katter",
                "validate": {"required": True, "min": 1},
                "conditional": {"hide": '=not("cat" in pets)'},
            },
            {
                "type": "dynamiclist",
                "path": "vets",
                "label": "Veterinærer",
                "properties": {"minRows": 0},
                "components": [{"type": "textfield", "key": "vet", "label": "Navn"}],
            },
            {"type": "datetime", "subtype": "date", "key": "since", "label": "Siden"},
        ],
    },
    {
        "type": "group",
        "label": "Til slutt",
        "components": [
            {
                "type": "textarea",
                "key": "note",
                "label": "Merknad",
                "validate": {"required": True},
            },
            {
                "type": "select",
                "key": "size",
                "values": [{"value": "s"}, {"value": "l"}],
            },
        ],
    },
]


@pytest.fixture
def paged() -> FormDefinition:
    return definition_of(PAGES, properties={"pages": True})


def post(definition: FormDefinition, posted: list[tuple[str, str]]) -> Any:
    return build_form_class(definition)(MultiDict(posted))


def test_pages_are_top_level_groups(paged: FormDefinition) -> None:
    assert page_count(paged) == 3 and paged.multipage
    assert page_keys(paged, 2) == {"cats", "vets", "since"}
    assert page_count(definition_of(PAGES)) == 1
    assert definition_of(PAGES, properties={"pages": "true"}).multipage


def test_get_shows_page_one(paged: FormDefinition) -> None:
    form = build_form_class(paged)()
    assert page_step(form, paged) == PageStep(1, False)


def test_next_validates_only_the_current_page(paged: FormDefinition) -> None:
    form = post(paged, [("_page", "1"), ("nav", "next"), ("pets", "cat")])
    assert page_step(form, paged) == PageStep(1, False)
    assert form.errors == {"name": ["«Navn» må fylles ut."]}
    form = post(paged, [("_page", "1"), ("nav", "next"), ("name", "Kari"), ("pets", "cat")])
    assert page_step(form, paged) == PageStep(2, False)
    assert form.errors == {}


def test_back_does_not_validate(paged: FormDefinition) -> None:
    form = post(paged, [("_page", "2"), ("nav", "back"), ("cats", "mange")])
    assert page_step(form, paged) == PageStep(1, False) and form.errors == {}


def test_submit_on_the_last_page(paged: FormDefinition) -> None:
    posted = [
        ("_page", "3"),
        ("nav", "submit"),
        ("name", "Kari"),
        ("pets", "dog"),
        ("note", "Hei"),
    ]
    form = post(paged, posted)
    assert page_step(form, paged) == PageStep(3, True)
    assert form.validate()
    assert typed_data(form, paged) == {
        "name": "Kari",
        "pets": ["dog"],
        "ok": False,
        "vets": [],
        "since": None,
        "note": "Hei",
        "size": None,
    }


def test_failed_submit_shows_the_first_page_with_errors(
    paged: FormDefinition, render_form: Render, parse: Parse
) -> None:
    posted = [
        ("_page", "3"),
        ("nav", "submit"),
        ("name", "Kari"),
        ("pets", "cat"),
        ("note", "x"),
    ]
    form = post(paged, posted)
    step = page_step(form, paged)
    assert step.submit and not form.validate()
    assert first_error_page(form, paged) == 2
    tree = parse(render_form(form, paged))
    assert tree.xpath(".//input[@name='_page']/@value") == ["2"]
    assert [a.get("href") for a in tree.xpath(".//div[@class='error-summary']//a")] == ["#cats"]


def test_odd_navigation_values(paged: FormDefinition) -> None:
    for page, nav in (("9", "submit"), ("x", "next"), ("", ""), ("0", "back")):
        form = post(paged, [("_page", page), ("nav", nav), ("name", "A")])
        step = page_step(form, paged)
        assert 1 <= step.page <= 3
    form = post(paged, [("_page", "1"), ("nav", "submit"), ("name", "A")])
    assert page_step(form, paged) == PageStep(2, False)  # only the last page submits


def test_list_buttons_keep_the_page(paged: FormDefinition) -> None:
    form = post(paged, [("_page", "2"), ("vets-add", "1"), ("name", "A")])
    assert page_step(form, paged) == PageStep(2, False)
    assert len(form.vets.entries) == 1 and form.errors == {}


def test_validate_page_directly(paged: FormDefinition) -> None:
    form = post(paged, [("cats", "0"), ("pets", "cat")])
    assert not validate_page(form, paged, 2)
    assert list(form.errors) == ["cats"]
    assert validate_page(form, paged, 3) is False and list(form.errors) == ["note"]


def test_page_markup(paged: FormDefinition, render_form: Render, parse: Parse) -> None:
    posted = [
        ("_page", "1"),
        ("nav", "next"),
        ("name", "Kari"),
        ("pets", "cat"),
        ("ok", "y"),
    ]
    form = post(paged, posted)
    page_step(form, paged)
    tree = parse(render_form(form, paged, submit_label="Send inn"))
    form_element = tree.find("form")
    assert tree.xpath(".//input[@name='_page']/@value") == ["2"]
    assert tree.xpath(".//p[@class='form-steps__status']")[0].text == "Steg 2 av 3"
    steps = tree.xpath(".//ol[@class='form-steps__list']/li")
    assert [li.text for li in steps] == ["Om deg", "Dyrene", "Til slutt"]
    assert [li.get("aria-current") for li in steps] == [None, "step", None]
    assert tree.xpath(".//ol")[0].get("aria-labelledby") == "form-steps-status"
    # Only page 2 is shown; page 1's answers travel as hidden inputs.
    assert tree.xpath(".//fieldset[@class='group']/legend")[0].text == "Dyrene"
    carried = tree.xpath(".//div[@class='form-carried']")[0]
    assert carried.get("hidden") is not None
    assert [(i.get("name"), i.get("value")) for i in carried.iter("input")] == [
        ("name", "Kari"),
        ("pets", "cat"),
        ("ok", "y"),
        ("note", ""),
    ]
    buttons = [(b.get("name"), b.get("value"), b.text) for b in form_element.iter("button")]
    assert buttons[0] == ("nav", "next", "Neste")  # the hidden default button
    assert buttons[-2:] == [("nav", "back", "Tilbake"), ("nav", "next", "Neste")]
    # The carried values are posted back with the next step.
    again = post(
        paged,
        [
            (i.get("name"), i.get("value"))
            for i in form_element.iter("input")
            if i.get("name") not in (None, "cats")
        ]
        + [("nav", "next"), ("cats", "2")],
    )
    assert page_step(again, paged) == PageStep(3, False)
    assert again.name.data == "Kari" and again.pets.data == ["cat"] and again.ok.data is True


def test_last_page_markup_in_english(
    paged: FormDefinition, render_form: Render, parse: Parse
) -> None:
    form = build_form_class(paged, locale="en")(MultiDict([("_page", "3")]))
    tree = parse(render_form(form, paged, "en", submit_label="Send application"))
    assert tree.xpath(".//p[@class='form-steps__status']")[0].text == "Step 3 of 3"
    assert tree.xpath(".//li[@aria-current]")[0].text == "Til slutt"
    assert tree.xpath(".//ol/li")[0].text == "About you"
    submit = tree.xpath(".//div[@class='form-actions']/button")
    assert [(b.get("value"), b.text) for b in submit] == [
        ("back", "Back"),
        ("submit", "Send application"),
    ]
    assert tree.find("form").xpath("./button")[0].get("value") == "submit"


def test_prefix_names_the_navigation(
    paged: FormDefinition, render_form: Render, parse: Parse
) -> None:
    form = build_form_class(paged)(MultiDict([("t1-_page", "2"), ("t1-nav", "back")]), prefix="t1-")
    assert page_step(form, paged) == PageStep(1, False)
    tree = parse(render_form(form, paged))
    assert tree.xpath(".//input[@name='t1-_page']/@value") == ["1"]
    assert tree.xpath(".//button[@name='t1-nav']")


@pytest.mark.parametrize(
    ("components", "fragment"),
    [
        ([{"type": "textfield", "key": "a"}], "must be a group, one for each page"),
        ([], "at least one group"),
        (
            [
                {
                    "type": "group",
                    "components": [{"type": "filepicker", "key": "f"}],
                },
                {"type": "group", "components": []},
            ],
            "last page",
        ),
        (
            [{"type": "group", "conditional": {"hide": "=true"}, "components": []}],
            "cannot have a condition",
        ),
    ],
)
def test_bad_page_definitions(components: list[dict[str, Any]], fragment: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        definition_of(components, properties={"pages": True})
    assert fragment in str(caught.value)


def test_render_page_macro(paged: FormDefinition, env: Any, parse: Parse) -> None:
    template = env.from_string(
        '{% import "forms/macros.html" as fm %}'
        '{{ fm.render_page(form, definition, "nb", page=2, submit_label="Send") }}'
    )
    tree = parse(template.render(form=build_form_class(paged)(), definition=paged))
    assert tree.xpath(".//input[@name='_page']/@value") == ["2"]
    assert tree.xpath(".//li[@aria-current='step']")[0].text == "Dyrene"
    # Page 1's required field is not on this page: no error, no link.
    assert not tree.xpath(".//div[@class='error-summary']")
