"""Per-address login throttling (Flask-Limiter) and the client address behind a proxy."""

from __future__ import annotations

import pytest
from flask import Flask

from designer.identity import throttle
from tests.factories import Browser, text_of


def _try(client, username="kari", password="wrong", **kwargs):  # type: ignore[no-untyped-def]
    return Browser(client).submit("/login", {"username": username, "password": password}, **kwargs)


def _proxied_app(app: Flask, hops: int) -> Flask:
    from designer import create_app

    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"],
            "PROXY_FIX_X_FOR": hops,
        }
    )


def _from(address: str) -> dict[str, object]:
    # The reverse proxy connects from 10.0.0.1 and names the client in X-Forwarded-For.
    return {
        "environ_base": {"REMOTE_ADDR": "10.0.0.1"},
        "headers": {"X-Forwarded-For": address},
    }


def test_behind_a_proxy_only_the_attacking_address_is_blocked(app):
    proxied = _proxied_app(app, 1)
    attacker = proxied.test_client()
    for n in range(20):  # different usernames: no account lockout, only the address counts
        assert _try(attacker, f"guess{n}", **_from("203.0.113.5")).status_code == 400
    blocked = _try(attacker, "kari", "demo", **_from("203.0.113.5"))
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert "nettverket ditt" in text_of(blocked)
    neighbour = proxied.test_client()
    assert _try(neighbour, "kari", "demo", **_from("198.51.100.7")).status_code == 302


def test_without_proxy_fix_the_header_is_ignored(app):
    client = app.test_client()
    app.config["LOGIN_IP_MAX_FAILURES"] = 3
    for n in range(3):
        assert _try(client, f"guess{n}", **_from(f"203.0.113.{n}")).status_code == 400
    # Every attempt came from the proxy's own address: a spoofed header does not help.
    assert _try(client, "kari", "demo", **_from("198.51.100.7")).status_code == 429


def test_only_failures_count(app):
    app.config["LOGIN_IP_MAX_FAILURES"] = 2
    for _ in range(4):
        client = app.test_client()
        assert _try(client, "kari", "demo").status_code == 302
    client = app.test_client()
    assert _try(client, "nobody").status_code == 400
    assert _try(client, "kari", "demo").status_code == 302


def test_the_store_is_the_configured_one(app):
    with app.app_context():
        limiter = app.extensions[throttle.EXTENSION]
        assert type(limiter.storage).__name__ == "MemoryStorage"


@pytest.mark.parametrize("uri", ["redis://127.0.0.1:6379/15"])
def test_a_redis_store_is_shared_by_two_apps(app, uri):
    pytest.importorskip("redis")
    from designer import create_app

    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "RATELIMIT_STORAGE_URI": uri,
        "LOGIN_IP_MAX_FAILURES": 2,
    }
    first, second = create_app(config), create_app(config)
    with first.app_context():
        try:
            throttle.reset()
        except Exception as err:  # noqa: BLE001 - no Redis on this machine
            pytest.skip(f"Redis not reachable: {err}")
        throttle.fail(throttle.LOGIN, "192.0.2.9")
    with second.app_context():
        throttle.fail(throttle.LOGIN, "192.0.2.9")
        assert throttle.blocked_until(throttle.LOGIN, "192.0.2.9") is not None
        throttle.reset()
