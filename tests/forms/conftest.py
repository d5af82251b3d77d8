"""Fixtures for the forms tests: definitions, bound forms and a Jinja environment."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jinja2
import lxml.html
import pytest
from babel.support import Translations
from werkzeug.datastructures import MultiDict

from forms import LOCALES, FormDefinition, build_form_class, use_translations
from forms.jinja import make_environment
from tests.forms.jsbridge import Node, node_available

Components = list[dict[str, Any]]
# The application's catalogues (compiled by `make setup` / the i18n sync): forms is tested
# translated the way the designer plugs it in, one Babel catalogue per language.
CATALOGUES = Path(__file__).resolve().parents[2] / "designer" / "translations"


@pytest.fixture(autouse=True, scope="session")
def catalogue() -> Iterator[None]:
    loaded = {code: Translations.load(str(CATALOGUES), [code]) for code in LOCALES}
    assert loaded["nb"].gettext("Next") == "Neste", "compile the catalogues first"
    previous = use_translations(loaded.__getitem__)
    yield
    use_translations(previous)


def definition_of(components: Components, **extra: Any) -> FormDefinition:
    """A definition with the usual form-js envelope around ``components``."""
    raw = {"type": "default", "id": "Form_test", "schemaVersion": 16}
    raw.update(extra)
    raw["components"] = components
    return FormDefinition.from_json(raw)


@pytest.fixture
def make_definition() -> Callable[..., FormDefinition]:
    return definition_of


@pytest.fixture
def submit() -> Callable[..., Any]:
    """Build the form class, bind posted data, validate; return the bound form."""

    def _submit(
        definition: FormDefinition,
        data: dict[str, Any] | list[tuple[str, str]] | None = None,
        locale: str = "nb",
    ) -> Any:
        form_class = build_form_class(definition, locale=locale)
        form = form_class(MultiDict(data or {}))
        form.validate()
        return form

    return _submit


@pytest.fixture(scope="session")
def env() -> jinja2.Environment:
    return make_environment(undefined=jinja2.StrictUndefined)


@pytest.fixture
def render_form(env: jinja2.Environment) -> Callable[..., str]:
    template = env.from_string(
        '{% import "forms/macros.html" as fm %}'
        "{{ fm.render_form(form, definition, locale, **options) }}"
    )

    def _render(form: Any, definition: FormDefinition, locale: str = "nb", **options: Any) -> str:
        return template.render(form=form, definition=definition, locale=locale, options=options)

    return _render


@pytest.fixture
def parse() -> Callable[[str], Any]:
    """Parse an HTML fragment into an lxml tree rooted at a wrapper <div>."""

    def _parse(html: str) -> Any:
        return lxml.html.fromstring(f"<div>{html}</div>")

    return _parse


# One of every input type, with a group and display components; used by many tests.
SAMPLE_COMPONENTS: Components = [
    {"type": "text", "text": "## Om søknaden\n\nLes **dette** først."},
    {
        "type": "textfield",
        "key": "name",
        "label": "Fullt navn",
        "description": "Som i folkeregisteret",
        "validate": {"required": True},
        "properties": {"label_en": "Full name", "autocomplete": "name"},
    },
    {
        "type": "textfield",
        "key": "fnr",
        "label": "Fødselsnummer",
        "validate": {"required": True},
        "properties": {"type": "fodselsnummer", "label_en": "National identity number"},
    },
    {"type": "textarea", "key": "story", "label": "Beskrivelse"},
    {"type": "number", "key": "count", "label": "Antall", "decimalDigits": 0},
    {
        "type": "group",
        "label": "Valg",
        "components": [
            {
                "type": "radio",
                "key": "colour",
                "label": "Farge",
                "description": "Velg én",
                "validate": {"required": True},
                "values": [
                    {"label": "Rød", "value": "red", "label_en": "Red"},
                    {"label": "Blå", "value": "blue", "label_en": "Blue"},
                ],
            },
            {
                "type": "select",
                "key": "size",
                "label": "Størrelse",
                "values": [
                    {"label": "Liten", "value": "s"},
                    {"label": "Stor", "value": "l"},
                ],
            },
            {
                "type": "checklist",
                "key": "extras",
                "label": "Tillegg",
                "values": [
                    {"label": "Kake", "value": "cake"},
                    {"label": "Is", "value": "ice"},
                ],
            },
        ],
    },
    {"type": "datetime", "subtype": "date", "key": "when", "dateLabel": "Dato"},
    {"type": "separator"},
    {"type": "spacer"},
    {
        "type": "checkbox",
        "key": "consent",
        "label": "Jeg bekrefter at opplysningene er riktige",
        "validate": {"required": True},
    },
]


@pytest.fixture
def sample_definition() -> FormDefinition:
    return definition_of(SAMPLE_COMPONENTS)


@pytest.fixture(scope="session")
def node() -> Iterator[Node]:
    """One node process with static/src/forms/*.js loaded (skips without node)."""
    if not node_available():
        pytest.skip("node is not installed")
    process = Node()
    yield process
    process.close()


# Every component type, with conditions, a dynamic list and a file picker.
ALL_COMPONENTS: Components = [
    *SAMPLE_COMPONENTS,
    {
        "type": "text",
        "text": "Vis bare for store antall.",
        "conditional": {"hide": "=count = null or count < 10"},
    },
    {
        "type": "textfield",
        "key": "colour_note",
        "label": "Hvorfor rød?",
        "validate": {"required": True, "maxLength": 50},
        "conditional": {"hide": '=colour != "red"'},
    },
    {
        "type": "select",
        "key": "municipality",
        "label": "Kommune",
        "valuesKey": "municipalities",
    },
    {
        "type": "dynamiclist",
        "path": "children",
        "label": "Barn",
        "properties": {"minRows": 0, "maxRows": 4},
        "components": [
            {
                "type": "textfield",
                "key": "name",
                "label": "Navn",
                "validate": {"required": True},
            },
            {
                "type": "number",
                "key": "age",
                "label": "Alder",
                "decimalDigits": 0,
                "validate": {"min": 0, "max": 25},
            },
            {
                "type": "textarea",
                "key": "needs",
                "label": "Behov",
                "validate": {"required": True},
                "conditional": {"hide": "=age = null or age >= 18"},
            },
        ],
    },
    {
        "type": "filepicker",
        "key": "attachment",
        "label": "Vedlegg",
        "accept": ".pdf,.png,.jpg",
        "properties": {"maxSizeMB": 1},
    },
]


@pytest.fixture
def all_definition() -> FormDefinition:
    return definition_of(ALL_COMPONENTS)
