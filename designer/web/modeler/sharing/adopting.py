"""*Ta i bruk*: the guided step that makes a shared service the municipality's own, then
the page that previews the citizen's form and the letter and publishes it.

Adopting is audited in its transaction (`model.adopt`); a repeated submission (the same
submission key) goes to the service the first one made.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from designer import languages
from designer.extensions import db_session
from designer.identity.auth import role_required
from designer.integrations import pdf
from designer.services import catalog, drafts, groupchecks, processes, submissions
from designer.services.errors import Forbidden, Invalid, Missing
from designer.services.letters import preview
from designer.services.sharing import adopt, catalogue, updates, values
from designer.web.modeler import bp
from designer.web.modeler.catalog_card import start_form_preview
from designer.web.modeler.common import record, registry
from designer.web.modeler.sharing.common import (
    StepForm,
    connectors,
    page_globals,
    typed_groups,
    typed_values,
)
from designer.web.modeler.versions import PublishForm
from engine.models import ProcessModel, Tenant


def _render(
    item: catalogue.Offer,
    form: StepForm,
    *,
    errors: dict[str, str] | None = None,
    chosen: dict[str, tuple[str, str]] | None = None,
    typed: dict[str, str] | None = None,
    message: str = "",
    status: int = 200,
) -> ResponseReturnValue:
    manifest = item.package(db_session).manifest
    own_groups = groupchecks.tenant_groups(db_session, current_user.tenant_id)
    groups = manifest["groups"]
    if chosen is None:
        chosen = {}
        for g in groups:
            suggested = adopt.suggested_group(g, own_groups)
            chosen[g] = (suggested, "" if suggested else g)
    if typed is None:
        typed = {p["name"]: values.shown(p["type"], p["default"]) for p in manifest["parameters"]}
    return render_template(
        "modeler/adopt_form.html",
        item=item,
        manifest=manifest,
        form=form,
        groups=groups,
        own_groups=own_groups,
        chosen=chosen,
        typed=typed,
        errors=errors or {},
        message=message,
        connectors=connectors(manifest["connectors"]),
        **page_globals(),
    ), status


def _summary(
    item: catalogue.Offer, group_errors: dict[str, str], value_errors: dict[str, str]
) -> dict[str, str]:
    """Errors by field id, in the order of the form."""
    found: dict[str, str] = {}
    for i, group in enumerate(item.package(db_session).manifest["groups"]):
        if group in group_errors:
            found[f"group-{i}"] = group_errors[group]
    for name, text in value_errors.items():
        found[f"param-{name}"] = text
    return found


@bp.route("/shared/<int:shared_id>/adopt", methods=["GET", "POST"])
@role_required("process_owner")
def adopt_service(shared_id: int) -> ResponseReturnValue:
    """Map the groups, set the parameters, check the connectors; make the service."""
    tenant_id = current_user.tenant_id
    item = catalogue.offer(db_session, tenant_id, shared_id)
    if catalogue.is_own(item, tenant_id):
        raise Forbidden(_("This is your own municipality's service: you cannot adopt it."))
    form = StepForm()
    if request.method == "GET":
        earlier = adopt.existing(db_session, tenant_id, shared_id)
        if earlier is not None:
            flash(_("Your municipality uses this service already."), "info")
            return redirect(url_for("modeler.adoption", model_id=earlier.id))
        form.submission_key.data = submissions.new_key()
        form.version.data = str(item.number)
        return _render(item, form)
    if not form.validate_on_submit():
        return _render(item, form, message=_("The form has expired. Try again."), status=400)
    manifest = item.package(db_session).manifest
    chosen = typed_groups(manifest["groups"])
    typed = {p["name"]: request.form.get(f"param-{p['name']}", "") for p in manifest["parameters"]}
    if form.version.data != str(item.number):
        form.version.data = str(item.number)
        message = _(
            "%(origin)s has published version %(n)s meanwhile. Check the values again.",
            origin=item.origin.name,
            n=item.number,
        )
        return _render(item, form, chosen=chosen, typed=typed, message=message, status=409)
    own_groups = groupchecks.tenant_groups(db_session, tenant_id)
    mapping, group_errors = adopt.read_groups(manifest["groups"], own_groups, chosen)
    chosen_values, value_errors = typed_values(manifest["parameters"])
    if group_errors or value_errors:
        errors = _summary(item, group_errors, value_errors)
        return _render(item, form, errors=errors, chosen=chosen, typed=typed, status=400)
    tenant = db_session.get(Tenant, tenant_id)
    assert tenant is not None
    try:
        model, first = adopt.adopt(
            db_session,
            tenant,
            item,
            adopt.Choices(mapping, chosen_values),
            current_user.name,
            form.submission_key.data or "",
            connectors(manifest["connectors"]),
        )
    except Invalid as err:
        db_session.rollback()
        item = catalogue.offer(db_session, tenant_id, shared_id)
        return _render(item, form, chosen=chosen, typed=typed, message=err.message, status=400)
    if first:
        record("model.adopt", model, {"shared_id": shared_id, "origin_version": item.number})
        db_session.commit()
        flash(_("The service is yours now, not yet published. Check it and publish it."), "success")
    return redirect(url_for("modeler.adoption", model_id=model.id), 303)


def _start_form(model: ProcessModel) -> tuple[Any, Any]:
    """The draft's start form, read-only, as citizens get it (None, None without one)."""
    return start_form_preview(model, catalog.start_event(model.draft_bpmn))


@bp.get("/<int:model_id>/adoption")
@role_required("process_owner")
def adoption(model_id: int) -> ResponseReturnValue:
    """An adopted service: its origin, groups and values, the citizen's form and the
    letter with them, and publishing it."""
    model = drafts.model_for(db_session, current_user.tenant_id, model_id)
    state = updates.following_of(db_session, model)
    if state is None:
        raise Missing(_("This service is not adopted from another municipality."))
    problems = drafts.problems(model.draft_bpmn, model.draft_files, registry())
    problems += catalog.card_problems(model)
    lang = languages.base_of(model)
    title, body = preview.preview(db_session, model, lang=lang, outcome="approved", decided_by=None)
    start_form, definition = _start_form(model)
    origin = (model.settings or {}).get("origin") or {}
    comment = _(
        "Taken into use from %(origin)s (version %(n)s).", origin=state.origin, n=state.number
    )
    return render_template(
        "modeler/adopt_check.html",
        model=model,
        state=state,
        origin=origin,
        parameters=values.definitions(model.draft_files),
        problems=problems,
        letter_title=title,
        letter_body=pdf.page_html_of(body, shift=2),
        letter_lang=lang,
        start_form=start_form,
        definition=definition,
        name_taken=processes.name_taken(db_session, model.tenant_id, model.name_nb, model.id),
        publish_form=PublishForm(data={"comment": comment}),
        **page_globals(),
    )
