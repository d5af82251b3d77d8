"""Process list: create, rename, archive and import services."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from sqlalchemy import func, select
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from designer.extensions import db
from designer.identity.auth import role_required
from designer.services import drafts
from designer.web.modeler import bp, editor
from engine.errors import ModelInvalid
from engine.models import Instance, ProcessModel, ProcessVersion


class NameForm(FlaskForm):
    """A service's name."""

    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=200)])


class ImportForm(FlaskForm):
    """A .bpmn file from another modeller."""

    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=200)])
    file = FileField(
        _l("BPMN file"),
        validators=[FileRequired(), FileAllowed(["bpmn", "xml"], _l("Choose a .bpmn file."))],
    )


def _model(model_id: int) -> ProcessModel:
    return drafts.model_for(db.session, current_user.tenant_id, model_id)


@bp.get("/")
@role_required("process_owner")
def index() -> ResponseReturnValue:
    """The tenant's services with status, last change and running cases."""
    models = db.session.scalars(
        select(ProcessModel)
        .where(ProcessModel.tenant_id == current_user.tenant_id)
        .order_by(ProcessModel.archived, ProcessModel.name_nb)
    ).all()
    running = dict(
        db.session.execute(
            select(ProcessVersion.model_id, func.count(Instance.id))
            .join(Instance, Instance.version_id == ProcessVersion.id)
            .where(
                Instance.tenant_id == current_user.tenant_id,
                Instance.is_test.is_(False),
                Instance.status.in_(("running", "incident")),
            )
            .group_by(ProcessVersion.model_id)
        ).all()
    )
    live = {
        m.id: db.session.get(ProcessVersion, m.published_version_id)
        for m in models
        if m.published_version_id
    }
    return render_template(
        "modeler/index.html",
        models=models,
        running=running,
        live=live,
        create_form=NameForm(prefix="create"),
        import_form=ImportForm(prefix="import"),
    )


@bp.post("/new")
@role_required("process_owner")
def create() -> ResponseReturnValue:
    """Create a service with a starter diagram and open the editor."""
    form = NameForm(prefix="create")
    if not form.validate_on_submit():
        flash(_("Give the new process a name."), "error")
        return redirect(url_for("modeler.index"))
    model = drafts.create(
        db.session, current_user.tenant_id, form.name.data.strip(), current_user.name
    )
    db.session.commit()
    return redirect(url_for("modeler.edit", model_id=model.id))


@bp.post("/import")
@role_required("process_owner")
def import_file() -> ResponseReturnValue:
    """Import a .bpmn file; report by element what will not run here."""
    form = ImportForm(prefix="import")
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return redirect(url_for("modeler.index"))
    raw = form.file.data.read()
    try:
        xml = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        flash(_("The file is not UTF-8 text."), "error")
        return redirect(url_for("modeler.index"))
    try:
        model, problems, info = drafts.import_bpmn(
            db.session, current_user.tenant_id, form.name.data.strip(), xml, current_user.name
        )
    except ModelInvalid as err:
        db.session.rollback()
        return render_template("modeler/import_failed.html", problems=err.problems), 400
    db.session.flush()
    editor.record("model.import", model, {"dialect": str(info.get("dialect", ""))[:50]})
    db.session.commit()
    return render_template("modeler/imported.html", model=model, problems=problems, info=info)


@bp.post("/<int:model_id>/rename")
@role_required("process_owner")
def rename(model_id: int) -> ResponseReturnValue:
    """Rename a service (bokmål and English)."""
    model = _model(model_id)
    name_nb = request.form.get("name_nb", "").strip()[:200]
    name_en = request.form.get("name_en", "").strip()[:200]
    if not name_nb:
        flash(_("The name cannot be empty."), "error")
        return redirect(url_for("modeler.index")), 303
    model.name_nb, model.name_en = name_nb, name_en or name_nb
    model.updated_by = current_user.name
    db.session.commit()
    flash(_("The process is renamed."), "success")
    return redirect(url_for("modeler.index"))


@bp.post("/<int:model_id>/archive")
@role_required("process_owner")
def archive(model_id: int) -> ResponseReturnValue:
    """Archive (or bring back) a service; archived services leave the catalogue."""
    model = _model(model_id)
    model.archived = request.form.get("archived", "1") == "1"
    model.updated_by = current_user.name
    db.session.commit()
    flash(
        _("The process is archived.") if model.archived else _("The process is active again."),
        "success",
    )
    return redirect(url_for("modeler.index"))
