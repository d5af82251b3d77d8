"""Property test: any submitted text gives valid data or field errors, never a crash."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from forms import FormDefinition, build_form_class, summary, typed_data

OPTIONS = [{"label": "A", "value": "a"}, {"label": "B", "value": 2}]
DEFINITION = FormDefinition.from_json(
    {
        "components": [
            {
                "type": "textfield",
                "key": "text",
                "validate": {
                    "required": True,
                    "minLength": 2,
                    "maxLength": 20,
                    "pattern": "[A-Za-zæøå ]+",
                },
            },
            {
                "type": "textfield",
                "key": "email",
                "validate": {"validationType": "email"},
            },
            {
                "type": "textfield",
                "key": "phone",
                "validate": {"validationType": "phone"},
            },
            {
                "type": "textfield",
                "key": "fnr",
                "properties": {"type": "fodselsnummer"},
            },
            {
                "type": "textfield",
                "key": "orgnr",
                "properties": {"type": "organisasjonsnummer"},
            },
            {"type": "textfield", "key": "post", "properties": {"type": "postnummer"}},
            {
                "type": "textfield",
                "key": "konto",
                "properties": {"type": "kontonummer"},
            },
            {"type": "textarea", "key": "area"},
            {
                "type": "number",
                "key": "decimal",
                "decimalDigits": 2,
                "validate": {"min": -5, "max": 1e6},
            },
            {"type": "number", "key": "integer", "decimalDigits": 0},
            {"type": "checkbox", "key": "check", "validate": {"required": True}},
            {"type": "radio", "key": "radio", "values": OPTIONS},
            {"type": "select", "key": "select", "values": OPTIONS},
            {"type": "checklist", "key": "checklist", "values": OPTIONS},
            {
                "type": "datetime",
                "subtype": "date",
                "key": "date",
                "properties": {"minDate": "1900-01-01", "maxDate": "today"},
            },
        ]
    }
)

texts = st.text(max_size=40) | st.sampled_from(
    [
        "",
        " ",
        "0",
        "1,5",
        "17058512311",
        "974760673",
        "0150",
        "1234.56.78903",
        "2025-05-17",
        "17.05.2025",
        "a",
        "2",
        "NaN",
        "-0",
        "1e400",
        "\x00",
        "y",
    ]
)


@settings(database=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=st.fixed_dictionaries({key: texts for key in DEFINITION.keys}),
    locale=st.sampled_from(["nb", "nn", "en"]),
)
def test_any_text_gives_data_or_field_errors(values: dict[str, str], locale: str) -> None:
    form = build_form_class(DEFINITION, locale=locale)(MultiDict(values))
    if form.validate():
        data = typed_data(form, DEFINITION)
        assert set(data) == set(DEFINITION.keys)
        json.dumps(data, allow_nan=False)
        rows = summary(DEFINITION, data, locale)
        assert all(isinstance(row["value"], str) for row in rows)
    else:
        assert set(form.errors) <= set(DEFINITION.keys)
        assert all(
            messages and all(isinstance(m, str) and m for m in messages)
            for messages in form.errors.values()
        )


OPTIONAL = FormDefinition.from_json(
    {
        "components": [
            {key: value for key, value in component.items() if key != "validate"}
            for component in DEFINITION.components
        ]
    }
)


@settings(database=None, max_examples=300)
@given(key=st.sampled_from(OPTIONAL.keys), text=texts)
def test_one_field_at_a_time(key: str, text: str) -> None:
    form = build_form_class(OPTIONAL)(MultiDict({key: text}))
    if form.validate():
        json.dumps(typed_data(form, OPTIONAL), allow_nan=False)
    else:
        assert list(form.errors) == [key]
