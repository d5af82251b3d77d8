"""Tests for forms.compiler: the cached Form class and its base class."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import wtforms
from werkzeug.datastructures import MultiDict
from wtforms.fields import HiddenField

from forms import DefinitionError, FormDefinition, build_form_class

MakeDefinition = Callable[..., FormDefinition]


def test_builds_a_form_subclass(sample_definition: FormDefinition) -> None:
    form_class = build_form_class(sample_definition)
    assert issubclass(form_class, wtforms.Form)
    form = form_class()
    assert [f.name for f in form] == sample_definition.keys
    types = {f.name: f.type for f in form}
    assert types["name"] == "StringField"
    assert types["story"] == "TextAreaField"
    assert types["consent"] == "BooleanField"
    assert types["when"] == "DateInputField"
    assert types["colour"] == "RadioChoiceField"
    assert types["size"] == "ChoiceField"


def test_class_is_cached_per_hash_base_and_locale(
    sample_definition: FormDefinition,
) -> None:
    same = FormDefinition.from_json(sample_definition.raw)
    assert build_form_class(sample_definition) is build_form_class(same)
    assert build_form_class(sample_definition) is not build_form_class(
        sample_definition, locale="en"
    )

    class Base(wtforms.Form):
        pass

    assert build_form_class(sample_definition, base=Base) is not build_form_class(sample_definition)
    assert issubclass(build_form_class(sample_definition, base=Base), Base)
    assert build_form_class(sample_definition, locale="en_GB") is build_form_class(
        sample_definition, locale="en"
    )


def test_key_clashing_with_base_attribute(make_definition: MakeDefinition) -> None:
    class Base(wtforms.Form):
        def greet(self) -> str:
            return "hei"

    definition = make_definition([{"type": "textfield", "key": "greet"}])
    with pytest.raises(DefinitionError) as caught:
        build_form_class(definition, base=Base)
    assert caught.value.problems[0]["key"] == "greet"


def test_base_fields_are_kept(make_definition: MakeDefinition) -> None:
    class Base(wtforms.Form):
        token = HiddenField()

    definition = make_definition([{"type": "textfield", "key": "a"}])
    form = build_form_class(definition, base=Base)(MultiDict({"token": "t", "a": "x"}))
    assert form.validate()
    assert form.token.data == "t"
