"""Who works what: claim, release, assign, absence and the team lead's workload view."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from designer import notify
from designer.extensions import db_session
from designer.identity.auth import role_required
from designer.models import User
from designer.services import cases
from designer.services import inbox as inbox_queries
from designer.web import auditing as audit
from designer.web.casework import bp
from designer.web.messages import engine_text
from designer.web.routing import form_int
from engine.api import tasks
from engine.errors import Conflict
from engine.models import HumanTask


def _back(task_id: int) -> WerkzeugResponse:
    target = request.form.get("next", "")
    if target == "inbox":
        return redirect(url_for("casework.inbox"))
    return redirect(url_for("casework.task", task_id=task_id))


def _record(action: str, task: HumanTask, commit: bool = False, **detail: int) -> None:
    """Audit a change of who holds a task: pending, committed with the engine's transition."""
    audit.record(
        current_user,
        action,
        object_type="task",
        object_id=task.id,
        case_no=task.case_no,
        roles=audit.CASEWORK_ROLES,
        detail=dict(detail),
        commit=commit,
    )


@bp.post("/tasks/<int:task_id>/claim")
@role_required("caseworker")
def claim(task_id: int) -> ResponseReturnValue:
    """Take a task from the group."""
    task = cases.task_for(db_session, current_user, task_id)
    _record("task.claim", task)
    try:
        tasks.claim(db_session, current_user.tenant_id, task_id, current_user.actor)
    except Conflict as err:
        db_session.rollback()
        flash(engine_text(err), "error")
        return _back(task_id), 303
    flash(_("The task is yours."), "success")
    return _back(task_id)


@bp.post("/tasks/<int:task_id>/release")
@role_required("caseworker")
def release(task_id: int) -> ResponseReturnValue:
    """Give a task back to the group (your own; a team lead may release any)."""
    task = cases.task_for(db_session, current_user, task_id)
    lead = current_user.has_role("team_lead")
    if task.assignee != current_user.actor and not lead:
        _record("task.release.denied", task, commit=True)
        abort(403)
    _record("task.release", task)
    try:
        tasks.assign(
            db_session,
            current_user.tenant_id,
            task_id,
            None,
            current_user.actor,
            expected=None if lead else current_user.actor,
        )
    except Conflict as err:
        db_session.rollback()
        flash(engine_text(err), "error")
        return _back(task_id), 303
    flash(_("The task is back in the group."), "success")
    return _back(task_id)


@bp.post("/tasks/<int:task_id>/assign")
@role_required("team_lead")
def assign(task_id: int) -> ResponseReturnValue:
    """A team lead gives a task to a colleague in the task's group."""
    task = cases.task_for(db_session, current_user, task_id)
    assignee_id = form_int("assignee")
    colleague = db_session.get(User, assignee_id) if assignee_id is not None else None
    if (
        colleague is None
        or colleague.tenant_id != current_user.tenant_id
        or not colleague.has_role("caseworker")
        or task.lane not in colleague.group_list
    ):
        flash(_("Choose a caseworker in the task's group."), "error")
        return _back(task_id), 303
    if colleague.absent:
        flash(_("%(name)s is marked absent.", name=colleague.name), "error")
        return _back(task_id), 303
    # Audit row and notice commit with the assignment (the engine commits them with it).
    _record("task.assign", task, assignee_id=colleague.id)
    notify.notify_assignment(task, colleague, session=db_session)
    try:
        tasks.assign(
            db_session, current_user.tenant_id, task_id, colleague.actor, current_user.actor
        )
    except Conflict as err:
        db_session.rollback()
        flash(engine_text(err), "error")
        return _back(task_id), 303
    flash(_("The task is assigned to %(name)s.", name=colleague.name), "success")
    return _back(task_id)


@bp.get("/team")
@role_required("team_lead")
def workload() -> ResponseReturnValue:
    """The group's workload: open tasks per person, unassigned, overdue, the oldest."""
    return render_template(
        "casework/workload.html", **inbox_queries.team_workload(db_session, current_user)
    )


@bp.post("/absence")
@role_required("caseworker")
def absence() -> ResponseReturnValue:
    """Mark yourself (or, as team lead, a colleague) absent or back; absence frees tasks."""
    user_id = form_int("user_id")
    person = current_user
    if user_id is not None and user_id != current_user.id:
        if not current_user.has_role("team_lead"):
            abort(403)
        person = db_session.get(User, user_id)
        if person is None or person.tenant_id != current_user.tenant_id:
            abort(404)
    person.absent = request.form.get("absent") == "1"
    if person.absent:
        # One transaction: the engine commits the absence with the tasks it frees.
        freed = tasks.release_all(db_session, person.tenant_id, person.actor, current_user.actor)
        flash(
            _(
                "%(name)s is marked absent; %(n)s tasks went back to the group.",
                name=person.name,
                n=freed,
            ),
            "success",
        )
    else:
        db_session.commit()
        flash(_("%(name)s is back.", name=person.name), "success")
    target = "casework.workload" if person is not current_user else "casework.inbox"
    return redirect(url_for(target))
