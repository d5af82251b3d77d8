"""One commit per request: the change, its audit row and its notice commit together."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from designer.extensions import db
from designer.models import AuditEvent, OutboxMessage, User
from engine.models import ConnectorJob, HumanTask, Instance
from tests.factories import PARKING_APPLICATION, Browser
from tests.processes.test_citizen_notices import _leisure

APPLY = "/services/parking_permit/apply"


@contextmanager
def _commits() -> Iterator[list[int]]:
    commits: list[int] = []

    def count(_session: Session) -> None:
        commits.append(1)

    event.listen(Session, "after_commit", count)
    try:
        yield commits
    finally:
        event.remove(Session, "after_commit", count)


def _audits(app: Flask, action: str) -> int:
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()
        return len(rows)


def _task(login_as: Any, who: str) -> tuple[Browser, str, int]:
    login_as("kari").submit(APPLY, PARKING_APPLICATION)
    browser = login_as(who)
    found = re.search(r'href="(/casework/tasks/(\d+))"', browser.get("/casework/").get_data(True))
    assert found
    return browser, found.group(1), int(found.group(2))


def test_claim_and_its_audit_row_are_one_commit(app: Flask, login_as: Any) -> None:
    sara, url, task_id = _task(login_as, "saksbehandler")
    csrf = sara.hidden_fields(url)["csrf_token"]
    with _commits() as commits:
        claimed = sara.client.post(f"/casework/tasks/{task_id}/claim", data={"csrf_token": csrf})
    assert claimed.status_code == 302
    assert len(commits) == 1  # was 2: the claim, then its audit row on its own
    assert _audits(app, "task.claim") == 1


def test_assignment_its_audit_row_and_its_notice_are_one_commit(app: Flask, login_as: Any) -> None:
    lise, url, task_id = _task(login_as, "leder")
    with app.app_context():
        ola = db.session.scalars(select(User).where(User.username == "ola")).one()
        ola_id = ola.id
    csrf = lise.hidden_fields(url)["csrf_token"]
    with _commits() as commits:
        assigned = lise.client.post(
            f"/casework/tasks/{task_id}/assign",
            data={"csrf_token": csrf, "assignee": str(ola_id)},
        )
    assert assigned.status_code == 302
    assert len(commits) == 1  # was 3: assignment, audit row, e-mail
    assert _audits(app, "task.assign") == 1
    with app.app_context():
        assert db.session.get(HumanTask, task_id).assignee == f"user:{ola_id}"
        [mail] = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "assignment")
        ).all()
        assert mail.recipient == "ola@example.no" and mail.sent_at is None  # sent later


def test_completing_a_task_is_one_commit_with_its_audit_and_notice(
    app: Flask, login_as: Any
) -> None:
    sara, url, _ = _task(login_as, "saksbehandler")
    fields = sara.hidden_fields(url)
    review = {"review_decision": "approved", "review_reason": "Dokumentert."}
    with _commits() as commits:
        done = sara.client.post(url, data={**fields, **review})
    assert done.status_code == 302
    assert len(commits) == 1
    assert _audits(app, "task.complete") == 1
    with app.app_context():
        kinds = db.session.scalars(select(OutboxMessage.kind)).all()
        assert kinds == ["decision"]


def test_continuing_an_incident_is_one_commit_with_its_audit(app: Flask, login_as: Any) -> None:
    from designer.worker import work_once

    _leisure(login_as("kari"))
    work_once(app)
    with app.app_context():
        payment = db.session.scalars(
            select(ConnectorJob).where(ConnectorJob.connector == "payment")
        ).one()
        payment.params = {**payment.params, "account": "12345678901"}
        db.session.commit()
    work_once(app)
    with app.app_context():
        instance_id = db.session.scalars(
            select(Instance.id).where(Instance.status == "incident")
        ).one()
    eier = login_as("eier")
    url = f"/modeler/incidents/{instance_id}"
    fields = {**eier.hidden_fields(url, form_index=-1), "answer": '{"status": "paid"}'}
    with _commits() as commits:
        sent = eier.client.post(url + "/continue", data=fields)
    assert sent.status_code == 302
    assert len(commits) == 1  # was 2: the step, then its audit row
    assert _audits(app, "incident.continue") == 1
