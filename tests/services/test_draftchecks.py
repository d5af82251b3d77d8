"""Saving a draft lists the problems of its code, connector parameters included."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from designer.extensions import db
from designer.integrations import build_registry
from designer.services import drafts
from engine.errors import Problem
from engine.models import ProcessModel

SERVICE = (Path(__file__).parents[1] / "data" / "engine" / "service_task.bpmn").read_text()
GOOD = 'value="amount * 2"'


def _with_amount(expression: str) -> str:
    assert GOOD in SERVICE
    return SERVICE.replace(GOOD, f'value="{expression}"')


def _save(app: Flask, bpmn_xml: str) -> list[Problem]:
    with app.test_request_context():
        model = db.session.scalars(select(ProcessModel).order_by(ProcessModel.id)).first()
        assert model is not None
        found = drafts.save(
            db.session(), model, bpmn_xml, model.draft_revision, "user:1", build_registry(app)
        )
        db.session.commit()
        return found


@pytest.mark.parametrize(
    ("expression", "words"),
    [
        ("amount *", "syntax"),
        ("amount.__class__", "__class__"),
        ("(lambda: 1)(", "syntax"),
    ],
)
def test_a_bad_connector_parameter_is_a_problem_when_the_draft_is_saved(
    app: Flask, expression: str, words: str
) -> None:
    found = [p for p in _save(app, _with_amount(expression)) if p.element_id == "pay"]
    assert len(found) == 1, found
    [problem] = found
    assert "parameter 'amount'" in problem.message and "Bestill utbetaling" in problem.message
    assert words in problem.message
    assert problem.line == 16


def test_good_connector_parameters_pass(app: Flask) -> None:
    assert [p for p in _save(app, SERVICE) if p.element_id == "pay"] == []
