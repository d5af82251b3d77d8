"""The optional in-process worker thread, for the one-process set-up (`make run`).

It is started by `flask run` when SCHEDULER=thread and no broker is set, or explicitly
with START_WORKER_THREAD=True (e.g. gunicorn with a single worker) — never merely by
creating the app: gunicorn workers, `flask seed`, `flask db upgrade` and tests get none.
"""

from __future__ import annotations

import os
import threading

import click
from flask import Flask
from flask.cli import run_command

from designer.worker.dispatch import WAKE
from designer.worker.tick import work_once

THREAD = "flytverk_scheduler"


class WorkerThread(threading.Thread):
    """Calls work_once every SCHEDULER_INTERVAL seconds, or sooner when woken."""

    def __init__(self, app: Flask, interval: float) -> None:
        super().__init__(name="flytverk-background", daemon=True)
        self.app, self.interval = app, interval
        self.wake = threading.Event()
        self.stopped = threading.Event()

    def run(self) -> None:
        """Tick until stopped; one failing tick is logged and the next one follows."""
        while not self.stopped.is_set():
            self.wake.wait(self.interval)
            self.wake.clear()
            if self.stopped.is_set():
                return
            try:
                work_once(self.app)
            except Exception:  # noqa: BLE001 - the thread must outlive one bad tick
                self.app.logger.exception("background tick failed")

    def stop(self) -> None:
        """Ask the thread to end after its current tick."""
        self.stopped.set()
        self.wake.set()


def serving_with_flask_run() -> bool:
    """True inside `flask run` (Flask marks every `flask` command; only run is the server)."""
    if os.environ.get("FLASK_RUN_FROM_CLI") != "true":
        return False
    context = click.get_current_context(silent=True)
    return context is not None and context.command is run_command


def wanted(app: Flask) -> bool:
    """Whether this process should run the in-process worker thread."""
    if app.config.get("START_WORKER_THREAD"):
        return True
    if app.testing or app.config.get("SCHEDULER") != "thread" or app.config.get("BROKER_URL"):
        return False
    if not serving_with_flask_run():
        return False
    # With the reloader only its child serves; the watching parent must not tick too.
    return not app.debug or os.environ.get("WERKZEUG_RUN_MAIN") == "true"


def start(app: Flask) -> WorkerThread:
    """Start the thread and let commits that queue jobs wake it."""
    thread = WorkerThread(app, float(app.config["SCHEDULER_INTERVAL"]))
    thread.start()
    app.extensions[THREAD] = thread
    app.extensions[WAKE] = thread.wake
    return thread
