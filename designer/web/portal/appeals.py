"""Citizen pages of issue 15: appeal a decision, ask for a manual review, follow the appeal.

The case pages show the appeal part through the template globals at the end
(`portal/_case_appeal.html`, `casework/_case_appeal.html`).
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

import forms
from designer.extensions import db_session
from designer.identity.auth import role_required
from designer.models import Appeal, Attachment
from designer.services import appeal_docs, appeals, applications, cases, submissions, uploads
from designer.services.case_reads import case_events, form_definition
from designer.services.errors import Forbidden, Invalid, Stale
from designer.web.i18n import locale
from designer.web.portal import bp
from designer.web.portal.forms import form_class
from engine.errors import NotFound, StepFailed
from engine.models import Event, Instance

FORMS = {"review": "citizen_review.json", "appeal": "citizen_appeal.json"}
LATE_FORM = "citizen_late_appeal.json"


def _refusal(code: str) -> str:
    """Why an appeal or a review cannot be made now, for the citizen."""
    texts = {
        "appeal_open": _(
            "You already have an appeal or a review of this case that is being handled. "
            "You can follow it on the case page."
        ),
        "appeal_forwarded": _(
            "Your appeal of this decision has been sent to the appeal body, which will "
            "answer you. You cannot appeal the same decision again here."
        ),
        "review_not_open": _(
            "A manual review can be asked for only for an automated decision, once, "
            "within the appeal deadline. You can still appeal the decision."
        ),
        "appeal_reassessed": _(
            "Your appeal was upheld, and your application is being handled again as a new "
            "case. You can appeal the new decision when it comes."
        ),
        "appeal_closed": _("The appeal is no longer open."),
        "not_decided": _("This case has no decision to appeal."),
    }
    return texts.get(code, texts["appeal_open"])


def _version() -> Any:
    version = appeals.platform_version(db_session, current_user.tenant_id)
    if db_session.new or db_session.dirty:
        db_session.commit()  # installed on first use: the tenant's appeal process
    return version


def _page(case: Instance, kind: str) -> ResponseReturnValue:
    found = appeals.standing(db_session, case)
    name = LATE_FORM if kind == "appeal" and not found.within else FORMS[kind]
    definition = form_definition(_version(), name)
    if definition is None:  # pragma: no cover - shipped with the platform process
        raise NotFound("No appeal form.")
    refused = None
    if not found.decided:
        refused = "not_decided"
    elif found.open is not None:
        refused = "appeal_open"
    elif found.reassessed:
        refused = "appeal_reassessed"
    elif kind == "review" and not found.can_review:
        refused = "review_not_open"
    elif kind == "appeal" and not found.can_appeal:
        refused = "appeal_forwarded"
    if refused and request.method == "GET":
        flash(_refusal(refused), "error")
        return redirect(url_for("portal.case", case_no=case.case_no))
    form = form_class(definition)()
    if request.method == "POST":
        step = forms.page_step(form, definition)
        if step.submit and form.validate_on_submit():
            return _send(case, kind, form, definition)
    status = 422 if form.errors else 200
    return render_template(
        "portal/appeal.html",
        instance=case,
        model=case.process_version.model,
        kind=kind,
        standing=found,
        form=form,
        definition=definition,
    ), status


def _send(case: Instance, kind: str, form: Any, definition: Any) -> ResponseReturnValue:
    session = db_session
    key, first = submissions.claim(
        session,
        case.tenant_id,
        submissions.FORM,
        form.submission_key.data or submissions.new_key(),
        current_user.actor,
    )
    if not first:
        flash(_("We had already received this. You can follow it on the case page."), "success")
        return redirect(url_for("portal.case", case_no=case.case_no), 303)
    try:
        appeals.submit(
            session, current_user, case, kind, forms.typed_data(form, definition), key.id
        )
    except (Stale, Invalid) as err:
        session.rollback()  # the key too: a corrected retry may use it
        flash(_refusal(err.code) if isinstance(err, Stale) else _late_reason(), "error")
        target = "portal.case" if isinstance(err, Stale) else f"portal.{kind}"
        return redirect(url_for(target, case_no=case.case_no), 303)
    except StepFailed:
        # Kept as an incident with the appeal (committed by the engine): the unit follows it up.
        flash(_("We received it, but it could not be sent to a caseworker yet."), "error")
        return redirect(url_for("portal.case", case_no=case.case_no), 303)
    if kind == "review":
        flash(_("Your request for a manual review has been sent."), "success")
    else:
        flash(_("Your appeal has been sent."), "success")
    return redirect(url_for("portal.case", case_no=case.case_no) + "#appeal-title", 303)


def _late_reason() -> str:
    return _("The appeal deadline has passed: say why the appeal comes late.")


@bp.route("/cases/<case_no>/appeal", methods=["GET", "POST"])
@role_required("citizen")
def appeal(case_no: str) -> ResponseReturnValue:
    """Appeal the decision of one's own case (after the deadline: saying why it is late)."""
    return _page(cases.citizen_case(db_session, current_user, case_no), "appeal")


@bp.route("/cases/<case_no>/review", methods=["GET", "POST"])
@role_required("citizen")
def review(case_no: str) -> ResponseReturnValue:
    """Ask for a caseworker's review of an automated decision of one's own case."""
    return _page(cases.citizen_case(db_session, current_user, case_no), "review")


