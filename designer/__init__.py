"""Flytverk web application: the only composition root."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask
from jinja2 import ChoiceLoader, PackageLoader

from . import config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build and configure the Flask application."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        static_folder=os.path.join(ROOT, "static", "dist"),
        static_url_path="/static",
    )
    config.load(app, test_config)

    import forms.jinja
    from engine import sandbox
    from engine.store import configure_engine

    from . import (
        admin,
        api,
        audit_views,
        auth,
        background,
        casework,
        cli,
        connectors,
        devidp,
        errors,
        i18n,
        modeler,
        notify,
        oidc,
        portal,
        retention,
        security,
    )
    from .extensions import csrf, db, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(ROOT, "migrations"))
    csrf.init_app(app)
    with app.app_context():
        configure_engine(db.engine, synchronous=app.config["SQLITE_SYNCHRONOUS"])
    sandbox.configure(
        cpu_seconds=float(app.config["SCRIPT_CPU_SECONDS"]),
        max_output_bytes=int(app.config["SCRIPT_MAX_OUTPUT_BYTES"]),
    )

    app.jinja_loader = ChoiceLoader([app.jinja_loader, PackageLoader("forms", "templates")])
    forms.jinja.install(app.jinja_env)
    i18n.init_app(app)
    auth.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    retention.init_app(app)
    connectors.init_app(app)
    background.init_app(app)
    security.init_app(app)
    notify.init_app(app)

    app.register_blueprint(auth.bp)
    app.register_blueprint(portal.bp)
    app.register_blueprint(casework.bp)
    app.register_blueprint(modeler.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(audit_views.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(oidc.bp)
    app.register_blueprint(devidp.bp)
    csrf.exempt(api.bp)
    return app
