"""Inbox search folds Norwegian letters on SQLite as PostgreSQL does."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from designer.extensions import db
from designer.models import User
from designer.services import inbox
from tests.factories import PARKING_APPLICATION

APPLY = "/services/parking_permit/apply"


def _apply(kari, name: str) -> str:  # type: ignore[no-untyped-def]
    response = kari.submit(APPLY, {**PARKING_APPLICATION, "applicant_name": name})
    return re.search(r"/cases/(\d{4}-\d{6})", response.headers["Location"]).group(1)


@pytest.mark.parametrize("q", ["øystein", "ØYSTEIN", "Øystein", "ås", "ÆRØ"])
def test_search_folds_norwegian_letters(app, login_as, q):
    kari = login_as("kari")
    wanted = _apply(kari, "Øystein Ås Ærø")
    _apply(kari, "Ola Nordmann")
    with app.app_context():
        sara = db.session.scalar(select(User).where(User.username == "saksbehandler"))
        found = inbox.page(db.session, sara, inbox.InboxQuery(q=q))
        assert [t.case_no for t in found.tasks] == [wanted]


def test_case_number_prefix_and_literal_wildcards(app, login_as):
    kari = login_as("kari")
    wanted = _apply(kari, "Kari Nordmann")
    with app.app_context():
        sara = db.session.scalar(select(User).where(User.username == "saksbehandler"))
        assert inbox.page(db.session, sara, inbox.InboxQuery(q=wanted)).total == 1
        assert inbox.page(db.session, sara, inbox.InboxQuery(q="%")).total == 0
        assert inbox.page(db.session, sara, inbox.InboxQuery(q="_")).total == 0


def test_the_team_workload_lists_colleagues(app, login_as):
    _apply(login_as("kari"), "Kari Nordmann")
    with app.app_context():
        lise = db.session.scalar(select(User).where(User.username == "leder"))
        load = inbox.team_workload(db.session, lise)
        assert [u.username for u in load["members"]] == ["leder", "ola", "saksbehandler"]
        assert sum(load["unassigned"].values()) == 1
