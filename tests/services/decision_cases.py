"""Cases with decisions for the letter tests: through the app, as citizens and caseworkers."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from sqlalchemy import select

from designer.extensions import db
from designer.models import DecisionLetter, User
from engine.models import Instance
from tests.factories import PARKING_APPLICATION, Browser

APPLY = "/services/parking_permit/apply"
REASON = "Legeerklæringen dokumenterer vesentlig nedsatt gangevne."


def case_no_of(response: Any) -> str:
    """The case number a submitted application redirects to."""
    match = re.search(r"/cases/(\d{4}-\d{6})", response.headers["Location"])
    assert match, response.headers.get("Location")
    return match.group(1)


def rejected_automatically(citizen: Browser) -> str:
    """A parking permit without a doctor's statement: rejected at once by the rules."""
    application = {**PARKING_APPLICATION, "doctor_statement": "no"}
    application.pop("doctor_statement_file", None)
    return case_no_of(citizen.submit(APPLY, application))


def decided_by_caseworker(
    citizen: Browser, caseworker: Browser, outcome: str = "approved", reason: str = REASON
) -> str:
    """A complete application the caseworker decides on the task page."""
    case_no = case_no_of(citizen.submit(APPLY, PARKING_APPLICATION))
    inbox = caseworker.get("/casework/").get_data(as_text=True)
    match = re.search(r'href="/casework/tasks/(\d+)"', inbox)
    assert match, "the application must reach the caseworker"
    done = caseworker.submit(
        f"/casework/tasks/{match.group(1)}",
        {
            "review_decision": outcome,
            "valid_from": "2026-12-01",
            "valid_to": "2029-11-30",
            "review_reason": reason,
        },
    )
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]
    return case_no


def letters_of(app: Flask, case_no: str) -> list[dict[str, Any]]:
    """The case's decision letters as plain values (PDF included)."""
    with app.app_context():
        instance = db.session.scalars(select(Instance).where(Instance.case_no == case_no)).one()
        rows = db.session.scalars(
            select(DecisionLetter)
            .where(DecisionLetter.instance_id == instance.id)
            .order_by(DecisionLetter.number)
        )
        return [
            {
                "id": r.id,
                "instance_id": r.instance_id,
                "number": r.number,
                "kind": r.kind,
                "language": r.language,
                "title": r.title,
                "html": r.html,
                "pdf": r.pdf,
                "status": r.status,
                "attempts": r.attempts,
                "error": r.error,
                "external_ref": r.external_ref,
                "decided_by_name": r.decided_by_name,
                "receipt": r.receipt,
            }
            for r in rows
        ]


def set_language(app: Flask, username: str, lang: str | None) -> None:
    """A person's own language choice (as the header's switch stores it)."""
    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == username)).one()
        user.language = lang
        db.session.commit()
