"""Publishing and version history: publish, unpublish, view, download, restore, compare."""

from __future__ import annotations

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from designer import languages
from designer.extensions import db_session
from designer.identity.auth import role_required
from designer.services import applications, catalog, drafts, publishing, steplog, text_table
from designer.web.modeler import bp
from designer.web.modeler.common import record, registry
from designer.web.routing import parse_int
from engine.api import diff
from engine.errors import Conflict, ModelInvalid
from engine.models import ProcessModel


class PublishForm(FlaskForm):
    """What changed, for the version history."""

    comment = StringField(_l("What has changed?"), validators=[InputRequired(), Length(max=500)])


def _model(model_id: int) -> ProcessModel:
    return drafts.model_for(db_session, current_user.tenant_id, model_id)


@bp.route("/<int:model_id>/publish", methods=["GET", "POST"])
@role_required("process_owner")
def publish(model_id: int) -> ResponseReturnValue:
    """Freeze the draft as a new live version, unless it has problems."""
    model = _model(model_id)
    form = PublishForm()
    problems = drafts.problems(model.draft_bpmn, model.draft_files, registry())
    card = catalog.card_problems(model)
    problems = problems + card
    if form.validate_on_submit() and not problems:
        try:
            version = publishing.publish(
                db_session, model, current_user.name, form.comment.data.strip(), registry()
            )
        except ModelInvalid as err:
            db_session.rollback()
            problems = err.problems
        except Conflict as err:
            db_session.rollback()
            flash(err.message, "error")
            return redirect(url_for("modeler.versions", model_id=model_id)), 303
        else:
            # One transaction: the version, its audit row and the schedule change (the
            # engine commits the pending work with the schedule's first transition).
            record("model.publish", model)
            number = version.number
            publishing.schedule(db_session, version)
            db_session.commit()
            flash(_("Version %(n)s is published and live now.", n=number), "success")
            return redirect(url_for("modeler.versions", model_id=model_id))
    status = 400 if request.method == "POST" and (problems or form.errors) else 200
    base = languages.base_of(model)
    others = [c for c in current_app.config["LANGUAGES"] if c != base]
    gaps = {
        c: n for c, n in text_table.missing(text_table.rows_of(model), others, base).items() if n
    }
    return render_template(
        "modeler/publish.html",
        model=model,
        form=form,
        problems=problems,
        card=card,
        text_gaps=gaps,
    ), status


@bp.post("/<int:model_id>/unpublish")
@role_required("process_owner")
def unpublish(model_id: int) -> ResponseReturnValue:
    """Hide the service from the catalogue; running cases go on."""
    model = _model(model_id)
    publishing.unpublish(db_session, model, current_user.name)
    record("model.unpublish", model)
    publishing.unschedule(db_session, model)  # commits the pending work with its cancels
    db_session.commit()
    flash(_("The service is hidden from the catalogue. Running cases continue."), "success")
    return redirect(url_for("modeler.versions", model_id=model.id))


@bp.get("/<int:model_id>/versions")
@role_required("process_owner")
def versions(model_id: int) -> ResponseReturnValue:
    """Who published what, when and why."""
    model = _model(model_id)
    listed = model in applications.open_for_application(db_session, model.tenant_id)
    return render_template(
        "modeler/versions.html",
        model=model,
        versions=publishing.versions(db_session, model),
        listed=listed,
    )


@bp.get("/<int:model_id>/versions/<int:number>")
@role_required("process_owner")
def version(model_id: int, number: int) -> ResponseReturnValue:
    """One version, read-only, with downloads."""
    model = _model(model_id)
    return render_template(
        "modeler/version.html", model=model, version=publishing.version(db_session, model, number)
    )


@bp.get("/<int:model_id>/versions/<int:number>.bpmn")
@role_required("process_owner")
def download(model_id: int, number: int) -> ResponseReturnValue:
    """The BPMN file of a version."""
    model = _model(model_id)
    found = publishing.version(db_session, model, number)
    return Response(
        found.bpmn,
        mimetype="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{model.key}-v{number}.bpmn"'},
    )


@bp.get("/<int:model_id>/draft.bpmn")
@role_required("process_owner")
def draft_xml(model_id: int) -> ResponseReturnValue:
    """The draft's BPMN (for viewers)."""
    return Response(_model(model_id).draft_bpmn, mimetype="application/xml")


@bp.post("/<int:model_id>/versions/<int:number>/restore")
@role_required("process_owner")
def restore(model_id: int, number: int) -> ResponseReturnValue:
    """Copy a version into the draft (the published version stays as it is)."""
    model = _model(model_id)
    source = publishing.version(db_session, model, number)
    try:
        drafts.restore(db_session, model, source, current_user.name)
    except Conflict as err:
        db_session.rollback()
        flash(err.message, "error")
        return redirect(url_for("modeler.versions", model_id=model_id)), 303
    record("model.restore", model, {"version": number})
    db_session.commit()
    flash(_("Version %(n)s is copied into the draft.", n=number), "success")
    return redirect(url_for("modeler.edit", model_id=model.id))


@bp.get("/<int:model_id>/compare")
@role_required("process_owner")
def compare(model_id: int) -> ResponseReturnValue:
    """Element-by-element difference between two versions (or a version and the draft)."""
    model = _model(model_id)
    a, b = parse_int(request.args.get("a")), request.args.get("b", "draft")
    b_number = None if b == "draft" else parse_int(b)
    if a is None or (b != "draft" and b_number is None):
        return render_template(
            "errors/error.html",
            status=400,
            title=_("Bad request"),
            message=_("Choose two versions to compare."),
        ), 400
    old = publishing.version(db_session, model, a)
    newer = None if b_number is None else publishing.version(db_session, model, b_number)
    new_xml = model.draft_bpmn if newer is None else newer.bpmn
    new_files = model.draft_files if newer is None else newer.files
    try:
        result = diff(old.bpmn, new_xml)
    except ModelInvalid as err:
        return render_template(
            "errors/error.html", status=400, title=_("Bad request"), message=err.message
        ), 400
    changes = steplog.changes(old.bpmn, new_xml, result)
    files = text_table.compare_files(old.files or {}, new_files or {})
    return render_template(
        "modeler/compare.html",
        model=model,
        a=a,
        b=b,
        result=result,
        changes=changes,
        files=files,
    )
