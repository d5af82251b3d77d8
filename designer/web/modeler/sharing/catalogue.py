"""Sharing a service (*Del med andre kommuner*), and the shared catalogue other
municipalities' process owners browse: a shared service, its rules, its versions' diagrams.

Changes are audited in their transaction: `model.share`, `model.unshare`.
"""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from designer.extensions import db_session
from designer.identity.auth import role_required
from designer.services import drafts, rulesdoc
from designer.services.errors import Invalid
from designer.services.sharing import adopt, catalogue
from designer.web.i18n import locale
from designer.web.modeler import bp
from designer.web.modeler.common import record
from designer.web.modeler.sharing.common import connectors, page_globals


@bp.post("/<int:model_id>/share")
@role_required("process_owner")
def share(model_id: int) -> ResponseReturnValue:
    """Offer a published service of the municipality's to the other municipalities."""
    model = drafts.model_for(db_session, current_user.tenant_id, model_id)
    back = redirect(url_for("modeler.versions", model_id=model.id), 303)
    note = request.form.get("note", "")
    if len(note) > catalogue.MAX_NOTE:
        flash(_("The note is too long (at most 2000 characters)."), "error")
        return back
    try:
        shared = catalogue.share(db_session, model, current_user.name, note)
    except Invalid as err:
        db_session.rollback()
        flash(err.message, "error")
        return back
    record("model.share", model, {"shared_id": shared.id})
    db_session.commit()
    flash(_("The service is shared: other municipalities can adopt it."), "success")
    return back


@bp.post("/<int:model_id>/unshare")
@role_required("process_owner")
def unshare(model_id: int) -> ResponseReturnValue:
    """Withdraw the service from the shared catalogue (adopters keep their services)."""
    model = drafts.model_for(db_session, current_user.tenant_id, model_id)
    back = redirect(url_for("modeler.versions", model_id=model.id), 303)
    try:
        shared = catalogue.unshare(db_session, model)
    except Invalid as err:
        db_session.rollback()
        flash(err.message, "error")
        return back
    record("model.unshare", model, {"shared_id": shared.id})
    db_session.commit()
    flash(
        _("The service is no longer shared. Municipalities that use it keep their services."),
        "success",
    )
    return back


@bp.get("/shared")
@role_required("process_owner")
def shared_index() -> ResponseReturnValue:
    """The services other municipalities share."""
    return render_template(
        "modeler/shared_index.html", offers=catalogue.offers(db_session, current_user.tenant_id)
    )


@bp.get("/shared/<int:shared_id>")
@role_required("process_owner")
def shared_service(shared_id: int) -> ResponseReturnValue:
    """One shared service: what it does, what an adopter sets, who uses it."""
    tenant_id = current_user.tenant_id
    item = catalogue.offer(db_session, tenant_id, shared_id)
    manifest = item.package(db_session).manifest
    return render_template(
        "modeler/shared_service.html",
        item=item,
        manifest=manifest,
        connectors=connectors(manifest["connectors"]),
        own=catalogue.is_own(item, tenant_id),
        existing=adopt.existing(db_session, tenant_id, shared_id),
        **page_globals(),
    )


@bp.get("/shared/<int:shared_id>/rules")
@role_required("process_owner")
def shared_rules(shared_id: int) -> ResponseReturnValue:
    """The rules documentation of a shared service's live version."""
    item = catalogue.offer(db_session, current_user.tenant_id, shared_id)
    doc = rulesdoc.document(db_session, item.version, locale())
    return render_template("portal/rules.html", doc=doc, live=True)


@bp.get("/shared/<int:shared_id>/versions/<int:number>.bpmn")
@role_required("process_owner")
def shared_download(shared_id: int, number: int) -> ResponseReturnValue:
    """The diagram of a shared service's published version (for the comparison)."""
    shared = catalogue.visible(db_session, current_user.tenant_id, shared_id)
    version = catalogue.published(db_session, shared, number)
    return Response(version.bpmn, mimetype="application/xml")
