"""Every shipped service validates, its forms compile, and its diagram renders its lanes."""

from __future__ import annotations

import os

import pytest

import forms
from designer.services.catalog import check, read_folder, shipped_folders

FOLDERS = shipped_folders()


def test_there_are_shipped_services():
    assert FOLDERS


def _starts_on_a_message(spec) -> bool:  # type: ignore[no-untyped-def]
    return any(
        type(task_spec).__name__ == "StartEvent"
        and type(getattr(task_spec, "event_definition", None)).__name__.endswith(
            "MessageEventDefinition"
        )
        for task_spec in spec.task_specs.values()
    )


@pytest.mark.parametrize("folder", FOLDERS, ids=os.path.basename)
def test_service_validates_with_its_forms(folder):
    bundle = read_folder(folder)
    parsed = check(bundle)
    assert parsed.process_id == bundle.meta["process_id"]
    if _starts_on_a_message(parsed.spec):
        assert parsed.start_form is None  # offers are answered, not applied for
    else:
        assert parsed.start_form in bundle.forms()
    for name in ("nb", "en"):
        assert bundle.meta["name"][name] and bundle.meta["description"][name]


@pytest.mark.parametrize("folder", FOLDERS, ids=os.path.basename)
def test_every_form_compiles_in_both_languages(folder):
    for text in read_folder(folder).forms().values():
        definition = forms.FormDefinition.from_json(text)
        for locale in ("nb", "en"):
            form = forms.build_form_class(definition, locale=locale)()
            assert {f.name for f in form} >= set(definition.keys)
