"""Connector jobs: run them (any number of workers), retry with backoff, settle incidents.

A job is claimed with one conditional UPDATE, so two workers never run the same attempt; the
connector is called with no transaction open; its answer completes the waiting service task
through the runtime under the case's row lock. A worker that dies mid-call leaves a lease that
runs out, and the job is tried again (connectors get an idempotency key that stays the same
across attempts). Every attempt is an event on the case. When the attempts are used up, or the
failure is one no retry can fix, the case becomes an incident: a process owner retries the job
or continues with data of their own.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from . import runtime
from .connectors import CallContext, ConnectorFailed, Registry
from .errors import Conflict, InstanceCorrupt, NotFound, StepFailed
from .models import ConnectorJob, Instance, utcnow
from .serialization import to_json_value
from .servicetasks import NEW_JOBS, PENDING
from .steps import advance
from .store import begin_write, lock_instance
from .timers import clock_at
from .transition import Writes

__all__ = [
    "Registry",
    "continue_with",
    "retry_incident",
    "due",
    "retry",
    "run_due",
    "run_one",
]

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)
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
    sessions: Callable[[], Session], registry: Registry, now: datetime | None = None
) -> int:
    """Run every due job once; return how many ran."""
    now = now or utcnow()
    with sessions() as session:
        ids = due(session, now)
    return sum(1 for job_id in ids if run_one(sessions, registry, job_id, now))


def _claim(session: Session, job_id: int, now: datetime) -> ConnectorJob | None:
    begin_write(session)
    claimed = session.execute(
        update(ConnectorJob)
        .where(ConnectorJob.id == job_id, _due_clause(now))
        .values(
            status="running",
            attempts=ConnectorJob.attempts + 1,
            locked_until=now + LEASE,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        return None
    job = session.execute(
        select(ConnectorJob)
        .where(ConnectorJob.id == job_id)
        .execution_options(populate_existing=True)
    ).scalar_one()
    session.commit()
    return job


def run_one(
    sessions: Callable[[], Session],
    registry: Registry,
    job_id: int,
    now: datetime | None = None,
) -> bool:
    """Claim one job and run its connector; False when it was not due (or another took it)."""
    now = now or utcnow()
    with sessions() as session:
        job = _claim(session, job_id, now)
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
            is_test=job.is_test,
        )
        session.rollback()
        started = time.monotonic()
        try:
            result = _call(registry, job, context)
        except ConnectorFailed as err:
            _failed(session, job, context.attempt, err, now, _millis(started))
            return True
        try:
            _finish(
                session,
                job.tenant_id,
                job.id,
                result,
                "system",
                expect=("running", context.attempt),
                kind="connector_succeeded",
                extra={"attempt": context.attempt, "ms": _millis(started)},
                now=now,
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
    row = _job(session, job.id)
    if row.status != "running" or row.attempts != attempt:
        session.rollback()  # another worker took the job over after our lease ran out
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
    else:
        row.status = "failed"
        writes.event("system", "connector_failed", row.element_id, summary)
        message = f"'{row.name}' failed after {attempt} attempt(s): {err.message}"
        if instance.status == "running":
            instance.status, instance.error, instance.updated_at = "incident", message, now
        writes.event("system", "incident", row.element_id, {"message": message, "job": row.id})
    writes.flush(session, row.instance_id)
    session.commit()


def _job(session: Session, job_id: int) -> ConnectorJob:
    return session.execute(
        select(ConnectorJob)
        .where(ConnectorJob.id == job_id)
        .execution_options(populate_existing=True)
    ).scalar_one()


def _finish(
    session: Session,
    tenant_id: int,
    job_id: int,
    result: Any,
    actor: str,
    *,
    expect: tuple[str, int | None],
    kind: str,
    extra: dict[str, Any],
    now: datetime | None = None,
) -> Instance | None:
    """Complete the job's service task with `result` and run on, in one transition."""
    instance_id = session.scalar(
        select(ConnectorJob.instance_id).where(
            ConnectorJob.id == job_id, ConnectorJob.tenant_id == tenant_id
        )
    )
    if instance_id is None:
        session.rollback()
        raise NotFound(f"Job {job_id} does not exist.")
    instance = lock_instance(session, tenant_id, instance_id)
    job = _job(session, job_id)
    status, attempt = expect
    if job.status != status or (attempt is not None and job.attempts != attempt):
        session.rollback()
        if attempt is not None:
            return None  # a worker whose lease ran out: the job is someone else's now
        raise Conflict("This step is no longer waiting for its connector.")
    now = now or utcnow()
    workflow = runtime.workflow_of(session, instance)
    try:
        task = workflow.get_task_from_id(UUID(job.task_uuid))
    except TaskNotFoundException:
        task = None
    writes = Writes(tenant_id, now=now)
    if task is None or task.state != TaskState.STARTED:
        job.status, job.updated_at = "cancelled", now
        session.commit()
        return instance
    try:
        task.internal_data.pop(PENDING, None)
        task.data[job.result_variable] = result
        task.complete()
        with clock_at(now):
            steps = advance(workflow)
        outcome = runtime.settle(workflow, steps)
    except InstanceCorrupt:
        session.rollback()
        raise
    except Exception as err:
        message, element_id = runtime.failure_message(err)
        session.rollback()
        _mark_failed(session, job_id, message, now)
        failure = StepFailed(message, element_id=element_id)
        failure.instance = runtime.record_incident(
            session, tenant_id, instance_id, actor, message, element_id
        )
        raise failure from err
    job.status, job.locked_until, job.updated_at = "done", None, now
    writes.event(
        actor,
        kind,
        job.element_id,
        {"name": job.name, "connector": job.connector, "fields": _fields(result), **extra},
    )
    return runtime.save_transition(session, instance, workflow, steps, writes, actor, outcome)


