"""My cases and the catalogue run a bounded number of statements, however many rows they show."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import event, select

from designer.extensions import db
from designer.models import User
from designer.services import cases
from engine import api as engine
from tests.factories import PARKING_APPLICATION


@contextmanager
def _counted(app: Flask) -> Iterator[list[str]]:
    with app.app_context():
        target = db.engine
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(target, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(target, "before_cursor_execute", count)


def _add_cases(app: Flask, count: int) -> None:
    with app.app_context():
        kari = db.session.scalars(select(User).where(User.username == "kari")).one()
        _, version = cases.published_version(kari.tenant_id, "parking_permit")
        for _ in range(count):
            engine.start(
                db.session,
                version,
                data=dict(PARKING_APPLICATION),
                actor=kari.actor,
                owner=kari.actor,
                subject="Kari",
            )


def _statements(app: Flask, browser: Any, url: str) -> int:
    with _counted(app) as statements:
        assert browser.get(url).status_code == 200
    return len(statements)


def test_my_cases_does_not_query_per_case(app: Flask, login_as: Any) -> None:
    kari = login_as("kari")
    _add_cases(app, 2)
    few = _statements(app, kari, "/cases")
    _add_cases(app, 6)
    many = _statements(app, kari, "/cases")
    assert many == few, (few, many)


def test_the_catalogue_does_not_query_per_service(app: Flask, login_as: Any) -> None:
    kari = login_as("kari")
    _statements(app, kari, "/")  # parse the services once
    with _counted(app) as statements:
        assert kari.get("/").status_code == 200
    # Session, user, the services with their versions: a handful, not one per service.
    assert len(statements) <= 6, statements


def test_the_receipt_reads_the_municipality_once(app: Flask, login_as: Any) -> None:
    """The instant rejection's receipt: its language, letter, rules and appeal text each want
    the tenant, and the session keeps it (its identity map alone holds it only weakly, so each
    look-up read it again)."""
    kari = login_as("kari")
    sent = kari.submit(
        "/services/parking_permit/apply", {**PARKING_APPLICATION, "doctor_statement": "no"}
    )
    assert sent.status_code == 302, sent.status_code
    with _counted(app) as statements:
        page = kari.get(sent.headers["Location"])
    assert page.status_code == 200 and "letter-body" in page.get_data(as_text=True)
    tenants = [s for s in statements if re.search(r"\bFROM tenant\b", s)]
    assert len(tenants) <= 1, tenants


def test_the_receipt_reads_the_cases_events_and_appeals_once(app: Flask, login_as: Any) -> None:
    """Answers, requests, automated reasons and the appeal timeline come from one read of
    the case's events; the appeals and the case's origin from one read of appeals."""
    kari = login_as("kari")
    sent = kari.submit(
        "/services/parking_permit/apply", {**PARKING_APPLICATION, "doctor_statement": "no"}
    )
    with _counted(app) as statements:
        page = kari.get(sent.headers["Location"])
    assert page.status_code == 200
    assert len([s for s in statements if re.search(r"\bFROM event\b", s)]) == 1, statements
    assert len([s for s in statements if re.search(r"\bFROM appeal\b", s)]) == 1, statements


def test_a_transaction_that_writes_never_reads_the_cached_events(app: Flask) -> None:
    """What a page cached is forgotten at a flush, and a transaction with writes reads
    afresh — a listener inside a transition sees the events the transition just wrote."""
    from designer.services import case_reads
    from engine.models import Event, Instance

    _add_cases(app, 1)
    with app.app_context():
        session = db.session
        case = session.scalars(select(Instance)).first()
        before = len(case_reads.case_events(session, case, "step"))
        session.execute(  # a Core insert, as the engine writes its events (no ORM flush)
            Event.__table__.insert().values(
                tenant_id=case.tenant_id, instance_id=case.id, actor="t", kind="step", summary={}
            )
        )
        assert len(case_reads.case_events(session, case, "step")) == before + 1
        session.rollback()
        assert len(case_reads.case_events(session, case, "step")) == before
        session.add(
            Event(tenant_id=case.tenant_id, instance_id=case.id, actor="t", kind="step", summary={})
        )
        session.flush()
        assert len(case_reads.case_events(session, case, "step")) == before + 1
        session.rollback()


def test_the_login_costs_two_statements_a_request(app: Flask, login_as: Any) -> None:
    """The person with roles and groups in one statement, the live session in another."""
    kari = login_as("kari")
    with _counted(app) as statements:
        assert kari.get("/cases").status_code == 200
    login = [s for s in statements if re.search(r"\b(user_account|user_role|group_member)\b", s)]
    assert len(login) == 1 and "JOIN user_role" in login[0], login
    assert len([s for s in statements if re.search(r"\bFROM user_session\b", s)]) == 1
