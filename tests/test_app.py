"""App factory, configuration, migrations, translations and error pages."""

from __future__ import annotations

import os
import re

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from babel.messages.pofile import read_po
from flask_migrate import upgrade

from designer import ROOT, create_app
from designer.cli import extract_texts
from designer.extensions import db


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("FLYTVERK_SECRET_KEY", raising=False)
    config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/a.sqlite", "SCHEDULER": "off"}
    first = create_app(config)
    first.instance_path = str(tmp_path)
    key_file = tmp_path / "secret_key"
    from designer.config import _secret_key

    key = _secret_key(first)
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert _secret_key(first) == key and len(key) == 64


def test_environment_overrides_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("FLYTVERK_DEFAULT_TENANT_NAME", "Notodden kommune")
    monkeypatch.setenv("DATABASE_URL", "postgres://someone@db.example/flytverk")
    app = create_app({"SECRET_KEY": "x", "SCHEDULER": "off"})
    assert app.config["DEFAULT_TENANT_NAME"] == "Notodden kommune"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql://someone@db.example/flytverk"


def test_migrations_build_exactly_the_models_schema(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app(
        {
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/m.sqlite",
            "SCHEDULER": "off",
        }
    )
    with app.app_context():
        upgrade(directory=os.path.join(ROOT, "migrations"))
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []


def test_migrating_inside_a_process_keeps_its_loggers(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app(
        {"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/m.sqlite"}
    )
    app.logger.info("the logger exists before the migration")
    with app.app_context():
        upgrade(directory=os.path.join(ROOT, "migrations"))
    assert not app.logger.disabled


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_every_ui_string_has_a_translation_in_every_language(language):
    path = os.path.join(ROOT, "designer", "translations", language, "LC_MESSAGES", "messages.po")
    with open(path, "rb") as handle:
        catalog = read_po(handle)
    translated = {m.id for m in catalog if m.id and m.string}
    found = {m.id if isinstance(m.id, str) else m.id[0] for m in extract_texts() if m.id}
    missing = sorted(found - translated)
    assert missing == [], f"add these to {language}/messages.po (flask i18n sync): {missing}"


def test_nynorsk_is_not_bokmal():
    def texts(language: str) -> dict[str, str]:
        path = os.path.join(ROOT, "designer", "translations", language, "LC_MESSAGES")
        with open(os.path.join(path, "messages.po"), "rb") as handle:
            return {m.id: m.string for m in read_po(handle) if m.id}

    nn = texts("nn")
    bokmal_only = re.compile(
        r"\b(ikke|jeg|hva|hvordan|hvem|fra|bare|hele|mye|tjeneste|oppgave|saksbehandler|"
        r"innbygger|veiledning|ble|hvis|noe)\b",
        re.IGNORECASE,
    )
    wrong = sorted(f"{k} -> {v}" for k, v in nn.items() if bokmal_only.search(v))
    assert wrong == []


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Vi fant ikke siden du ba om" in response.get_data(as_text=True)


def test_oversized_request_is_413(client):
    response = client.post("/login", data={"username": "x" * (11 * 1024 * 1024)})
    assert response.status_code == 413


def test_every_page_carries_a_strict_content_security_policy(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    html = response.get_data(as_text=True)
    assert "<script>" not in html and " style=" not in html
