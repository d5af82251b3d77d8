"""Hypothesis: any submission to any shipped form yields field errors, never an exception."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import jinja2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import FileStorage, MultiDict

from forms import (
    FormDefinition,
    Upload,
    bind_options,
    build_form_class,
    list_action,
    page_step,
    summary,
    typed_data,
)
from forms.definition import row_components
from forms.jinja import make_environment
from tests.forms.conftest import ALL_COMPONENTS, definition_of
from tests.forms.test_pages import PAGES

SHIPPED = sorted((Path(__file__).resolve().parents[2] / "processes").glob("*/forms/*.json"))


def _definitions() -> list[tuple[str, FormDefinition]]:
    found = [
        (f"{p.parent.parent.name}/{p.name}", FormDefinition.from_json(p.read_bytes()))
        for p in SHIPPED
    ]
    found.append(("all components", definition_of(ALL_COMPONENTS)))
    found.append(("pages", definition_of(PAGES, properties={"pages": True})))
    return found


DEFINITIONS = _definitions()
ENV = make_environment(undefined=jinja2.StrictUndefined)
TEMPLATE = ENV.from_string(
    '{% import "forms/macros.html" as fm %}{{ fm.render_form(form, definition, locale) }}'
    "{{ fm.render_summary(rows) }}"
)


def field_names(definition: FormDefinition) -> list[str]:
    names = ["nav", "_page", "csrf_token", "", "x-0-y"]
    for component in definition.input_components:
        key = component["key"]
        names.append(key)
        if component["type"] == "dynamiclist":
            names += [
                f"{key}-add",
                f"{key}-remove-0",
                f"{key}-remove-7",
                f"{key}-00-_row",
            ]
            for index in range(3):
                names.append(f"{key}-{index}-_row")
                names += [f"{key}-{index}-{child['key']}" for child in row_components(component)]
    return names


texts = st.text(max_size=30) | st.sampled_from(
    [
        "",
        "y",
        "yes",
        "red",
        "cat",
        "3",
        "-1,5",
        "17058512311",
        "2024-02-30",
        "17.05.2024",
        "next",
        "back",
        "submit",
        "2",
        "9",
        "approved",
        "driver",
        "4601",
        "\x00",
        "a" * 5000,
    ]
)
HEADS = [
    b"%PDF-1.4",
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    b"PK\x03\x04",
    b"",
    b"GIF89a",
]
files = st.builds(
    lambda head, tail, name: FileStorage(io.BytesIO(head + tail), filename=name),
    st.sampled_from(HEADS),
    st.binary(max_size=64),
    st.sampled_from(["a.pdf", "b.png", "c.jpg", "", "../x.exe", "d"]),
)
contexts = st.none() | st.fixed_dictionaries(
    {"municipalities": st.lists(st.one_of(texts, st.integers(), st.dictionaries(texts, texts)))}
)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Upload):
        return value.info.filename_safe
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


@pytest.mark.parametrize(("label", "definition"), DEFINITIONS, ids=[d[0] for d in DEFINITIONS])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_submission_is_handled(label: str, definition: FormDefinition, data: Any) -> None:
    names = field_names(definition)
    posted = data.draw(
        st.lists(
            st.tuples(st.sampled_from(names) | st.text(max_size=8), texts | files),
            max_size=14,
        )
    )
    locale = data.draw(st.sampled_from(["nb", "nn", "en"]))
    form = build_form_class(definition, locale=locale)(MultiDict(posted))
    bind_options(form, definition, data.draw(contexts))
    step = page_step(form, definition)
    assert isinstance(list_action(form), bool)
    if step.submit and form.validate():
        stored = typed_data(form, definition)
        json.dumps(_jsonable(stored))
        rows = summary(definition, stored, locale)
    else:
        rows = []
        assert isinstance(form.errors, dict)
    html = TEMPLATE.render(form=form, definition=definition, locale=locale, rows=rows)
    assert "<form" in html and "<script" not in html
