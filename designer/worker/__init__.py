"""Background work wiring: timers and service-task connectors.

Three ways to run it, one code path: the in-process scheduler thread (default), `flask worker`
in a separate process, or Celery workers with a Redis broker (`FLYTVERK_BROKER_URL`). Every
way ends in `work_once` / `run_job`, which take row locks, so any number of workers may run.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

import click
from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from designer.extensions import db
from designer.services import retention
from engine import jobs, scheduler
from engine.models import utcnow
from engine.servicetasks import NEW_JOBS


def sessions_of(app: Flask) -> sessionmaker:  # type: ignore[type-arg]
    """A session factory bound to the app's database, for work outside requests."""
    found = app.extensions.get("flytverk_sessions")
    if found is None:
        with app.app_context():
            found = sessionmaker(bind=db.engine, expire_on_commit=False)
        app.extensions["flytverk_sessions"] = found
    return found


def connectors_of(app: Flask) -> jobs.Registry:
    """The app's connector registry (built in designer.connectors)."""
    return app.extensions["flytverk_connectors"]  # type: ignore[no-any-return]


def work_once(app: Flask, now: datetime | None = None) -> int:
    """Fire due timers and run due connector jobs once; return how many did something.

    Once a day (per worker process) it also applies the services' retention rules.
    """
    sessions = sessions_of(app)
    done = scheduler.run_once(sessions, now)
    done += jobs.run_due(sessions, connectors_of(app), now)
    daily_retention(app, now)
    return done


def daily_retention(app: Flask, now: datetime | None = None) -> bool:
    """Run `flask retention run` if this process has not run it for a day; True if it ran."""
    if not app.config.get("RETENTION_DAILY", True):
        return False
    now = now or utcnow()
    last = app.extensions.get("flytverk_retention_at")
    if last is not None and now - last < timedelta(days=1):
        return False
    app.extensions["flytverk_retention_at"] = now
    with app.app_context():
        try:
            report = retention.run(db.session, now=now)
        finally:
            db.session.remove()
    for line in report.lines() if (report.anonymised or report.deleted) else []:
        app.logger.info("retention: %s", line)
    return True


def run_job(app: Flask, job_id: int, now: datetime | None = None) -> bool:
    """Run one connector job if it is still due (another worker may have taken it)."""
    return jobs.run_one(sessions_of(app), connectors_of(app), job_id, now)


def jobs_created(app: Flask, job_ids: list[int]) -> None:
    """Called after a commit that queued connector jobs: start them without waiting a tick."""
    if not job_ids:
        return
    if app.config.get("BROKER_URL"):
        from designer.worker.celery_app import dispatch

        for job_id in job_ids:
            dispatch(app, job_id)
        return
    wake = app.extensions.get("flytverk_wake")
    if wake is not None:
        wake.set()


class _Thread(threading.Thread):
    def __init__(self, app: Flask, interval: float) -> None:
        super().__init__(name="flytverk-background", daemon=True)
        self.app, self.interval = app, interval
        self.wake = threading.Event()
        self.stopped = threading.Event()

    def run(self) -> None:
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
        self.stopped.set()
        self.wake.set()


def _watch_commits(app: Flask, target: object) -> None:
    # db.session is one scoped session for every app in the process (tests build many):
    # only the app whose context is active may take its commit's jobs.
    shared = target is db.session

    def ours() -> bool:
        return not shared or (has_app_context() and current_app._get_current_object() is app)

    def after_commit(session: Session) -> None:
        if not ours():
            return
        queued = session.info.pop(NEW_JOBS, None)
        if queued:
            jobs_created(app, queued)

    def after_rollback(session: Session) -> None:
        if not ours():
            return
        session.info.pop(NEW_JOBS, None)

    event.listen(target, "after_commit", after_commit)
    event.listen(target, "after_soft_rollback", lambda session, _: after_rollback(session))


def init_app(app: Flask) -> None:
    """Start the background thread (SCHEDULER=thread, no broker) and register `flask worker`."""
    _watch_commits(app, db.session)
    _watch_commits(app, sessions_of(app))
    if (
        app.config.get("SCHEDULER") == "thread"
        and not app.testing
        and not app.config.get("BROKER_URL")
    ):
        thread = _Thread(app, float(app.config["SCHEDULER_INTERVAL"]))
        thread.start()
        app.extensions["flytverk_scheduler"] = thread
        app.extensions["flytverk_wake"] = thread.wake

    @app.cli.command("worker")
    @click.option("--once", is_flag=True, help="Do what is due now and stop.")
    def worker(once: bool) -> None:
        """Fire due timers and run connectors apart from the web server."""
        while True:
            done = work_once(app)
            if done:
                click.echo(f"did {done} piece(s) of background work")
            if once:
                return
            time.sleep(float(app.config["SCHEDULER_INTERVAL"]))
