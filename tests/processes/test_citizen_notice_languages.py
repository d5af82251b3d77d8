"""A citizen's e-mails are in their language: their own choice (the header switch, kept on
the profile), else the municipality's målform — also when a background job decides."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import lxml.html
import pytest
from flask import Flask
from sqlalchemy import select

from designer import languages
from designer.extensions import db
from designer.models import OutboxMessage, User
from designer.worker import work_once
from engine import api as engine
from engine.models import HumanTask, Instance, Tenant
from tests.factories import DEMO_PASSWORD, PARKING_APPLICATION, Browser, add_api_token
from tests.processes.test_citizen_notices import _case_no, _leisure, _offer

SUBJECTS = {
    "nb": "Saken din {} har fått vedtak",
    "nn": "Saka di {} har fått vedtak",
    "en": "Your case {} has a decision",
}
BODIES = {  # one sentence of the decision e-mail and its signature, per language
    "nb": ("saken din {} har fått et vedtak.", "Med vennlig hilsen"),
    "nn": ("saka di {} har fått eit vedtak.", "Med venleg helsing"),
    "en": ("your case {} has a decision.", "Kind regards"),
}


def _mail(app: Flask, case_no: str, kind: str) -> OutboxMessage:
    with app.app_context():
        instance = db.session.scalars(select(Instance).where(Instance.case_no == case_no)).one()
        [row] = db.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.instance_id == instance.id, OutboxMessage.kind == kind
            )
        )
        db.session.expunge(row)
        return row


def _assert_decision_in(language: str, mail: OutboxMessage, case_no: str) -> None:
    assert mail.subject == SUBJECTS[language].format(case_no)
    sentence, regards = BODIES[language]
    for body in (mail.body_text, mail.body_html or ""):
        assert sentence.format(case_no) in re.sub(r"</?strong>", "", body)
        assert regards in body
    assert lxml.html.fromstring(mail.body_html).get("lang") == language


def _set_tenant_language(app: Flask, code: str) -> None:
    with app.app_context():
        languages.set_tenant_language(db.session.query(Tenant).one(), code)
        db.session.commit()


def _language_of(app: Flask, username: str) -> str | None:
    with app.app_context():
        return db.session.scalars(select(User.language).where(User.username == username)).one()


def _second_citizen(app: Flask) -> None:
    with app.app_context():
        tenant = db.session.query(Tenant).one()
        nils = User(
            tenant_id=tenant.id,
            username="nils",
            name="Nils Nilsen",
            roles="citizen",
            email="nils@example.no",
        )
        nils.set_password(DEMO_PASSWORD)
        db.session.add(nils)
        db.session.commit()


def _approve(app: Flask, sara: Browser, case_no: str) -> None:
    with app.app_context():
        task_id = db.session.scalars(
            select(HumanTask.id)
            .join(Instance, HumanTask.instance_id == Instance.id)
            .where(Instance.case_no == case_no, HumanTask.status == "open")
        ).one()
    review = {"review_decision": "approved", "review_reason": "Dokumentert."}
    assert sara.submit(f"/casework/tasks/{task_id}", review).status_code == 302


def test_each_citizen_gets_the_decision_in_the_language_they_chose(
    app: Flask, login_as: Any
) -> None:
    _second_citizen(app)
    kari, nils = login_as("kari"), login_as("nils")
    kari.set_language("nn")
    nils.set_language("en")
    assert (_language_of(app, "kari"), _language_of(app, "nils")) == ("nn", "en")
    apply = "/services/parking_permit/apply"
    kari_case = _case_no(kari.submit(apply, PARKING_APPLICATION))
    nils_case = _case_no(nils.submit(apply, {**PARKING_APPLICATION, "applicant_name": "Nils"}))
    sara = login_as("saksbehandler")  # the caseworker reads bokmål; the e-mails do not
    _approve(app, sara, kari_case)
    _approve(app, sara, nils_case)
    _assert_decision_in("nn", _mail(app, kari_case, "decision"), kari_case)
    nils_mail = _mail(app, nils_case, "decision")
    _assert_decision_in("en", nils_mail, nils_case)
    assert nils_mail.recipient == "nils@example.no"


@pytest.fixture
def token(app: Flask) -> str:
    with app.app_context():
        return add_api_token("register")


def test_a_nynorsk_municipality_writes_nynorsk_when_a_timer_decides(
    app: Flask, client: Any, token: str
) -> None:
    _set_tenant_language(app, "nn")
    assert _language_of(app, "kari") is None  # no choice of her own: the målform
    case_no = _offer(client, token)
    asked = _mail(app, case_no, "answer_needed")
    assert asked.subject == f"Vi ventar på svaret ditt i sak {case_no}"
    assert "kommunen ventar på svaret ditt" in asked.body_text
    with app.app_context():
        instance = db.session.scalars(select(Instance).where(Instance.case_no == case_no)).one()
        tenant_id, instance_id, due = instance.tenant_id, instance.id, instance.next_timer_at
        db.session.remove()
    with app.app_context():  # the worker's way: no request, no one's UI language
        engine.wake(db.session, tenant_id, instance_id, due + timedelta(days=1))
    _assert_decision_in("nn", _mail(app, case_no, "decision"), case_no)


@pytest.mark.parametrize(
    ("chosen", "målform", "expected"),
    [("en", "nn", "en"), (None, "nn", "nn"), ("nn", "nb", "nn"), (None, "nb", "nb")],
)
def test_a_connector_job_decides_and_the_mail_is_in_the_citizens_language(
    app: Flask, login_as: Any, chosen: str | None, målform: str, expected: str
) -> None:
    _set_tenant_language(app, målform)
    kari = login_as("kari")
    if chosen:
        kari.set_language(chosen)
    assert _language_of(app, "kari") == chosen
    case_no = _leisure(kari)
    assert work_once(app) == 1 and work_once(app) == 1  # the letter, then the payment
    _assert_decision_in(expected, _mail(app, case_no, "decision"), case_no)
