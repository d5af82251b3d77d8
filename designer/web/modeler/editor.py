"""The editor page and its JSON endpoints (draft, options, forms, save as copy).

Changes are audited in the same transaction (`model.*`, detail with ids and file names only).
"""

from __future__ import annotations

import json
from typing import Any

from flask import jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from designer.extensions import db
from designer.identity.auth import role_required
from designer.services import drafts
from designer.web import auditing as audit
from designer.web.modeler import bp, decisions
from engine import dialects
from engine.errors import Conflict, ModelInvalid
from engine.models import ProcessModel

MAX_BPMN_CHARS = 5 * 1024 * 1024
OWNER_ROLES = ("process_owner",)


def record(action: str, model: ProcessModel, detail: dict[str, Any] | None = None) -> None:
    """Add the audit row for a process owner's change to `model`; the caller commits it."""
    audit.record(
        current_user,
        action,
        object_type="model",
        object_id=model.id,
        roles=OWNER_ROLES,
        detail=detail,
        commit=False,
    )


def _problems(items: list[Any]) -> list[dict[str, object]]:
    return [p.as_dict() for p in items]


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def render_edit(model: ProcessModel) -> str:
    """The editor page: the diagram, then the draft's forms and decision tables."""
    form_names = sorted(k[6:] for k in model.draft_files if k.startswith("forms/"))
    return render_template(
        "modeler/edit.html",
        model=model,
        form_names=form_names,
        i18n=json.dumps(_editor_strings()),
        **decisions.page_context(model),
    )


@bp.get("/<int:model_id>/edit")
@role_required("process_owner")
def edit(model_id: int) -> ResponseReturnValue:
    """The BPMN editor for a service's draft."""
    return render_edit(drafts.model_for(db.session, current_user.tenant_id, model_id))


@bp.get("/<int:model_id>/draft")
@role_required("process_owner")
def draft(model_id: int) -> ResponseReturnValue:
    """The draft as JSON, with its problems."""
    model = drafts.model_for(db.session, current_user.tenant_id, model_id)
    info = dialects.detect(model.draft_bpmn)
    return jsonify(
        bpmn=model.draft_bpmn,
        revision=model.draft_revision,
        updated_by=model.draft_updated_by,
        updated_at=model.draft_updated_at.isoformat(),
        needs_layout=not info["has_layout"],
        problems=_problems(drafts.problems(model.draft_bpmn, model.draft_files)),
    )


@bp.post("/<int:model_id>/draft")
@role_required("process_owner")
def save(model_id: int) -> ResponseReturnValue:
    """Save the draft if nobody else saved since the editor loaded it."""
    model = drafts.model_for(db.session, current_user.tenant_id, model_id)
    body = _json_body()
    xml, revision = body.get("bpmn"), body.get("revision")
    if not isinstance(xml, str) or not xml.strip() or not isinstance(revision, int):
        return jsonify(
            error=_("Send the diagram as 'bpmn' and the revision you edited."), problems=[]
        ), 400
    if len(xml) > MAX_BPMN_CHARS:
        return jsonify(error=_("The diagram is too large."), problems=[]), 413
    try:
        problems = drafts.save(db.session, model, xml, revision, current_user.name)
    except Conflict as err:
        db.session.rollback()
        return jsonify(
            error=err.message,
            current_revision=model.draft_revision,
            updated_by=model.draft_updated_by,
            updated_at=model.draft_updated_at.isoformat(),
        ), 409
    except ModelInvalid as err:
        db.session.rollback()
        return jsonify(
            error=_("The diagram could not be read, so it was not saved."),
            problems=_problems(err.problems),
        ), 400
    record("model.draft.save", model, {"revision": model.draft_revision})
    db.session.commit()
    return jsonify(
        revision=model.draft_revision,
        updated_at=model.draft_updated_at.isoformat(),
        problems=_problems(problems),
    )


