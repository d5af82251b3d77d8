"""Tests for forms.options: options from process data (valuesKey) and make_form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.datastructures import MultiDict

from forms import (
    FormDefinition,
    bind_options,
    build_form_class,
    make_form,
    summary,
    typed_data,
)
from forms.options import option_list
from tests.forms.conftest import definition_of

Render = Callable[..., str]
Parse = Callable[[str], Any]

CONTEXT = {
    "municipalities": [
        {"value": "4601", "label": "Bergen", "label_en": "Bergen (EN)"},
        {"value": 301, "label": "Oslo"},
        {"value": "4601", "label": "Duplicate"},
        {"label": "no value"},
        {"value": True},
        "Tromsø",
        7,
        None,
        ["nested"],
    ],
    "not_a_list": "x",
}

COMPONENTS = [
    {
        "type": "select",
        "key": "where",
        "label": "Kommune",
        "valuesKey": "municipalities",
    },
    {
        "type": "radio",
        "key": "fallback",
        "label": "Reserve",
        "valuesKey": "missing",
        "values": [{"value": "a", "label": "A"}],
    },
    {
        "type": "checklist",
        "key": "many",
        "label": "Flere",
        "valuesKey": "not_a_list",
        "values": [{"value": "x"}],
        "validate": {"required": True},
    },
    {
        "type": "dynamiclist",
        "path": "rows",
        "components": [
            {
                "type": "radio",
                "key": "place",
                "label": "Sted",
                "valuesKey": "municipalities",
            }
        ],
    },
]


def test_option_list() -> None:
    component = COMPONENTS[0]
    assert option_list(component, CONTEXT, "nb") == [
        ("4601", "Bergen"),
        ("301", "Oslo"),
        ("Tromsø", "Tromsø"),
        ("7", "7"),
    ]
    assert option_list(component, CONTEXT, "en")[0] == ("4601", "Bergen (EN)")
    assert option_list(component, None, "nb") == []
    assert option_list(COMPONENTS[1], CONTEXT, "nb") == [("a", "A")]
    assert option_list(COMPONENTS[2], CONTEXT, "nb") == [("x", "x")]


def test_make_form_binds_options_and_validates() -> None:
    definition = definition_of(COMPONENTS)
    posted = MultiDict(
        [("where", "301"), ("fallback", "a"), ("many", "x"), ("rows-0-place", "Tromsø")]
    )
    form = make_form(definition, formdata=posted, context=CONTEXT)
    assert [c[0] for c in form.where.iter_choices()] == [
        "",
        "4601",
        "301",
        "Tromsø",
        "7",
    ]
    assert form.validate(), form.errors
    data = typed_data(form, definition)
    assert data == {
        "where": "301",
        "fallback": "a",
        "many": ["x"],
        "rows": [{"place": "Tromsø"}],
    }
    rows = summary(definition, data, context=CONTEXT)
    assert rows[0]["value"] == "Oslo" and rows[3]["items"] == ["Sted: Tromsø"]
    assert summary(definition, data)[0]["value"] == "301"


def test_values_not_in_the_context_are_rejected() -> None:
    definition = definition_of(COMPONENTS)
    form = make_form(definition, formdata=MultiDict([("where", "9999"), ("many", "x")]), context={})
    assert not form.validate()
    assert form.errors == {"where": ["Velg et av alternativene."]}


def test_bind_options_after_instantiation_as_the_designer_does(
    render_form: Render, parse: Parse
) -> None:
    definition = definition_of(COMPONENTS)
    form = build_form_class(definition)(data={"where": "4601"})
    assert bind_options(form, definition, CONTEXT) is form
    tree = parse(render_form(form, definition))
    assert tree.xpath(".//select[@name='where']/option[@selected]/@value") == ["4601"]
    template = tree.xpath(".//template")[0]
    assert template.xpath(".//input[@name='rows-__index__-place']/@value") == [
        "4601",
        "301",
        "Tromsø",
        "7",
    ]


def test_make_form_passes_prefix_and_data() -> None:
    definition: FormDefinition = definition_of(COMPONENTS)
    form = make_form(definition, locale="en", data={"where": "7"}, context=CONTEXT, prefix="p-")
    assert form.where.name == "p-where" and form.where.data == "7"
    assert [c[1] for c in form.where.iter_choices()][0] == "Choose …"
