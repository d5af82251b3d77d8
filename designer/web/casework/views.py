"""Caseworker pages. Views are thin: read the request, call cases, render or redirect."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

import forms
from designer.extensions import db_session
from designer.identity.auth import role_required
from designer.services import applications, cases, people
from designer.services import inbox as inbox_queries
from designer.services.errors import Invalid
from designer.services.inbox import InboxQuery
from designer.web import auditing as audit
from designer.web.casework import bp
from designer.web.i18n import locale
from designer.web.messages import engine_text
from designer.web.portal.forms import TaskForm, form_class
from designer.web.routing import clean_args, parse_int
from engine import api as runtime
from engine.errors import Conflict, StepFailed
from engine.models import HumanTask, utcnow


@bp.get("/")
@role_required("caseworker")
def inbox() -> ResponseReturnValue:
    """Tasks of the caseworker's groups: views, filters, sorting, search, pages."""
    query = InboxQuery.from_args(clean_args(request.args, "service", "page"))
    result = inbox_queries.page(db_session, current_user, query)
    return render_template(
        "casework/inbox.html",
        result=result,
        query=query,
        services=inbox_queries.service_choices(db_session, current_user),
        now=utcnow(),
    )


def _render_task(task, form, definition, status: int = 200) -> ResponseReturnValue:  # type: ignore[no-untyped-def]
    instance = task.instance
    data = (
        runtime.task_data(db_session, instance, task.task_uuid)
        if task.status == "open"
        else runtime.current_data(db_session, instance)
    )
    return render_template(
        "casework/task.html",
        task=task,
        instance=instance,
        form=form,
        definition=definition,
        summary=cases.submitted_summary(instance, data, locale()),
        steps=cases.earlier_steps(db_session, instance, data, locale()),
        colleagues=people.colleagues(db_session, current_user)
        if current_user.has_role("team_lead")
        else [],
        attachments=applications.attachments_of(db_session, instance),
        trail=cases.trail(instance),
        status_key=cases.status_key(db_session, instance),
    ), status


@bp.route("/tasks/<int:task_id>", methods=["GET", "POST"])
@role_required("caseworker")
def task(task_id: int) -> ResponseReturnValue:
    """Review the case and complete the task with its form (every GET is an audited read)."""
    reading = request.method == "GET"
    action = "task.view" if reading else "task.complete"
    with audit.denied(current_user, action, "task", task_id, audit.CASEWORK_ROLES):
        human = cases.task_for(db_session, current_user, task_id)
    response = _task(human)
    if reading:
        _record("task.view", human)
    return response


def _record(action: str, human: HumanTask, *, commit: bool = True) -> None:
    audit.record(
        current_user,
        action,
        object_type="task",
        object_id=human.id,
        case_no=human.case_no,
        roles=audit.CASEWORK_ROLES,
        detail={"element_id": human.element_id},
        commit=commit,
    )


def _task(human: HumanTask) -> ResponseReturnValue:
    task_id = human.id
    definition = cases.form_definition(human.instance.process_version, human.form)
    if human.status != "open" and request.method == "POST":
        flash(_("This task has already been completed."), "error")
        return _render_task(human, None, definition, 409)
    if human.status != "open" or definition is None:
        return _render_task(human, None, definition)
    form_cls = form_class(definition, base=TaskForm)
    data = runtime.task_data(db_session, human.instance, human.task_uuid)
    if request.method == "POST":
        if request.form.get("save_only"):
            cases.save_task_form(db_session, current_user, human, request.form)
            _record("task.save", human)  # commits the saved input with its audit row
            flash(_("Your input is saved. The task is still open."), "success")
            return redirect(url_for("casework.task", task_id=human.id))
        form = forms.bind_options(form_cls(), definition, data)
        step = forms.page_step(form, definition)
        if not step.submit:
            return _render_task(human, form, definition, 422 if form.errors else 200)
    else:  # caseworker forms start from what was saved, or from what the process knows
        if human.saved_form:
            form = form_cls(formdata=MultiDict([(k, v) for k, v in human.saved_form]))
        else:
            form = form_cls(data=cases.task_prefill(definition, data))
        form = forms.bind_options(form, definition, data)
        form.expected_version.data = str(human.instance.version)
    if form.validate_on_submit():
        expected = parse_int(form.expected_version.data)
        # The audit row commits with the engine's transition (or rolls back with it).
        _record("task.complete", human, commit=False)
        try:
            cases.complete_task(
                db_session, current_user, human, forms.typed_data(form, definition), expected
            )
        except Conflict as err:
            db_session.rollback()
            flash(engine_text(err) + " " + _("The page shows the case as it is now."), "error")
            human = cases.task_for(db_session, current_user, task_id)
            fresh = form_class(definition, base=TaskForm)(formdata=None)
            fresh.expected_version.data = str(human.instance.version)
            return _render_task(human, fresh if human.status == "open" else None, definition, 409)
        except Invalid as err:  # the answer cannot be carried out (a listener said why)
            db_session.rollback()
            for name, text in (err.fields or {}).items():
                field = getattr(form, name, None)
                if field is not None:
                    field.errors = [*field.errors, text]
            flash(err.message, "error")
            human = cases.task_for(db_session, current_user, task_id)
            return _render_task(human, form, definition, 422)
        except StepFailed as err:
            db_session.rollback()
            flash(
                _(
                    "The task could not be completed because an automated step failed: %(error)s "
                    "Your input was not saved; the case is marked for follow-up.",
                    error=err.message,
                ),
                "error",
            )
            human = cases.task_for(db_session, current_user, task_id)
            return _render_task(human, form, definition, 422)
        flash(_("The task is completed."), "success")
        return redirect(url_for("casework.inbox"))
    return _render_task(human, form, definition, 422 if form.errors else 200)


@bp.get("/cases/<int:instance_id>/diagram.bpmn")
@role_required("caseworker")
def diagram(instance_id: int) -> ResponseReturnValue:
    """The BPMN of the version a case runs on, for the diagram viewer."""
    instance = cases.instance_for_caseworker(db_session, current_user, instance_id)
    return Response(instance.process_version.bpmn, mimetype="application/xml")
