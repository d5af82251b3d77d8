"""Citizen login with OpenID Connect against the built-in development provider, over real HTTP.

The app is served on a loopback port so the relying party's server-side calls (discovery,
JWKS, token) really travel over HTTP; the test client plays the citizen's browser.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server
from werkzeug.test import TestResponse

from designer.extensions import db
from designer.identity import devidp, oidc
from designer.models import User
from tests.factories import Browser, text_of

KARI = "15818012001"
OLA = "02829010030"
AISHA = "30847513736"


class Tamperer:
    """A man in the middle at the token endpoint: swaps the pid, keeps the signature."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.active = False

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if not (self.active and environ["PATH_INFO"] == "/dev-idp/token"):
            return self.app(environ, start_response)
        seen: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            seen.update(status=status, headers=headers)
            return lambda data: None

        body = json.loads(b"".join(self.app(environ, capture)))
        header, payload, signature = body["id_token"].split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        claims["pid"] = AISHA
        forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        body["id_token"] = f"{header}.{forged}.{signature}"
        out = json.dumps(body).encode()
        headers = [(k, v) for k, v in seen["headers"] if k.lower() != "content-length"]
        start_response(seen["status"], [*headers, ("Content-Length", str(len(out)))])
        return [out]


@pytest.fixture
def tamperer(app: Flask) -> Tamperer:
    """The WSGI wrapper the live server runs (inactive unless a test switches it on)."""
    return Tamperer(app)


