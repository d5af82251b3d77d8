"""Process list: create, rename, archive and import services."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from designer.extensions import db_session
from designer.identity.auth import role_required
from designer.services import drafts, processes
from designer.web.modeler import bp
from designer.web.modeler.common import record, registry
from engine.errors import ModelInvalid
from engine.models import ProcessModel


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
    return drafts.model_for(db_session, current_user.tenant_id, model_id)


@bp.get("/")
@role_required("process_owner")
def index() -> ResponseReturnValue:
    """The tenant's services with status, last change and running cases."""
    found = processes.listing(db_session, current_user.tenant_id)
    return render_template(
        "modeler/index.html",
        models=found.models,
        running=found.running,
        live=found.live,
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
        db_session, current_user.tenant_id, form.name.data.strip(), current_user.name
    )
    db_session.commit()
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
            db_session,
            current_user.tenant_id,
            form.name.data.strip(),
            xml,
            current_user.name,
            registry(),
        )
    except ModelInvalid as err:
        db_session.rollback()
        return render_template("modeler/import_failed.html", problems=err.problems), 400
    db_session.flush()
    record("model.import", model, {"dialect": str(info.get("dialect", ""))[:50]})
    db_session.commit()
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
    processes.rename(db_session, model, name_nb, name_en, current_user.name)
    db_session.commit()
    flash(_("The process is renamed."), "success")
    return redirect(url_for("modeler.index"))


@bp.post("/<int:model_id>/archive")
@role_required("process_owner")
def archive(model_id: int) -> ResponseReturnValue:
    """Archive (or bring back) a service; archived services leave the catalogue."""
    model = _model(model_id)
    processes.archive(
        db_session, model, request.form.get("archived", "1") == "1", current_user.name
    )
    db_session.commit()
    flash(
        _("The process is archived.") if model.archived else _("The process is active again."),
        "success",
    )
    return redirect(url_for("modeler.index"))
