"""A citizen answers a task of their own case: the same forms and engine path as caseworkers."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

import forms
from designer.extensions import db_session
from designer.identity.auth import role_required
from designer.models import SubmissionKey
from designer.services import cases, citizen_tasks, submissions
from designer.web.messages import engine_text
from designer.web.portal import bp
from designer.web.portal.forms import TaskForm, form_class
from designer.web.portal.views import repeat_receipt
from designer.web.routing import parse_int
from engine import api as engine
from engine.errors import Conflict, StepFailed
from engine.models import HumanTask


def _render(
    task: HumanTask, form: Any, definition: forms.FormDefinition, status: int = 200
) -> ResponseReturnValue:
    return render_template(
        "portal/task.html",
        task=task,
        instance=task.instance,
        model=task.instance.process_version.model,
        form=form,
        definition=definition,
    ), status


def _fresh_form(task: HumanTask, definition: forms.FormDefinition, form_cls: type) -> Any:
    """The form as the task opens: prefilled from the case data, carrying the case version."""
    data = engine.task_data(db_session, task.instance, task.task_uuid)
    form = form_cls(formdata=None, data=cases.task_prefill(definition, data))
    form = forms.bind_options(form, definition, data)
    form.expected_version.data = str(task.instance.version)
    return form


@bp.route("/cases/<case_no>/tasks/<int:task_id>", methods=["GET", "POST"])
@role_required("citizen")
def task(case_no: str, task_id: int) -> ResponseReturnValue:
    """Show a task that waits for the citizen's answer, and complete it when the form is valid."""
    human = citizen_tasks.task_for_owner(db_session, current_user, case_no, task_id)
    definition = citizen_tasks.task_definition(human)
    form_cls = form_class(definition, base=TaskForm)
    repeat = _repeat(request.form.get("submission_key", "")) if request.method == "POST" else None
    if repeat is not None:
        return repeat
    if human.status != "open":
        if request.method != "POST":
            return _render(human, None, definition)
        flash(_("This task has already been answered or is no longer open."), "error")
        return _render(human, None, definition, 409)
    form = form_cls()
    if not form.is_submitted():
        return _render(human, _fresh_form(human, definition, form_cls), definition)
    data = engine.task_data(db_session, human.instance, human.task_uuid)
    form = forms.bind_options(form, definition, data)
    step = forms.page_step(form, definition)
    if not step.submit or not form.validate_on_submit():
        return _render(human, form, definition, 422 if form.errors else 200)
    expected = parse_int(form.expected_version.data)
    session = db_session
    key, first = submissions.claim(
        session, human.tenant_id, submissions.FORM, form.submission_key.data, current_user.actor
    )
    if first:
        submissions.settle(session, key, instance_id=human.instance_id)
    if not first:
        return repeat_receipt(key, answer=True)
    try:
        citizen_tasks.complete(
            session, current_user, human, forms.typed_data(form, definition), expected
        )
    except Conflict as err:
        session.rollback()
        flash(engine_text(err) + " " + _("The page shows the case as it is now."), "error")
        human = citizen_tasks.task_for_owner(db_session, current_user, case_no, task_id)
        fresh = _fresh_form(human, definition, form_cls) if human.status == "open" else None
        return _render(human, fresh, definition, 409)
    except StepFailed:
        session.rollback()
        flash(
            _(
                "Your answer could not be registered because an automatic step failed. "
                "The municipality has been notified and will follow up the case."
            ),
            "error",
        )
        return redirect(url_for("portal.case", case_no=case_no))
    # The engine committed the answer with the key (tied to the case) and the uploads.
    flash(_("Thank you. Your answer has been sent."), "success")
    return redirect(url_for("portal.case", case_no=case_no, answered=1))


def _repeat(raw_key: str) -> ResponseReturnValue | None:
    """The first answer's receipt when this key was sent before; None for a new one."""
    if not raw_key:
        return None
    earlier = db_session.scalar(
        select(SubmissionKey).where(
            SubmissionKey.tenant_id == current_user.tenant_id,
            SubmissionKey.scope == submissions.FORM,
            SubmissionKey.key == raw_key,
        )
    )
    return repeat_receipt(earlier, answer=True) if earlier is not None else None
