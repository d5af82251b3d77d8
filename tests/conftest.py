"""Shared fixtures: a real database (SQLite per test, or PostgreSQL via DATABASE_URL)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from engine import runtime
from engine.models import Base
from tests.factories import Browser


def _database_per_worker() -> None:
    """Under pytest-xdist each worker process gets its own PostgreSQL database.

    Set before anything reads DATABASE_URL, so every fixture and every subprocess a test
    starts (Celery workers) uses the worker's database.
    """
    url, worker = os.environ.get("DATABASE_URL"), os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker or not url.startswith("postgresql"):
        return
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if exists.scalar() is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    os.environ["DATABASE_URL"] = base.set(database=name).render_as_string(hide_password=False)


_database_per_worker()
DATABASE_URL = os.environ.get("DATABASE_URL")


@pytest.fixture(scope="session")
def shared_database() -> Iterator[str | None]:
    """With DATABASE_URL set, the schema is created once and emptied between tests."""
    if not DATABASE_URL:
        yield None
        return
    import designer.models  # noqa: F401  (one import registers every web-side table)

    engine = create_engine(DATABASE_URL)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    engine.dispose()
    yield DATABASE_URL


def _empty(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "SQLITE_SYNCHRONOUS": "OFF",
}


def _seed(app: Flask, *, create: bool) -> None:
    from designer.cli import seed_demo_users, seed_services
    from designer.extensions import db

    with app.app_context():
        if create:
            db.create_all()
        seed_services()
        seed_demo_users()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def seeded_sqlite(tmp_path_factory: pytest.TempPathFactory) -> str | None:
    """One seeded SQLite file per test process; each test gets a copy of it."""
    if DATABASE_URL:
        return None
    from designer import create_app

    folder = tmp_path_factory.mktemp("template")
    path = os.path.join(str(folder), "flytverk.sqlite")
    template = create_app(
        {
            **TEST_CONFIG,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "UPLOAD_FOLDER": os.path.join(str(folder), "uploads"),
        }
    )
    _seed(template, create=True)
    runtime.WORKFLOWS.clear()
    return path


@pytest.fixture
def app(
    tmp_path: os.PathLike[str], shared_database: str | None, seeded_sqlite: str | None
) -> Iterator[Flask]:
    """A fully seeded app on a fresh database (a copy of the seeded template on SQLite)."""
    from designer import create_app
    from designer.extensions import db

    if shared_database:
        _empty(shared_database)
        uri = shared_database
    else:
        assert seeded_sqlite is not None
        target = os.path.join(str(tmp_path), "flytverk.sqlite")
        for suffix in ("", "-wal"):  # the WAL is checkpointed on close; copy it if it is not
            if os.path.exists(seeded_sqlite + suffix):
                shutil.copyfile(seeded_sqlite + suffix, target + suffix)
        uri = f"sqlite:///{target}"
    app = create_app(
        {
            **TEST_CONFIG,
            "SQLALCHEMY_DATABASE_URI": uri,
            "UPLOAD_FOLDER": os.path.join(str(tmp_path), "uploads"),
            "ARCHIVE_FOLDER": os.path.join(str(tmp_path), "archive"),
        }
    )
    runtime.WORKFLOWS.clear()
    if shared_database:
        _seed(app, create=False)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    runtime.WORKFLOWS.clear()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client (CSRF protection stays on)."""
    return app.test_client()


@pytest.fixture
def login_as(app: Flask):  # type: ignore[no-untyped-def]
    """Return a logged-in Browser for a demo user: login_as('kari')."""

    def login(username: str) -> Browser:
        browser = Browser(app.test_client())
        browser.login(username)
        return browser

    return login
