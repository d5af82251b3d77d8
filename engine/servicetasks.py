"""Service tasks wait for their connector: the engine queues a job, a worker makes the call.

SpiffWorkflow's service task calls the script engine inline, inside the transaction that holds
the case's row lock, and loses the call's outcome if the step fails. Ours evaluates the
parameters (sandboxed, like every expression), leaves the task STARTED and lets the transition
queue a `ConnectorJob` row; a worker calls the connector outside any lock and completes the
task through the runtime (engine.jobs).
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.spiff.specs.defaults import ServiceTask
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .models import ConnectorJob, Instance
from .serialization import to_json_value
from .transition import Writes

PENDING = "flytverk_connector_params"
OPEN = ("queued", "running", "failed")
NEW_JOBS = "flytverk_new_jobs"  # session.info key: job ids queued by the committed transition
DEFAULT_ATTEMPTS = 3
DEFAULT_BACKOFF_SECONDS = 10


class ConnectorTask(ServiceTask):  # type: ignore[misc]
    """A service task that evaluates its parameters and then waits for a worker."""

    def _execute(self, task: Any) -> None:
        engine = task.workflow.script_engine
        params = {
            name: to_json_value(engine.evaluate(task, param["value"]))
            for name, param in self.operation_params.items()
        }
        task.internal_data[PENDING] = params
        return None  # STARTED: completed by engine.jobs when the connector has answered


def _has_connectors(workflow: BpmnWorkflow) -> bool:
    spec = workflow.spec
    found = getattr(spec, "_flytverk_has_connectors", None)
    if found is None:
        specs = [spec, *workflow.subprocess_specs.values()]
        found = any(isinstance(s, ConnectorTask) for p in specs for s in p.task_specs.values())
        spec._flytverk_has_connectors = found
    return bool(found)


def _int(value: Any, default: int, low: int, high: int) -> int:
    try:
        return max(low, min(high, int(value)))
    except (TypeError, ValueError):
        return default


def sync_jobs(session: Session, instance: Instance, workflow: BpmnWorkflow, writes: Writes) -> None:
    """Queue a job per newly waiting service task; cancel jobs whose task went; keep incidents."""
    if not _has_connectors(workflow):
        return
    waiting = {
        str(t.id): t
        for t in workflow.get_tasks(state=TaskState.STARTED)
        if isinstance(t.task_spec, ConnectorTask)
    }
    rows = session.execute(
        select(
            ConnectorJob.id, ConnectorJob.task_uuid, ConnectorJob.status, ConnectorJob.last_error
        ).where(ConnectorJob.instance_id == instance.id, ConnectorJob.status.in_(OPEN))
    ).all()
    gone = [row.id for row in rows if row.task_uuid not in waiting]
    if gone:
        session.execute(
            update(ConnectorJob)
            .where(ConnectorJob.id.in_(gone))
            .values(status="cancelled", updated_at=writes.now)
            .execution_options(synchronize_session=False)
        )
    known = {row.task_uuid for row in rows}
    added = []
    for task_uuid, task in waiting.items():
        if task_uuid in known:
            continue
        spec = task.task_spec
        name = spec.bpmn_name or spec.bpmn_id
        job = ConnectorJob(
            tenant_id=instance.tenant_id,
            instance_id=instance.id,
            task_uuid=task_uuid,
            element_id=spec.bpmn_id,
            name=name[:200],
            connector=spec.operation_name,
            params=task.internal_data.get(PENDING, {}),
            result_variable=spec.result_variable,
            max_attempts=_int(spec.retries, DEFAULT_ATTEMPTS - 1, 0, 20) + 1,
            backoff_seconds=_int(spec.retry_backoff_base, DEFAULT_BACKOFF_SECONDS, 1, 86400),
            next_attempt_at=writes.now,
            is_test=instance.is_test,
            created_at=writes.now,
            updated_at=writes.now,
        )
        session.add(job)
        added.append(job)
        writes.event(
            "system", "connector_queued", spec.bpmn_id, {"name": name, "connector": job.connector}
        )
    if added:
        session.flush()
        session.info.setdefault(NEW_JOBS, []).extend(job.id for job in added)
    failed = [row for row in rows if row.status == "failed" and row.task_uuid in waiting]
    if failed and instance.status == "running":
        instance.status, instance.error = "incident", failed[0].last_error
