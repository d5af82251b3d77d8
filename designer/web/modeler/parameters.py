"""Parametere: the named values a service's rules use, set by each municipality (issue 16).

A plain form (works without JavaScript): one field per parameter, by its type; below it,
adding a parameter and deleting one no rule uses. An adopted service's definitions are its
origin's: only the values can be changed. The values reach the cases when the draft is
published (a version keeps the values it was published with).
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
from designer.services import drafts
from designer.services import parameters as service
from designer.services.errors import Invalid, Stale
from designer.web.i18n import locale
from designer.web.modeler import bp
from designer.web.modeler.common import record
from designer.web.modeler.sharing.common import TYPE_LABELS
from engine.errors import Conflict
from engine.models import ProcessModel

PARTS = ("label", "unit", "description")
NEW_FIELDS = ("name", "type", "value", *(f"{p}_{c}" for p in PARTS for c in languages.LANGUAGES))


def value_field(name: str) -> str:
    """The id and name of a parameter's value field."""
    return f"value-{name}"


def _typed_values(listed: list[service.Parameter]) -> dict[str, str]:
    """The values the form sent, by parameter (a checkbox sends "no", then "yes" if ticked)."""
    typed = {}
    for parameter in listed:
        sent = request.form.getlist(value_field(parameter.name))
        if sent:
            typed[parameter.name] = sent[-1]
    return typed


def _field_text(parameter: service.Parameter) -> str:
    """A stored value as its input shows it (a number input wants 12.5, a date 2026-08-01)."""
    if parameter.kind == "boolean":
        return "yes" if parameter.value else "no"
    return str(parameter.value)


def _post(model: ProcessModel, listed: list[service.Parameter]) -> tuple[str, dict[str, Any]]:
    """Do what the form asks; return the message for the person and the audit detail."""
    action, seen = request.form.get("action", "save"), request.form.get("checksum", "")
    actor = current_user.name
    if action == "add":
        new = {k: request.form.get(f"new-{k}", "") for k in NEW_FIELDS}
        name = service.add(db_session, model, new, seen, actor)
        return _("The parameter %(name)s is added.", name=name), {"added": name}
    if action == "delete":
        name = request.form.get("name", "")
        service.delete(db_session, model, name, seen, actor)
        return _("The parameter %(name)s is deleted.", name=name), {"deleted": name}
    changed = service.save_values(db_session, model, _typed_values(listed), seen, actor)
    if not changed:
        return _("Nothing was changed."), {}
    return _("The values are saved."), {"changed": changed}


@bp.route("/<int:model_id>/parameters", methods=["GET", "POST"])
@role_required("process_owner")
def parameters(model_id: int) -> ResponseReturnValue:
    """List (GET) or change (POST) the service's parameters and their values."""
    model = drafts.model_for(db_session, current_user.tenant_id, model_id)
    lang, base = locale(), languages.base_of(model)
    broken = ""
    try:
        listed = service.read(model.draft_files or {}, lang, base)
    except Invalid as err:
        listed, broken = [], err.message
    status = 400 if request.method == "POST" and broken else 200
    errors: dict[str, str] = {}
    message = ""
    typed: dict[str, str] = {}
    new: dict[str, str] = {}
    if request.method == "POST" and not broken:
        try:
            said, detail = _post(model, listed)
        except Invalid as err:
            db_session.rollback()
            status, message = 400, err.message
            if request.form.get("action") == "add":
                new = {k: request.form.get(f"new-{k}", "") for k in NEW_FIELDS}
                errors = {f"new-{k}": text for k, text in err.fields.items()}
            elif request.form.get("action") != "delete":  # a delete's message says where
                typed = _typed_values(listed)
                errors = {value_field(k): text for k, text in err.fields.items()}
        except (Stale, Conflict) as err:
            db_session.rollback()
            status, message = 409, err.message
            message += " " + _("The page shows what is saved now: make your change again.")
            listed = service.read(model.draft_files or {}, lang, base)
        else:
            if detail:
                record("model.parameters", model, detail)
            db_session.commit()
            flash(said, "success")
            return redirect(url_for("modeler.parameters", model_id=model.id))
    shown = {p.name: typed.get(p.name, _field_text(p)) for p in listed}
    return render_template(
        "modeler/parameters.html",
        model=model,
        parameters=listed,
        shown=shown,
        values={p.name: service.shown(p, lang) for p in listed},
        defaults={
            p.name: service.value_text(p.kind, p.default, p.unit, lang) for p in listed if p.changed
        },
        used=service.usages(model.draft_bpmn or "", model.draft_files or {}),
        checksum=service.checksum(model.draft_files or {}),
        locked=service.locked(model.settings),
        unpublished=service.unpublished(db_session, model),
        broken=broken,
        errors=errors,
        message=message,
        new=new,
        kinds=[(k, TYPE_LABELS[k]) for k in service.KINDS],
        type_labels=TYPE_LABELS,
        value_field=value_field,
        base=base,
    ), status
