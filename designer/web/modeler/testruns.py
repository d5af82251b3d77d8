"""Test runs from the editor: sample data in, step through, complete tasks with real forms."""

from __future__ import annotations

import json

from flask import Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

import forms
from designer.extensions import db_session
from designer.identity.auth import role_required
from designer.services import cases, drafts, pending, publishing, steplog, uploads
from designer.services import testruns as test_calls
from designer.web.modeler import bp
from designer.web.modeler.common import registry
from designer.web.portal import forms as portal_forms
from designer.web.routing import parse_int
from engine import api as engine
from engine.errors import Conflict, NotFound, StepFailed
from engine.models import Event, HumanTask, Instance


def _test_instance(model_id: int, instance_id: int) -> tuple[object, Instance]:
    model = drafts.model_for(db_session, current_user.tenant_id, model_id)
    instance = db_session.get(Instance, instance_id)
    if (
        instance is None
        or not instance.is_test
        or instance.tenant_id != model.tenant_id
        or instance.process_version.model_id != model.id
    ):
        raise NotFound("No such test run.")
    return model, instance


@bp.route("/<int:model_id>/test-runs/new", methods=["GET", "POST"])
@role_required("process_owner")
def new_test_run(model_id: int) -> ResponseReturnValue:
    """Fill the start form with sample data and start a test instance of the draft."""
    model = drafts.model_for(db_session, current_user.tenant_id, model_id)
    problems = drafts.problems(model.draft_bpmn, model.draft_files, registry())
    if problems:
        status = 400 if request.method == "POST" else 200
        return render_template(
            "modeler/testrun_blocked.html", model=model, problems=problems
        ), status
    version = publishing.test_snapshot(db_session, model, current_user.name, registry())
    definition = cases.start_definition(version)
    form = portal_forms.form_class(definition)() if definition else FlaskForm()
    if form.validate_on_submit():
        data = forms.typed_data(form, definition) if definition else {}
        # Files are stored and tied to the test case like a citizen's (never an Upload object
        # in the engine's data).
        data, attachment_ids = uploads.store_all(
            db_session, data, current_user.actor, version.tenant_id
        )
        pending.tie_to_started_case(db_session, attachment_ids)
        try:
            instance = engine.start(
                db_session,
                version,
                data=data,
                actor=current_user.actor,
                owner=current_user.actor,
                subject=_("Test run"),
                is_test=True,
            )
        except StepFailed as err:
            pending.forget(db_session)
            flash(err.message, "error")
            failed = err.instance
            if failed is None:
                return redirect(url_for("modeler.edit", model_id=model.id))
            instance = failed  # type: ignore[assignment]
        return redirect(url_for("modeler.test_run", model_id=model.id, instance_id=instance.id))
    db_session.rollback()  # the snapshot is only kept when a run starts
    status = 422 if form.errors else 200
    return render_template(
        "modeler/testrun_new.html", model=model, form=form, definition=definition
    ), status


@bp.get("/<int:model_id>/test-runs/<int:instance_id>")
@role_required("process_owner")
def test_run(model_id: int, instance_id: int) -> ResponseReturnValue:
    """Where the token is, the data after each step, and the open tasks' forms."""
    model, instance = _test_instance(model_id, instance_id)
    tasks = db_session.scalars(
        select(HumanTask)
        .where(HumanTask.instance_id == instance.id, HumanTask.status == "open")
        .order_by(HumanTask.id)
    ).all()
    task_forms = []
    for task in tasks:
        definition = cases.form_definition(instance.process_version, task.form)
        form = (
            portal_forms.form_class(definition, base=portal_forms.TaskForm)(prefix=f"t{task.id}")
            if definition
            else None
        )
        if form is not None:
            form.expected_version.data = str(instance.version)
        task_forms.append((task, definition, form))
    events = db_session.scalars(
        select(Event).where(Event.instance_id == instance.id).order_by(Event.id)
    ).all()
    data = json.dumps(
        engine.current_data(db_session, instance), ensure_ascii=False, indent=2, sort_keys=True
    )
    return render_template(
        "modeler/testrun.html",
        model=model,
        instance=instance,
        task_forms=task_forms,
        steps=steplog.steps(db_session, list(events), instance.process_version.bpmn),
        data=data,
        trail=cases.trail(instance),
        active=[t.element_id for t in tasks],
        would_have=test_calls.would_have(db_session, instance),
    )


@bp.post("/<int:model_id>/test-runs/<int:instance_id>/tasks/<int:task_id>")
@role_required("process_owner")
def complete_test_task(model_id: int, instance_id: int, task_id: int) -> ResponseReturnValue:
    """Complete a test run's task with its real form."""
    model, instance = _test_instance(model_id, instance_id)
    task = db_session.get(HumanTask, task_id)
    if task is None or task.instance_id != instance.id:
        raise NotFound("No such task.")
    definition = cases.form_definition(instance.process_version, task.form)
    if definition is None:
        raise NotFound("The task has no form.")
    form = portal_forms.form_class(definition, base=portal_forms.TaskForm)(prefix=f"t{task.id}")
    if not form.validate_on_submit():
        for field, errors in form.errors.items():
            flash(f"{field}: {'; '.join(str(e) for e in errors)}", "error")
        return redirect(
            url_for("modeler.test_run", model_id=model_id, instance_id=instance_id)
        ), 303
    expected = parse_int(form.expected_version.data)
    try:
        engine.complete(
            db_session,
            instance.tenant_id,
            task.id,
            forms.typed_data(form, definition),
            current_user.actor,
            expected_version=expected,
        )
    except (Conflict, StepFailed) as err:
        flash(err.message, "error")
    return redirect(url_for("modeler.test_run", model_id=model_id, instance_id=instance_id))


@bp.get("/<int:model_id>/test-runs/<int:instance_id>/diagram.bpmn")
@role_required("process_owner")
def test_run_diagram(model_id: int, instance_id: int) -> ResponseReturnValue:
    """The BPMN the test run executes."""
    _model, instance = _test_instance(model_id, instance_id)
    return Response(instance.process_version.bpmn, mimetype="application/xml")
