"""The tick: fire due timers, run due connector jobs, start the new cases of upheld appeals,
send letters and the outbox, daily jobs.

Every way of running background work ends here (the in-process thread, `flask worker`,
Celery's `flytverk.tick` / `flytverk.run_job`). The engine takes row locks, so any number
of workers may tick at once.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime

from flask import Flask
from sqlalchemy.orm import sessionmaker

from designer.extensions import db
from designer.integrations.letter import adapter_of
from designer.services import reassessment
from designer.worker import letters, outbox, recurring
from designer.worker.archive import hand_over_finished
from designer.worker.daily import run_daily
from engine.api import Registry, run_due, run_one, scheduler
from engine.errors import StepFailed

logger = logging.getLogger(__name__)


def sessions_of(app: Flask) -> sessionmaker:  # type: ignore[type-arg]
    """A session factory bound to the app's database, for work outside requests."""
    found = app.extensions.get("flytverk_sessions")
    if found is None:
        with app.app_context():
            found = sessionmaker(bind=db.engine, expire_on_commit=False)
        app.extensions["flytverk_sessions"] = found
    return found


def connectors_of(app: Flask) -> Registry:
    """The app's connector registry (built in designer.integrations)."""
    return app.extensions["flytverk_connectors"]  # type: ignore[no-any-return]


def lease_seconds(app: Flask) -> int:
    """How long a claimed connector job is held before another worker may take it over."""
    return int(app.config["JOB_LEASE_SECONDS"])


def work_once(app: Flask, now: datetime | None = None, *, daily: bool = True) -> int:
    """Fire due timers, run due connector jobs, then send decision letters, hand finished
    cases to the archive and send pending notices; return how many timers and jobs did
    something (letters, hand-overs and notices are not counted).

    With `daily` (the default; Celery's tick passes False, beat sends the daily task)
    it also runs the daily jobs whose once-per-installation lease this process wins.
    """
    sessions = sessions_of(app)
    done = scheduler.run_once(sessions, now)
    done += run_due(sessions, connectors_of(app), now, lease_seconds=lease_seconds(app))
    done += start_reassessments(app)  # upheld appeals handled again as new cases
    deliver_letters(app, now)
    hand_over_finished(app, now)  # finished cases (letters sent, no open appeal) to the archive
    deliver_outbox(app, now)
    recurring.run_due_work(app, now)  # e.g. monthly invoices, once per period
    recurring.send_invoices(app, now)
    if daily:
        run_daily(app, now)
    return done


REASSESS_RETRY = 600.0  # seconds this process waits before trying a failed start again


def reassess_failures(app: Flask) -> dict[int, float]:
    """When the start of an appeal's new case last failed in this process, by appeal id."""
    return app.extensions.setdefault("flytverk_reassess_failed", {})  # type: ignore[no-any-return]


def start_reassessments(app: Flask) -> int:
    """Start the new cases of upheld appeals to be handled again; return how many. One whose
    start failed is left to later ticks (REASSESS_RETRY), so it neither spins nor blocks."""
    started = 0
    now = time.monotonic()
    failed = reassess_failures(app)
    with sessions_of(app)() as session, app.app_context():  # texts of the new case's steps
        for appeal_id in reassessment.pending(session):
            if now - failed.get(appeal_id, -REASSESS_RETRY) < REASSESS_RETRY:
                continue
            try:
                started += reassessment.start(session, appeal_id) is not None
            except StepFailed:  # started and committed: its first step is an incident
                started += 1
                logger.warning("The new case of appeal %s stopped at its first step", appeal_id)
            except Exception:  # kept `reassessing`: tried again after REASSESS_RETRY
                session.rollback()
                failed[appeal_id] = now
                logger.exception("Could not start the new case of appeal %s", appeal_id)
        session.commit()
    return started


def deliver_outbox(app: Flask, now: datetime | None = None) -> int:
    """Send the outbox's due notices, after the commits that wrote them; return how many."""
    with sessions_of(app)() as session, app.app_context():  # rendering may need the app
        sent = outbox.deliver_pending(session, app.config, now=now)
        session.commit()  # each message's claim and result committed already; end cleanly
    return sent


def deliver_letters(app: Flask, now: datetime | None = None) -> int:
    """Render and send the decision letters due, after the commits that wrote them."""
    with sessions_of(app)() as session, app.app_context():  # the letters' templates
        sent = letters.deliver_pending(session, adapter_of(app), now=now)
        session.commit()
    return sent


def run_job(app: Flask, job_id: int, now: datetime | None = None) -> bool:
    """Run one connector job if it is still due (another worker may have taken it)."""
    return run_one(
        sessions_of(app), connectors_of(app), job_id, now, lease_seconds=lease_seconds(app)
    )
