"""A connector's answer completes its service task; a process owner settles incidents.

`finish` is the one path a job's result takes into the case (the worker's answer, or a
process owner's data in its place); `retry` queues a failed job again; `retry_incident`
tries a case in incident again from its last committed state.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import outcomes
from .errors import JOB_NOT_FAILED, JOB_NOT_FOUND, JOB_NOT_WAITING, NO_INCIDENT, Conflict, NotFound
from .live import workflow_of
from .models import ConnectorJob, Instance, utcnow
from .serialization import to_json_value
from .servicetasks import NEW_JOBS, PENDING
from .steps import StepLog, advance
from .store import decline, lock_instance
from .transact import commit, incident_on, transition
from .transition import Writes


def job_row(session: Session, job_id: int) -> ConnectorJob:
    """The job's current row (fresh from the database)."""
    return session.execute(
        select(ConnectorJob)
        .where(ConnectorJob.id == job_id)
        .execution_options(populate_existing=True)
    ).scalar_one()


def _instance_of(session: Session, tenant_id: int, job_id: int) -> int:
    instance_id = session.scalar(
        select(ConnectorJob.instance_id).where(
            ConnectorJob.id == job_id, ConnectorJob.tenant_id == tenant_id
        )
    )
    if instance_id is None:
        session.rollback()
        raise NotFound(f"Job {job_id} does not exist.", code=JOB_NOT_FOUND)
    return instance_id


def finish(
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
    outcome: str = outcomes.JOB,
) -> Instance | None:
    """Complete the job's service task with `result` and run on, in one transition."""
    instance_id = _instance_of(session, tenant_id, job_id)
    instance = lock_instance(session, tenant_id, instance_id)
    job = job_row(session, job_id)
    status, attempt = expect
    if job.status != status or (attempt is not None and job.attempts != attempt):
        if attempt is not None:
            decline(session)
            return None  # a worker whose lease ran out: the job is someone else's now
        session.rollback()
        raise Conflict("This step is no longer waiting for its connector.", code=JOB_NOT_WAITING)
    now = now or utcnow()
    workflow = workflow_of(session, instance)
    try:
        task = workflow.get_task_from_id(UUID(job.task_uuid))
    except TaskNotFoundException:
        task = None
    writes = Writes(tenant_id, now=now)
    if task is None or task.state != TaskState.STARTED:
        job.status, job.updated_at = "cancelled", now
        session.commit()
        return instance
    started = task

    def run() -> StepLog:
        started.internal_data.pop(PENDING, None)
        started.data[job.result_variable] = result
        started.complete()
        return advance(workflow)

    def done() -> None:
        job.status, job.locked_until, job.updated_at = "done", None, now
        summary = {"name": job.name, "connector": job.connector, "fields": _fields(result)}
        writes.event(actor, kind, job.element_id, {**summary, **extra})

    def failed_job(_instance: Instance, _writes: Writes) -> None:
        row = job_row(session, job_id)
        row.status, row.locked_until, row.updated_at = "failed", None, now
        row.last_error = _instance.error

    return transition(
        session,
        instance,
        workflow,
        run,
        kind=outcome,
        actor=actor,
        writes=writes,
        done=done,
        clock=now,
        on_failure=incident_on(session, instance, actor, also=failed_job, now=now),
    )


def _fields(result: Any) -> list[str]:
    return sorted(result) if isinstance(result, dict) else []


def continue_with(
    session: Session, tenant_id: int, job_id: int, data: Any, actor: str
) -> Instance | None:
    """A process owner's answer in place of the connector's: the case goes on with it."""
    return finish(
        session,
        tenant_id,
        job_id,
        to_json_value(data),
        actor,
        expect=("failed", None),
        kind="connector_replaced",
        extra={},
        outcome=outcomes.RETRIED,
    )


def retry(
    session: Session, tenant_id: int, job_id: int, actor: str, now: datetime | None = None
) -> Instance:
    """Queue a failed job again with fresh attempts; the incident ends if it was the last."""
    now = now or utcnow()
    instance_id = _instance_of(session, tenant_id, job_id)
    instance = lock_instance(session, tenant_id, instance_id)
    job = job_row(session, job_id)
    if job.status != "failed":
        session.rollback()
        raise Conflict("Only a failed step can be tried again.", code=JOB_NOT_FAILED)
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
    session.info.setdefault(NEW_JOBS, []).append(job.id)
    return commit(session, instance, writes, outcomes.RETRIED, actor)


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
        raise Conflict("This case has no incident to retry.", code=NO_INCIDENT)
    workflow = workflow_of(session, instance)
    writes = Writes(tenant_id, now=now)
    error = instance.error or ""

    def done() -> None:
        writes.event(actor, "incident_retried", None, {"error": error})

    return transition(
        session,
        instance,
        workflow,
        lambda: advance(workflow),
        kind=outcomes.RETRIED,
        actor=actor,
        writes=writes,
        done=done,
        clock=now,
    )
