"""Two saves, publishes or creates at once: exactly one draft write wins, nothing is lost.

Each thread reads the model first, waits at a barrier until the other has read too, then
writes: the unlocked read-modify-write this replaces let both saves succeed and lost one.
Runs on SQLite and (DATABASE_URL) PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask_wtf import FlaskForm
from sqlalchemy import select

from designer.extensions import db
from designer.services import decisiondrafts, drafts, publishing
from engine.errors import Conflict
from engine.models import ProcessModel, ProcessVersion

FORM = {
    "type": "default",
    "components": [{"type": "textfield", "key": "name", "label": "Navn"}],
}


def _model_id(app: Flask, key: str) -> int:
    with app.app_context():
        return db.session.scalars(select(ProcessModel.id).where(ProcessModel.key == key)).one()


def _race(app: Flask, model_id: int, writers: list[Callable[[ProcessModel], Any]]) -> list[Any]:
    """Run each writer in its own thread and session after both have read the model."""
    barrier = threading.Barrier(len(writers))
    results: list[Any] = [None] * len(writers)

    def run(index: int) -> None:
        with app.test_request_context():  # messages are translated (Flask-Babel)
            try:
                model = db.session.get(ProcessModel, model_id)
                assert model is not None
                model.draft_files  # noqa: B018 - read before the other writes
                barrier.wait(timeout=10)
                results[index] = writers[index](model)
                db.session.commit()
            except Conflict as err:
                db.session.rollback()
                results[index] = err
            except Exception as err:  # noqa: BLE001 - reported by the assertions
                db.session.rollback()
                results[index] = err
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(writers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _one_won(results: list[Any]) -> int:
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(lost) == 1 and isinstance(lost[0], Conflict), results
    return next(i for i, r in enumerate(results) if not isinstance(r, Exception))


def test_two_diagram_saves_at_once_one_wins_the_other_is_told(app: Flask) -> None:
    model_id = _model_id(app, "parking_permit")
    with app.app_context():
        model = db.session.get(ProcessModel, model_id)
        assert model is not None
        xml, revision = model.draft_bpmn, model.draft_revision
    edits = [xml.replace("Vurder søknaden", f"Tab {n}") for n in (1, 2)]
    results = _race(
        app,
        model_id,
        [
            lambda m, e=edit: drafts.save(db.session, m, e, revision, "eier")  # type: ignore[misc]
            for edit in edits
        ],
    )
    winner = _one_won(results)
    with app.app_context():
        model = db.session.get(ProcessModel, model_id)
        assert model is not None
        assert model.draft_bpmn == edits[winner] and model.draft_revision == revision + 1


def test_two_form_saves_at_once_never_lose_one_silently(app: Flask) -> None:
    model_id = _model_id(app, "parking_permit")
    results = _race(
        app,
        model_id,
        [
            lambda m, n=name: drafts.save_form(db.session, m, n, FORM, "eier")  # type: ignore[misc]
            for name in ("a.json", "b.json")
        ],
    )
    winner = _one_won(results)
    with app.app_context():
        model = db.session.get(ProcessModel, model_id)
        assert model is not None
        saved = {k for k in model.draft_files if k in ("forms/a.json", "forms/b.json")}
        assert saved == {f"forms/{('a.json', 'b.json')[winner]}"}
        assert drafts.form_problems(FORM, FlaskForm) == []


def test_two_decision_saves_at_once_one_wins(app: Flask) -> None:
    model_id = _model_id(app, "kindergarten")
    with app.app_context():
        model = db.session.get(ProcessModel, model_id)
        assert model is not None
        name = next(f["name"] for f in decisiondrafts.files(model) if f["editable"])
        text = decisiondrafts.text_of(model, name)
    revision = decisiondrafts.revision_of(text)
    edits = [text.replace("</definitions>", f"<!-- tab {n} --></definitions>") for n in (1, 2)]
    results = _race(
        app,
        model_id,
        [
            lambda m, e=edit: decisiondrafts.save(db.session, m, name, e, revision, "eier")  # type: ignore[misc]
            for edit in edits
        ],
    )
    winner = _one_won(results)
    with app.app_context():
        model = db.session.get(ProcessModel, model_id)
        assert model is not None
        assert decisiondrafts.text_of(model, name) == edits[winner]


def test_two_publishes_at_once_get_the_next_two_numbers(app: Flask) -> None:
    model_id = _model_id(app, "parking_permit")
    results = _race(
        app,
        model_id,
        [
            lambda m, c=comment: publishing.publish(db.session, m, "eier", c).number  # type: ignore[misc]
            for comment in ("one", "two")
        ],
    )
    assert sorted(results) == [2, 3], results
    with app.app_context():
        numbers = db.session.scalars(
            select(ProcessVersion.number).where(
                ProcessVersion.model_id == model_id, ProcessVersion.number.is_not(None)
            )
        ).all()
        assert sorted(numbers) == [1, 2, 3]


def test_two_services_created_at_once_with_one_name_get_two_keys(app: Flask) -> None:
    model_id = _model_id(app, "parking_permit")
    results = _race(
        app,
        model_id,
        [
            lambda m: drafts.create(db.session, m.tenant_id, "Hundeløyve", "eier").key,
            lambda m: drafts.create(db.session, m.tenant_id, "Hundeløyve", "eier").key,
        ],
    )
    assert sorted(results) == ["hundeloyve", "hundeloyve_2"], results
