"""Incidents: process owners see failed automated steps and retry them or continue with data."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length

from designer.extensions import db_session
from designer.identity.auth import role_required
from designer.services import incidents
from designer.web import auditing as audit
from designer.web.modeler import bp
from engine.errors import Conflict, NotFound, StepFailed


class ContinueForm(FlaskForm):
    """The data the failed step should have produced."""

    answer = TextAreaField(
        _l("Data to continue with (JSON object)"),
        validators=[InputRequired(), Length(max=20000)],
    )


@bp.get("/incidents")
@role_required("process_owner", "admin")
def incident_list() -> ResponseReturnValue:
    """Every case of the municipality that waits for someone to fix an automated step."""
    return render_template(
        "modeler/incidents.html", items=incidents.open_incidents(db_session, current_user)
    )


def _record(
    action: str, instance_id: int, case_no: str, commit: bool = True, **detail: str
) -> None:
    """Audit what a process owner or admin did with a case's incident (`commit=False`: the
    row commits with the engine's transition that follows)."""
    audit.record(
        current_user,
        action,
        object_type="case",
        object_id=instance_id,
        case_no=case_no,
        roles=("process_owner", "admin"),
        detail=dict(detail),
        commit=commit,
    )


def _page(
    incident: incidents.Incident, form: ContinueForm, status: int = 200
) -> ResponseReturnValue:
    return (
        render_template(
            "modeler/incident.html",
            incident=incident,
            events=incidents.history(db_session, incident.instance),
            form=form,
        ),
        status,
    )


@bp.get("/incidents/<int:instance_id>")
@role_required("process_owner", "admin")
def incident(instance_id: int) -> ResponseReturnValue:
    """One incident: what failed, every attempt, and the two ways on."""
    found = incidents.incident_for(db_session, current_user, instance_id)
    form = ContinueForm()
    if found.job is not None and not form.answer.data:
        form.answer.data = "{\n  \n}"
    response = _page(found, form)
    _record("incident.view", found.instance.id, found.instance.case_no)
    return response


@bp.post("/incidents/<int:instance_id>/retry")
@role_required("process_owner", "admin")
def incident_retry(instance_id: int) -> ResponseReturnValue:
    """Try the failed step again."""
    found = incidents.incident_for(db_session, current_user, instance_id)
    case_no = found.instance.case_no
    _record("incident.retry", instance_id, case_no, commit=False, result="running")
    try:
        instance = incidents.retry(db_session, current_user, found)
    except StepFailed as err:
        db_session.rollback()  # the engine rolled the step back; the audit says "failed"
        _record("incident.retry", instance_id, case_no, result="failed")
        flash(_("It failed again: %(error)s", error=err.message), "error")
        return redirect(url_for("modeler.incident", instance_id=instance_id))
    except (Conflict, NotFound):
        db_session.rollback()
        flash(_("This case has no incident to retry any more."), "info")
        return redirect(url_for("modeler.incident_list"))
    flash(_("Case %(case)s is running again.", case=instance.case_no), "success")
    return redirect(url_for("modeler.incident_list"))


@bp.post("/incidents/<int:instance_id>/continue")
@role_required("process_owner", "admin")
def incident_continue(instance_id: int) -> ResponseReturnValue:
    """Continue past a failed connector with data the process owner gives."""
    found = incidents.incident_for(db_session, current_user, instance_id)
    if found.job is None:
        abort(404)
    form = ContinueForm()
    if not form.validate_on_submit():
        return _page(found, form, 422)
    try:
        data = incidents.parse_data(form.answer.data)
    except ValueError as err:
        form.answer.errors = [str(err)]
        return _page(found, form, 422)
    _record("incident.continue", instance_id, found.instance.case_no, commit=False)
    try:
        incidents.continue_with(db_session, current_user, found, data)
    except StepFailed as err:
        db_session.rollback()
        form.answer.errors = [
            _("The case could not go on with this data: %(error)s", error=err.message)
        ]
        return _page(incidents.incident_for(db_session, current_user, instance_id), form, 422)
    except Conflict:
        db_session.rollback()
        flash(_("This step is no longer waiting; nothing was changed."), "info")
        return redirect(url_for("modeler.incident_list"))
    flash(
        _("Case %(case)s goes on with the data you gave.", case=found.instance.case_no), "success"
    )
    return redirect(url_for("modeler.incident_list"))
