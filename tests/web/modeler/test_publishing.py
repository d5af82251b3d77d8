"""Publishing is one transaction: the version, its audit row and the timer-start schedule."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from designer.extensions import db
from designer.models import AuditEvent
from engine.api import on_transition, remove_listener, schedules
from engine.models import Instance, ProcessModel, ProcessVersion
from tests.engine.helpers import bpmn_text
from tests.web.modeler.test_modeler import _draft, _model_id, _save


class Refused(Exception):
    """What the failing listener raises."""


def _refuse(_session: Any, _outcome: Any) -> None:
    raise Refused("the schedule could not start")


def _counts(app: Flask, model_id: int) -> tuple[int, int, int]:
    with app.app_context():
        versions = db.session.scalar(
            select(func.count(ProcessVersion.id)).where(
                ProcessVersion.model_id == model_id, ProcessVersion.number.is_not(None)
            )
        )
        audits = db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "model.publish")
        )
        schedules_running = db.session.scalar(
            select(func.count(Instance.id)).where(
                Instance.subject == schedules.SUBJECT, Instance.status == "running"
            )
        )
        return int(versions or 0), int(audits or 0), int(schedules_running or 0)


def test_a_publish_whose_schedule_fails_leaves_no_version_and_no_audit_row(
    app: Flask, login_as
) -> None:
    owner = login_as("eier")
    model_id = _model_id(app)
    draft = _draft(owner, model_id)
    saved = _save(owner, model_id, bpmn_text("timer_start.bpmn"), draft["revision"])
    assert saved.status_code == 200
    before = _counts(app, model_id)
    app.config["PROPAGATE_EXCEPTIONS"] = True
    on_transition(_refuse)
    try:
        with pytest.raises(Refused):
            owner.submit(f"/modeler/{model_id}/publish", {"comment": "Påminnelser"})
    finally:
        remove_listener(_refuse)
    with app.app_context():
        db.session.rollback()
        model = db.session.get(ProcessModel, model_id)
        assert model is not None
        published = model.published_version_id
    assert _counts(app, model_id) == before  # neither the version nor its audit row
    with app.app_context():
        assert db.session.get(ProcessVersion, published) is not None
    done = owner.submit(f"/modeler/{model_id}/publish", {"comment": "Påminnelser"})
    assert done.status_code == 302
    versions, audits, running = _counts(app, model_id)
    assert (versions, audits, running) == (before[0] + 1, before[1] + 1, 1)
