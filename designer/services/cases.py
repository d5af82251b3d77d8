"""Service functions behind the citizen and caseworker pages: authorise, then call the engine.

They flush and never commit: the engine's transition commits the caller's pending rows
(uploads, a submission key, audit rows) with it, or the view commits once at its end.
Notices to the applicant follow the engine's outcome (`designer.notify.citizen`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

import forms
from designer.extensions import db_session
from designer.models import User
from designer.services import pending, uploads
from designer.services.case_reads import (
    earlier_steps,
    explanations,
    form_definition,
    information_requests,
    submitted_summary,
    task_prefill,
    trail,
)
from designer.services.errors import Forbidden
from engine import api as engine
from engine.errors import Conflict, NotFound
from engine.models import ConnectorJob, HumanTask, Instance, ProcessModel, ProcessVersion

# Outcomes a decision may have that people see as the status: a municipality's decision,
# or the fate of an offer the citizen declined or let expire.
OUTCOMES = ("approved", "rejected", "declined", "expired")
PROFILE_FIELDS = ("name", "national_id", "address", "postal_code", "city", "email")

__all__ = [
    "earlier_steps",
    "explanations",
    "information_requests",
    "submitted_summary",
    "task_prefill",
    "trail",
]


def published_services(session: Session, tenant_id: int) -> list[ProcessModel]:
    """Services citizens can apply for, by name."""
    return list(
        session.scalars(
            select(ProcessModel)
            .where(
                ProcessModel.tenant_id == tenant_id,
                ProcessModel.published_version_id.is_not(None),
                ProcessModel.archived.is_(False),
            )
            .order_by(ProcessModel.name_nb)
        )
    )


def published_version(tenant_id: int, key: str) -> tuple[ProcessModel, ProcessVersion]:
    """The live version of a service, or NotFound."""
    model = db_session.scalar(
        select(ProcessModel).where(
            ProcessModel.tenant_id == tenant_id,
            ProcessModel.key == key,
            ProcessModel.archived.is_(False),
        )
    )
    if model is None or model.published_version_id is None:
        raise NotFound(f"No service '{key}'.")
    version = db_session.get(ProcessVersion, model.published_version_id)
    if version is None:
        raise NotFound(f"No service '{key}'.")
    return model, version


def start_definition(version: ProcessVersion) -> forms.FormDefinition | None:
    """The form citizens fill in to start this service."""
    return form_definition(version, engine.spec_for(version).start_form)


def prefill(user: User, definition: forms.FormDefinition) -> dict[str, Any]:
    """Profile values for fields that ask for them (`properties.prefill`)."""
    values: dict[str, Any] = {}
    for component in definition.input_components:
        source = (component.get("properties") or {}).get("prefill")
        if source in PROFILE_FIELDS and getattr(user, source, None):
            values[component["key"]] = getattr(user, source)
    return values


def apply(
    session: Session,
    user: User,
    version: ProcessVersion,
    data: dict[str, Any],
    submission_key_id: int | None = None,
) -> Instance:
    """Start a case for a citizen with their start-form data (uploads stored and attached).

    The uploads and the submission key are tied to the new case inside the start's own
    transaction (one commit); a failed first step still makes a case (status incident)
    they belong to, and a start that fails outright rolls them back, files and all.
    """
    data, attachment_ids = uploads.store_all(session, data, user.actor, version.tenant_id)
    pending.tie_to_started_case(session, attachment_ids, submission_key_id)
    engine.on_transition(keep_decision)  # idempotent; survives a test's clear_listeners()
    subject = str(data.get("applicant_name") or user.name)
    try:
        return engine.start(
            session,
            version,
            data=data,
            actor=user.actor,
            owner=user.actor,
            subject=subject,
            due_days=due_days(version),
        )
    finally:
        pending.forget(session)


def my_cases(session: Session, user: User) -> list[Instance]:
    """A citizen's cases, newest first."""
    return list(
        session.scalars(
            select(Instance)
            .where(
                Instance.tenant_id == user.tenant_id,
                Instance.owner == user.actor,
                Instance.is_test.is_(False),
            )
            .options(selectinload(Instance.process_version).selectinload(ProcessVersion.model))
            .order_by(Instance.created_at.desc(), Instance.id.desc())
        )
    )


def citizen_case(session: Session, user: User, case_no: str) -> Instance:
    """One of the citizen's own cases; anyone else's is simply not found."""
    instance = session.scalar(
        select(Instance).where(Instance.tenant_id == user.tenant_id, Instance.case_no == case_no)
    )
    if instance is None or instance.owner != user.actor:
        raise NotFound("No such case.")
    return instance


