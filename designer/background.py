"""Background work wiring: the in-process scheduler thread and the `flask worker` command."""

from __future__ import annotations

import time

import click
from flask import Flask
from sqlalchemy.orm import sessionmaker

from engine import scheduler

from .extensions import db


def _sessions(app: Flask) -> sessionmaker:  # type: ignore[type-arg]
    with app.app_context():
        return sessionmaker(bind=db.engine, expire_on_commit=False)


def init_app(app: Flask) -> None:
    """Start the scheduler thread (SCHEDULER=thread) and register `flask worker`."""
    if app.config.get("SCHEDULER") == "thread" and not app.testing:
        thread = scheduler.SchedulerThread(_sessions(app), float(app.config["SCHEDULER_INTERVAL"]))
        thread.start()
        app.extensions["flytverk_scheduler"] = thread

    @app.cli.command("worker")
    @click.option("--once", is_flag=True, help="Fire what is due now and stop.")
    def worker(once: bool) -> None:
        """Fire due timers apart from the web server (set FLYTVERK_SCHEDULER=off there)."""
        sessions = _sessions(app)
        while True:
            fired = scheduler.run_once(sessions)
            if fired:
                click.echo(f"fired {fired} timer(s)")
            if once:
                return
            time.sleep(float(app.config["SCHEDULER_INTERVAL"]))
