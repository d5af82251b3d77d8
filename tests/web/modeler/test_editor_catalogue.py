"""The editors' texts come from the translation catalogues: every key on every editor page."""

from __future__ import annotations

import json
import os
import re

import lxml.html
import pytest
from babel.messages.catalog import Catalog

from designer.cli import extract_texts
from designer.extensions import db
from designer.web import editor_texts
from engine.models import ProcessModel

LANGUAGES = ("nb", "nn", "en")
PAGES = {
    "modeler": "/modeler/{id}/edit",
    "formeditor": "/modeler/{id}/forms/application.json/edit",
    "dmneditor": "/modeler/{id}/decisions/{dmn}/edit",
}
ROOTS = {"modeler": "modeler-app", "formeditor": "form-editor-app", "dmneditor": "dmn-editor-app"}
# Our own texts that read the same in bokmål as in English.
SAME_IN_NORWEGIAN = {
    "group_zoom",  # Zoom
    "group_flytverk",  # Flytverk
    "shape_element",  # Element
    "shape_def_signal",  # signal
    "shape_named",  # {type}: {name}
    "shape_number",  # {name} ({number})
}
# A sample of the bokmål texts the editors had before the catalogue (and browser tests use).
BOKMAL = {
    "modeler": {
        "save": "Lagre",
        "zoom_fit": "Tilpass",
        "shape_start_event": "Startpunkt",
        "shape_exclusive_gateway": "Port (valg)",
        "flow_between": "{type} fra {source} til {target}",
        "condition_builder": "Bygg betingelsen",
        "group": "Gruppe som får oppgaven",
    },
    "formeditor": {
        "preview": "Forhåndsvis",
        "condition_legend": "Vis feltet når",
        "condition_remove": "Fjern betingelsen",
        "problem_field": "felt «{key}»",
    },
    "dmneditor": {"download": "Last ned DMN", "view_table": "Tabell: {name}"},
}
LIBRARY_BOKMAL = {
    "modeler": {"Create task": "Lag oppgave", "User task": "Brukeroppgave"},
    "formeditor": {"Text field": "Tekstfelt", "Condition": "Vilkår", "Hide if": "Skjul hvis"},
    "dmneditor": {"Hit policy:": "Treffregel:", "First": "Første treff"},
}


@pytest.fixture
def pages(app, login_as):  # type: ignore[no-untyped-def]
    """data-i18n of each editor page, by language: {(editor, language): {...}}."""
    with app.app_context():
        parking = db.session.query(ProcessModel).filter_by(key="parking_permit").one().id
        kindergarten = db.session.query(ProcessModel).filter_by(key="kindergarten").one().id
    owner = login_as("eier")
    urls = {
        "modeler": PAGES["modeler"].format(id=parking),
        "formeditor": PAGES["formeditor"].format(id=parking),
        "dmneditor": PAGES["dmneditor"].format(id=kindergarten, dmn="kindergarten_price.dmn"),
    }
    found = {}
    for language in LANGUAGES:
        owner.set_language(language)
        for editor, url in urls.items():
            response = owner.get(url)
            assert response.status_code == 200, url
            doc = lxml.html.fromstring(response.get_data(as_text=True))
            assert doc.get("lang") == language
            (root,) = doc.xpath(f'//*[@id="{ROOTS[editor]}"]')
            found[editor, language] = json.loads(root.get("data-i18n"))
    return found


def test_every_key_reaches_the_page_translated_in_every_language(pages):
    for editor in PAGES:
        english = editor_texts.english(editor)
        assert editor_texts.LIBRARY not in english
        for language in LANGUAGES:
            texts = pages[editor, language]
            assert set(texts) == set(english) | {editor_texts.LIBRARY}, (editor, language)
            if language == "en":
                assert {k: texts[k] for k in english} == english
                assert texts[editor_texts.LIBRARY] == {}
        nb, nn = pages[editor, "nb"], pages[editor, "nn"]
        assert {k: nb[k] for k in BOKMAL[editor]} == BOKMAL[editor]
        for key, text in english.items():
            if key not in SAME_IN_NORWEGIAN:
                assert nb[key] != text, f"{editor}: {key} is not translated into bokmål"
            # same placeholders in every language
            wanted = sorted(re.findall(r"\{[^}]*\}", text))
            for language in ("nb", "nn"):
                got = sorted(re.findall(r"\{[^}]*\}", pages[editor, language][key]))
                assert got == wanted, (editor, language, key)
        assert nn["save"] == "Lagre" and nn["redo"] == "Gjer om"
        assert nb["redo"] == "Gjør om"


def test_library_tables_reach_the_page_in_nb_and_nn(pages):
    for editor, (_files, library) in editor_texts.EDITORS.items():
        wanted = editor_texts.read(library)
        for language in ("nb", "nn"):
            table = pages[editor, language][editor_texts.LIBRARY]
            assert set(table) <= set(wanted)
            # the library's own text stays only where the language writes it the same
            kept = {text for text in wanted if text not in table}
            assert kept <= {"ID", "Type", "Signal", "iFrame", "Flytverk"}, (editor, kept)
        sample = LIBRARY_BOKMAL[editor]
        assert {k: pages[editor, "nb"][editor_texts.LIBRARY][k] for k in sample} == sample
    assert pages["formeditor", "nn"][editor_texts.LIBRARY]["Hide if"] == "Skjul viss"
    assert pages["modeler", "nn"]["shape_user_task"] == "Brukaroppgåve"


def test_the_sync_extracts_every_editor_text_without_python_format():
    catalog: Catalog = extract_texts()
    extracted = {m.id: m for m in catalog if m.id}
    names = [n[:-5] for n in os.listdir(editor_texts.TEXTS_DIR) if n.endswith(".json")]
    assert {"shell", "modeler", "formeditor", "dmneditor", "bpmn-js", "form-js", "dmn-js"} <= set(
        names
    )
    for name in names:
        data = editor_texts.read(name)
        texts = data.values() if isinstance(data, dict) else data
        for text in texts:
            message = extracted[text]
            assert any(path.startswith("static/src/texts/") for path, _line in message.locations)
            assert "python-format" not in message.flags, text


def test_gettext_leaves_the_placeholders_alone(app):
    with app.test_request_context():
        texts = editor_texts.strings("modeler")
    assert texts["status_revision"] == "Revisjon {revision}, sist lagret av {user} {time}."
