"""Flytverk web application: the only composition root."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask
from jinja2 import BaseLoader, ChoiceLoader, PackageLoader
from werkzeug.middleware.proxy_fix import ProxyFix

from designer import config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _trust_proxies(app: Flask) -> None:
    """Behind a reverse proxy, take the client address and scheme from its headers."""
    hops = {
        key: int(app.config[f"PROXY_FIX_{key.upper()}"])
        for key in ("x_for", "x_proto", "x_host", "x_prefix")
    }
    if any(hops.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, **hops)  # type: ignore[method-assign]


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build and configure the Flask application."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        static_folder=os.path.join(ROOT, "static", "dist"),
        static_url_path="/static",
    )
    config.load(app, test_config)
    _trust_proxies(app)

    import forms.jinja
    from designer import cli, integrations, notify, worker
    from designer.extensions import csrf, db, migrate
    from designer.identity import auth, devidp, oidc
    from designer.services import appeals, localised, reassessment
    from designer.services.letters import listener as letter_listener
    from designer.web import (
        admin,
        api,
        audit,
        casework,
        errors,
        headers,
        i18n,
        lists,
        modeler,
        outbox,
        portal,
        subscriptions,
    )
    from engine import api as engine

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(ROOT, "migrations"))
    csrf.init_app(app)
    with app.app_context():
        engine.configure(db.engine, synchronous=app.config["SQLITE_SYNCHRONOUS"])
    engine.configure_sandbox(
        cpu_seconds=float(app.config["SCRIPT_CPU_SECONDS"]),
        max_output_bytes=int(app.config["SCRIPT_MAX_OUTPUT_BYTES"]),
        processes=int(app.config["SCRIPT_PROCESSES"]),
        memory_mb=int(app.config["SCRIPT_MEMORY_MB"]),
        wall_seconds=float(app.config["SCRIPT_WALL_SECONDS"]),
    )

    loaders: list[BaseLoader] = [PackageLoader("forms", "templates")]
    if app.jinja_loader is not None:
        loaders.insert(0, app.jinja_loader)
    app.jinja_loader = ChoiceLoader(loaders)
    forms.jinja.install(app.jinja_env)
    i18n.init_app(app)
    auth.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    integrations.init_app(app)
    worker.init_app(app)
    headers.init_app(app)
    notify.init_app(app)
    # A decided case gets its letter, an answered appeal its new decision, both in the
    # transition's transaction (registering again changes nothing).
    letter_listener.register()  # whatever moved the case: web, worker, Celery
    engine.on_transition(appeals.on_transition)
    engine.on_transition(reassessment.on_transition)  # an upheld appeal's new case
    notify.use_task_names(localised.task_name)  # e-mails name tasks in their language

    for blueprint in (
        auth.bp,
        portal.bp,
        casework.bp,
        modeler.bp,
        admin.bp,
        audit.bp,
        api.bp,
        oidc.bp,
        devidp.bp,
        outbox.bp,
        lists.bp,
        subscriptions.bp,
    ):
        app.register_blueprint(blueprint)
    csrf.exempt(api.bp)
    return app
