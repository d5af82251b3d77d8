"""Process owners see failed automated steps and retry them or continue with data."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from designer.extensions import db
from designer.models import PaymentOrder
from designer.worker import work_once
from engine.models import ConnectorJob, Instance
from tests.factories import text_of
from tests.processes.test_leisure_subsidy import _apply, _instance


def _break_payment(app: Flask, account: str = "12345678901") -> None:
    """Run the letter, then make the payment's account one no retry can fix."""
    work_once(app)
    with app.app_context():
        job = db.session.scalars(
            select(ConnectorJob).where(ConnectorJob.connector == "payment")
        ).one()
        job.params = {**job.params, "account": account}
        db.session.commit()
    work_once(app)


def _incident_id(app: Flask, case_no: str) -> int:
    with app.app_context():
        instance = _instance(case_no)
        assert instance.status == "incident"
        return instance.id


def test_the_list_shows_the_incident_and_the_page_every_attempt(app: Flask, login_as) -> None:
    case_no = _apply(login_as("kari"))
    _break_payment(app)
    owner = login_as("eier")
    listing = text_of(owner.get("/modeler/incidents"))
    assert case_no in listing and "not a valid Norwegian account" in listing
    page = text_of(owner.get(f"/modeler/incidents/{_incident_id(app, case_no)}"))
    assert "Bestill utbetaling" in page and "payment" in page and "1 / 3" in page
    assert "connector_failed" in page and "connector_succeeded" in page  # letter, then payment


def test_continue_with_data_finishes_the_case_and_bad_json_is_a_field_error(
    app: Flask, login_as
) -> None:
    case_no = _apply(login_as("kari"))
    _break_payment(app)
    owner = login_as("eier")
    url = f"/modeler/incidents/{_incident_id(app, case_no)}"
    for bad, words in (("{not json", "ikke gyldig JSON"), ("[1, 2]", "Gi et JSON-objekt")):
        answer = owner.submit(url, {"answer": bad}, action="/continue")
        assert answer.status_code == 422 and words in text_of(answer)
    with app.app_context():
        assert _instance(case_no).status == "incident"  # nothing changed
    done = owner.submit(url, {"answer": '{"status": "paid manually", "voucher": "B-17"}'})
    assert done.status_code == 302
    with app.app_context():
        instance = _instance(case_no)
        assert instance.status == "completed" and instance.outcome == "granted"
        assert db.session.scalars(select(PaymentOrder)).all() == []  # paid outside Flytverk


def test_retry_runs_the_step_again_once_the_cause_is_fixed(app: Flask, login_as) -> None:
    case_no = _apply(login_as("kari"))
    _break_payment(app)
    instance_id = _incident_id(app, case_no)
    with app.app_context():  # the process owner corrected the account with the applicant
        job = db.session.scalars(
            select(ConnectorJob).where(ConnectorJob.connector == "payment")
        ).one()
        job.params = {**job.params, "account": "12345678903"}
        db.session.commit()
    owner = login_as("eier")
    retried = owner.submit(f"/modeler/incidents/{instance_id}", {}, action="/retry")
    assert retried.status_code == 302
    with app.app_context():
        assert _instance(case_no).status == "running"
    assert work_once(app) == 1
    with app.app_context():
        assert _instance(case_no).status == "completed"
        assert len(db.session.scalars(select(PaymentOrder)).all()) == 1
    again = owner.client.post(
        f"/modeler/incidents/{instance_id}/retry", data={"csrf_token": owner.csrf()}
    )
    assert again.status_code == 302  # nothing to retry: a message, not an error


def test_only_process_owners_of_the_tenant_see_incidents(app: Flask, login_as) -> None:
    case_no = _apply(login_as("kari"))
    _break_payment(app)
    instance_id = _incident_id(app, case_no)
    for user in ("kari", "saksbehandler"):
        browser = login_as(user)
        assert browser.get("/modeler/incidents").status_code == 403
        assert browser.get(f"/modeler/incidents/{instance_id}").status_code == 403
    owner = login_as("eier")
    assert owner.get("/modeler/incidents/999999").status_code == 404
    with app.app_context():  # another municipality's case is not found either
        from engine.models import Tenant

        other = Tenant(slug="nabokommune", name="Nabokommune")
        db.session.add(other)
        db.session.flush()
        db.session.get(Instance, instance_id).tenant_id = other.id
        db.session.commit()
    assert owner.get(f"/modeler/incidents/{instance_id}").status_code == 404
    assert case_no not in text_of(owner.get("/modeler/incidents"))


def test_actions_need_a_csrf_token(app: Flask, login_as) -> None:
    case_no = _apply(login_as("kari"))
    _break_payment(app)
    owner = login_as("eier")
    instance_id = _incident_id(app, case_no)
    assert owner.client.post(f"/modeler/incidents/{instance_id}/retry").status_code == 400
    answer = owner.client.post(f"/modeler/incidents/{instance_id}/continue", data={"answer": "{}"})
    assert answer.status_code in (400, 422)
    with app.app_context():
        assert _instance(case_no).status == "incident"
