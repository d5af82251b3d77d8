"""One transition, one transaction: run, settle, save (or record an incident), tell, commit.

Every writer (start, complete, wake, receive, a connector's answer, a retry) runs the same
block on an instance whose row it has locked: run SpiffWorkflow, prune history and check
consistency, copy the outcome onto the row, write task index + message waits + jobs +
events, tell the listeners, commit, and keep the live workflow for the next step. A failed
automated step rolls everything back and records an incident in a transaction of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from . import messages, outcomes, servicetasks
from .errors import CONCURRENT_CHANGE, Conflict, InstanceCorrupt, NotFound, StepFailed
from .history import prune_history, unfinished_tasks
from .live import cache_key, visible_data
from .models import Instance, utcnow
from .rows import commit_keeping, write_row
from .serialization import dump_state, to_json_value
from .steps import StepLog
from .store import WORKFLOWS, lock_instance
from .timers import clock_at, next_timer_at
from .transition import Writes, sync_human_tasks

OnFailure = Callable[[Exception], StepFailed]
"""Turns a failed step into the StepFailed to raise, after recording what it must."""
Also = Callable[[Instance, Writes], None]
"""More writes for an incident's transaction (e.g. the connector job that failed)."""


class Declined(Exception):
    """Raised by a transition's `run` when there is nothing to do after all."""


def settle(workflow: BpmnWorkflow, log: StepLog) -> tuple[bool, str]:
    """Prune history, check consistency; return (completed, state)."""
    prune_history(workflow)
    completed = workflow.is_completed()
    if completed != (unfinished_tasks(workflow) == 0):
        raise InstanceCorrupt(
            "The workflow reports a state that does not match its tasks; "
            "the step was refused to protect the case."
        )
    return completed, dump_state(workflow)


def _outcome_values(
    instance: Instance,
    workflow: BpmnWorkflow,
    log: StepLog,
    writes: Writes,
    actor: str,
    completed: bool,
    state: str,
) -> dict[str, Any]:
    """The instance row's columns after the transition; queues its events."""
    for kind, element_id, summary in log.events:
        writes.event("system", kind, element_id, summary)
    values: dict[str, Any] = {  # rows.ROW
        "status": "running",
        "completed_at": instance.completed_at,
        "outcome": instance.outcome,
        "result": instance.result,
        "error": None,
        "state": state,
        "updated_at": writes.now,
        "next_timer_at": None if completed else next_timer_at(workflow),
    }
    if completed:
        decision = workflow.data.get("decision")
        values.update(
            status="completed",
            completed_at=writes.now,
            outcome=log.outcome or instance.outcome,
            result=to_json_value(decision) if decision is not None else None,
        )
        writes.event(actor, "completed", log.outcome, {"outcome": log.outcome})
    return values


def _snapshot(instance: Instance, workflow: BpmnWorkflow, writes: Writes) -> None:
    # Test runs show the data after every step; real cases keep data out of history.
    if instance.is_test:
        writes.event("system", "data", None, {"data": visible_data(workflow)})


def save_transition(
    session: Session,
    instance: Instance,
    workflow: BpmnWorkflow,
    log: StepLog,
    writes: Writes,
    actor: str,
    outcome: tuple[bool, str],
    *,
    new: bool = False,
    kind: str = "changed",
) -> Instance:
    """The end of every transition: row, task index, message waits, events, commit."""
    completed, state = outcome
    values = _outcome_values(instance, workflow, log, writes, actor, completed, state)
    _snapshot(instance, workflow, writes)
    try:
        write_row(session, instance, values, new)
        session.flush()
    except StaleDataError:
        raise Conflict(
            "Someone else changed this case at the same time.", code=CONCURRENT_CHANGE
        ) from None
    sync_human_tasks(session, instance, workflow, writes, new=new)
    messages.sync_waits(session, instance, workflow)
    servicetasks.sync_jobs(session, instance, workflow, writes)
    return commit(session, instance, writes, kind, actor, workflow=workflow)