@bp.post("/<int:model_id>/copy")
@role_required("process_owner")
def copy(model_id: int) -> ResponseReturnValue:
    """Save the editor's diagram as a new service instead of overwriting."""
    model = drafts.model_for(db.session, current_user.tenant_id, model_id)
    xml = _json_body().get("bpmn")
    if not isinstance(xml, str) or not xml.strip() or len(xml) > MAX_BPMN_CHARS:
        return jsonify(error=_("Send the diagram as 'bpmn'.")), 400
    try:
        dialects.detect(xml)
    except ModelInvalid as err:
        return jsonify(
            error=_("The diagram could not be read."), problems=_problems(err.problems)
        ), 400
    name = _("Copy of %(name)s", name=model.name_nb)
    created = drafts.create(
        db.session, model.tenant_id, name, current_user.name, bpmn_xml=xml, files=model.draft_files
    )
    record("model.copy", created, {"source_model_id": model.id})
    db.session.commit()
    return jsonify(edit_url=url_for("modeler.edit", model_id=created.id)), 201


@bp.get("/<int:model_id>/options")
@role_required("process_owner")
def options(model_id: int) -> ResponseReturnValue:
    """Forms, lanes, connectors, processes, decisions and messages for the editor's selects."""
    model = drafts.model_for(db.session, current_user.tenant_id, model_id)
    return jsonify(drafts.options(db.session, model))


@bp.route("/<int:model_id>/forms", methods=["GET", "POST"])
@role_required("process_owner")
def forms(model_id: int) -> ResponseReturnValue:
    """List the draft's forms, or create a new (almost empty) one."""
    model = drafts.model_for(db.session, current_user.tenant_id, model_id)
    if request.method == "GET":
        return jsonify(forms=drafts.options(db.session, model)["forms"])
    body = _json_body()
    try:
        name = drafts.add_form(model, str(body.get("name", "")), str(body.get("title", ""))[:200])
    except ValueError as err:
        return jsonify(error=str(err)), 400
    record("model.form.create", model, {"form": name})
    db.session.commit()
    return jsonify(name=name), 201


def _editor_strings() -> dict[str, str]:
    return {
        "save": _("Save"),
        "saved": _("Saved"),
        "unsaved": _("Unsaved changes"),
        "saving": _("Saving…"),
        "undo": _("Undo"),
        "redo": _("Redo"),
        "zoomIn": _("Zoom in"),
        "zoomOut": _("Zoom out"),
        "fit": _("Fit"),
        "publish": _("Publish…"),
        "testRun": _("Test run…"),
        "versions": _("Versions"),
        "downloadBpmn": _("Download BPMN"),
        "downloadSvg": _("Download SVG"),
        "downloadPng": _("Download PNG"),
        "problems": _("Problems"),
        "noProblems": _("No problems found."),
        "conflictTitle": _("Someone else saved"),
        "reload": _("Reload"),
        "saveAsCopy": _("Save as copy"),
        "cancel": _("Cancel"),
        "form": _("Form"),
        "newForm": _("Create new form…"),
        "lane": _("Lane (group)"),
        "instructions": _("Instructions (Markdown)"),
        "dueInDays": _("Deadline (days)"),
        "script": _("Script"),
        "preScript": _("Script before"),
        "postScript": _("Script after"),
        "condition": _("Condition (Python expression)"),
        "defaultFlow": _("Default flow"),
        "decision": _("Decision id"),
        "timerType": _("Timer type"),
        "timerValue": _("Timer value"),
        "duration": _("Duration"),
        "date": _("Date"),
        "cycle": _("Cycle"),
        "message": _("Message"),
        "correlationKey": _("Correlation key (expression)"),
        "connector": _("Connector"),
        "calledProcess": _("Called process"),
        "layoutNotice": _(
            "The diagram had no layout; one was made automatically. Save to keep it."
        ),
        "loadError": _("The diagram could not be loaded."),
    }
