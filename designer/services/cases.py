"""Service functions behind the citizen and caseworker pages: authorise, then call the engine."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import HiddenField

import forms
from designer import notify
from designer.extensions import db
from designer.models import User
from designer.services import uploads
from designer.web.i18n import locale
from engine import dmn, runtime
from engine.errors import Conflict, NotFound, StepFailed
from engine.models import Event, HumanTask, Instance, ProcessModel, ProcessVersion

# Outcomes a decision may have that people see as the status: a municipality's decision,
# or the fate of an offer the citizen declined or let expire.
OUTCOMES = ("approved", "rejected", "declined", "expired")
PROFILE_FIELDS = ("name", "national_id", "address", "postal_code", "city", "email")
_DEFINITIONS: dict[str, forms.FormDefinition] = {}  # by definition text


class CitizenForm(FlaskForm):
    """Base of every served form: CSRF from Flask-WTF, uploads scanned by the configured hook."""

    class Meta:
        @property
        def upload_scanner(self) -> Any:
            return uploads.scanner()


class TaskForm(CitizenForm):
    """Base of every task form: carries the case version the caseworker saw."""

    expected_version = HiddenField()


def published_services(tenant_id: int) -> list[ProcessModel]:
    """Services citizens can apply for, by name."""
    return list(
        db.session.scalars(
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
    model = db.session.scalar(
        select(ProcessModel).where(
            ProcessModel.tenant_id == tenant_id,
            ProcessModel.key == key,
            ProcessModel.archived.is_(False),
        )
    )
    if model is None or model.published_version_id is None:
        raise NotFound(f"No service '{key}'.")
    version = db.session.get(ProcessVersion, model.published_version_id)
    if version is None:
        raise NotFound(f"No service '{key}'.")
    return model, version


def form_definition(version: ProcessVersion, name: str | None) -> forms.FormDefinition | None:
    """A version's form definition by file name (parsed once per content)."""
    if not name:
        return None
    text = version.forms().get(name)
    if text is None:
        return None
    definition = _DEFINITIONS.get(text)
    if definition is None:
        definition = _DEFINITIONS[text] = forms.FormDefinition.from_json(text)
    return definition


def start_definition(version: ProcessVersion) -> forms.FormDefinition | None:
    """The form citizens fill in to start this service."""
    return form_definition(version, runtime.spec_for(version).start_form)


def form_class(definition: forms.FormDefinition, base: type = CitizenForm) -> type:
    """The WTForms class for a definition in the current language."""
    return forms.build_form_class(definition, base=base, locale=locale())


def prefill(user: User, definition: forms.FormDefinition) -> dict[str, Any]:
    """Profile values for fields that ask for them (`properties.prefill`)."""
    values: dict[str, Any] = {}
    for component in definition.input_components:
        source = (component.get("properties") or {}).get("prefill")
        if source in PROFILE_FIELDS and getattr(user, source, None):
            values[component["key"]] = getattr(user, source)
    return values


def apply(user: User, version: ProcessVersion, data: dict[str, Any]) -> Instance:
    """Start a case for a citizen with their start-form data (uploads stored and attached)."""
    data, attachment_ids = uploads.store_all(data, user.actor, version.tenant_id)
    subject = str(data.get("applicant_name") or user.name)
    try:
        instance = runtime.start(
            db.session,
            version,
            data=data,
            actor=user.actor,
            owner=user.actor,
            subject=subject,
            due_days=due_days(version),
        )
    except StepFailed as err:
        if err.instance is not None:
            uploads.attach(attachment_ids, err.instance.id)  # type: ignore[attr-defined]
        raise
    uploads.attach(attachment_ids, instance.id)
    tell_applicant(instance)
    return instance


def my_cases(user: User) -> list[Instance]:
    """A citizen's cases, newest first."""
    return list(
        db.session.scalars(
            select(Instance)
            .where(
                Instance.tenant_id == user.tenant_id,
                Instance.owner == user.actor,
                Instance.is_test.is_(False),
            )
            .order_by(Instance.created_at.desc(), Instance.id.desc())
        )
    )


def citizen_case(user: User, case_no: str) -> Instance:
    """One of the citizen's own cases; anyone else's is simply not found."""
    instance = db.session.scalar(
        select(Instance).where(Instance.tenant_id == user.tenant_id, Instance.case_no == case_no)
    )
    if instance is None or instance.owner != user.actor:
        raise NotFound("No such case.")
    return instance


def status_key(instance: Instance) -> str:
    """The status a person sees: received, in-progress, approved, rejected, ..."""
    if instance.status == "completed":
        outcome = (instance.result or {}).get("outcome")
        return outcome if outcome in OUTCOMES else "completed"
    if instance.status == "running":
        has_open = db.session.scalar(
            select(func.count())
            .select_from(HumanTask)
            .where(HumanTask.instance_id == instance.id, HumanTask.status == "open")
        )
        return "in-progress" if has_open else "received"
    return instance.status


def task_for(user: User, task_id: int) -> HumanTask:
    """A task the caseworker may see: 404 outside the tenant, 403 outside their groups."""
    task = db.session.get(HumanTask, task_id)
    if task is None or task.tenant_id != user.tenant_id:
        raise NotFound("No such task.")
    if task.lane not in user.group_list:
        abort(403)
    return task


