"""Citizens are told of a decision however it was made: in a request, by a timer, by a
connector job, by a delivered message, after an incident — one outbox row each time."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from designer.extensions import db
from designer.models import OutboxMessage, User
from designer.services.catalog import ServiceBundle, install
from designer.worker import work_once
from engine import api as engine
from engine.models import ConnectorJob, Instance, ProcessModel, ProcessVersion, Tenant
from tests.engine.helpers import DATA
from tests.factories import PARKING_APPLICATION, Browser, add_api_token

KARI = "kari@example.no"
WAIT = (DATA / "engine" / "message_wait.bpmn").read_text(encoding="utf-8")


def _notices(app: Flask, case_no: str, kind: str | None = None) -> list[OutboxMessage]:
    with app.app_context():
        instance = db.session.scalars(select(Instance).where(Instance.case_no == case_no)).one()
        query = select(OutboxMessage).where(
            OutboxMessage.instance_id == instance.id, OutboxMessage.recipient == KARI
        )
        if kind:
            query = query.where(OutboxMessage.kind == kind)
        rows = list(db.session.scalars(query.order_by(OutboxMessage.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


def _case_no(response: Any) -> str:
    assert response.status_code == 302, response.status_code
    return re.search(r"/cases/(\d{4}-\d{6})", response.headers["Location"]).group(1)


@pytest.fixture
def token(app: Flask) -> str:
    with app.app_context():
        return add_api_token("register")


def test_decided_by_a_caseworker_in_a_request(app: Flask, login_as: Any) -> None:
    case_no = _case_no(
        login_as("kari").submit("/services/parking_permit/apply", PARKING_APPLICATION)
    )
    assert _notices(app, case_no) == []  # received: nothing decided yet
    sara = login_as("saksbehandler")
    url = re.search(r'href="(/casework/tasks/\d+)"', sara.get("/casework/").get_data(as_text=True))
    review = {"review_decision": "approved", "review_reason": "Dokumentert."}
    assert sara.submit(url.group(1), review).status_code == 302
    [notice] = _notices(app, case_no)
    assert notice.kind == "decision" and notice.status == "outbox"
    assert f"http://localhost/cases/{case_no}" in notice.body_text


def _offer(client: Any, token: str) -> str:
    born = (date.today() - timedelta(days=10)).isoformat()
    body = {
        "name": "child_born",
        "citizen": "15818012001",
        "payload": {
            "child_national_id": "01012612345",
            "child_first_name": "Emma",
            "child_last_name": "Nordmann",
            "child_birth_date": born,
            "postal_code": "3724",
        },
    }
    started = client.post("/api/messages", json=body, headers={"Authorization": f"Bearer {token}"})
    assert started.status_code == 201, started.get_json()
    return str(started.get_json()["started"])


def test_decided_by_a_timer_outside_any_request(app: Flask, client: Any, token: str) -> None:
    app.config["PUBLIC_BASE_URL"] = "https://flytverk.kommune.no/"
    case_no = _offer(client, token)
    [asked] = _notices(app, case_no)  # the offer opened a task for Kari
    assert asked.kind == "answer_needed"
    assert "https://flytverk.kommune.no/cases/" in asked.body_text
    with app.app_context():
        instance = db.session.scalars(select(Instance).where(Instance.case_no == case_no)).one()
        tenant_id, instance_id, due = instance.tenant_id, instance.id, instance.next_timer_at
        db.session.remove()
    # The worker's way: a plain session, no request (links still absolute).
    with app.app_context():
        engine.wake(db.session, tenant_id, instance_id, due + timedelta(days=1))
    [decision] = _notices(app, case_no, "decision")
    assert f"https://flytverk.kommune.no/cases/{case_no}" in decision.body_text


def test_without_public_base_url_a_worker_mail_has_no_broken_link(app: Flask) -> None:
    from designer.notify.messages import external_url

    with app.app_context():
        assert external_url("portal.case", case_no="2026-000001") == ""
        app.config["PUBLIC_BASE_URL"] = "https://flytverk.kommune.no"
        assert (
            external_url("portal.case", case_no="2026-000001")
            == "https://flytverk.kommune.no/cases/2026-000001"
        )


LEISURE = {
    "applicant_name": "Kari Nordmann",
    "national_id": "15818012001",
    "household_income": "380000",
    "account_number": "1234 56 78903",
    "child_name": "Emma",
    "child_birth_date": date(date.today().year - 10, 3, 1).isoformat(),
    "activity_name": "Fotball, Skotfoss IL",
    "costs": ["fee", "equipment"],
    "activity_fee": "2400",
    "equipment_cost": "2000",
}


def _leisure(kari: Browser) -> str:
    url = "/services/leisure_subsidy/apply"
    return _case_no(
        kari.client.post(url, data={**kari.hidden_fields(url), **LEISURE, "_hidden": ""})
    )


def test_decided_by_a_connector_job(app: Flask, login_as: Any) -> None:
    case_no = _leisure(login_as("kari"))
    assert work_once(app) == 1 and work_once(app) == 1  # the letter, then the payment
    [decision] = _notices(app, case_no, "decision")
    assert decision.status == "outbox"
    assert work_once(app) == 0
    assert len(_notices(app, case_no, "decision")) == 1


def test_decided_when_an_incident_is_continued(app: Flask, login_as: Any) -> None:
    case_no = _leisure(login_as("kari"))
    work_once(app)  # the letter
    with app.app_context():
        payment = db.session.scalars(
            select(ConnectorJob).where(ConnectorJob.connector == "payment")
        ).one()
        payment.params = {**payment.params, "account": "12345678901"}  # refused: an incident
        db.session.commit()
    work_once(app)
    with app.app_context():
        instance = db.session.scalars(select(Instance).where(Instance.case_no == case_no)).one()
        assert instance.status == "incident"
        instance_id = instance.id
    assert _notices(app, case_no, "decision") == []
    eier = login_as("eier")
    url = f"/modeler/incidents/{instance_id}"
    sent = eier.submit(url, {"answer": '{"status": "paid"}'}, action="/continue")
    assert sent.status_code == 302
    with app.app_context():
        assert db.session.get(Instance, instance_id).status == "completed"
    assert len(_notices(app, case_no, "decision")) == 1


def test_decided_by_a_delivered_message(app: Flask, client: Any, token: str) -> None:
    with app.app_context():
        tenant = db.session.query(Tenant).one()
        db.session.query(ProcessModel).filter_by(key="proactive_kindergarten").one().archived = True
        meta = {"name": {"nb": "Venter"}, "process_id": "message_wait"}
        install(
            db.session, tenant, ServiceBundle(key="message_wait", meta=meta, bpmn=WAIT, files={})
        )
        db.session.commit()
        model = db.session.query(ProcessModel).filter_by(key="message_wait").one()
        version = db.session.get(ProcessVersion, model.published_version_id)
        kari = db.session.scalars(select(User).where(User.username == "kari")).one()
        case_no = engine.start(
            db.session,
            version,
            data={"case_ref": "REF-1", "decision": {"outcome": "approved"}},
            actor="system",
            owner=kari.actor,
        ).case_no
    assert _notices(app, case_no) == []
    body = {"name": "documents_received", "correlation_key": "REF-1"}
    auth = {"Authorization": f"Bearer {token}"}
    delivered = client.post("/api/messages", json=body, headers=auth)
    assert delivered.status_code == 200 and delivered.get_json()["status"] == "completed"
    [decision] = _notices(app, case_no)
    assert decision.kind == "decision"
