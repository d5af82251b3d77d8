"""JSON bodies: every JSON endpoint answers a malformed body with a clear 400 in JSON.

Deep nesting, bare values, invalid UTF-8, oversize bodies and the wrong content type reach
the editors' saves, the form preview and the API; none may end in a RecursionError or an
AttributeError (a 500), and the answer says what to send.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from designer.extensions import db
from designer.models import ApiToken
from designer.web.api.views import hash_token
from designer.web.jsonbody import depth_of
from designer.web.routing import parse_int
from engine.models import ProcessModel, Tenant

DEEP = b"[" * 100_000 + b"]" * 100_000
DEEP_OBJECT = b'{"a":' * 50_000 + b"1" + b"}" * 50_000
MALFORMED: list[tuple[bytes, str]] = [
    (DEEP, "application/json"),
    (DEEP_OBJECT, "application/json"),
    (b'{"definition":' + b"[" * 500 + b"]" * 500 + b"}", "application/json"),
    (b'"x"', "application/json"),
    (b"[]", "application/json"),
    (b"123", "application/json"),
    (b"null", "application/json"),
    (b'{"x": "\xff"}', "application/json"),
    (b"{", "application/json"),
    (b"9" * 5000, "application/json"),
    (b'{"bpmn": "<x/>"}', "text/plain"),
]


def _model_id(app: Flask, key: str) -> int:
    with app.app_context():
        return int(db.session.query(ProcessModel).filter_by(key=key).one().id)


def _editor_urls(app: Flask) -> list[str]:
    parking, kindergarten = _model_id(app, "parking_permit"), _model_id(app, "kindergarten")
    return [
        f"/modeler/{parking}/draft",
        f"/modeler/{parking}/copy",
        f"/modeler/{parking}/forms",
        f"/modeler/{parking}/forms/application.json/definition",
        f"/modeler/{kindergarten}/decisions/kindergarten_price.dmn/definition",
    ]


@pytest.mark.parametrize(("body", "content_type"), MALFORMED)
def test_editor_endpoints_refuse_malformed_json_with_400(
    app: Flask, login_as: Any, body: bytes, content_type: str
) -> None:
    owner = login_as("eier")
    token = owner.csrf(f"/modeler/{_model_id(app, 'parking_permit')}/edit")
    for url in _editor_urls(app):
        response = owner.client.post(
            url, data=body, content_type=content_type, headers={"X-CSRFToken": token}
        )
        assert response.status_code == 400, (url, body[:20], response.status_code)
        assert response.is_json and response.get_json()["error"], url


@pytest.mark.parametrize("body", [b'"x"', b"[]", b"123", b"null", DEEP, b'{"a": [1, {"b": 2}]}'])
def test_form_views_refuse_json_bodies(app: Flask, login_as: Any, body: bytes) -> None:
    """Flask-WTF would read a JSON body as form data (and fail on a bare value): refused."""
    owner = login_as("eier")
    model_id = _model_id(app, "parking_permit")
    preview = f"/modeler/{model_id}/forms/application.json/preview"
    token = owner.csrf(preview)
    for url in (preview, "/modeler/new", f"/modeler/{model_id}/publish", "/login"):
        response = owner.client.post(
            url, data=body, content_type="application/json", headers={"X-CSRFToken": token}
        )
        assert response.status_code == 400, (url, response.status_code)
        assert "JSON" in response.get_json()["error"]


def test_the_api_refuses_malformed_json_with_400(app: Flask, client: Any) -> None:
    with app.app_context():
        tenant = db.session.query(Tenant).one()
        db.session.add(
            ApiToken(
                tenant_id=tenant.id, name="arkiv", token_hash=hash_token("s-1"), scopes="messages"
            )
        )
        db.session.commit()
    for body, content_type in MALFORMED:
        response = client.post(
            "/api/messages",
            data=body,
            content_type=content_type,
            headers={"Authorization": "Bearer s-1"},
        )
        assert response.status_code == 400, (body[:20], response.status_code)
        assert response.get_json()["error"]


def test_a_body_over_the_limit_is_413(app: Flask, login_as: Any) -> None:
    app.config["JSON_MAX_BYTES"] = 1000
    owner = login_as("eier")
    model_id = _model_id(app, "parking_permit")
    token = owner.csrf(f"/modeler/{model_id}/edit")
    response = owner.client.post(
        f"/modeler/{model_id}/draft",
        json={"bpmn": "x" * 2000, "revision": 1},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 413
    assert response.get_json()["error"]


def test_a_valid_body_still_saves(app: Flask, login_as: Any) -> None:
    owner = login_as("eier")
    model_id = _model_id(app, "parking_permit")
    token = owner.csrf(f"/modeler/{model_id}/edit")
    response = owner.client.post(
        f"/modeler/{model_id}/forms",
        json={"name": "extra", "title": "Ekstra"},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 201, response.get_data(as_text=True)[:300]


def test_depth_is_measured_without_recursion() -> None:
    value: Any = 1
    for _ in range(100_000):
        value = [value]
    assert depth_of(value) == 100_000
    assert depth_of({"a": [1, {"b": {}}]}) == 4
    assert depth_of("x") == 0


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12", 12),
        (" 7 ", 7),
        ("0", 0),
        (str(2**31 - 1), 2**31 - 1),
        (str(2**31), None),
        (str(2**63), None),
        ("-1", None),
        ("\u00b2", None),
        ("\u0661\u0662", None),
        ("1e3", None),
        ("", None),
        (None, None),
        (True, None),
        (5, 5),
        (2**40, None),
    ],
)
def test_parse_int_keeps_to_the_database_range(raw: Any, expected: int | None) -> None:
    assert parse_int(raw) == expected
