"""Submitting twice never makes two cases: a one-time key per form, also under a race."""

from __future__ import annotations

import io
import json
import os
import threading
from typing import Any

from flask import Flask
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

import forms
from designer.extensions import db
from designer.models import Attachment, SubmissionKey, User
from designer.services import uploads
from designer.services.catalog import ServiceBundle, install
from engine.models import Instance, Tenant
from forms.uploads import UploadInfo
from tests.factories import PARKING_APPLICATION, Browser

APPLY = "/services/parking_permit/apply"


def _cases(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(Instance)) or 0)


def _form(kari: Browser) -> dict[str, str]:
    fields = kari.hidden_fields(APPLY)
    assert fields.get("submission_key"), "the form carries a one-time key"
    return {**fields, **PARKING_APPLICATION}


def test_the_same_submission_twice_makes_one_case_and_shows_the_first_receipt(
    app: Flask, login_as: Any
) -> None:
    kari = login_as("kari")
    before = _cases(app)
    fields = _form(kari)
    first = kari.client.post(APPLY, data=fields)
    assert first.status_code == 302 and "received=1" in first.headers["Location"]
    again = kari.client.post(APPLY, data=fields)  # the response was lost; she sends again
    assert again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    assert _cases(app) == before + 1
    assert _form(kari)["submission_key"] != fields["submission_key"]  # a new form, a new key
    with app.app_context():
        key = db.session.scalars(select(SubmissionKey)).one()
        assert key.scope == "form" and key.instance_id is not None


def test_two_submissions_racing_with_one_key_make_one_case(app: Flask, login_as: Any) -> None:
    browsers = [login_as("kari"), login_as("kari")]
    fields = _form(browsers[0])
    fields["csrf_token"] = ""  # each browser sends its own session's token
    before = _cases(app)
    barrier = threading.Barrier(2)
    answers: list[Any] = [None, None]

    def send(n: int) -> None:
        body = {**fields, "csrf_token": browsers[n].hidden_fields(APPLY)["csrf_token"]}
        barrier.wait()
        answers[n] = browsers[n].client.post(APPLY, data=body)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [302, 302]
    assert _cases(app) == before + 1


def _upload(content: bytes) -> forms.Upload:
    storage = FileStorage(io.BytesIO(content), filename="lonn.pdf")
    info = UploadInfo(
        filename_safe="lonn.pdf", media_type="application/pdf", size=len(content), sha256="0" * 64
    )
    return forms.Upload(storage=storage, info=info)


def test_uploads_of_a_failed_submission_leave_no_file_behind(app: Flask) -> None:
    with app.test_request_context():
        kari = db.session.scalars(select(User).where(User.username == "kari")).one()
        data, ids = uploads.store_all(
            db.session, {"payslip": _upload(b"%PDF-1.4")}, kari.actor, kari.tenant_id
        )
        [stored] = db.session.scalars(select(Attachment).where(Attachment.id.in_(ids))).all()
        path = uploads.path_of(stored)
        assert os.path.exists(path)
        db.session.rollback()  # the submission failed: its rows and its files go
        assert not os.path.exists(path)
        assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0

        _, kept = uploads.store_all(
            db.session, {"payslip": _upload(b"%PDF-1.4")}, kari.actor, kari.tenant_id
        )
        db.session.commit()  # committed with its case: the file stays
        row = db.session.get(Attachment, kept[0])
        assert row is not None and os.path.exists(uploads.path_of(row))


def test_a_failed_first_step_keeps_the_key_with_the_incident(app: Flask, login_as: Any) -> None:
    from tests.processes.test_incidents import BROKEN, START_FORM

    with app.app_context():
        tenant = db.session.query(Tenant).one()
        meta = {"name": {"nb": "Ødelagt"}, "process_id": "broken"}
        files = {"forms/start.json": json.dumps(START_FORM)}
        install(
            db.session, tenant, ServiceBundle(key="broken", meta=meta, bpmn=BROKEN, files=files)
        )
        db.session.commit()
    kari = login_as("kari")
    url = "/services/broken/apply"
    fields = {**kari.hidden_fields(url), "amount": "1200"}
    before = _cases(app)
    first = kari.client.post(url, data=fields)
    assert first.status_code == 302
    again = kari.client.post(url, data=fields)
    assert again.headers["Location"].split("?")[0] == first.headers["Location"].split("?")[0]
    assert _cases(app) == before + 1
    with app.app_context():
        key = db.session.scalars(select(SubmissionKey)).one()
        assert db.session.get(Instance, key.instance_id).status == "incident"