def commit(
    session: Session,
    instance: Instance,
    writes: Writes,
    kind: str,
    actor: str,
    *,
    workflow: BpmnWorkflow | None = None,
) -> Instance:
    """Write the queued events, tell the listeners, commit; keep the live workflow.

    A listener's error rolls the transaction back and propagates. The instance keeps what
    the transition committed until the session's next transaction (`commit_keeping`).
    """
    writes.flush(session, instance.id)
    try:
        outcomes.tell(session, instance, kind, actor, writes.written, writes.opened)
        session.flush()
    except StaleDataError:  # a listener wrote a row someone else changed meanwhile
        session.rollback()
        raise Conflict(
            "Someone else changed this case at the same time.", code=CONCURRENT_CHANGE
        ) from None
    except BaseException:
        session.rollback()
        raise
    key, version = cache_key(session, instance), instance.version
    commit_keeping(session, instance)
    if workflow is not None:
        WORKFLOWS.checkin(key, version, workflow)
    return instance


def failure_message(err: Exception) -> tuple[str, str | None]:
    """A person's sentence for a failed step, and the element it failed in."""
    spec = getattr(getattr(err, "task", None), "task_spec", None) or getattr(err, "task_spec", None)
    element_id = getattr(spec, "bpmn_id", None)
    name = getattr(spec, "bpmn_name", None) or element_id
    detail = str(err.args[0]) if err.args else type(err).__name__
    where = f" in '{name}'" if name else ""
    return f"An automated step failed{where}: {detail}", element_id


def record_incident(
    session: Session,
    tenant_id: int,
    instance_id: int,
    actor: str,
    message: str,
    element_id: str | None = None,
    summary: dict[str, Any] | None = None,
    *,
    also: Also | None = None,
    now: datetime | None = None,
) -> Instance:
    """Mark an instance as needing attention; its state stays as last committed."""
    instance = lock_instance(session, tenant_id, instance_id)
    writes = Writes(instance.tenant_id, now=now or utcnow())
    instance.status, instance.error, instance.updated_at = "incident", message, writes.now
    if also is not None:
        also(instance, writes)
    writes.event(actor, "incident", element_id, {"message": message, **(summary or {})})
    return commit(session, instance, writes, outcomes.INCIDENT, actor)


def incident_on(
    session: Session,
    instance: Instance,
    actor: str,
    summary: dict[str, Any] | None = None,
    *,
    also: Also | None = None,
    now: datetime | None = None,
) -> OnFailure:
    """The usual failure: roll the step back, record the incident on the instance."""
    tenant_id, instance_id = instance.tenant_id, instance.id

    def failed(err: Exception) -> StepFailed:
        message, element_id = failure_message(err)
        session.rollback()
        failure = StepFailed(message, element_id=element_id)
        failure.instance = record_incident(
            session,
            tenant_id,
            instance_id,
            actor,
            message,
            element_id,
            summary,
            also=also,
            now=now,
        )
        return failure

    return failed


def transition(
    session: Session,
    instance: Instance,
    workflow: BpmnWorkflow,
    run: Callable[[], StepLog],
    *,
    kind: str,
    actor: str,
    writes: Writes,
    done: Callable[[], None] | None = None,
    clock: datetime | None = None,
    on_failure: OnFailure | None = None,
    new: bool = False,
) -> Instance:
    """Run one transition on a locked instance and commit it.

    `run` advances the workflow and returns what the automated steps did; `done` then
    updates rows of the caller's (a completed task, a finished job) before the save.
    `clock` is the moment SpiffWorkflow's timers see. A failing step becomes
    `on_failure(err)` (default: an incident on the instance) and is raised;
    InstanceCorrupt, NotFound and Conflict roll back and propagate; `Declined` propagates
    untouched for the caller to end.
    """
    failure = on_failure or incident_on(session, instance, actor)
    try:
        with clock_at(clock) if clock is not None else nullcontext():
            log = run()
        outcome = settle(workflow, log)
    except Declined:
        raise
    except (InstanceCorrupt, NotFound, Conflict):
        session.rollback()
        raise
    except Exception as err:  # a broken diagram or script: an incident, never a lost case
        raise failure(err) from err
    if done is not None:
        done()
    return save_transition(
        session, instance, workflow, log, writes, actor, outcome, new=new, kind=kind
    )
