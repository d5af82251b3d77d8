"""Connector jobs: run them (any number of workers), retry with backoff, settle incidents.

A job is claimed with one conditional UPDATE, so two workers never run the same attempt; the
connector is called with no transaction open; its answer completes the waiting service task
through engine.incidents.finish under the case's row lock. A worker that dies mid-call leaves
a lease that runs out, and the job is tried again (connectors get an idempotency key that
stays the same across attempts). Every attempt is an event on the case. When the attempts
are used up, or the failure is one no retry can fix, the case becomes an incident: a process
owner retries the job or continues with data of their own.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from . import outcomes
from .connectors import CallContext, ConnectorFailed, Registry
from .errors import NotFound, StepFailed
from .incidents import continue_with, finish, job_row, retry, retry_incident
from .models import ConnectorJob, Instance, utcnow
from .serialization import to_json_value
from .store import OWN, begin_write, decline, lock_instance
from .transact import commit
from .transition import Writes

__all__ = [
    "LEASE",
    "LEASE_SECONDS",
    "Registry",
    "continue_with",
    "retry_incident",
    "due",
    "retry",
    "run_due",
    "run_one",
]

log = logging.getLogger(__name__)
LEASE_SECONDS = 300
LEASE = timedelta(seconds=LEASE_SECONDS)  # the default lease
MAX_BACKOFF = timedelta(hours=6)


def _due_clause(now: datetime) -> Any:
    return or_(
        and_(ConnectorJob.status == "queued", ConnectorJob.next_attempt_at <= now),
        and_(ConnectorJob.status == "running", ConnectorJob.locked_until < now),
    )


def due(session: Session, now: datetime, limit: int = 50) -> list[int]:
    """Ids of jobs to run now: queued and due, or running with a lapsed lease."""
    ids = list(
        session.scalars(
            select(ConnectorJob.id)
            .where(_due_clause(now))
            .order_by(ConnectorJob.next_attempt_at)
            .limit(limit)
        )
    )
    session.rollback()
    return ids


def run_due(
    sessions: Callable[[], Session],
    registry: Registry,
    now: datetime | None = None,
    *,
    lease_seconds: int = LEASE_SECONDS,
    limit: int = 50,
) -> int:
    """Run every due job once; return how many ran.

    Without `now` the clock is read afresh for each job as it is claimed, so a long batch
    never hands out a lease that has already run out; with `now` (tests, replays) that
    moment is used throughout.
    """
    with sessions() as session:
        ids = due(session, now or utcnow(), limit)
    ran = 0
    for job_id in ids:
        if run_one(sessions, registry, job_id, now, lease_seconds=lease_seconds):
            ran += 1
    return ran


def _claim(
    session: Session,
    job_id: int,
    now: datetime | None = None,
    lease_seconds: int = LEASE_SECONDS,
) -> ConnectorJob | None:
    begin_write(session)
    at = now or utcnow()  # the lease starts when the job is claimed
    claimed = session.execute(
        update(ConnectorJob)
        .where(ConnectorJob.id == job_id, _due_clause(at))
        .values(
            status="running",
            attempts=ConnectorJob.attempts + 1,
            locked_until=at + timedelta(seconds=lease_seconds),
            updated_at=at,
        )
        .execution_options(synchronize_session=False, **{OWN: True})
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        decline(session)
        return None
    job = job_row(session, job_id)
    session.commit()
    return job


def run_one(
    sessions: Callable[[], Session],
    registry: Registry,
    job_id: int,
    now: datetime | None = None,
    *,
    lease_seconds: int = LEASE_SECONDS,
) -> bool:
    """Claim one job and run its connector; False when it was not due (or another took it)."""
    with sessions() as session:
        job = _claim(session, job_id, now, lease_seconds)
        if job is None:
            return False
        instance = session.get(Instance, job.instance_id)
        assert instance is not None
        context = CallContext(
            tenant_id=job.tenant_id,
            instance_id=job.instance_id,
            case_no=instance.case_no,
            owner=instance.owner,
            job_id=job.id,
            attempt=job.attempts,
            element_id=job.element_id,
            is_test=instance.is_test or job.is_test,
        )
        session.rollback()
        started = time.monotonic()
        try:
            result = _call(registry, job, context)
        except ConnectorFailed as err:
            _failed(session, job, context.attempt, err, now or utcnow(), _millis(started))
            return True
        try:
            finish(
                session,
                job.tenant_id,
                job.id,
                result,
                "system",
                expect=("running", context.attempt),
                kind="connector_succeeded",
                extra={"attempt": context.attempt, "ms": _millis(started)},
                now=now or utcnow(),
            )
        except StepFailed:
            pass  # recorded as an incident on the case
        return True


def _millis(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _call(registry: Registry, job: ConnectorJob, context: CallContext) -> Any:
    connector = registry.get(job.connector)
    if connector is None:
        raise ConnectorFailed(f"There is no connector called '{job.connector}'.", retry=False)
    try:
        result = connector.call(dict(job.params), context)
        return to_json_value(result)
    except ConnectorFailed:
        raise
    except Exception as err:  # an adapter's own bug must become an attempt, not a lost job
        log.exception("connector %s failed", job.connector)
        raise ConnectorFailed(f"{type(err).__name__}: {err}") from None


def _failed(
    session: Session,
    job: ConnectorJob,
    attempt: int,
    err: ConnectorFailed,
    now: datetime,
    millis: int,
) -> None:
    try:
        instance = lock_instance(session, job.tenant_id, job.instance_id)
    except NotFound:
        return
    row = job_row(session, job.id)
    if row.status != "running" or row.attempts != attempt:
        decline(session)  # another worker took the job over after our lease ran out
        return
    writes = Writes(row.tenant_id, now=now)
    again = err.retry and row.attempts < row.max_attempts
    summary: dict[str, Any] = {
        "name": row.name,
        "connector": row.connector,
        "attempt": attempt,
        "of": row.max_attempts,
        "error": err.message,
        "ms": millis,
    }
    row.last_error, row.locked_until, row.updated_at = err.message, None, now
    if again:
        wait = min(timedelta(seconds=row.backoff_seconds * 2 ** (attempt - 1)), MAX_BACKOFF)
        row.status, row.next_attempt_at = "queued", now + wait
        summary["retry_at"] = row.next_attempt_at.isoformat()
        writes.event("system", "connector_failed", row.element_id, summary)
        writes.flush(session, row.instance_id)
        session.commit()  # the case itself did not change: nobody to tell
        return
    row.status = "failed"
    writes.event("system", "connector_failed", row.element_id, summary)
    message = f"'{row.name}' failed after {attempt} attempt(s): {err.message}"
    if instance.status == "running":
        instance.status, instance.error, instance.updated_at = "incident", message, now
    writes.event("system", "incident", row.element_id, {"message": message, "job": row.id})
    commit(session, instance, writes, outcomes.INCIDENT, "system")
