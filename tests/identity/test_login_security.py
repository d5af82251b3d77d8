"""Login throttling, lockout and password reset: nothing to enumerate, nothing to brute-force."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update
from werkzeug.security import generate_password_hash

from designer.extensions import db
from designer.identity import login_security as security
from designer.identity import reset_tokens
from designer.identity.login_security import LoginAttempt, PasswordResetToken
from designer.models import OutboxMessage, User
from engine.models import utcnow
from tests.factories import Browser, text_of

NEW_PASSWORD = "rosa elefanter danser"
LINK = re.compile(r"http://localhost/password/reset/([A-Za-z0-9_-]+)")


def _try(client, username: str, password: str = "wrong", **kwargs):  # type: ignore[no-untyped-def]
    return Browser(client).submit("/login", {"username": username, "password": password}, **kwargs)


def _user(app, username: str) -> User:  # type: ignore[no-untyped-def]
    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == username)).one()
        db.session.expunge(user)
        return user


def _request_reset(client, login: str):  # type: ignore[no-untyped-def]
    return Browser(client).submit("/password/forgot", {"login": login})


def _reset_mails(app, recipient: str) -> list[str]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return list(
            db.session.scalars(
                select(OutboxMessage.body_text)
                .where(OutboxMessage.kind == "password_reset")
                .where(OutboxMessage.recipient == recipient)
                .order_by(OutboxMessage.id)
            )
        )


def _latest_token(app, recipient: str = "kari@example.no") -> str:  # type: ignore[no-untyped-def]
    match = LINK.search(_reset_mails(app, recipient)[-1])
    assert match, "the e-mail carries the link"
    return match.group(1)


def _choose(client, token: str, password: str = NEW_PASSWORD, confirm: str | None = None):  # type: ignore[no-untyped-def]
    return Browser(client).submit(
        f"/password/reset/{token}",
        {"password": password, "confirm": password if confirm is None else confirm},
    )


# --- lockout -------------------------------------------------------------------------------


def test_five_failures_lock_the_account_even_for_the_right_password(client):
    for _ in range(4):
        assert _try(client, "kari").status_code == 400
    locked = _try(client, "kari")
    assert locked.status_code == 429
    assert "For mange mislykkede forsøk" in text_of(locked)
    assert 0 < int(locked.headers["Retry-After"]) <= 15 * 60
    refused = _try(client, "kari", "demo")
    assert refused.status_code == 429
    assert "For mange mislykkede forsøk" in text_of(refused)
    assert Browser(client).get("/cases").status_code == 302  # not logged in


def test_unknown_usernames_get_exactly_the_same_answers(app):
    def answers(username: str) -> list[tuple[int, str]]:
        client = app.test_client()
        out = []
        for _ in range(6):
            response = _try(client, username)
            out.append((response.status_code, text_of(response).replace(username, "X")))
        return out

    assert answers("kari") == answers("nobody-here")
    assert [status for status, _ in answers("saksbehandler")] == [400] * 4 + [429] * 2


def test_a_good_login_clears_the_failures(client):
    for _ in range(4):
        _try(client, "kari")
    assert _try(client, "kari", "demo").status_code == 302
    client.post("/logout", data={"csrf_token": Browser(client).csrf("/cases")})
    for _ in range(4):
        assert _try(client, "kari").status_code == 400
    assert _try(client, "kari", "demo").status_code == 302


def test_lockout_ends_after_the_lockout_period(app):
    start = utcnow() - timedelta(hours=1)
    with app.app_context():
        for _ in range(5):
            assert (
                security.authenticate(db.session, "kari", "wrong", "10.0.0.1", start).user is None
            )
        at = start + timedelta(minutes=14)
        verdict = security.authenticate(db.session, "kari", "demo", "10.0.0.1", at)
        assert verdict.user is None
        assert verdict.locked_until == start + timedelta(minutes=15)
        later = start + timedelta(minutes=15, seconds=1)
        assert security.authenticate(db.session, "kari", "demo", "10.0.0.1", later).user is not None


def test_failures_spread_beyond_the_window_do_not_lock(app):
    start = utcnow() - timedelta(hours=2)
    with app.app_context():
        for minute in range(0, 80, 16):  # five failures, never five within 15 minutes
            at = start + timedelta(minutes=minute)
            verdict = security.authenticate(db.session, "kari", "x", "10.0.0.1", at)
            assert verdict.locked_until is None
        at = start + timedelta(minutes=81)
        assert security.authenticate(db.session, "kari", "demo", "10.0.0.1", at).user


def test_a_locked_account_opens_again_in_the_browser_when_the_lock_is_old(app, client):
    for _ in range(5):
        _try(client, "kari")
    assert _try(client, "kari", "demo").status_code == 429
    with app.app_context():
        for attempt in db.session.scalars(select(LoginAttempt)):
            attempt.created_at -= timedelta(minutes=16)
        db.session.commit()
    assert _try(client, "kari", "demo").status_code == 302


def test_too_many_failures_from_one_address_get_429_with_retry_after(app, client):
    app.config["LOGIN_IP_MAX_FAILURES"] = 6
    for n in range(6):
        assert _try(client, f"guess{n}").status_code == 400
    blocked = _try(client, "kari", "demo")
    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["Retry-After"]) <= 15 * 60
    assert "nettverket ditt" in text_of(blocked)
    other = _try(client, "kari", "demo", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 302


def test_weaker_hashes_are_upgraded_at_login(app, client):
    with app.app_context():
        db.session.execute(
            update(User)
            .where(User.username == "kari")
            .values(password_hash=generate_password_hash("demo", method="pbkdf2:sha256:1000"))
        )
        db.session.commit()
    assert _try(client, "kari", "demo").status_code == 302
    stored = _user(app, "kari").password_hash
    assert stored.startswith(app.config["PASSWORD_METHOD"] + "$")
    with app.app_context():
        assert not security.needs_rehash(stored)
    # The configured (cheap, TESTING) method is not rehashed again at the next login.
    client.post("/logout", data={"csrf_token": Browser(client).csrf("/cases")})
    assert _try(client, "kari", "demo").status_code == 302
    assert _user(app, "kari").password_hash == stored


def test_production_hashes_with_the_pinned_scrypt(tmp_path):
    from designer import create_app

    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["PASSWORD_METHOD"] == security.PASSWORD_METHOD == "scrypt:32768:8:1"
    with app.app_context():
        user = User(username="p", name="P", tenant_id=1)
        user.set_password("rosa elefanter danser")
        assert user.password_hash.startswith("scrypt:32768:8:1$")
        assert not security.needs_rehash(user.password_hash)
        assert security.needs_rehash(generate_password_hash("x", method="pbkdf2:sha256:1"))


# --- password reset ------------------------------------------------------------------------


def test_login_page_links_to_the_reset_form(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/password/forgot"' in page


def test_reset_end_to_end(app, client):
    response = _request_reset(client, "kari")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert "Hvis brukeren finnes" in text_of(client.get("/login"))
    token = _latest_token(app)
    with app.app_context():
        stored = db.session.scalars(select(PasswordResetToken.token_hash)).all()
    assert stored and token not in stored  # only the hash is kept

    page = client.get(f"/password/reset/{token}")
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    done = _choose(client, token)
    assert done.status_code == 302
    assert done.headers["Location"] == "/login"

    assert _try(client, "kari", "demo").status_code == 400
    assert _try(client, "kari", NEW_PASSWORD).status_code == 302


def test_reset_by_email_address_and_html_body_carries_the_link(app, client):
    _request_reset(client, "Sara@Example.no")
    token = _latest_token(app, "sara@example.no")
    with app.app_context():
        html = db.session.scalars(
            select(OutboxMessage.body_html).where(OutboxMessage.kind == "password_reset")
        ).one()
    assert f'href="http://localhost/password/reset/{token}"' in html


def test_reset_request_never_tells_whether_the_account_exists(app, client):
    known = _request_reset(client, "kari")
    known_page = text_of(client.get("/login"))
    unknown = _request_reset(client, "nobody-here")
    unknown_page = text_of(client.get("/login"))
    assert (known.status_code, known.headers["Location"]) == (
        unknown.status_code,
        unknown.headers["Location"],
    )
    assert known_page == unknown_page
    assert len(_reset_mails(app, "kari@example.no")) == 1
    with app.app_context():
        assert db.session.query(OutboxMessage).count() == 1


def test_a_used_token_is_refused(app, client):
    _request_reset(client, "kari")
    token = _latest_token(app)
    assert _choose(client, token).status_code == 302
    assert client.get(f"/password/reset/{token}").status_code == 400
    again = _choose_raw(client, token, "another long passphrase")
    assert again.status_code == 400
    assert _try(client, "kari", NEW_PASSWORD).status_code == 302


def _choose_raw(client, token: str, password: str):  # type: ignore[no-untyped-def]
    # The page is gone, so take a CSRF token from the login page and post directly.
    csrf = Browser(client).hidden_fields("/login")["csrf_token"]
    return client.post(
        f"/password/reset/{token}",
        data={"csrf_token": csrf, "password": password, "confirm": password},
    )


def test_an_expired_token_is_refused(app, client):
    kari = _user(app, "kari")
    with app.app_context():
        user = db.session.get(User, kari.id)
        token = reset_tokens.issue(db.session, user, "10.0.0.1", utcnow() - timedelta(minutes=61))
        db.session.commit()
    assert token
    page = client.get(f"/password/reset/{token}")
    assert page.status_code == 400
    assert "Lenken virker ikke" in text_of(page)
    assert _choose_raw(client, token, NEW_PASSWORD).status_code == 400
    assert _try(client, "kari", "demo").status_code == 302


def test_a_newer_token_or_a_password_change_voids_the_old_token(app, client):
    _request_reset(client, "kari")
    first = _latest_token(app)
    _request_reset(client, "kari")
    second = _latest_token(app)
    assert first != second
    assert client.get(f"/password/reset/{first}").status_code == 400
    assert client.get(f"/password/reset/{second}").status_code == 200
    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == "kari")).one()
        user.set_password("changed by an admin meanwhile")
        db.session.commit()
    assert client.get(f"/password/reset/{second}").status_code == 400


def test_a_token_changes_only_its_own_users_password(app, login_as):
    sara = login_as("saksbehandler")
    _request_reset(sara.client, "kari")
    token = _latest_token(app)
    assert _choose(sara.client, token).status_code == 302
    assert sara.get("/casework/").status_code == 302  # logged out: log in again
    client = app.test_client()
    assert _try(client, "saksbehandler", NEW_PASSWORD).status_code == 400
    assert _try(client, "saksbehandler", "demo").status_code == 302
    assert _try(app.test_client(), "kari", NEW_PASSWORD).status_code == 302


def test_a_password_reset_ends_other_sessions(app, login_as):
    kari = login_as("kari")
    assert kari.get("/cases").status_code == 200
    _request_reset(app.test_client(), "kari")
    assert _choose(app.test_client(), _latest_token(app)).status_code == 302
    assert kari.get("/cases").status_code == 302


def test_a_reset_clears_the_lockout(app, client):
    for _ in range(5):
        _try(client, "kari")
    assert _try(client, "kari", "demo").status_code == 429
    _request_reset(client, "kari")
    assert _choose(client, _latest_token(app)).status_code == 302
    assert _try(client, "kari", NEW_PASSWORD).status_code == 302


def test_weak_or_mismatched_new_passwords_are_refused(app, client):
    _request_reset(client, "kari")
    token = _latest_token(app)
    cases = [
        ("kort", None, "minst 12 tegn"),
        ("Passord12345", None, "for vanlig"),
        ("aaaaaaaaaaaaaaa", None, "for vanlig"),
        ("kari@example.no", None, "brukernavnet eller e-postadressen"),
        (NEW_PASSWORD, "something else entirely", "ikke like"),
    ]
    for password, confirm, message in cases:
        response = _choose(client, token, password, confirm)
        assert response.status_code == 400, password
        assert message in text_of(response), password
    assert _try(client, "kari", "demo").status_code == 302  # nothing changed
    assert client.get(f"/password/reset/{token}").status_code == 200  # still usable


def test_reset_mails_per_account_and_requests_per_address_are_limited(app, client):
    app.config["PASSWORD_RESET_IP_MAX_REQUESTS"] = 5
    for _ in range(4):
        assert _request_reset(client, "kari").status_code == 302
    assert len(_reset_mails(app, "kari@example.no")) == 3
    assert _request_reset(client, "ola").status_code == 302
    blocked = _request_reset(client, "ola")
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert len(_reset_mails(app, "ola@example.no")) == 1


def test_a_delivered_or_failed_mail_leaves_no_working_link_in_the_outbox(app, client):
    from designer.notify.outbox import MAX_ATTEMPTS
    from designer.worker.outbox import deliver_pending

    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=9, MAIL_TIMEOUT=1)  # refused
    _request_reset(client, "kari")
    assert LINK.search(_reset_mails(app, "kari@example.no")[-1])  # not sent in the request
    with app.app_context():
        for attempt in range(MAX_ATTEMPTS):  # the worker tries until it gives up
            deliver_pending(db.session, app.config, now=utcnow() + timedelta(hours=attempt + 1))
    body = _reset_mails(app, "kari@example.no")[-1]
    assert "http://localhost/password/reset/" in body
    assert not LINK.search(body)


def test_public_base_url_beats_the_host_header(app, client):
    app.config["PUBLIC_BASE_URL"] = "https://flytverk.kommune.no/"
    app.config["WTF_CSRF_ENABLED"] = False  # the session cookie is not sent to another host
    response = client.post(
        "/password/forgot", data={"login": "kari"}, headers={"Host": "evil.example"}
    )
    assert response.status_code == 302
    body = _reset_mails(app, "kari@example.no")[-1]
    assert "https://flytverk.kommune.no/password/reset/" in body
    assert "evil.example" not in body


def test_new_forms_require_a_csrf_token(app, client):
    assert client.post("/password/forgot", data={"login": "kari"}).status_code == 400
    assert _reset_mails(app, "kari@example.no") == []
    _request_reset(client, "kari")
    token = _latest_token(app)
    fresh = app.test_client()
    response = fresh.post(
        f"/password/reset/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 400
    assert "Skjemaet er utløpt" in text_of(response)
    assert _try(fresh, "kari", "demo").status_code == 302


def test_reset_pages_for_garbage_tokens_are_400(client):
    assert client.get("/password/reset/not-a-token").status_code == 400
    assert client.get("/password/reset/" + "x" * 500).status_code == 400


def test_old_attempts_are_forgotten(app):
    now = utcnow()
    with app.app_context():
        security.authenticate(db.session, "kari", "wrong", "10.0.0.1", now - timedelta(days=2))
        security.authenticate(db.session, "kari", "wrong", "10.0.0.1", now)
        times = db.session.scalars(select(LoginAttempt.created_at)).all()
    assert times == [now]
