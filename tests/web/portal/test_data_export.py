"""A citizen downloads everything held about them: their own data, never anyone else's."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from flask import Flask
from sqlalchemy import select

from designer.extensions import db
from designer.models import User
from tests.factories import PARKING_APPLICATION, text_of

APPLY = "/services/parking_permit/apply"
NILS = {
    **PARKING_APPLICATION,
    "applicant_name": "Nils Nabo",
    "national_id": "01017010170",
    "address": "Nabovegen 2",
}


def _case_no(response: Any) -> str:
    match = re.search(r"/cases/(\d{4}-\d{6})", response.headers["Location"])
    assert match, response.headers.get("Location")
    return match.group(1)


def _nils(app: Flask) -> None:
    with app.app_context():
        tenant_id = db.session.scalars(select(User.tenant_id)).first()
        user = User(
            tenant_id=tenant_id,
            username="nils",
            name="Nils Nabo",
            roles="citizen",
            national_id="01017010170",
            email="nils@example.no",
        )
        user.set_password("demo")
        db.session.add(user)
        db.session.commit()


def test_the_export_needs_a_logged_in_citizen(client: Any, login_as: Any) -> None:
    anonymous = client.get("/my-data")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    for staff in ("saksbehandler", "eier", "admin"):
        assert login_as(staff).get("/my-data").status_code == 403


def test_my_cases_links_to_the_export(login_as: Any) -> None:
    page = login_as("kari").get("/cases")
    assert 'href="/my-data"' in page.get_data(as_text=True)
    assert "Last ned dataene dine" in text_of(page)


def test_the_export_holds_the_citizens_own_data_and_nobody_elses(app: Flask, login_as: Any) -> None:
    _nils(app)
    kari = login_as("kari")
    mine = _case_no(kari.submit(APPLY, PARKING_APPLICATION))
    kari.submit(APPLY, {"applicant_name": "Kari Nordmann", "save_draft": "1"})
    nils = login_as("nils")
    theirs = _case_no(nils.submit(APPLY, NILS))
    sara = login_as("saksbehandler")
    with app.app_context():
        from engine.models import Instance

        instance_id = db.session.scalars(select(Instance.id).where(Instance.case_no == mine)).one()
    case_url = f"/casework/cases/{instance_id}"
    sara.submit(case_url, {"text": "Intern vurdering: ring legen."}, action=f"{case_url}/comments")
    sara.submit(
        case_url,
        {"text": "Send oss en ny legeerklæring."},
        action=f"{case_url}/information-request",
    )

    response = kari.get("/my-data")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    today = date.today().isoformat()
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="flytverk-data-{today}.json"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    export = json.loads(response.get_data(as_text=True))

    assert export["profile"]["username"] == "kari"
    assert export["profile"]["national_id"] == "15818012001"
    assert "password_hash" not in export["profile"]
    [case] = export["cases"]
    assert case["case_no"] == mine and case["service"]["key"] == "parking_permit"
    assert case["submitted"]["national_id"] == "15818012001"
    assert case["current_data"]["need_description"] == PARKING_APPLICATION["need_description"]
    kinds = [e["kind"] for e in case["timeline"]]
    assert "started" in kinds and "information_requested" in kinds
    assert "comment" not in kinds  # internal case preparation: exempt, see the module
    assert any(e.get("text") == "Send oss en ny legeerklæring." for e in case["timeline"])
    assert [d["fields"] for d in export["drafts"]] and any(
        ["applicant_name", "Kari Nordmann"] in d["fields"] for d in export["drafts"]
    )
    assert any(m["to"] == "kari@example.no" for m in export["messages"])

    raw = response.get_data(as_text=True)
    for foreign in (theirs, "Nils Nabo", "01017010170", "Nabovegen", "nils@example.no"):
        assert foreign not in raw, foreign
    assert "Intern vurdering" not in raw


def test_nils_gets_his_own_export_without_karis_case(app: Flask, login_as: Any) -> None:
    _nils(app)
    kari_case = _case_no(login_as("kari").submit(APPLY, PARKING_APPLICATION))
    nils = login_as("nils")
    nils_case = _case_no(nils.submit(APPLY, NILS))
    export = json.loads(nils.get("/my-data").get_data(as_text=True))
    assert [c["case_no"] for c in export["cases"]] == [nils_case]
    raw = json.dumps(export)
    assert kari_case not in raw and "15818012001" not in raw and "Kari" not in raw
