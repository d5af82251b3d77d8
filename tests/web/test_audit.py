"""The audit log: staff reads and changes are recorded, and only admins see their tenant's."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from datetime import timedelta

import lxml.html
from flask import Flask
from sqlalchemy import select

from designer.extensions import db
from designer.models import Attachment, User
from designer.services import uploads
from designer.services.audit import AuditEvent
from engine.models import Instance, Tenant, utcnow
from tests.factories import PARKING_APPLICATION, text_of
from tests.processes.test_leisure_subsidy import _apply
from tests.web.modeler.test_incidents import _break_payment, _incident_id

APPLY = "/services/parking_permit/apply"
REVIEW = {
    "review_decision": "rejected",
    "review_reason": "Legeerklæringen viser ikke nedsatt gangevne.",
}


def _events(app: Flask, **where: object) -> list[AuditEvent]:
    with app.app_context():
        stmt = select(AuditEvent).order_by(AuditEvent.id)
        for column, value in where.items():
            stmt = stmt.where(getattr(AuditEvent, column) == value)
        events = list(db.session.scalars(stmt))
        db.session.expunge_all()
        return events


def _user(app: Flask, username: str) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        assert user is not None
        db.session.expunge(user)
        return user


def _case(app: Flask, login_as) -> tuple[object, str, int, str]:  # type: ignore[no-untyped-def]
    """Kari applies; returns the caseworker's browser, task URL, instance id and case number."""
    login_as("kari").submit(APPLY, PARKING_APPLICATION)
    sara = login_as("saksbehandler")
    match = re.search(
        r'href="(/casework/tasks/\d+)"', sara.get("/casework/").get_data(as_text=True)
    )
    assert match
    with app.app_context():
        instance = db.session.scalar(select(Instance).order_by(Instance.id.desc()))
        assert instance is not None
        return sara, match.group(1), instance.id, instance.case_no


def test_a_caseworker_reading_a_case_is_recorded_once(app: Flask, login_as) -> None:
    sara, _url, instance_id, case_no = _case(app, login_as)
    assert _events(app, action="case.view") == []
    assert sara.get(f"/casework/cases/{instance_id}").status_code == 200
    [event] = _events(app, action="case.view")
    saksbehandler = _user(app, "saksbehandler")
    assert event.actor_id == saksbehandler.id
    assert event.actor_name == saksbehandler.name
    assert event.tenant_id == saksbehandler.tenant_id
    assert event.case_no == case_no
    assert event.role == "caseworker"
    assert (event.object_type, event.object_id) == ("case", str(instance_id))
    assert event.at <= utcnow()


def test_reading_and_completing_a_task_is_recorded_without_form_data(app: Flask, login_as) -> None:
    sara, url, _instance_id, case_no = _case(app, login_as)
    assert sara.submit(url, REVIEW).status_code == 302  # GET (a read), then POST
    [view] = _events(app, action="task.view")
    [done] = _events(app, action="task.complete")
    assert view.case_no == done.case_no == case_no
    assert done.object_id == url.rsplit("/", 1)[1]
    assert "Legeerklæringen" not in json.dumps(done.detail, ensure_ascii=False)


def test_a_failed_completion_is_not_recorded_as_done(app: Flask, login_as) -> None:
    sara, url, _instance_id, _case_no = _case(app, login_as)
    response = sara.submit(url, {"review_decision": "approved", "review_reason": ""})
    assert response.status_code == 422
    assert _events(app, action="task.complete") == []


def test_the_citizen_reading_their_own_case_is_not_a_staff_read(app: Flask, login_as) -> None:
    kari = login_as("kari")
    kari.submit(APPLY, PARKING_APPLICATION)
    page = kari.get("/cases").get_data(as_text=True)
    case_url = re.search(r'href="(/cases/\d{4}-\d{6})"', page)
    assert case_url
    assert kari.get(case_url.group(1)).status_code == 200
    assert _events(app, actor_id=_user(app, "kari").id) == []