def status_key(session: Session, instance: Instance, has_open: bool | None = None) -> str:
    """The status a person sees: received, in-progress, approved, rejected, ...

    `has_open` (whether the case has an open task) saves a query when already known.
    """
    if instance.status == "completed":
        outcome = (instance.result or {}).get("outcome")
        return outcome if outcome in OUTCOMES else "completed"
    if instance.status == "running":
        if has_open is None:
            has_open = bool(
                session.scalar(
                    select(func.count())
                    .select_from(HumanTask)
                    .where(HumanTask.instance_id == instance.id, HumanTask.status == "open")
                )
            )
        if has_open:
            return "in-progress"
        # Decided, and waiting only for what follows (a payment): the decision is the status.
        outcome = (instance.result or {}).get("outcome")
        return outcome if outcome in OUTCOMES else "received"
    return instance.status


def case_data(session: Session, instance: Instance) -> dict[str, Any]:
    """The case's data as its last step left it, also while a connector works on it.

    The engine's live read (`current_data`) takes the data of ready and waiting tasks; a
    case waiting only for a connector (a letter, a payment) has none of those, so the data
    of the started service tasks is read as well.
    """
    data = engine.current_data(session, instance)
    if instance.status != "running":
        return data
    waiting = session.scalars(
        select(ConnectorJob.task_uuid).where(
            ConnectorJob.instance_id == instance.id,
            ConnectorJob.status.in_(engine.servicetasks.OPEN),
        )
    )
    for task_uuid in waiting:
        data = {**engine.task_data(session, instance, task_uuid), **data}
    return data


def keep_decision(session: Session, outcome: engine.Outcome) -> None:
    """The transition listener: a decision made while the case still waits for a connector is
    its result at once (the engine sets `result` when the case ends), so the receipt and
    My cases show the state the step produced, not whether the worker has run yet."""
    instance = outcome.instance
    if instance.status != "running" or not any(
        event.kind == "connector_queued" for event in outcome.events
    ):
        return
    decision = case_data(session, instance).get("decision")
    if isinstance(decision, dict) and decision.get("outcome") in OUTCOMES:
        engine.set_result(session, instance, decision)


engine.on_transition(keep_decision)


def status_keys(session: Session, instances: list[Instance]) -> dict[int, str]:
    """`status_key` of many cases in one query."""
    ids = [i.id for i in instances if i.status == "running"]
    busy = set(
        session.scalars(
            select(HumanTask.instance_id)
            .where(HumanTask.instance_id.in_(ids), HumanTask.status == "open")
            .distinct()
        )
        if ids
        else ()
    )
    return {i.id: status_key(session, i, i.id in busy) for i in instances}


def task_for(session: Session, user: User, task_id: int) -> HumanTask:
    """A task the caseworker may see: 404 outside the tenant, 403 outside their groups."""
    task = session.get(HumanTask, task_id)
    if task is None or task.tenant_id != user.tenant_id:
        raise NotFound("No such task.")
    if task.lane not in user.group_list:
        raise Forbidden("This task belongs to another group.")
    return task


def instance_for_caseworker(session: Session, user: User, instance_id: int) -> Instance:
    """A case the caseworker has or had a task in."""
    instance = session.get(Instance, instance_id)
    if instance is None or instance.tenant_id != user.tenant_id:
        raise NotFound("No such case.")
    lanes = set(session.scalars(select(HumanTask.lane).where(HumanTask.instance_id == instance.id)))
    if not lanes.intersection(user.group_list):
        raise Forbidden("This case belongs to other groups.")
    return instance


def complete_task(
    session: Session,
    user: User,
    task: HumanTask,
    data: dict[str, Any],
    expected_version: int | None,
) -> Instance:
    """Complete a caseworker's task through the engine (its holder, or anyone if it is free)."""
    if task.assignee and task.assignee != user.actor and not user.has_role("team_lead"):
        raise Conflict(
            "This task is assigned to a colleague. Ask them or your team lead.",
            code="task_assigned_elsewhere",
        )
    engine.on_transition(keep_decision)
    return engine.complete(
        session,
        user.tenant_id,
        task.id,
        data,
        user.actor,
        expected_version=expected_version,
        due_days=due_days(task.instance.process_version),
    )


TASK_FORM_SKIP = {"csrf_token", "expected_version", "save_only", "nav", "submission_key"}


def save_task_form(session: Session, user: User, task: HumanTask, formdata: Any) -> None:
    """Keep a caseworker's unfinished input on the task (the holder, or anyone if it is free)."""
    if task.assignee and task.assignee != user.actor and not user.has_role("team_lead"):
        raise Conflict(
            "This task is assigned to a colleague. Ask them or your team lead.",
            code="task_assigned_elsewhere",
        )
    fields = [
        [k, v]
        for k, v in formdata.items(multi=True)
        if k not in TASK_FORM_SKIP and isinstance(v, str)
    ]
    engine.save_input(session, user.tenant_id, task.id, fields)


def due_days(version: ProcessVersion) -> int | None:
    """The service's default deadline for user tasks (settings: default_due_days)."""
    value = str((version.model.settings or {}).get("default_due_days"))
    return int(value) if value.isdigit() else None
