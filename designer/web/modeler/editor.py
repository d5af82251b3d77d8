"""The editor page and its JSON endpoints (draft, options, forms, save as copy).

Changes are audited in the same transaction (`model.*`, detail with ids and file names only).
"""

from __future__ import annotations

from flask import jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from designer.extensions import db_session
from designer.identity.auth import role_required
from designer.services import catalog, drafts, groupchecks
from designer.web.jsonbody import takes_json
from designer.web.modeler import bp
from designer.web.modeler.common import (
    json_body,
    problems_json,
    record,
    registry,
    render_edit,
    ui_locale,
)
from engine.api import dialects
from engine.errors import Conflict, ModelInvalid
from engine.models import ProcessModel

MAX_BPMN_CHARS = 5 * 1024 * 1024


@bp.get("/<int:model_id>/edit")
@role_required("process_owner")
def edit(model_id: int) -> ResponseReturnValue:
    """The BPMN editor for a service's draft."""
    return render_edit(drafts.model_for(db_session, current_user.tenant_id, model_id))


@bp.get("/<int:model_id>/draft")
@role_required("process_owner")
def draft(model_id: int) -> ResponseReturnValue:
    """The draft as JSON, with its problems."""
    model = drafts.model_for(db_session, current_user.tenant_id, model_id)
    info = dialects.detect(model.draft_bpmn)
    return jsonify(
        bpmn=model.draft_bpmn,
        revision=model.draft_revision,
        updated_by=model.draft_updated_by,
        updated_at=model.draft_updated_at.isoformat(),
        needs_layout=not info["has_layout"],
        problems=problems_json(drafts.problems(model.draft_bpmn, model.draft_files, registry()))
        + _card(model)
        + _warnings(model),
    )


def _card(model: ProcessModel) -> list[dict[str, object]]:
    """What keeps the service out of the catalogue, linked to the catalogue card."""
    link = {
        "href": url_for("modeler.catalog_card", model_id=model.id),
        "text": _("Open the catalogue card"),
    }
    return [
        {**item, "where": _("Catalogue card"), "link": link}
        for item in problems_json(catalog.card_problems(model))
    ]


def _warnings(model: ProcessModel) -> list[dict[str, object]]:
    """Findings that do not stop publishing (a lane naming no group), marked `warning`."""
    found = groupchecks.group_problems(db_session, model.tenant_id, model.draft_bpmn)
    return [{**item, "warning": True} for item in problems_json(found)]


@bp.get("/<int:model_id>/groups")
@role_required("process_owner")
def groups(model_id: int) -> ResponseReturnValue:
    """The tenant's groups for the group picker of user tasks."""
    model = drafts.model_for(db_session, current_user.tenant_id, model_id)
    return jsonify(
        groups=groupchecks.tenant_groups(db_session, model.tenant_id),
        property=groupchecks.GROUP_PROPERTY,
    )


@bp.post("/<int:model_id>/draft")
@takes_json
@role_required("process_owner")
def save(model_id: int) -> ResponseReturnValue:
    """Save the draft if nobody else saved since the editor loaded it."""
    model = drafts.model_for(db_session, current_user.tenant_id, model_id)
    body = json_body()
    xml, revision = body.get("bpmn"), body.get("revision")
    if not isinstance(xml, str) or not xml.strip() or not isinstance(revision, int):
        return jsonify(
            error=_("Send the diagram as 'bpmn' and the revision you edited."), problems=[]
        ), 400
    if len(xml) > MAX_BPMN_CHARS:
        return jsonify(error=_("The diagram is too large."), problems=[]), 413
    try:
        problems = drafts.save(db_session, model, xml, revision, current_user.name, registry())
    except Conflict:
        db_session.rollback()
        return jsonify(
            error=_(
                "%(name)s saved this process after you opened it.", name=model.draft_updated_by
            ),
            current_revision=model.draft_revision,
            updated_by=model.draft_updated_by,
            updated_at=model.draft_updated_at.isoformat(),
        ), 409
    except ModelInvalid as err:
        db_session.rollback()
        return jsonify(
            error=_("The diagram could not be read, so it was not saved."),
            problems=problems_json(err.problems),
        ), 400
    record("model.draft.save", model, {"revision": model.draft_revision})
    db_session.commit()
    return jsonify(
        revision=model.draft_revision,
        updated_at=model.draft_updated_at.isoformat(),
        problems=problems_json(problems) + _card(model) + _warnings(model),
    )


@bp.post("/<int:model_id>/copy")
@takes_json
@role_required("process_owner")
def copy(model_id: int) -> ResponseReturnValue:
    """Save the editor's diagram as a new service instead of overwriting."""
    model = drafts.model_for(db_session, current_user.tenant_id, model_id)
    xml = json_body().get("bpmn")
    if not isinstance(xml, str) or not xml.strip() or len(xml) > MAX_BPMN_CHARS:
        return jsonify(error=_("Send the diagram as 'bpmn'.")), 400
    try:
        dialects.detect(xml)
    except ModelInvalid as err:
        return jsonify(
            error=_("The diagram could not be read."), problems=problems_json(err.problems)
        ), 400
    name = _("Copy of %(name)s", name=model.name_nb)
    created = drafts.create(
        db_session,
        model.tenant_id,
        name,
        current_user.name,
        bpmn_xml=xml,
        files=dict(model.draft_files),
    )
    record("model.copy", created, {"source_model_id": model_id})
    db_session.commit()
    return jsonify(edit_url=url_for("modeler.edit", model_id=created.id)), 201


@bp.get("/<int:model_id>/options")
@role_required("process_owner")
def options(model_id: int) -> ResponseReturnValue:
    """Forms, lanes, connectors, processes, decisions and messages for the editor's selects."""
    model = drafts.model_for(db_session, current_user.tenant_id, model_id)
    return jsonify(drafts.options(db_session, model, registry(), ui_locale()))


@bp.route("/<int:model_id>/forms", methods=["GET", "POST"])
@takes_json
@role_required("process_owner")
def forms(model_id: int) -> ResponseReturnValue:
    """List the draft's forms, or create a new (almost empty) one."""
    model = drafts.model_for(db_session, current_user.tenant_id, model_id)
    if request.method == "GET":
        return jsonify(forms=_form_names(model), links=_form_links(model))
    body = json_body()
    try:
        name = drafts.add_form(
            db_session,
            model,
            str(body.get("name", "")),
            str(body.get("title", ""))[:200],
            current_user.name,
        )
    except ValueError as err:
        return jsonify(error=str(err)), 400
    except Conflict:
        db_session.rollback()
        return jsonify(
            error=_("Someone else changed this process at the same time. Try again.")
        ), 409
    record("model.form.create", model, {"form": name})
    db_session.commit()
    # The page's form list is refreshed from `links`: the new form is editable at once.
    return jsonify(name=name, forms=_form_names(model), links=_form_links(model)), 201


def _form_names(model: ProcessModel) -> list[str]:
    return sorted(k[6:] for k in model.draft_files if k.startswith("forms/"))


def _form_links(model: ProcessModel) -> list[dict[str, str]]:
    """Each form of the draft with its editor and preview addresses (the page's form list)."""
    return [
        {
            "name": name,
            "edit_url": url_for("modeler.edit_form", model_id=model.id, name=name),
            "preview_url": url_for("modeler.preview_form", model_id=model.id, name=name),
        }
        for name in _form_names(model)
    ]