def instance_for_caseworker(user: User, instance_id: int) -> Instance:
    """A case the caseworker has or had a task in."""
    instance = db.session.get(Instance, instance_id)
    if instance is None or instance.tenant_id != user.tenant_id:
        raise NotFound("No such case.")
    lanes = set(
        db.session.scalars(select(HumanTask.lane).where(HumanTask.instance_id == instance.id))
    )
    if not lanes.intersection(user.group_list):
        abort(403)
    return instance


def complete_task(
    user: User, task: HumanTask, data: dict[str, Any], expected_version: int | None
) -> Instance:
    """Complete a caseworker's task through the engine (its holder, or anyone if it is free)."""
    if task.assignee and task.assignee != user.actor and not user.has_role("team_lead"):
        raise Conflict("This task is assigned to a colleague. Ask them or your team lead.")
    instance = runtime.complete(
        db.session,
        user.tenant_id,
        task.id,
        data,
        user.actor,
        expected_version=expected_version,
        due_days=due_days(task.instance.process_version),
    )
    tell_applicant(instance)
    return instance


def tell_applicant(instance: Instance) -> None:
    """E-mail the case's owner, after the step committed: a decision, or a task awaits them.

    No mail when the applicant made the outcome themselves (declined an offer).
    """
    owner = instance.owner or ""
    owner_id = owner[5:] if owner.startswith("user:") else ""
    user = db.session.get(User, int(owner_id)) if owner_id.isdigit() else None
    if user is None:
        return
    if instance.status == "running":
        notify.notify_answer_needed(instance, user)
    elif instance.status == "completed" and instance.result:
        if instance.result.get("decided_by") != "applicant":
            notify.notify_decision(instance, user)


TASK_FORM_SKIP = {"csrf_token", "expected_version", "save_only", "nav"}


def save_task_form(user: User, task: HumanTask, formdata: Any) -> None:
    """Keep a caseworker's unfinished input on the task (the holder, or anyone if it is free)."""
    if task.assignee and task.assignee != user.actor and not user.has_role("team_lead"):
        raise Conflict("This task is assigned to a colleague. Ask them or your team lead.")
    task.saved_form = [
        [k, v]
        for k, v in formdata.items(multi=True)
        if k not in TASK_FORM_SKIP and isinstance(v, str)
    ]
    db.session.commit()


def due_days(version: ProcessVersion) -> int | None:
    """The service's default deadline for user tasks (settings: default_due_days)."""
    value = (version.model.settings or {}).get("default_due_days")
    return int(value) if str(value).isdigit() else None


def submitted_summary(instance: Instance, data: dict[str, Any]) -> list[dict[str, Any]]:
    """The citizen's application as label/value rows."""
    definition = start_definition(instance.process_version)
    if definition is None:
        return []
    return forms.summary(definition, {k: data[k] for k in definition.keys if k in data}, locale())


def earlier_steps(instance: Instance, data: dict[str, Any]) -> list[dict[str, Any]]:
    """What people entered in earlier steps (completed tasks' forms), read-only, oldest first."""
    done = db.session.scalars(
        select(HumanTask)
        .where(HumanTask.instance_id == instance.id, HumanTask.status == "completed")
        .order_by(HumanTask.completed_at, HumanTask.id)
    )
    steps = []
    for task in done:
        definition = form_definition(instance.process_version, task.form)
        if definition is None:
            continue
        rows = forms.summary(
            definition, {k: data[k] for k in definition.keys if k in data}, locale()
        )
        if rows:
            steps.append({"name": task.name, "completed_at": task.completed_at, "rows": rows})
    return steps


def task_prefill(definition: forms.FormDefinition, data: dict[str, Any]) -> dict[str, Any]:
    """Values for a caseworker form from the process data (fields with the same key)."""
    values: dict[str, Any] = {}
    for component in definition.input_components:
        key = component.get("key")
        if key in data and data[key] is not None:
            value = data[key]
            if component.get("type") == "datetime" and isinstance(value, str):
                try:
                    value = date.fromisoformat(value)
                except ValueError:
                    continue
            values[key] = value
    return values


def information_requests(instance: Instance) -> list[Event]:
    """What the caseworkers asked the applicant for, newest first."""
    return list(
        db.session.scalars(
            select(Event)
            .where(Event.instance_id == instance.id, Event.kind == "information_requested")
            .order_by(Event.id.desc())
        )
    )


def explanations(instance: Instance) -> list[str]:
    """Plain-words reasons of the automatic decisions made in the case (for the citizen)."""
    events = db.session.scalars(
        select(Event)
        .where(Event.instance_id == instance.id, Event.kind == "step")
        .order_by(Event.id)
    )
    return [dmn.explain(e.summary, locale()) for e in events if e.summary.get("decision")]


def trail(instance: Instance) -> list[str]:
    """Element ids the case has passed through, for highlighting the diagram."""
    ids = db.session.scalars(
        select(Event.element_id)
        .where(
            Event.instance_id == instance.id,
            Event.kind.in_(("step", "task_completed")),
            Event.element_id.is_not(None),
        )
        .order_by(Event.id)
    )
    return list(dict.fromkeys(i for i in ids if i))
