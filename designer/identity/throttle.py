"""Throttling per client address with Flask-Limiter: failed logins and reset requests.

Only failures count against an address, so the limits are hit by hand (`fail`) rather than
by decorating the views. The store is config RATELIMIT_STORAGE_URI: memory:// in one
process, redis://... when several processes or hosts share the limits. The per-username
lockout is not here: it lives in the database (login_security), shared by every process.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask, current_app, request
from flask_limiter import Limiter
from limits import RateLimitItem, RateLimitItemPerSecond

EXTENSION = "flytverk_throttle"
LOGIN = "login-failures"
RESET = "reset-requests"
LIMITS = {  # name -> (config key of the count, config key of the window in seconds)
    LOGIN: ("LOGIN_IP_MAX_FAILURES", "LOGIN_IP_WINDOW"),
    RESET: ("PASSWORD_RESET_IP_MAX_REQUESTS", "LOGIN_IP_WINDOW"),
}


def client_ip() -> str:
    """The client's address; behind a reverse proxy only right with PROXY_FIX_X_FOR set."""
    return request.remote_addr or "unknown"


def init_app(app: Flask) -> None:
    """Give the app its own limiter over the configured store (moving windows)."""
    app.config.setdefault("RATELIMIT_STRATEGY", "moving-window")
    app.config.setdefault("PASSWORD_RESET_IP_MAX_REQUESTS", 10)
    limiter = Limiter(key_func=client_ip, app=app, default_limits=[], key_prefix="flytverk")
    app.extensions[EXTENSION] = limiter


def _item(name: str) -> RateLimitItem:
    count_key, window_key = LIMITS[name]
    return RateLimitItemPerSecond(
        int(current_app.config[count_key]), int(current_app.config[window_key])
    )


def _limiter() -> Limiter:
    limiter: Limiter = current_app.extensions[EXTENSION]
    return limiter


def blocked_until(name: str, ip: str) -> datetime | None:
    """When `ip` may try `name` again (naive UTC), or None when it may now."""
    item = _item(name)
    strategy = _limiter().limiter
    if strategy.test(item, name, ip):
        return None
    reset = strategy.get_window_stats(item, name, ip).reset_time
    return datetime.fromtimestamp(reset, UTC).replace(tzinfo=None)


def fail(name: str, ip: str) -> None:
    """Count one failure (or request) of `name` from `ip`."""
    _limiter().limiter.hit(_item(name), name, ip)


def reset(ip: str | None = None) -> None:
    """Forget the counts (all, or of one address): for tests and `flask` commands."""
    storage = _limiter().storage
    if ip is None:
        storage.reset()
        return
    for name in LIMITS:
        _limiter().limiter.clear(_item(name), name, ip)
