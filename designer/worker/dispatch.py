"""After a commit that queued connector jobs: start them without waiting for a tick.

With a broker the jobs are sent to Celery (designer.worker.celery_app, imported only
then); otherwise the in-process thread, if this process runs one, is woken.
"""

from __future__ import annotations

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from designer.extensions import db
from engine.api import NEW_JOBS

WAKE = "flytverk_wake"


def jobs_created(app: Flask, job_ids: list[int]) -> None:
    """Hand freshly committed jobs to a worker: the broker, or this process's thread."""
    if not job_ids:
        return
    if app.config.get("BROKER_URL"):
        from designer.worker.celery_app import dispatch

        for job_id in job_ids:
            dispatch(app, job_id)
        return
    wake = app.extensions.get(WAKE)
    if wake is not None:
        wake.set()


def watch_commits(app: Flask, target: object) -> None:
    """Listen on a session (or session factory) for commits that queued jobs."""
    # db.session is one scoped session for every app in the process (tests build many):
    # only the app whose context is active may take its commit's jobs.
    shared = target is db.session

    def ours() -> bool:
        if not shared:
            return True
        return has_app_context() and current_app._get_current_object() is app  # type: ignore[attr-defined]

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
