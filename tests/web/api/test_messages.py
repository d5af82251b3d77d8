"""POST /api/messages: token-checked, correlation key enforced, message start events."""

from __future__ import annotations

import pytest

from designer.extensions import db
from designer.models import ApiToken
from designer.services.catalog import ServiceBundle, install
from designer.web.api.views import hash_token
from engine import runtime
from engine.models import Instance, ProcessModel, Tenant, utcnow
from tests.engine.helpers import DATA

WAIT = (DATA / "engine" / "message_wait.bpmn").read_text(encoding="utf-8")
START = (DATA / "engine" / "message_start.bpmn").read_text(encoding="utf-8")


@pytest.fixture
def token(app):  # type: ignore[no-untyped-def]
    with app.app_context():
        tenant = db.session.query(Tenant).one()
        # The shipped proactive offer starts on 'child_born' too (see
        # test_proactive_kindergarten.py); here the generic test process must get it.
        db.session.query(ProcessModel).filter_by(key="proactive_kindergarten").one().archived = True
        for key, bpmn in (("message_wait", WAIT), ("message_start", START)):
            install(
                db.session,
                tenant,
                ServiceBundle(
                    key=key, meta={"name": {"nb": key}, "process_id": key}, bpmn=bpmn, files={}
                ),
            )
        db.session.add(
            ApiToken(
                tenant_id=tenant.id,
                name="arkiv",
                token_hash=hash_token("secret-1"),
                scopes="messages",
            )
        )
        db.session.add(
            ApiToken(
                tenant_id=tenant.id, name="les", token_hash=hash_token("secret-2"), scopes="read"
            )
        )
        db.session.commit()
    return "secret-1"


def _post(client, body, secret="secret-1"):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/messages", json=body, headers={"Authorization": f"Bearer {secret}"} if secret else {}
    )


def _waiting_case(app, ref: str) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        model = db.session.query(ProcessModel).filter_by(key="message_wait").one()
        version = db.session.get(type(model.versions[0]), model.published_version_id)
        return runtime.start(db.session, version, data={"case_ref": ref}, actor="kari").id


def test_tokens_are_required_scoped_and_revocable(app, client, token):
    body = {"name": "documents_received", "correlation_key": "x"}
    assert _post(client, body, secret=None).status_code == 401
    assert _post(client, body, secret="wrong").status_code == 401
    assert _post(client, body, secret="secret-2").status_code == 403
    with app.app_context():
        db.session.query(ApiToken).filter_by(name="arkiv").one().revoked_at = utcnow()
        db.session.commit()
    assert _post(client, body).status_code == 401


def test_message_is_delivered_only_with_the_right_key(app, client, token):
    first, second = _waiting_case(app, "REF-1"), _waiting_case(app, "REF-2")
    assert (
        _post(client, {"name": "documents_received", "correlation_key": "REF-9"}).status_code == 404
    )
    delivered = _post(
        client, {"name": "documents_received", "correlation_key": "REF-2", "payload": {"pages": 4}}
    )
    assert delivered.status_code == 200 and delivered.get_json()["status"] == "completed"
    with app.app_context():
        assert db.session.get(Instance, first).status == "running"
        assert db.session.get(Instance, second).status == "completed"


def test_message_start_event_starts_a_case_and_bad_input_is_400(client, token):
    started = _post(client, {"name": "child_born", "payload": {"child_name": "Emma"}})
    assert started.status_code == 201 and started.get_json()["status"] == "completed"
    assert _post(client, {"name": "nobody_listens"}).status_code == 404
    assert _post(client, {"payload": {}}).status_code == 400
    assert _post(client, {"name": "child_born", "payload": [1]}).status_code == 400
    assert (
        client.post(
            "/api/messages", data="not json", headers={"Authorization": "Bearer secret-1"}
        ).status_code
        == 400
    )
