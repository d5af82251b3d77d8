"""An origin's new version: the comparison, and taking it over (or staying).

Taking an update over publishes a new version of the adopter's service in one transaction
with its audit rows (`model.take_update`, `model.publish`) and its schedule change.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from designer.extensions import db_session
from designer.identity.auth import role_required
from designer.services import drafts, groupchecks, publishing
from designer.services.errors import Invalid, Missing
from designer.services.sharing import adopt, updates, values
from designer.web.modeler import bp
from designer.web.modeler.common import record, registry
from designer.web.modeler.sharing.common import (
    StepForm,
    connectors,
    page_globals,
    typed_groups,
    typed_values,
)
from engine.errors import Conflict, ModelInvalid, Problem
from engine.models import ProcessModel


def _render(
    found: updates.Update,
    form: StepForm,
    *,
    errors: dict[str, str] | None = None,
    chosen: dict[str, tuple[str, str]] | None = None,
    typed: dict[str, str] | None = None,
    problems: list[Problem] | None = None,
    message: str = "",
    status: int = 200,
) -> ResponseReturnValue:
    own_groups = groupchecks.tenant_groups(db_session, found.model.tenant_id)
    if chosen is None:
        chosen = {}
        for g in found.new_groups:
            suggested = adopt.suggested_group(g, own_groups)
            chosen[g] = (suggested, "" if suggested else g)
    if typed is None:
        typed = {
            p.name: values.shown(p.definition["type"], p.suggestion)
            for p in found.parameters
            if p.status != "removed"
        }
    return render_template(
        "modeler/adopt_update.html",
        found=found,
        model=found.model,
        form=form,
        own_groups=own_groups,
        chosen=chosen,
        typed=typed,
        errors=errors or {},
        problems=problems or [],
        message=message,
        connectors=connectors(found.connectors),
        **page_globals(),
    ), status


def _up_to_date(model: ProcessModel) -> ResponseReturnValue:
    flash(
        _("There is no update to take over: the service is on the origin's latest version."), "info"
    )
    return redirect(url_for("modeler.versions", model_id=model.id), 303)


@bp.route("/<int:model_id>/adoption/update", methods=["GET", "POST"])
@role_required("process_owner")
def take_update(model_id: int) -> ResponseReturnValue:
    """Compare the origin's new version with the one the service is on; take it over."""
    model = drafts.model_for(db_session, current_user.tenant_id, model_id)
    try:
        found = updates.update_of(db_session, model)
    except Missing:
        if updates.following_of(db_session, model) is None:
            raise
        return _up_to_date(model)
    form = StepForm()
    if request.method == "GET":
        form.version.data = str(found.newer.number)
        return _render(found, form)
    if not form.validate_on_submit():
        return _render(found, form, message=_("The form has expired. Try again."), status=400)
    chosen = typed_groups(found.new_groups)
    items = [p.definition for p in found.parameters if p.status != "removed"]
    typed = {p["name"]: request.form.get(f"param-{p['name']}", "") for p in items}
    if form.version.data != str(found.newer.number):
        form.version.data = str(found.newer.number)
        message = _("A newer version was published meanwhile. Check the values again.")
        return _render(found, form, chosen=chosen, typed=typed, message=message, status=409)
    own_groups = groupchecks.tenant_groups(db_session, model.tenant_id)
    mapping, group_errors = adopt.read_groups(found.new_groups, own_groups, chosen)
    chosen_values, value_errors = typed_values(items)
    errors = {
        f"group-{i}": group_errors[g] for i, g in enumerate(found.new_groups) if g in group_errors
    }
    errors.update({f"param-{name}": text for name, text in value_errors.items()})
    lacking = adopt.missing_connectors(connectors(found.connectors))
    if lacking and not errors:
        message = _(
            "The new version calls connectors this installation does not have: %(names)s. "
            "Ask your administrator to set them up first.",
            names=", ".join(c.label for c in lacking),
        )
        return _render(found, form, chosen=chosen, typed=typed, message=message, status=400)
    if errors:
        return _render(found, form, errors=errors, chosen=chosen, typed=typed, status=400)
    origin_from, origin_to = found.current.number, found.newer.number
    try:
        version = updates.take_over(
            db_session, found, adopt.Choices(mapping, chosen_values), current_user.name, registry()
        )
    except (Conflict, Invalid) as err:
        db_session.rollback()
        flash(err.message, "error")
        return redirect(url_for("modeler.versions", model_id=model_id), 303)
    except ModelInvalid as err:
        db_session.rollback()
        found = updates.update_of(db_session, model)
        return _render(found, form, chosen=chosen, typed=typed, problems=err.problems, status=400)
    detail = {"from": origin_from, "to": origin_to, "version": version.number}
    record("model.take_update", model, detail)
    record("model.publish", model)
    number = version.number
    publishing.schedule(db_session, version)  # commits the pending work with the schedule
    db_session.commit()
    flash(
        _(
            "Version %(n)s is published: the origin's version %(origin)s with your values.",
            n=number,
            origin=origin_to,
        ),
        "success",
    )
    return redirect(url_for("modeler.versions", model_id=model_id), 303)
