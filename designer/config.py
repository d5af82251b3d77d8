"""Configuration: defaults -> instance/config.py -> FLYTVERK_* / DATABASE_URL -> test_config."""

from __future__ import annotations

import os
import secrets
from typing import Any

from flask import Flask

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def _database_url(url: str) -> str:
    # Heroku-style URLs say postgres://, which SQLAlchemy no longer accepts.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    return url


def _secret_key(app: Flask) -> str:
    path = os.path.join(app.instance_path, "secret_key")
    if os.path.exists(path):
        with open(path, encoding="ascii") as handle:
            return handle.read().strip()
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key)
    return key


def load(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Fill app.config in the documented order."""
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI="sqlite:///" + os.path.join(app.instance_path, "flytverk.sqlite"),
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        SQLITE_SYNCHRONOUS="FULL",
        DEFAULT_TENANT="default",
        DEFAULT_TENANT_NAME="Demo kommune",
        BABEL_DEFAULT_LOCALE="nb",
        BABEL_DEFAULT_TIMEZONE="Europe/Oslo",
        LANGUAGES=["nb", "nn", "en"],
        DEMO=False,
        MAX_CONTENT_LENGTH=MAX_UPLOAD_BYTES,
        # JSON bodies (editors, API): the largest accepted (413 above) and the deepest nesting.
        JSON_MAX_BYTES=8 * 1024 * 1024,
        JSON_MAX_DEPTH=64,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        WTF_CSRF_TIME_LIMIT=None,
        SCHEDULER="thread",
        SCRIPT_CPU_SECONDS=2.0,
        SCRIPT_MAX_OUTPUT_BYTES=256 * 1024,
        # Scripts and expressions run in separate sandbox processes (provably cheap
        # conditions excepted): how many, the memory budget of one run, and the wall-clock
        # deadline after which the process is killed and replaced.
        SCRIPT_PROCESSES=2,
        SCRIPT_MEMORY_MB=256,
        SCRIPT_WALL_SECONDS=5.0,
        SCHEDULER_INTERVAL=5,
        # Celery with a Redis broker runs timers and connectors when set (redis://...).
        BROKER_URL=None,
        # Hosts the HTTP connector may call (exact names; '*.example.no' for subdomains).
        # Names must resolve to public addresses; an IP address or network listed here
        # ('10.0.0.5', '10.0.0.0/24', '::1') may be called even when it is not public.
        CONNECTOR_HTTP_ALLOWED_HOSTS=[],
        CONNECTOR_HTTP_ALLOWED_PORTS=[80, 443],
        CONNECTOR_HTTP_TIMEOUT=10.0,
        # Letters and archive: LETTER_ADAPTER "svarut" (KS SvarUt) or "package.module:factory"
        # (unset: the case's outbox); ARCHIVE_ADAPTER "folder" (the default: packages in
        # <instance>/archive) or "package.module:factory". SvarUt: base URL (https), the
        # forsendelse service's user name and password, the read timeout (below the five
        # minutes a worker holds a letter or JOB_LEASE_SECONDS) and SvarUt's public
        # certificate (PEM file: letters are then encrypted, as letters that need a
        # high-security login must be).
        LETTER_ADAPTER=None,
        ARCHIVE_ADAPTER=None,
        ARCHIVE_FOLDER=None,  # the folder archive's packages; None: <instance>/archive
        ARCHIVE_SYSTEM="flytverk",  # the fagsystem of the cases' keys in the archive
        SVARUT_URL=None,
        SVARUT_USERNAME=None,
        SVARUT_PASSWORD=None,
        SVARUT_TIMEOUT=120.0,
        SVARUT_CERTIFICATE=None,
        # Service packages (designer.services.packages.container): an upload is refused
        # above these sizes (packed, unpacked in all, one file unpacked) or entry count.
        PACKAGE_MAX_BYTES=5 * 1024 * 1024,
        PACKAGE_MAX_UNPACKED_BYTES=20 * 1024 * 1024,
        PACKAGE_MAX_FILE_BYTES=2 * 1024 * 1024,
        PACKAGE_MAX_ENTRIES=500,
        # Login throttling and password reset (defaults also in login_security.DEFAULTS).
        LOGIN_MAX_FAILURES=5,
        LOGIN_FAILURE_WINDOW=15 * 60,
        LOGIN_LOCKOUT_SECONDS=15 * 60,
        LOGIN_IP_MAX_FAILURES=20,
        LOGIN_IP_WINDOW=15 * 60,
        PASSWORD_RESET_MAX_AGE=60 * 60,
        PASSWORD_MIN_LENGTH=12,
        # The longest life of a login session (sessions also end at logout, password change
        # and deactivation, on every process: they are rows in user_session).
        SESSION_MAX_HOURS=24,
        PASSWORD_RESET_IP_MAX_REQUESTS=10,
        RATELIMIT_STRATEGY="moving-window",
        # Absolute links in e-mails use this when set, never the request's Host header.
        PUBLIC_BASE_URL=None,
        # None = automatic: Secure unless DEMO or TESTING; FLYTVERK_SESSION_COOKIE_SECURE=false
        # for a plain-http server that is not the demo.
        SESSION_COOKIE_SECURE=None,
        REMEMBER_COOKIE_SAMESITE="Lax",
        # Citizen login (OpenID Connect, ID-porten): issuer URL or its discovery URL.
        OIDC_ISSUER=None,
        OIDC_CLIENT_ID=None,
        OIDC_CLIENT_SECRET=None,
        OIDC_SCOPES="openid profile",
        # Built-in test identity provider at /dev-idp/; None = on only in DEMO. Never in production.
        DEV_IDP=None,
        DEV_IDP_KEY_FILE=None,  # default: <instance>/dev-idp-key.json
        # Platform admins (role admin in this tenant) manage municipalities; None = DEFAULT_TENANT.
        PLATFORM_TENANT=None,
        # Apply the services' retention rules once a day from the background worker.
        RETENTION_DAILY=True,
        # Send the daily digest from the background worker (once per installation).
        DIGEST_DAILY=False,
        # How long a worker holds a connector job it claimed before another may take it over.
        JOB_LEASE_SECONDS=300,
        # Behind a reverse proxy: how many proxies set X-Forwarded-For/-Proto/-Host/-Prefix
        # (0 = none: the client address is the connection's).
        PROXY_FIX_X_FOR=0,
        PROXY_FIX_X_PROTO=0,
        PROXY_FIX_X_HOST=0,
        PROXY_FIX_X_PREFIX=0,
        # Flask-Limiter's store: memory:// in one process, redis://... for several.
        RATELIMIT_STORAGE_URI="memory://",
        # Password hashing; TESTING uses a cheap method (never in production).
        PASSWORD_METHOD="scrypt:32768:8:1",
        # The in-process background thread: started by `flask run`/`make run` when
        # SCHEDULER=thread (or by START_WORKER_THREAD=True), never by merely creating the app.
        START_WORKER_THREAD=False,
    )
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("FLYTVERK")
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if test_config:
        app.config.update(test_config)
    if app.config.get("TESTING") and "PASSWORD_METHOD" not in (test_config or {}):
        app.config["PASSWORD_METHOD"] = "pbkdf2:sha256:1"
    if app.config.get("SESSION_COOKIE_SECURE") is None:
        app.config["SESSION_COOKIE_SECURE"] = not (app.config["DEMO"] or app.config.get("TESTING"))
    app.config.setdefault("REMEMBER_COOKIE_SECURE", app.config["SESSION_COOKIE_SECURE"])
    app.config["SQLALCHEMY_DATABASE_URI"] = _database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(app)