def test_comments_claims_and_releases_are_recorded(app: Flask, login_as) -> None:
    sara, url, instance_id, case_no = _case(app, login_as)
    task_id = url.rsplit("/", 1)[1]
    case_url = f"/casework/cases/{instance_id}"
    secret = "Intern merknad om helsen"
    assert sara.submit(case_url, {"text": secret}, action="/comments").status_code == 302
    assert sara.submit(url, {}, action="/claim").status_code == 302
    assert sara.submit(url, {}, action="/release").status_code == 302
    actions = [e.action for e in _events(app, case_no=case_no)]
    for action in ("case.comment", "task.claim", "task.release"):
        assert actions.count(action) == 1, actions
    [comment] = _events(app, action="case.comment")
    assert secret not in json.dumps(comment.detail, ensure_ascii=False)
    assert [e.object_id for e in _events(app, action="task.claim")] == [task_id]


def test_a_caseworker_outside_the_group_is_recorded_as_denied(app: Flask, login_as) -> None:
    _sara, _url, instance_id, case_no = _case(app, login_as)
    with app.app_context():
        other = User(
            tenant_id=_user(app, "saksbehandler").tenant_id,
            username="annen",
            name="Anne Annen",
            roles="caseworker",
            groups="Barnehage",
        )
        other.set_password("demo")
        db.session.add(other)
        db.session.commit()
    assert login_as("annen").get(f"/casework/cases/{instance_id}").status_code == 403
    [denied] = _events(app, action="case.view.denied")
    assert denied.actor_name == "Anne Annen"
    assert denied.case_no == case_no
    assert _events(app, action="case.view") == []


def test_admins_see_and_filter_the_log(app: Flask, login_as) -> None:
    sara, url, instance_id, case_no = _case(app, login_as)
    sara.get(f"/casework/cases/{instance_id}")
    sara.get(url)
    admin = login_as("admin")
    page = admin.get("/admin/audit")
    assert page.status_code == 200
    text = text_of(page)
    assert case_no in text and "case.view" in text and "task.view" in text
    doc = lxml.html.fromstring(page.get_data(as_text=True))
    assert doc.xpath("//table/caption") and doc.xpath("//th[@scope='col']")
    assert doc.xpath("//label[@for='case_no']") and doc.xpath("//label[@for='from']")

    only_tasks = text_of(admin.get("/admin/audit?action=task.view"))
    assert "task.view" in only_tasks and "case.view" not in only_tasks
    saksbehandler = _user(app, "saksbehandler")
    by_user = text_of(admin.get(f"/admin/audit?user={saksbehandler.id}"))
    assert case_no in by_user
    ola = _user(app, "ola")
    assert case_no not in text_of(admin.get(f"/admin/audit?user={ola.id}"))
    assert case_no in text_of(admin.get(f"/admin/audit?case_no={case_no}"))
    assert case_no not in text_of(admin.get("/admin/audit?case_no=1999-000001"))
    today = utcnow().date()
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert case_no in text_of(admin.get(f"/admin/audit?from={today}&to={today}"))
    assert case_no not in text_of(admin.get(f"/admin/audit?from={tomorrow}"))
    assert admin.get("/admin/audit?from=nonsense&user=x&before=-1").status_code == 200


def test_only_admins_reach_the_log(login_as) -> None:
    for username in ("saksbehandler", "eier", "leder", "kari"):
        browser = login_as(username)
        assert browser.get("/admin/audit").status_code == 403, username
        assert browser.get("/admin/audit/export.csv").status_code == 403, username


def test_another_tenants_rows_never_show(app: Flask, login_as) -> None:
    with app.app_context():
        other = Tenant(slug="annen-kommune", name="Annen kommune")
        db.session.add(other)
        db.session.flush()
        db.session.add(
            AuditEvent(
                tenant_id=other.id,
                actor_id=9999,
                actor_name="Fremmed Saksbehandler",
                role="caseworker",
                action="case.view",
                object_type="case",
                object_id="1",
                case_no="2026-999999",
            )
        )
        db.session.commit()
        foreign_id = db.session.scalar(select(AuditEvent.id))
    admin = login_as("admin")
    for url in (
        "/admin/audit",
        "/admin/audit?case_no=2026-999999",
        "/admin/audit?user=9999",
        f"/admin/audit?before={foreign_id}",
        "/admin/audit/export.csv",
        "/admin/audit/export.csv?case_no=2026-999999",
    ):
        response = admin.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        if response.mimetype == "text/html":  # the filter form echoes what was asked
            body = " ".join(lxml.html.fromstring(body).xpath("//table//text()"))
        assert "Fremmed" not in body and "2026-999999" not in body, url


