"""A broken form's problems in the UI language, fields named by label (issues 13 and 14)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from designer.extensions import db
from designer.services import drafts
from engine.models import ProcessModel

# A condition that ends too soon and a key used twice: both name the fields by label.
BROKEN = {
    "type": "default",
    "components": [
        {
            "type": "textfield",
            "key": "fnr",
            "label": "Fødselsnummer",
            "conditional": {"hide": "=alder >"},
        },
        {"type": "number", "key": "fnr", "label": "Alder"},
    ],
}
SHOWN = {
    "nb": [
        "Skjemaet 'broken.json' kan ikke brukes: Betingelsen for å skjule «Fødselsnummer» (fnr) "
        "kan ikke leses: uttrykket slutter for tidlig: forventet en verdi. Bygg den med «Vis "
        "feltet når» eller rett uttrykket under «Skjul hvis».",
        "Skjemaet 'broken.json' kan ikke brukes: «Alder» (fnr) har samme nøkkel som "
        "«Fødselsnummer» (fnr): gi hvert felt sin egen nøkkel.",
    ],
    "nn": [
        "Skjemaet 'broken.json' kan ikkje brukast: Vilkåret for å skjule «Fødselsnummer» (fnr) "
        "kan ikkje lesast: uttrykket sluttar for tidleg: venta ein verdi. Bygg det med «Vis "
        "feltet når» eller rett uttrykket under «Skjul viss».",
        "Skjemaet 'broken.json' kan ikkje brukast: «Alder» (fnr) har same nøkkel som "
        "«Fødselsnummer» (fnr): gi kvart felt sin eigen nøkkel.",
    ],
    "en": [
        "The form 'broken.json' cannot be used: The condition for hiding “Fødselsnummer” (fnr) "
        "cannot be read: the expression ends too soon: expected a value. Build it with “Show "
        "the field when” or correct the expression under “Hide if”.",
        "The form 'broken.json' cannot be used: “Alder” (fnr) has the same key as "
        "“Fødselsnummer” (fnr): give each field its own key.",
    ],
}


@pytest.fixture
def owner(login_as):  # type: ignore[no-untyped-def]
    return login_as("eier")


@pytest.fixture
def model_id(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return int(db.session.query(ProcessModel).filter_by(key="parking_permit").one().id)


def _put_broken_form(app: Any, model_id: int) -> None:
    """Write the broken form beside the draft (the form editor would refuse it)."""
    with app.app_context():
        model = db.session.get(ProcessModel, model_id)
        assert model is not None
        files = {**model.draft_files, "forms/broken.json": json.dumps(BROKEN)}
        drafts.write_files(db.session(), model, files, "user:1")
        db.session.commit()


def _saved_form_problems(owner: Any, model_id: int) -> list[str]:
    """Save the draft as it is and return the form problems the editor lists."""
    draft = owner.get(f"/modeler/{model_id}/draft").get_json()
    token = owner.csrf(f"/modeler/{model_id}/edit")
    body = {"bpmn": draft["bpmn"], "revision": draft["revision"]}
    saved = owner.post_json(f"/modeler/{model_id}/draft", body, token)
    assert saved.status_code == 200, saved.get_data(as_text=True)[:500]
    return [p["message"] for p in saved.get_json()["problems"] if p.get("code") == "form_invalid"]


def test_saving_a_draft_with_a_broken_form_names_its_fields_in_the_ui_language(
    app: Any, owner: Any, model_id: int
) -> None:
    _put_broken_form(app, model_id)
    assert _saved_form_problems(owner, model_id) == SHOWN["nb"]
    for language in ("en", "nn"):
        owner.set_language(language, page=f"/modeler/{model_id}/edit")
        assert _saved_form_problems(owner, model_id) == SHOWN[language]


def test_the_form_editor_lists_what_stops_a_save_in_the_ui_language(
    owner: Any, model_id: int
) -> None:
    url = f"/modeler/{model_id}/forms/review.json/definition"
    revision = owner.get(url).get_json()["revision"]
    token = owner.csrf(f"/modeler/{model_id}/forms/review.json/edit")

    def refused() -> list[dict[str, Any]]:
        answer = owner.post_json(url, {"definition": BROKEN, "revision": revision}, token)
        assert answer.status_code == 400
        problems: list[dict[str, Any]] = answer.get_json()["problems"]
        return problems

    assert refused() == [
        {"key": "fnr", "message": SHOWN["nb"][0].split(": ", 1)[1]},
        {"key": "fnr", "message": SHOWN["nb"][1].split(": ", 1)[1]},
    ]
    owner.set_language("en", page=f"/modeler/{model_id}/forms/review.json/edit")
    assert [p["message"] for p in refused()] == [s.split(": ", 1)[1] for s in SHOWN["en"]]