@pytest.fixture
def base(app: Flask, tamperer: Tamperer, tmp_path: Any) -> Iterator[str]:
    """Serve the app (dev provider on) on 127.0.0.1; yield its base URL."""
    app.config.update(DEV_IDP=True, DEV_IDP_KEY_FILE=str(tmp_path / "dev-idp-key.json"))
    server = make_server("127.0.0.1", 0, tamperer, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def start(browser: Browser, base: str, path: str = "/login/oidc") -> str:
    """Begin the login; return the provider's authorization URL."""
    response = browser.get(base + path)
    assert response.status_code == 302, text_of(response)
    return response.headers["Location"]


def pick(browser: Browser, authorize_url: str, pid: str) -> str:
    """Choose a test citizen on the provider's page; return the callback URL it sends us to."""
    response = browser.submit(authorize_url, {"citizen": pid})
    assert response.status_code == 302, text_of(response)
    return response.headers["Location"]


def oidc_login(browser: Browser, base: str, pid: str, path: str = "/login/oidc") -> TestResponse:
    """The whole flow; returns the final page after the callback's redirect."""
    callback = pick(browser, start(browser, base, path), pid)
    return browser.get(callback, follow_redirects=True)


def citizens(app: Flask, pid: str) -> list[User]:
    with app.app_context():
        return list(db.session.scalars(select(User).where(User.national_id == pid)))


def test_existing_citizen_logs_in_and_sees_my_cases(app: Flask, base: str) -> None:
    browser = Browser(app.test_client())
    page = oidc_login(browser, base, KARI)
    assert page.status_code == 200
    assert page.request.path == "/cases"
    assert "Mine saker" in text_of(page)
    assert "Kari Nordmann" in text_of(page)
    assert [u.username for u in citizens(app, KARI)] == ["kari"]


def test_new_citizen_is_created_once_and_next_is_honoured(app: Flask, base: str) -> None:
    assert citizens(app, OLA) == []
    page = oidc_login(
        Browser(app.test_client()), base, OLA, "/login/oidc?next=/services/parking_permit/apply"
    )
    assert page.status_code == 200
    assert page.request.path == "/services/parking_permit/apply"
    created = citizens(app, OLA)
    assert len(created) == 1
    user = created[0]
    assert (user.name, user.roles) == ("Ola Nordmann", "citizen")
    assert user.username.startswith("innbygger-") and OLA not in user.username
    # A second login finds the same person.
    assert oidc_login(Browser(app.test_client()), base, OLA).request.path == "/cases"
    assert [u.id for u in citizens(app, OLA)] == [user.id]


def test_next_pointing_elsewhere_is_ignored(app: Flask, base: str) -> None:
    page = oidc_login(Browser(app.test_client()), base, KARI, "/login/oidc?next=//evil.example/")
    assert page.request.path == "/cases"


def test_configured_issuer_is_used(app: Flask, base: str) -> None:
    with app.test_request_context(base_url=base):
        secret = devidp.client_secret()
    app.config.update(
        OIDC_ISSUER=f"{base}/dev-idp", OIDC_CLIENT_ID=devidp.CLIENT_ID, OIDC_CLIENT_SECRET=secret
    )
    assert oidc_login(Browser(app.test_client()), base, KARI).request.path == "/cases"


def test_wrong_client_secret_fails_cleanly(app: Flask, base: str) -> None:
    app.config.update(
        OIDC_ISSUER=f"{base}/dev-idp", OIDC_CLIENT_ID=devidp.CLIENT_ID, OIDC_CLIENT_SECRET="wrong"
    )
    browser = Browser(app.test_client())
    response = browser.get(pick(browser, start(browser, base), KARI))
    assert response.status_code == 400
    assert citizens(app, KARI)[0].username == "kari"


def test_wrong_state_is_refused(app: Flask, base: str) -> None:
    browser = Browser(app.test_client())
    callback = pick(browser, start(browser, base), OLA)
    parts = urlsplit(callback)
    query = parse_qs(parts.query)
    forged = f"{base}{parts.path}?{urlencode({'code': query['code'][0], 'state': 'forged'})}"
    assert browser.get(forged).status_code == 400
    assert citizens(app, OLA) == []
    assert browser.get(base + "/cases").status_code == 302  # still not logged in


def test_replayed_callback_is_refused(app: Flask, base: str) -> None:
    browser = Browser(app.test_client())
    callback = pick(browser, start(browser, base), KARI)
    assert browser.get(callback).status_code == 302
    other = Browser(app.test_client())
    start(other, base)  # a fresh session with its own state
    assert other.get(callback).status_code == 400


def test_cancel_at_the_provider(app: Flask, base: str) -> None:
    browser = Browser(app.test_client())
    response = browser.submit(start(browser, base), {"cancel": "1"})
    assert "error=access_denied" in response.headers["Location"]
    assert browser.get(response.headers["Location"]).status_code == 400


def test_tampered_id_token_is_refused(app: Flask, base: str, tamperer: Tamperer) -> None:
    browser = Browser(app.test_client())
    callback = pick(browser, start(browser, base), KARI)
    tamperer.active = True
    response = browser.get(callback)
    assert response.status_code == 400
    assert citizens(app, AISHA) == []
    assert browser.get(base + "/cases").status_code == 302


def test_staff_cannot_log_in_with_oidc(app: Flask, base: str) -> None:
    with app.app_context():
        staff = db.session.scalar(select(User).where(User.username == "saksbehandler"))
        assert staff is not None
        staff.national_id = OLA
        db.session.commit()
    browser = Browser(app.test_client())
    response = browser.get(pick(browser, start(browser, base), OLA))
    assert response.status_code == 403
    assert browser.get(base + "/cases").status_code == 302
    assert [u.username for u in citizens(app, OLA)] == ["saksbehandler"]


def test_not_configured_is_a_clear_404(app: Flask) -> None:
    client = app.test_client()
    for url in ("/login/oidc", "/login/oidc/callback?code=x&state=y", "/dev-idp/jwks"):
        response = client.get(url)
        assert response.status_code == 404
    assert "ID-porten" in text_of(client.get("/login/oidc"))
    with app.test_request_context():
        assert not oidc.available()
        app.config.update(DEV_IDP=True)
        assert oidc.available()


def test_unreachable_provider_is_a_clear_502(app: Flask) -> None:
    app.config.update(OIDC_ISSUER="http://127.0.0.1:9", OIDC_CLIENT_ID="x")
    assert app.test_client().get("/login/oidc").status_code == 502


# The dev provider's token endpoint, called directly as a client would.

VERIFIER = "v" * 50
CALLBACK = "http://localhost/login/oidc/callback"


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@pytest.fixture
def code(app: Flask, tmp_path: Any) -> str:
    """A fresh authorization code for Kari, issued with PKCE challenge S256(VERIFIER)."""
    app.config.update(DEV_IDP=True, DEV_IDP_KEY_FILE=str(tmp_path / "key.json"))
    query = urlencode(
        {
            "client_id": devidp.CLIENT_ID,
            "redirect_uri": CALLBACK,
            "response_type": "code",
            "scope": "openid profile",
            "state": "s" * 20,
            "nonce": "n" * 20,
            "code_challenge": _challenge(VERIFIER),
            "code_challenge_method": "S256",
        }
    )
    location = pick(Browser(app.test_client()), f"/dev-idp/authorize?{query}", KARI)
    return parse_qs(urlsplit(location).query)["code"][0]


def redeem(app: Flask, code: str, verifier: str = VERIFIER) -> TestResponse:
    with app.test_request_context():
        secret = devidp.client_secret()
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CALLBACK,
        "code_verifier": verifier,
        "client_id": devidp.CLIENT_ID,
        "client_secret": secret,
    }
    return app.test_client().post("/dev-idp/token", data=form)