def test_csv_export_has_the_header_and_the_filtered_rows(app: Flask, login_as) -> None:
    sara, url, instance_id, case_no = _case(app, login_as)
    sara.get(f"/casework/cases/{instance_id}")
    sara.get(url)
    response = login_as("admin").get("/admin/audit/export.csv?action=case.view")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:6] == ["id", "at_utc", "actor_id", "actor_name", "role", "action"]
    assert [(r[5], r[8]) for r in rows[1:]] == [("case.view", case_no)]
    [export] = _events(app, action="audit.export")
    assert export.role == "admin" and export.detail == {"action": "case.view"}


def test_the_log_pages_newest_first(app: Flask, login_as) -> None:
    admin_user = _user(app, "admin")
    start = utcnow() - timedelta(hours=1)
    with app.app_context():
        for n in range(60):
            db.session.add(
                AuditEvent(
                    tenant_id=admin_user.tenant_id,
                    at=start + timedelta(seconds=n),
                    actor_id=admin_user.id,
                    actor_name="Loggført",
                    role="caseworker",
                    action="case.view",
                    case_no=f"2026-{n:06d}",
                )
            )
        db.session.commit()
    admin = login_as("admin")
    first = admin.get("/admin/audit").get_data(as_text=True)
    assert "2026-000059" in first and "2026-000010" in first and "2026-000009" not in first
    assert first.index("2026-000059") < first.index("2026-000058")
    older = re.search(r'href="([^"]*before=\d+[^"]*)" rel="next"', first)
    assert older
    second = admin.get(older.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "2026-000009" in second and "2026-000000" in second and "2026-000010" not in second
    assert 'rel="next"' not in second


def test_incident_reads_and_retries_are_recorded(app: Flask, login_as) -> None:
    case_no = _apply(login_as("kari"))
    _break_payment(app)
    instance_id = _incident_id(app, case_no)
    owner = login_as("eier")
    retried = owner.submit(f"/modeler/incidents/{instance_id}", {}, action="/retry")
    assert retried.status_code == 302
    [view] = _events(app, action="incident.view")
    [retry] = _events(app, action="incident.retry")
    assert view.case_no == retry.case_no == case_no
    assert view.role == "process_owner" and view.actor_id == _user(app, "eier").id
    assert retry.detail == {"result": "running"}  # queued again; a failure says "failed"


def test_staff_downloads_are_recorded_and_the_applicants_are_not(app: Flask, login_as) -> None:
    sara, _url, instance_id, case_no = _case(app, login_as)
    kari_user = _user(app, "kari")
    with app.app_context():
        attachment = Attachment(
            tenant_id=kari_user.tenant_id,
            instance_id=instance_id,
            owner=kari_user.actor,
            field_key="statement",
            filename="legeerklaering.pdf",
            media_type="application/pdf",
            size=4,
            sha256="0" * 64,
            storage_name="a" * 32,
        )
        db.session.add(attachment)
        db.session.commit()
        os.makedirs(uploads.folder(), exist_ok=True)
        with open(uploads.path_of(attachment), "wb") as file:
            file.write(b"%PDF")
        attachment_id = attachment.id
    for browser in (sara, login_as("kari")):
        download = browser.get(f"/attachments/{attachment_id}")
        assert download.status_code == 200
        download.close()
    [event] = _events(app, action="attachment.download")
    assert event.actor_id == _user(app, "saksbehandler").id
    assert (event.object_id, event.case_no) == (str(attachment_id), case_no)
