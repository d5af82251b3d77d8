"""POST /api/messages with an Idempotency-Key: a repeat answers the first response, does nothing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from designer.extensions import db
from designer.models import OutboxMessage
from engine.models import Instance
from tests.factories import add_api_token


@pytest.fixture
def token(app: Flask) -> str:
    with app.app_context():
        return add_api_token("register")


def _birth(client: Any, token: str, key: str | None, **extra: Any) -> Any:
    body = {
        "name": "child_born",
        "citizen": "15818012001",
        "payload": {
            "child_national_id": "01012612345",
            "child_first_name": "Emma",
            "child_birth_date": (date.today() - timedelta(days=10)).isoformat(),
            "postal_code": "3724",
            **extra,
        },
    }
    headers = {"Authorization": f"Bearer {token}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post("/api/messages", json=body, headers=headers)


def _counts(app: Flask) -> tuple[int, int]:
    with app.app_context():
        cases = db.session.scalar(select(func.count()).select_from(Instance)) or 0
        mails = db.session.scalar(select(func.count()).select_from(OutboxMessage)) or 0
        return int(cases), int(mails)


def test_a_repeated_key_gets_the_first_answer_and_starts_nothing(
    app: Flask, client: Any, token: str
) -> None:
    before = _counts(app)
    first = _birth(client, token, "birth-42")
    assert first.status_code == 201
    after = _counts(app)
    assert after == (before[0] + 1, before[1] + 1)  # one case, one notice to Kari
    again = _birth(client, token, "birth-42")
    assert again.status_code == 201 and again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _counts(app) == after
    other = _birth(client, token, "birth-43")  # another key: another message
    assert other.status_code == 201 and other.get_json() != first.get_json()
    assert _birth(client, token, None).status_code == 201  # no key: as before


def test_a_refused_message_leaves_the_key_free_and_bad_keys_are_400(
    app: Flask, client: Any, token: str
) -> None:
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "k1"}
    refused = client.post("/api/messages", json={"name": "nobody_listens"}, headers=headers)
    assert refused.status_code == 404
    assert _birth(client, token, "k1").status_code == 201  # the corrected request goes through
    assert _birth(client, token, "x" * 101).status_code == 400


def test_the_answer_commits_with_the_case_so_a_crash_after_it_still_replays(
    app: Flask, client: Any, token: str
) -> None:
    """The server dies right after the start's commit (nothing of the request runs after
    it): the key holds the answer already, and the repeat replays it — no second case."""
    from designer.models import ApiToken, SubmissionKey
    from designer.services import submissions
    from engine.api import start
    from engine.models import ProcessModel, ProcessVersion

    with app.test_request_context("/"):
        api_token = db.session.scalars(select(ApiToken)).one()
        key, first = submissions.claim(
            db.session,
            api_token.tenant_id,
            submissions.api_scope(api_token.id),
            "birth-crash",
            api_token.actor,
        )
        assert first
        db.session.commit()
        submissions.answer_with_transition(db.session, key)
        model = db.session.scalars(
            select(ProcessModel).where(ProcessModel.key == "proactive_kindergarten")
        ).one()
        version = db.session.get(ProcessVersion, model.published_version_id)
        payload = {
            "child_national_id": "01012612345",
            "child_first_name": "Emma",
            "child_birth_date": (date.today() - timedelta(days=10)).isoformat(),
            "postal_code": "3724",
        }
        case = start(db.session, version, data=payload, actor=api_token.actor, message="child_born")
        case_no = case.case_no
        db.session.remove()  # the process is gone: no settle, no commit after the start's
        stored = db.session.scalars(select(SubmissionKey).where(SubmissionKey.key == "birth-crash"))
        row = stored.one()
        assert row.response == {"status": 201, "body": {"started": case_no, "status": "running"}}
    before = _counts(app)
    again = _birth(client, token, "birth-crash")
    assert again.status_code == 201 and again.get_json()["started"] == case_no
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _counts(app) == before


def test_a_key_left_in_progress_by_a_dead_request_is_taken_over_after_its_lease(
    app: Flask, client: Any, token: str
) -> None:
    """A request whose server died before it made anything leaves its key "in progress":
    a repeat within the lease is told to wait (409), one after it does the work once."""
    from designer.models import ApiToken, SubmissionKey
    from designer.services import submissions
    from engine.models import utcnow

    with app.app_context():
        api_token = db.session.scalars(select(ApiToken)).one()
        for key, age in (("fresh", timedelta(minutes=1)), ("dead", timedelta(minutes=11))):
            db.session.add(
                SubmissionKey(
                    tenant_id=api_token.tenant_id,
                    scope=submissions.api_scope(api_token.id),
                    key=key,
                    owner=api_token.actor,
                    created_at=utcnow() - age,
                )
            )
        db.session.commit()
    before = _counts(app)
    assert _birth(client, token, "fresh").status_code == 409
    taken = _birth(client, token, "dead")
    assert taken.status_code == 201 and "Idempotent-Replayed" not in taken.headers
    again = _birth(client, token, "dead")
    assert again.status_code == 201 and again.get_json() == taken.get_json()
    assert _counts(app)[0] == before[0] + 1
