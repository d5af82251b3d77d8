"""A citizen answers a task of their own case: the same forms and engine path as caseworkers."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

import forms
from designer.extensions import db
from designer.identity.auth import role_required
from designer.services import cases, citizen_tasks
from designer.web.portal import bp
from engine import runtime
from engine.errors import Conflict, InstanceClosed, StepFailed, TaskNotReady
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
    data = runtime.task_data(db.session, task.instance, task.task_uuid)
    form = form_cls(formdata=None, data=cases.task_prefill(definition, data))
    form = forms.bind_options(form, definition, data)
    form.expected_version.data = str(task.instance.version)
    return form


def _conflict_text(err: Conflict) -> str:
    """The citizen's words for why the answer was not taken (the engine speaks English)."""
    if isinstance(err, TaskNotReady):
        return _("This task has already been answered or is no longer open.")
    if isinstance(err, InstanceClosed):
        return _("This case is closed.")
    return _("The case changed after you opened it.")


@bp.route("/cases/<case_no>/tasks/<int:task_id>", methods=["GET", "POST"])
@role_required("citizen")
def task(case_no: str, task_id: int) -> ResponseReturnValue:
    """Show a task that waits for the citizen's answer, and complete it when the form is valid."""
    human = citizen_tasks.task_for_owner(current_user, case_no, task_id)
    definition, form_cls = citizen_tasks.task_form(human)
    if human.status != "open":
        if request.method != "POST":
            return _render(human, None, definition)
        flash(_("This task has already been answered or is no longer open."), "error")
        return _render(human, None, definition, 409)
    form = form_cls()
    if not form.is_submitted():
        return _render(human, _fresh_form(human, definition, form_cls), definition)
    data = runtime.task_data(db.session, human.instance, human.task_uuid)
    form = forms.bind_options(form, definition, data)
    step = forms.page_step(form, definition)
    if not step.submit or not form.validate_on_submit():
        return _render(human, form, definition, 422 if form.errors else 200)
    raw = form.expected_version.data or ""
    expected = int(raw) if raw.isdigit() else None
    try:
        citizen_tasks.complete(current_user, human, forms.typed_data(form, definition), expected)
    except Conflict as err:
        flash(_conflict_text(err) + " " + _("The page shows the case as it is now."), "error")
        human = citizen_tasks.task_for_owner(current_user, case_no, task_id)
        fresh = _fresh_form(human, definition, form_cls) if human.status == "open" else None
        return _render(human, fresh, definition, 409)
    except StepFailed:
        flash(
            _(
                "Your answer could not be registered because an automatic step failed. "
                "The municipality has been notified and will follow up the case."
            ),
            "error",
        )
        return redirect(url_for("portal.case", case_no=case_no))
    flash(_("Thank you. Your answer has been sent."), "success")
    return redirect(url_for("portal.case", case_no=case_no, answered=1))
