"""Citizen pages. Views are thin: read the request, call a service function, render or redirect."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

import forms
from designer import integrations as connectors
from designer.extensions import db_session
from designer.identity.auth import role_required
from designer.identity.tenancy import current_tenant_id
from designer.models import SubmissionKey
from designer.services import applications, cases, citizen_tasks, submissions, uploads
from designer.web import auditing as audit
from designer.web.i18n import locale
from designer.web.portal import bp
from designer.web.portal.forms import form_class
from designer.web.routing import arg_id
from engine.errors import NotFound, StepFailed
from engine.models import Instance


@bp.get("/")
def index() -> ResponseReturnValue:
    """The catalogue of services."""
    return render_template(
        "portal/index.html",
        services=applications.open_for_application(db_session, current_tenant_id()),
    )


def _draft_id() -> int | None:
    return arg_id("draft")


@bp.route("/services/<key>/apply", methods=["GET", "POST"])
@role_required("citizen")
def apply(key: str) -> ResponseReturnValue:
    """Show a service's start form (page by page) and start a case when it validates."""
    model, version = cases.published_version(current_tenant_id(), key)
    definition = cases.start_definition(version)
    if definition is None:
        raise NotFound("This service has no application form.")
    draft_id = _draft_id()
    draft = applications.application_draft(db_session, current_user, draft_id) if draft_id else None
    form_cls = form_class(definition)
    if request.method == "POST":
        if request.form.get("save_draft"):
            saved = applications.save_application_draft(
                db_session, current_user, model, request.form, draft_id
            )
            db_session.commit()
            flash(_("Your draft is saved. You find it under My cases."), "success")
            return redirect(url_for("portal.apply", key=key, draft=saved.id))
        form = form_cls()
        step = forms.page_step(form, definition)
        if step.submit and form.validate_on_submit():
            return _send(form, definition, version, draft_id)
    elif draft is not None:
        form = form_cls(formdata=MultiDict([(k, v) for k, v in draft.formdata]))
    else:
        form = form_cls(data=cases.prefill(current_user, definition))
    status = 422 if form.errors else 200
    return render_template(
        "portal/apply.html", model=model, form=form, definition=definition, draft=draft
    ), status


def repeat_receipt(earlier: SubmissionKey, *, answer: bool = False) -> ResponseReturnValue:
    """A submission sent again: the first one's receipt, nothing new."""
    instance = db_session.get(Instance, earlier.instance_id) if earlier.instance_id else None
    if instance is None or instance.owner != current_user.actor:
        flash(_("We have already received this. You find it under My cases."), "success")
        return redirect(url_for("portal.my_cases"))
    if answer:
        flash(_("We had already received your answer."), "success")
        return redirect(url_for("portal.case", case_no=instance.case_no, answered=1))
    flash(_("We had already received your application."), "success")
    return redirect(url_for("portal.case", case_no=instance.case_no, received=1))


def _send(form, definition, version, draft_id):  # type: ignore[no-untyped-def]
    session = db_session
    key, first = submissions.claim(
        session,
        version.tenant_id,
        submissions.FORM,
        form.submission_key.data or submissions.new_key(),
        current_user.actor,
    )
    if not first:
        return repeat_receipt(key)
    if draft_id:  # goes with the case: committed by its start, or kept if nothing starts
        applications.delete_draft(session, current_user, draft_id)
    try:
        instance = cases.apply(
            session, current_user, version, forms.typed_data(form, definition), key.id
        )
    except StepFailed as err:
        # Kept as an incident, committed by the engine with the key and the uploads.
        flash(
            _(
                "Your application was received, but an automatic check could not be completed. "
                "The municipality has been notified and will process it."
            ),
            "error",
        )
        failed = err.instance
        if failed is None:
            return redirect(url_for("portal.my_cases"))
        return redirect(url_for("portal.case", case_no=failed.case_no))  # type: ignore[attr-defined]
    # The engine committed the case with the key, the uploads and the deleted draft.
    flash(_("Your application has been sent."), "success")
    return redirect(url_for("portal.case", case_no=instance.case_no, received=1))


@bp.post("/drafts/<int:draft_id>/delete")
@role_required("citizen")
def delete_draft(draft_id: int) -> ResponseReturnValue:
    """Throw away an unfinished application."""
    applications.delete_draft(db_session, current_user, draft_id)
    db_session.commit()
    flash(_("The draft is deleted."), "success")
    return redirect(url_for("portal.my_cases"))


@bp.get("/cases")
@role_required("citizen")
def my_cases() -> ResponseReturnValue:
    """The citizen's cases with status and decision, and unfinished applications."""
    waiting = citizen_tasks.waiting_for(db_session, current_user)
    answer_wanted = {t.instance_id for t in waiting}
    mine = cases.my_cases(db_session, current_user)
    statuses = cases.status_keys(db_session, mine)
    items = [(i, "awaiting-answer" if i.id in answer_wanted else statuses[i.id]) for i in mine]
    drafts = applications.my_drafts(db_session, current_user)
    models = {m.id: m for m in cases.published_services(db_session, current_user.tenant_id)}
    return render_template(
        "portal/my_cases.html", items=items, drafts=drafts, models=models, waiting=waiting
    )


@bp.get("/cases/<case_no>")
@role_required("citizen")
def case(case_no: str) -> ResponseReturnValue:
    """One case: receipt, status, decision and what was submitted."""
    instance = cases.citizen_case(db_session, current_user, case_no)
    data = cases.case_data(db_session, instance)
    waiting = citizen_tasks.open_tasks(db_session, instance)
    return render_template(
        "portal/case.html",
        instance=instance,
        status="awaiting-answer" if waiting else cases.status_key(db_session, instance),
        model=instance.process_version.model,
        waiting=waiting,
        answers=citizen_tasks.my_answers(db_session, instance, data, locale()),
        answered=request.args.get("answered") == "1",
        summary=cases.submitted_summary(instance, data, locale()),
        attachments=applications.attachments_of(db_session, instance),
        letters=connectors.letters_of(instance.id),
        requests=cases.information_requests(db_session, instance),
        explanations=cases.explanations(db_session, instance, locale()),
        received=request.args.get("received") == "1",
    )


@bp.get("/attachments/<int:attachment_id>")
@login_required
def attachment(attachment_id: int) -> ResponseReturnValue:
    """Download a file attached to a case, for those who may see the case.

    Staff downloads are audited; the applicant fetching their own file is not.
    """
    with audit.denied(current_user, "attachment.download", "attachment", attachment_id):
        found = applications.attachment_for(db_session, current_user, attachment_id)
    instance = db_session.get(Instance, found.instance_id)
    if instance is not None and instance.owner != current_user.actor:
        audit.record(
            current_user,
            "attachment.download",
            object_type="attachment",
            object_id=found.id,
            case_no=instance.case_no,
            roles=("team_lead", "caseworker", "process_owner", "admin"),
        )
    return send_file(
        uploads.path_of(found),
        mimetype=found.media_type,
        as_attachment=True,
        download_name=found.filename,
    )
