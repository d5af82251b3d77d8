"""Shared fixtures: a real database (SQLite per test, or PostgreSQL via DATABASE_URL)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from engine import runtime
from engine.models import Base
from tests.factories import Browser

DATABASE_URL = os.environ.get("DATABASE_URL")


@pytest.fixture(scope="session")
def shared_database() -> Iterator[str | None]:
    """With DATABASE_URL set, the schema is created once and emptied between tests."""
    if not DATABASE_URL:
        yield None
        return

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


@pytest.fixture
def app(tmp_path: os.PathLike[str], shared_database: str | None) -> Iterator[Flask]:
    """A fully seeded app on a fresh database."""
    from designer import create_app
    from designer.cli import seed_demo_users, seed_services
    from designer.extensions import db

    if shared_database:
        _empty(shared_database)
        uri = shared_database
    else:
        uri = f"sqlite:///{tmp_path}/flytverk.sqlite"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": uri,
            "SQLITE_SYNCHRONOUS": "OFF",
            "UPLOAD_FOLDER": os.path.join(str(tmp_path), "uploads"),
        }
    )
    runtime.WORKFLOWS.clear()
    with app.app_context():
        if not shared_database:
            db.create_all()
        seed_services()
        seed_demo_users()
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