def test_token_endpoint_issues_a_signed_id_token_once(app: Flask, code: str) -> None:
    from joserfc import jwt
    from joserfc.jwk import KeySet

    first = redeem(app, code)
    assert first.status_code == 200
    keys = KeySet.import_key_set(app.test_client().get("/dev-idp/jwks").get_json())
    claims = jwt.decode(first.get_json()["id_token"], keys).claims
    assert claims["pid"] == KARI and claims["aud"] == devidp.CLIENT_ID
    assert claims["nonce"] == "n" * 20 and claims["iss"] == "http://localhost/dev-idp"
    assert claims["acr"] == devidp.ACR and claims["exp"] > claims["iat"]
    replay = redeem(app, code)
    assert (replay.status_code, replay.get_json()) == (400, {"error": "invalid_grant"})


def test_token_endpoint_refuses_a_wrong_pkce_verifier(app: Flask, code: str) -> None:
    wrong = redeem(app, code, "w" * 50)
    assert (wrong.status_code, wrong.get_json()) == (400, {"error": "invalid_grant"})
    assert redeem(app, code).status_code == 400  # the code was spent by the failed try


def test_token_endpoint_refuses_a_wrong_client(app: Flask, code: str) -> None:
    response = app.test_client().post(
        "/dev-idp/token",
        data={"grant_type": "authorization_code", "code": code, "code_verifier": VERIFIER},
        headers={"Authorization": "Basic " + base64.b64encode(b"flytverk-dev:nope").decode()},
    )
    assert response.status_code == 401


@pytest.mark.parametrize(
    "change",
    [
        {"redirect_uri": "https://evil.example/cb"},
        {"client_id": "someone-else"},
        {"code_challenge_method": "plain"},
        {"code_challenge": ""},
    ],
)
def test_authorize_refuses_bad_requests(app: Flask, change: dict[str, str]) -> None:
    app.config.update(DEV_IDP=True)
    params = {
        "client_id": devidp.CLIENT_ID,
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "scope": "openid",
        "state": "abc",
        "code_challenge": _challenge(VERIFIER),
        "code_challenge_method": "S256",
        **change,
    }
    response = app.test_client().get(f"/dev-idp/authorize?{urlencode(params)}")
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_dev_provider_is_off_in_production_by_default(app: Flask) -> None:
    app.config.update(DEMO=True, DEV_IDP=False)
    assert app.test_client().get("/dev-idp/.well-known/openid-configuration").status_code == 404


def test_pick_page_needs_a_csrf_token(app: Flask, base: str) -> None:
    browser = Browser(app.test_client())
    authorize_url = start(browser, base)
    assert browser.get(authorize_url).status_code == 200
    response = browser.client.post(authorize_url, data={"citizen": KARI})
    assert response.status_code == 400
    assert "Location" not in response.headers
