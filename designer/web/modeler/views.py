"""Process list: create, rename, archive and import services."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, StringField
from wtforms.validators import InputRequired, Length

from designer import languages
from designer.extensions import db_session
from designer.identity.auth import role_required
from designer.services import drafts, processes
from designer.services.errors import Invalid
from designer.web.modeler import bp
from designer.web.modeler.common import record, registry
from designer.web.problems import translated
from engine.api import dialects
from engine.errors import ModelInvalid, Problem
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
    mark_executable = BooleanField(_l("Mark the processes as executable"))


# Every page's problem list (modeler/_problems.html) shows the texts in the UI language.
bp.add_app_template_filter(translated, "problem_texts")


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
    try:
        processes.refuse_taken(db_session, current_user.tenant_id, form.name.data)
    except Invalid as err:
        flash(err.message, "error")
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
    try:
        processes.refuse_taken(db_session, current_user.tenant_id, form.name.data)
    except Invalid as err:
        flash(err.message, "error")
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
            mark_executable=bool(form.mark_executable.data),
        )
    except ModelInvalid as err:
        db_session.rollback()
        return render_template("modeler/import_failed.html", problems=translated(err.problems)), 400
    db_session.flush()
    record("model.import", model, {"dialect": str(info.get("dialect", ""))[:50]})
    db_session.commit()
    return _imported(model, problems, info)


def _imported(model: ProcessModel, problems: list[Problem], info: dict[str, Any]) -> str:
    not_executable = any(p.code in ("process_not_executable", "no_process") for p in problems)
    return render_template(
        "modeler/imported.html",
        model=model,
        problems=translated(problems),
        info=info,
        not_executable=not_executable,
    )


@bp.post("/<int:model_id>/mark-executable")
@role_required("process_owner")
def mark_executable(model_id: int) -> ResponseReturnValue:
    """Mark an imported draft's processes executable; show what is left to fix."""
    model = _model(model_id)
    drafts.mark_executable(db_session, model, current_user.name)
    found = drafts.problems(model.draft_bpmn, model.draft_files, registry())
    record("model.mark_executable", model)
    db_session.commit()
    flash(_("The processes are marked as executable."), "success")
    return _imported(model, found, dialects.detect(model.draft_bpmn))


@bp.post("/<int:model_id>/rename")
@role_required("process_owner")
def rename(model_id: int) -> ResponseReturnValue:
    """Rename a service (in its own language, and in the others)."""
    model = _model(model_id)
    names = {
        code: request.form.get(f"name_{code}", "").strip()[:200] for code in languages.LANGUAGES
    }
    base = languages.base_of(model)
    name = names.pop(base)
    if not name:
        flash(_("The name cannot be empty."), "error")
        return redirect(url_for("modeler.index")), 303
    processes.rename(db_session, model, name, names, current_user.name)  # Invalid: 400
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
