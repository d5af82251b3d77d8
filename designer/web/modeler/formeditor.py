"""The form editor page, its definition endpoint and the server-rendered preview.

Saving a form is audited (`model.form.save`, detail: the form's name).
"""

from __future__ import annotations

import json
import zlib
from typing import Any

from flask import jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

import forms
from designer.extensions import db_session
from designer.identity.auth import role_required
from designer.services import drafts
from designer.web import editor_texts
from designer.web.i18n import locale
from designer.web.jsonbody import json_object, takes_json
from designer.web.modeler import bp
from designer.web.modeler.common import record
from engine.errors import Conflict, NotFound
from engine.models import ProcessModel


def _form(model_id: int, name: str) -> tuple[ProcessModel, str]:
    model = drafts.model_for(db_session, current_user.tenant_id, model_id)
    text = model.draft_files.get(f"forms/{name}")
    if text is None or not drafts.FORM_NAME.match(name):
        raise NotFound(_("No form '%(name)s'.", name=name))
    return model, text


def revision_of(text: str) -> int:
    """A revision token for a form: its content checksum (forms have no counter of their own)."""
    return zlib.crc32(text.encode("utf-8"))


@bp.get("/<int:model_id>/forms/<name>/edit")
@role_required("process_owner")
def edit_form(model_id: int, name: str) -> ResponseReturnValue:
    """The form-js editor for one of the draft's forms."""
    model, _text = _form(model_id, name)
    return render_template(
        "modeler/form_edit.html", model=model, name=name, i18n=json.dumps(_strings())
    )


@bp.route("/<int:model_id>/forms/<name>/definition", methods=["GET", "POST"])
@takes_json
@role_required("process_owner")
def form_definition(model_id: int, name: str) -> ResponseReturnValue:
    """Read or save a form definition; a definition with problems is not saved."""
    model, text = _form(model_id, name)
    if request.method == "GET":
        return jsonify(name=name, definition=json.loads(text), revision=revision_of(text))
    body = json_object()
    if not isinstance(body.get("definition"), dict):
        return jsonify(error=_("Send the form as 'definition'."), problems=[]), 400
    if body.get("revision") != revision_of(text):
        return jsonify(
            error=_("Someone else saved this form after you opened it."),
            current_revision=revision_of(text),
        ), 409
    problems = drafts.form_problems(body["definition"], FlaskForm)
    if problems:
        return jsonify(error=_("The form was not saved."), problems=problems), 400
    try:
        saved = drafts.save_form(db_session, model, name, body["definition"], current_user.name)
    except Conflict:
        db_session.rollback()
        current = model.draft_files.get(f"forms/{name}", "")
        return jsonify(
            error=_("Someone else saved this form after you opened it."),
            current_revision=revision_of(current),
        ), 409
    record("model.form.save", model, {"form": name})
    db_session.commit()
    return jsonify(revision=revision_of(saved), problems=[])


@bp.route("/<int:model_id>/forms/<name>/preview", methods=["GET", "POST"])
@role_required("process_owner")
def preview_form(model_id: int, name: str) -> ResponseReturnValue:
    """The form exactly as citizens get it; submitting validates and shows the typed data."""
    model, text = _form(model_id, name)
    try:
        definition = forms.FormDefinition.from_json(text)
        form = forms.build_form_class(definition, base=FlaskForm, locale=locale())()
    except forms.DefinitionError as err:
        return render_template(
            "modeler/form_preview.html",
            model=model,
            name=name,
            problems=[{**p, "message": forms.problem_text(p, locale())} for p in err.problems],
            form=None,
            definition=None,
            typed=None,
        ), 400
    typed: dict[str, Any] | None = None
    if form.validate_on_submit():
        typed = forms.typed_data(form, definition)
    status = 422 if form.errors else 200
    return render_template(
        "modeler/form_preview.html",
        model=model,
        name=name,
        problems=[],
        form=form,
        definition=definition,
        typed=json.dumps(typed, ensure_ascii=False, indent=2, default=str) if typed else None,
        action=url_for("modeler.preview_form", model_id=model.id, name=name),
    ), status


def _strings() -> dict[str, Any]:
    return editor_texts.strings("formeditor")
