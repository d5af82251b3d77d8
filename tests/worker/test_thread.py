"""The in-process worker thread: started by `flask run` (or explicitly), never by create_app."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import click
import pytest
from click.testing import CliRunner
from flask import Flask
from flask.cli import FlaskGroup, run_command

from designer import create_app
from designer.worker.thread import THREAD, WorkerThread
from tests.conftest import TEST_CONFIG


@pytest.fixture
def make_app(tmp_path: os.PathLike[str]) -> Iterator[Any]:
    """Build apps like a deployment would (not TESTING unless asked); stop their threads."""
    built: list[Flask] = []

    def make(**config: Any) -> Flask:
        settings = {
            **TEST_CONFIG,
            "TESTING": False,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/unused.sqlite",
            "SCHEDULER_INTERVAL": 3600,
            **config,
        }
        app = create_app(settings)
        built.append(app)
        return app

    yield make
    for app in built:
        thread = app.extensions.get(THREAD)
        if thread is not None:
            thread.stop()
            thread.join(timeout=5)


def _thread(app: Flask) -> WorkerThread | None:
    found: WorkerThread | None = app.extensions.get(THREAD)
    return found


def test_creating_the_app_starts_no_thread(make_app: Any, monkeypatch) -> None:
    monkeypatch.delenv("FLASK_RUN_FROM_CLI", raising=False)
    assert _thread(make_app()) is None  # gunicorn workers, scripts, Celery's app


def test_tests_get_no_thread_even_under_flask_run(make_app: Any, monkeypatch) -> None:
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")
    with click.Context(run_command):
        assert _thread(make_app(TESTING=True)) is None


def test_other_flask_commands_start_no_thread(make_app: Any, monkeypatch) -> None:
    """`flask seed`, `flask db upgrade`: Flask sets FLASK_RUN_FROM_CLI for them too."""
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")
    built: list[Flask] = []

    def factory() -> Flask:
        built.append(make_app())
        return built[-1]

    group = FlaskGroup(create_app=factory)

    @group.command("noop")
    def noop() -> None:
        click.echo("ok")

    result = CliRunner().invoke(group, ["noop"])
    assert result.exit_code == 0, result.output
    assert built and _thread(built[0]) is None
    result = CliRunner().invoke(group, ["routes"])  # a command of Flask's own, like db upgrade
    assert result.exit_code == 0, result.output
    assert all(_thread(app) is None for app in built)


def test_flask_run_starts_the_thread(make_app: Any, monkeypatch) -> None:
    """`make run` serves with `flask run`: that process runs timers, jobs and the outbox."""
    served: list[Any] = []
    monkeypatch.setattr("flask.cli.run_simple", lambda *args, **kwargs: served.append(args))
    built: list[Flask] = []

    def factory() -> Flask:
        built.append(make_app())
        return built[-1]

    result = CliRunner().invoke(FlaskGroup(create_app=factory), ["run", "--port", "5099"])
    assert result.exit_code == 0, result.output
    assert served, "the server would have started"
    [app] = built
    thread = _thread(app)
    assert thread is not None and thread.is_alive()
    assert app.extensions["flytverk_wake"] is thread.wake  # commits with jobs wake it


def test_flask_run_with_a_broker_leaves_the_work_to_celery(make_app: Any, monkeypatch) -> None:
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")
    with click.Context(run_command):
        assert _thread(make_app(BROKER_URL="redis://127.0.0.1:6379/0")) is None
        assert _thread(make_app(SCHEDULER="none")) is None
        assert _thread(make_app()) is not None


def test_start_worker_thread_starts_it_anywhere(make_app: Any, monkeypatch) -> None:
    """E.g. gunicorn with a single worker; even under TESTING when a test asks for it."""
    monkeypatch.delenv("FLASK_RUN_FROM_CLI", raising=False)
    app = make_app(START_WORKER_THREAD=True)
    assert _thread(app) is not None
    assert _thread(make_app(START_WORKER_THREAD=True, TESTING=True)) is not None
