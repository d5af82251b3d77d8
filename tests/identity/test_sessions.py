"""Sessions end on the server: a copied cookie dies with logout, password change, deactivation."""

from __future__ import annotations

import lxml.html
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from designer.extensions import db
from designer.identity import reset_tokens
from designer.models import User, UserSession
from tests.factories import Browser
from tests.identity.test_oidc import KARI, base, oidc_login, tamperer  # noqa: F401

INBOX = "/casework/"
NEW_PASSWORD = "rosa elefanter danser"


def _copy(browser: Browser, app: Flask, domain: str = "localhost") -> FlaskClient:
    """A second browser holding a copy of the first one's session cookie."""
    cookie = browser.client.get_cookie("session", domain=domain)
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value, domain=domain)
    return thief


def _in(client: FlaskClient, url: str = INBOX) -> bool:
    response = client.get(url)
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]
        return False
    assert response.status_code == 200, response.status_code
    return True


def _logout(browser: Browser, page: str = INBOX) -> None:
    doc = lxml.html.fromstring(browser.client.get(page).get_data(as_text=True))
    token = doc.xpath('//form[contains(@action, "/logout")]//input[@name="csrf_token"]/@value')[0]
    assert browser.client.post("/logout", data={"csrf_token": token}).status_code == 302


def _user_id(app: Flask, username: str) -> int:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        assert user is not None
        return user.id


def _sessions(app: Flask, username: str) -> int:
    with app.app_context():
        return int(
            db.session.scalar(
                select(func.count())
                .select_from(UserSession)
                .where(UserSession.user_id == _user_id(app, username))
            )
            or 0
        )


def test_a_copied_cookie_stops_working_at_logout(app: Flask, login_as) -> None:  # type: ignore[no-untyped-def]
    browser = login_as("saksbehandler")
    thief = _copy(browser, app)
    assert _in(thief)
    _logout(browser)
    assert not _in(browser.client)
    assert not _in(thief)
    assert _sessions(app, "saksbehandler") == 0


def test_logout_ends_only_that_session(app: Flask, login_as) -> None:  # type: ignore[no-untyped-def]
    laptop, phone = login_as("saksbehandler"), login_as("saksbehandler")
    _logout(laptop)
    assert _in(phone.client) and not _in(laptop.client)


def test_deactivation_ends_every_session_even_after_reactivation(app: Flask, login_as) -> None:  # type: ignore[no-untyped-def]
    laptop, phone = login_as("saksbehandler"), login_as("saksbehandler")
    thief = _copy(laptop, app)
    admin = login_as("admin")
    user_id = _user_id(app, "saksbehandler")
    edit = f"/admin/users/{user_id}"
    assert admin.submit(edit, {"active": "0"}, action="/active").status_code == 302
    assert not _in(laptop.client) and not _in(phone.client) and not _in(thief)
    assert admin.submit(edit, {"active": "1"}, action="/active").status_code == 302
    assert not _in(laptop.client) and not _in(thief)
    assert _in(login_as("saksbehandler").client)  # a fresh login works again


def test_an_admin_password_reset_ends_every_session(app: Flask, login_as) -> None:  # type: ignore[no-untyped-def]
    laptop = login_as("saksbehandler")
    thief = _copy(laptop, app)
    admin = login_as("admin")
    edit = f"/admin/users/{_user_id(app, 'saksbehandler')}"
    answer = admin.submit(edit, {"password": NEW_PASSWORD}, action="/password")
    assert answer.status_code == 200
    assert not _in(laptop.client) and not _in(thief)
    assert _in(admin.client, "/admin/")  # the admin's own session is untouched
    fresh = Browser(app.test_client())
    fresh.login("saksbehandler", NEW_PASSWORD)
    assert _in(fresh.client)


def test_a_self_service_password_reset_ends_every_session(app: Flask, login_as) -> None:  # type: ignore[no-untyped-def]
    laptop = login_as("saksbehandler")
    thief = _copy(laptop, app)
    with app.app_context():
        user = db.session.get(User, _user_id(app, "saksbehandler"))
        assert user is not None
        token = reset_tokens.issue(db.session(), user, "10.0.0.1")
        db.session.commit()
    assert token is not None
    chosen = Browser(app.test_client()).submit(
        f"/password/reset/{token}", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert chosen.status_code == 302
    assert not _in(laptop.client) and not _in(thief)


def test_a_citizens_oidc_session_ends_at_logout(app: Flask, base: str) -> None:  # noqa: F811
    browser = Browser(app.test_client())
    assert oidc_login(browser, base, KARI).status_code == 200
    thief = _copy(browser, app, domain="127.0.0.1")
    cases = base + "/cases"
    assert _in(thief, cases)
    doc = lxml.html.fromstring(browser.client.get(cases).get_data(as_text=True))
    token = doc.xpath('//form[contains(@action, "/logout")]//input[@name="csrf_token"]/@value')[0]
    assert browser.client.post(base + "/logout", data={"csrf_token": token}).status_code == 302
    assert not _in(thief, cases) and not _in(browser.client, cases)


def test_a_cookie_without_a_server_side_session_is_not_logged_in(
    app: Flask,
    login_as,  # type: ignore[no-untyped-def]
) -> None:
    browser = login_as("saksbehandler")
    with browser.client.session_transaction() as session:
        session.pop("_sid")
    assert not _in(browser.client)


def test_logins_at_the_same_moment_that_rehash_keep_every_session(app: Flask) -> None:
    """Each login rehashing an old-method hash must not end the other logins' sessions."""
    import threading

    from werkzeug.security import generate_password_hash

    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "saksbehandler"))
        assert user is not None
        # Another method than the configured one: every login below wants to rehash.
        user.password_hash = generate_password_hash("demo", method="pbkdf2:sha256:2")
        db.session.commit()
    browsers = [Browser(app.test_client()) for _ in range(4)]
    start = threading.Barrier(len(browsers))
    errors: list[BaseException] = []

    def login(browser: Browser) -> None:
        try:
            start.wait(timeout=10)
            browser.login("saksbehandler")
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=login, args=(b,)) for b in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert [_in(b.client) for b in browsers] == [True] * len(browsers)
