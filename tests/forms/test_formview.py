"""Tests for forms.formview and the macros with every component: accessible markup."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jinja2
import pytest
from werkzeug.datastructures import MultiDict

from forms import FormDefinition, bind_options, build_form_class, summary
from forms.formview import error_links, form_view
from tests.forms.conftest import definition_of
from tests.forms.test_pages import PAGES

Render = Callable[..., str]
Parse = Callable[[str], Any]
CONTEXT = {"municipalities": [{"value": "4601", "label": "Bergen"}]}
POSTED = [
    ("colour", "red"),
    ("count", "12"),
    ("children-0-_row", "1"),
    ("children-0-age", "3"),
    ("children-1-name", "Per"),
    ("children-1-age", "30"),
]


def rendered(
    render_form: Render,
    parse: Parse,
    definition: FormDefinition,
    posted: Any,
    locale: str = "nb",
) -> Any:
    form = build_form_class(definition, locale=locale)(MultiDict(posted) if posted else None)
    bind_options(form, definition, CONTEXT)
    if posted:
        form.validate()
    return parse(render_form(form, definition, locale))


@pytest.mark.parametrize("posted", [None, POSTED])
@pytest.mark.parametrize("locale", ["nb", "nn", "en"])
def test_every_control_is_labelled_and_described(
    render_form: Render,
    parse: Parse,
    all_definition: FormDefinition,
    posted: Any,
    locale: str,
) -> None:
    tree = rendered(render_form, parse, all_definition, posted, locale)
    controls = tree.xpath(".//input[not(@type='hidden')] | .//select | .//textarea")
    ids = [c.get("id") for c in controls]
    assert all(ids) and len(ids) == len(set(ids))
    labelled = {label.get("for") for label in tree.iter("label")}
    assert set(ids) <= labelled
    all_ids = tree.xpath(".//@id")
    assert len(all_ids) == len(set(all_ids))
    for element in tree.xpath(".//*[@aria-describedby]"):
        for ref in element.get("aria-describedby").split():
            assert ref in all_ids, ref
    assert not tree.xpath(".//script | .//*[@style]")
    assert not [a for el in tree.iter() for a in el.attrib if a.startswith("on")]
    for fieldset in tree.iter("fieldset"):
        assert fieldset[0].tag == "legend", fieldset.attrib


def test_error_links_point_at_fields_on_the_page(
    render_form: Render, parse: Parse, all_definition: FormDefinition
) -> None:
    tree = rendered(render_form, parse, all_definition, POSTED)
    links = tree.xpath(".//div[@class='error-summary']//a")
    targets = [a.get("href") for a in links]
    assert targets == [
        "#name",
        "#fnr",
        "#consent",
        "#colour_note",
        "#children-0-name",
        "#children-0-needs",
        "#children-1-age",
    ]
    ids = set(tree.xpath(".//@id"))
    assert all(t[1:] in ids for t in targets)
    texts = [a.text for a in links]
    assert "Barn, rad 1: «Navn» må fylles ut." in texts
    assert "Barn, rad 2: Alder: Tallet må være 25 eller lavere." in texts


def test_error_links_for_one_page() -> None:
    paged = definition_of(PAGES, properties={"pages": True})
    form = build_form_class(paged)(MultiDict([("pets", "cat"), ("cats", "0")]))
    form.validate()
    assert [link.href for link in error_links(form, paged, "nb")] == [
        "#name",
        "#cats",
        "#note",
    ]
    assert [link.href for link in error_links(form, paged, "nb", page=2)] == ["#cats"]


def test_carried_lists_keep_their_rows() -> None:
    paged = definition_of(PAGES, properties={"pages": True})
    form = build_form_class(paged)(
        MultiDict([("_page", "1"), ("vets-0-vet", "Dr. Dyr"), ("vets-1-_row", "1")])
    )
    view = form_view(form, paged, "nb")
    assert view.page == 1 and view.pages == 3
    page_two = view.carried[0]
    lists = [c for c in page_two.children if c.wrapper["data-component"] == "dynamiclist"]
    assert [(marker, [c.inputs for c in row]) for marker, row in lists[0].rows] == [
        ("vets-0-_row", [[("vets-0-vet", "Dr. Dyr")]]),
        ("vets-1-_row", [[("vets-1-vet", "")]]),
    ]


def test_summary_of_a_list(
    env: jinja2.Environment, parse: Parse, all_definition: FormDefinition
) -> None:
    rows = summary(all_definition, {"children": [{"name": "Ola", "age": 3}], "attachment": None})
    template = env.from_string(
        '{% import "forms/macros.html" as fm %}{{ fm.render_summary(rows) }}'
    )
    tree = parse(template.render(rows=rows))
    assert [li.text for li in tree.xpath(".//dd/ol/li")] == ["Navn: Ola, Alder: 3"]
    assert tree.xpath(".//dd")[1].text == "–"
    assert summary(all_definition, {"children": "junk"})[0]["value"] == "–"