def _own_appeal(case_no: str, appeal_id: int) -> tuple[Instance, Appeal]:
    case = cases.citizen_case(db_session, current_user, case_no)
    found = db_session.get(Appeal, appeal_id)
    if found is None or found.instance_id != case.id or found.owner != current_user.actor:
        raise NotFound("No such appeal.")
    return case, found


@bp.post("/cases/<case_no>/appeals/<int:appeal_id>/withdraw")
@role_required("citizen")
def withdraw(case_no: str, appeal_id: int) -> ResponseReturnValue:
    """Take back one's open appeal or review request."""
    case, found = _own_appeal(case_no, appeal_id)
    try:
        appeals.withdraw(db_session, current_user, found)
    except Stale as err:
        db_session.rollback()
        flash(_refusal(err.code), "error")
        return redirect(url_for("portal.case", case_no=case.case_no), 303)
    db_session.commit()  # a no-op after the cancel's own commit
    flash(_("You have withdrawn it."), "success")
    return redirect(url_for("portal.case", case_no=case.case_no) + "#appeal-title", 303)


@bp.get("/cases/<case_no>/appeals/<int:appeal_id>/files/<int:attachment_id>")
@role_required("citizen")
def appeal_file(case_no: str, appeal_id: int, attachment_id: int) -> ResponseReturnValue:
    """Download a file the citizen attached to their appeal."""
    _case, found = _own_appeal(case_no, appeal_id)
    attachment = db_session.get(Attachment, attachment_id)
    if (
        attachment is None
        or found.handler_instance_id is None
        or attachment.instance_id != found.handler_instance_id
    ):
        raise NotFound("No such file.")
    return send_file(
        uploads.path_of(attachment),
        mimetype=attachment.media_type,
        as_attachment=True,
        download_name=attachment.filename,
    )


def _files(found: list[Appeal]) -> dict[int, list[Attachment]]:
    handlers = {a.handler_instance_id: a.id for a in found if a.handler_instance_id}
    if not handlers:
        return {}
    rows = db_session.scalars(
        select(Attachment).where(Attachment.instance_id.in_(list(handlers))).order_by(Attachment.id)
    )
    files: dict[int, list[Attachment]] = {}
    for row in rows:
        files.setdefault(handlers[row.instance_id or 0], []).append(row)
    return files


def _timeline(case: Instance) -> list[Event]:
    return case_events(db_session, case, *appeals.EVENTS)


@bp.app_template_global("appeal_part")
def appeal_part(case: Instance, citizen: bool = True) -> dict[str, Any]:
    """What the case pages show of a case's appeals (the page already checked access);
    the citizen's page also what may be done now."""
    found = appeals.appeals_of(db_session, case)
    return {
        "standing": appeals.standing(db_session, case) if citizen else None,
        "appeals": found,
        "files": _files(found),
        "timeline": _timeline(case),
        "follow_ups": _follow_ups(found),
        "origin": _origin(case),
    }


def _origin(case: Instance) -> dict[str, Any] | None:
    """For a case that handles an upheld appeal's application again: that appeal and its case."""
    appeal = appeals.origin_of(db_session, case)
    first = db_session.get(Instance, appeal.instance_id) if appeal is not None else None
    return {"appeal": appeal, "case": first} if first is not None else None


def _follow_ups(found: list[Appeal]) -> dict[int, str]:
    """The case numbers of the new cases upheld appeals started, by appeal."""
    ids = {a.follow_up_id: a.id for a in found if a.follow_up_id}
    if not ids:
        return {}
    rows = db_session.execute(select(Instance.id, Instance.case_no).where(Instance.id.in_(ids)))
    return {ids[row.id]: row.case_no for row in rows}


@bp.app_template_global("appeal_handled")
def appeal_handled(handler: Instance) -> dict[str, Any] | None:
    """For a caseworker's page of an appeal's task: the appeal, its case and its brief."""
    found = db_session.scalar(select(Appeal).where(Appeal.handler_instance_id == handler.id))
    if found is None:
        return None
    case = db_session.get(Instance, found.instance_id)
    assert case is not None
    files = applications.attachments_of(db_session, handler)
    stored = {"appeal_files": [{"attachment_id": f.id} for f in files]}
    text = appeal_docs.brief(db_session, case, found, locale(), stored)
    try:
        cases.instance_for_caseworker(db_session, current_user, case.id)
        may_open = True
    except (Forbidden, NotFound):
        may_open = False  # an automated case: no task of it was ever in a staff group
    brief = Markup(forms.render_markdown(text))
    return {"appeal": found, "case": case, "brief": brief, "may_open": may_open}


@bp.app_template_global("appeal_labels")
def appeal_labels() -> dict[str, str]:
    """Timeline labels of the appeal events, for the caseworker's case page."""
    return {
        "review_requested": _("Manual review requested"),
        "appeal_received": _("Appeal received"),
        "appeal_in_review": _("Appeal or review sent to the unit"),
        "decision_changed": _("Decision changed"),
        "decision_confirmed": _("Decision confirmed by a caseworker"),
        "appeal_forwarded": _("Appeal sent to the appeal body"),
        "appeal_withdrawn": _("Appeal withdrawn"),
        "appeal_reassessing": _("Appeal upheld: the application is handled again"),
        "reassessment_started": _("New case for the application"),
        "reassessment_of": _("Handled again after an appeal"),
    }