def _fields(result: Any) -> list[str]:
    return sorted(result) if isinstance(result, dict) else []


def _mark_failed(session: Session, job_id: int, message: str, now: datetime) -> None:
    session.execute(
        update(ConnectorJob)
        .where(ConnectorJob.id == job_id)
        .values(status="failed", last_error=message, locked_until=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def continue_with(
    session: Session, tenant_id: int, job_id: int, data: Any, actor: str
) -> Instance | None:
    """A process owner's answer in place of the connector's: the case goes on with it."""
    return _finish(
        session,
        tenant_id,
        job_id,
        to_json_value(data),
        actor,
        expect=("failed", None),
        kind="connector_replaced",
        extra={},
    )


def retry(
    session: Session, tenant_id: int, job_id: int, actor: str, now: datetime | None = None
) -> Instance:
    """Queue a failed job again with fresh attempts; the incident ends if it was the last."""
    now = now or utcnow()
    instance_id = session.scalar(
        select(ConnectorJob.instance_id).where(
            ConnectorJob.id == job_id, ConnectorJob.tenant_id == tenant_id
        )
    )
    if instance_id is None:
        session.rollback()
        raise NotFound(f"Job {job_id} does not exist.")
    instance = lock_instance(session, tenant_id, instance_id)
    job = _job(session, job_id)
    if job.status != "failed":
        session.rollback()
        raise Conflict("Only a failed step can be tried again.")
    job.status, job.attempts, job.next_attempt_at, job.updated_at = "queued", 0, now, now
    others = session.scalar(
        select(ConnectorJob.id).where(
            ConnectorJob.instance_id == instance_id,
            ConnectorJob.status == "failed",
            ConnectorJob.id != job_id,
        )
    )
    if instance.status == "incident" and others is None:
        instance.status, instance.error, instance.updated_at = "running", None, now
    writes = Writes(tenant_id, now=now)
    writes.event(actor, "incident_retried", job.element_id, {"name": job.name, "job": job.id})
    writes.flush(session, instance_id)
    session.info.setdefault(NEW_JOBS, []).append(job.id)
    session.commit()
    return instance


def retry_incident(
    session: Session, tenant_id: int, instance_id: int, actor: str, now: datetime | None = None
) -> Instance:
    """Try a case in `incident` again: its failed connector jobs, else its automated steps.

    The state is the last committed one, so running the engine on from it redoes exactly the
    step that failed (a start, a timer, a script after a form); a step that waits for a person
    simply waits again. Raises StepFailed (and stays an incident) if it fails again.
    """
    now = now or utcnow()
    failed = list(
        session.scalars(
            select(ConnectorJob.id).where(
                ConnectorJob.instance_id == instance_id,
                ConnectorJob.tenant_id == tenant_id,
                ConnectorJob.status == "failed",
            )
        )
    )
    if failed:
        instance = None
        for job_id in failed:
            instance = retry(session, tenant_id, job_id, actor, now)
        assert instance is not None
        return instance
    instance = lock_instance(session, tenant_id, instance_id)
    if instance.status != "incident":
        session.rollback()
        raise Conflict("This case has no incident to retry.")
    workflow = runtime.workflow_of(session, instance)
    try:
        with clock_at(now):
            steps = advance(workflow)
        outcome = runtime.settle(workflow, steps)
    except InstanceCorrupt:
        session.rollback()
        raise
    except Exception as err:
        message, element_id = runtime.failure_message(err)
        session.rollback()
        failure = StepFailed(message, element_id=element_id)
        failure.instance = runtime.record_incident(
            session, tenant_id, instance_id, actor, message, element_id
        )
        raise failure from err
    writes = Writes(tenant_id, now=now)
    writes.event(actor, "incident_retried", None, {"error": instance.error or ""})
    return runtime.save_transition(session, instance, workflow, steps, writes, actor, outcome)
