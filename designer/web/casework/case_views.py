"""The case page for staff: timeline of every event, comments, documents."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from designer import notify
from designer.extensions import db_session
from designer.identity.auth import role_required
from designer.models import User, is_citizen_lane
from designer.services import applications, cases
from designer.web import auditing as audit
from designer.web.casework import bp
from designer.web.i18n import locale
from designer.web.routing import parse_int
from engine import api as runtime
from engine.models import Event, HumanTask, Instance

MAX_COMMENT = 4000


def _names(events: list[Event]) -> dict[str, str]:
    ids = {
        int(e.actor[5:]) for e in events if e.actor.startswith("user:") and e.actor[5:].isdigit()
    }
    if not ids:
        return {}
    users = db_session.scalars(select(User).where(User.id.in_(ids)))
    return {u.actor: u.name for u in users}


def _record_change(action: str, instance: Instance) -> None:
    """Audit a change to the case in the transaction the view commits (never the text)."""
    audit.record(
        current_user,
        action,
        object_type="case",
        object_id=instance.id,
        case_no=instance.case_no,
        roles=audit.CASEWORK_ROLES,
        commit=False,
    )


@bp.get("/cases/<int:instance_id>")
@role_required("caseworker")
def case(instance_id: int) -> ResponseReturnValue:
    """Everything about a case: status, data, documents, tasks and the full timeline."""
    with audit.denied(current_user, "case.view", "case", instance_id, audit.CASEWORK_ROLES):
        instance = cases.instance_for_caseworker(db_session, current_user, instance_id)
    events = list(
        db_session.scalars(select(Event).where(Event.instance_id == instance.id).order_by(Event.id))
    )
    data = runtime.current_data(db_session, instance)
    open_tasks = db_session.scalars(
        select(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.status == "open")
    ).all()
    # The applicant's own tasks are theirs to answer: staff only see that the case waits.
    awaiting_applicant = [t for t in open_tasks if is_citizen_lane(t.lane)]
    page = render_template(
        "casework/case.html",
        instance=instance,
        events=events,
        names=_names(events),
        status_key=cases.status_key(db_session, instance),
        summary=cases.submitted_summary(instance, data, locale()),
        steps=cases.earlier_steps(db_session, instance, data, locale()),
        open_tasks=[t for t in open_tasks if not is_citizen_lane(t.lane)],
        awaiting_applicant=awaiting_applicant,
        attachments=applications.attachments_of(db_session, instance),
        trail=cases.trail(instance),
    )
    audit.record(
        current_user,
        "case.view",
        object_type="case",
        object_id=instance.id,
        case_no=instance.case_no,
        roles=audit.CASEWORK_ROLES,
    )
    return page


@bp.post("/cases/<int:instance_id>/information-request")
@role_required("caseworker")
def request_information(instance_id: int) -> ResponseReturnValue:
    """Ask the applicant for more information: shown on their case page, e-mailed as a notice."""
    instance = cases.instance_for_caseworker(db_session, current_user, instance_id)
    text = request.form.get("text", "").strip()
    if not text or len(text) > MAX_COMMENT:
        flash(_("Write what you need, in at most %(n)s characters.", n=MAX_COMMENT), "error")
        return redirect(url_for("casework.case", instance_id=instance.id)), 303
    runtime.add_event(
        db_session, instance, current_user.actor, "information_requested", None, {"text": text}
    )
    _record_change("case.request_information", instance)
    owner_id = parse_int((instance.owner or "")[5:])
    owner = db_session.get(User, owner_id) if owner_id is not None else None
    if owner is not None:  # the notice commits with the request, sent after commit
        notify.notify_more_information(instance, owner, text, session=db_session)
    db_session.commit()
    flash(_("The applicant is asked for more information."), "success")
    return redirect(url_for("casework.case", instance_id=instance.id) + "#timeline")


@bp.post("/cases/<int:instance_id>/comments")
@role_required("caseworker")
def comment(instance_id: int) -> ResponseReturnValue:
    """An internal comment on the case timeline (never shown to the citizen)."""
    instance = cases.instance_for_caseworker(db_session, current_user, instance_id)
    text = request.form.get("text", "").strip()
    if not text or len(text) > MAX_COMMENT:
        flash(_("Write a comment of at most %(n)s characters.", n=MAX_COMMENT), "error")
        return redirect(url_for("casework.case", instance_id=instance.id)), 303
    runtime.add_event(db_session, instance, current_user.actor, "comment", None, {"text": text})
    _record_change("case.comment", instance)
    db_session.commit()
    flash(_("The comment is added."), "success")
    return redirect(url_for("casework.case", instance_id=instance.id) + "#timeline")
