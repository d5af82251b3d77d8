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
