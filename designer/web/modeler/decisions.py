"""The decision table editor (dmn-js): list, create, edit, save and delete a draft's DMN files.

Changes are audited (`model.decision.create`/`save`/`delete`, detail: the file name).
"""

from __future__ import annotations

import json
from typing import Any

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from designer.extensions import db_session
from designer.identity.auth import role_required
from designer.services import decisiondrafts, drafts
from designer.web import editor_texts
from designer.web.jsonbody import json_object, takes_json
from designer.web.modeler import bp
from designer.web.modeler.common import DecisionForm, problems_json, record, render_edit
from engine.errors import Conflict, ModelInvalid
from engine.models import ProcessModel


def _model(model_id: int) -> ProcessModel:
    return drafts.model_for(db_session, current_user.tenant_id, model_id)


def _refuse_bad_name(name: str) -> ResponseReturnValue | None:
    """A 400 answer if `name` is not `<safe-name>.dmn` (JSON for the data endpoint), else None."""
    try:
        decisiondrafts.key_of(name)
    except ValueError as err:
        if request.path.endswith("/definition"):
            return jsonify(error=str(err), problems=[]), 400
        return render_template(
            "errors/error.html", status=400, title=_("Bad request"), message=str(err)
        ), 400
    return None


def _page_with_error(model: ProcessModel, message: str, status: int) -> ResponseReturnValue:
    # The process page again (the form keeps what was typed), the reason on top.
    flash(message, "error")
    return render_edit(model), status


@bp.get("/<int:model_id>/decisions")
@role_required("process_owner")
def decisions(model_id: int) -> ResponseReturnValue:
    """The draft's decision files and the decisions each defines, as JSON."""
    return jsonify(decisions=decisiondrafts.files(_model(model_id)))


@bp.post("/<int:model_id>/decisions")
@role_required("process_owner")
def create_decision(model_id: int) -> ResponseReturnValue:
    """Add a starter decision table to the draft and open it in the editor."""
    model = _model(model_id)
    form = DecisionForm(prefix="decision")
    if not form.validate_on_submit():
        return _page_with_error(model, _("Give the decision table a name."), 400)
    try:
        name = decisiondrafts.create(
            db_session, model, form.title.data or "", form.file_name.data or "", current_user.name
        )
    except ValueError as err:
        db_session.rollback()
        return _page_with_error(model, str(err), 400)
    except Conflict as err:
        db_session.rollback()
        return _page_with_error(model, err.message, 409)
    record("model.decision.create", model, {"file": name})
    db_session.commit()
    flash(_("The decision table %(name)s was created.", name=name), "success")
    return redirect(url_for("modeler.edit_decision", model_id=model.id, name=name))


@bp.get("/<int:model_id>/decisions/<path:name>/edit")
@role_required("process_owner")
def edit_decision(model_id: int, name: str) -> ResponseReturnValue:
    """The dmn-js editor for one of the draft's decision tables."""
    model = _model(model_id)
    if (refused := _refuse_bad_name(name)) is not None:
        return refused
    decisiondrafts.text_of(model, name)
    return render_template(
        "modeler/decision_edit.html", model=model, name=name, i18n=json.dumps(_strings())
    )


@bp.route("/<int:model_id>/decisions/<path:name>/definition", methods=["GET", "POST", "PUT"])
@takes_json
@role_required("process_owner")
def decision_definition(model_id: int, name: str) -> ResponseReturnValue:
    """Read or save a decision file; unreadable XML is refused, problems are reported."""
    model = _model(model_id)
    if (refused := _refuse_bad_name(name)) is not None:
        return refused
    text = decisiondrafts.text_of(model, name)
    if request.method == "GET":
        return jsonify(
            name=name,
            xml=text,
            revision=decisiondrafts.revision_of(text),
            problems=problems_json(decisiondrafts.problems(model, name)),
        )
    body = json_object()
    xml, revision = body.get("xml"), body.get("revision")
    if not isinstance(xml, str) or not xml.strip() or not isinstance(revision, int):
        return jsonify(
            error=_("Send the decision table as 'xml' and the revision you edited."), problems=[]
        ), 400
    if len(xml) > decisiondrafts.MAX_DMN_CHARS:
        return jsonify(error=_("The decision table is too large."), problems=[]), 413
    try:
        problems = decisiondrafts.save(db_session, model, name, xml, revision, current_user.name)
    except Conflict as err:
        db_session.rollback()
        return jsonify(error=err.message, current_revision=err.current_version), 409
    except ModelInvalid as err:
        db_session.rollback()
        return jsonify(
            error=_("The decision table could not be read, so it was not saved."),
            problems=problems_json(err.problems),
        ), 400
    record("model.decision.save", model, {"file": name})
    db_session.commit()
    return jsonify(revision=decisiondrafts.revision_of(xml), problems=problems_json(problems))


@bp.post("/<int:model_id>/decisions/<path:name>/delete")
@role_required("process_owner")
def delete_decision(model_id: int, name: str) -> ResponseReturnValue:
    """Remove a decision table from the draft unless the diagram still calls it."""
    model = _model(model_id)
    if (refused := _refuse_bad_name(name)) is not None:
        return refused
    try:
        decisiondrafts.delete(db_session, model, name, current_user.name)
    except decisiondrafts.DecisionInUse as err:
        db_session.rollback()
        return _page_with_error(model, str(err), 409)
    except Conflict as err:
        db_session.rollback()
        return _page_with_error(model, err.message, 409)
    record("model.decision.delete", model, {"file": name})
    db_session.commit()
    flash(_("The decision table %(name)s was deleted.", name=name), "success")
    return redirect(url_for("modeler.edit", model_id=model.id))


def _strings() -> dict[str, Any]:
    return editor_texts.strings("dmneditor")
