"""Background work: timers, connector jobs, the outbox and the daily jobs.

Three ways to run it, one code path (designer.worker.tick): the in-process thread that
`flask run` starts (designer.worker.thread), `flask worker` in a separate process, or
Celery workers with a Redis broker (`FLYTVERK_BROKER_URL`, designer.worker.celery_app)
with Celery beat as the clock. Daily jobs run once per installation (designer.worker.daily).
"""

from __future__ import annotations

from flask import Flask

from designer.extensions import db
from designer.worker import thread
from designer.worker.daily import run_daily, run_retention
from designer.worker.dispatch import jobs_created, watch_commits
from designer.worker.tick import connectors_of, run_job, sessions_of, work_once

__all__ = [
    "connectors_of",
    "init_app",
    "jobs_created",
    "run_daily",
    "run_job",
    "run_retention",
    "sessions_of",
    "work_once",
]


def init_app(app: Flask) -> None:
    """Watch commits for queued jobs; start the worker thread only where it is wanted."""
    watch_commits(app, db.session)
    watch_commits(app, sessions_of(app))
    if thread.wanted(app):
        thread.start(app)
