"""Tekster: every text of a service side by side per language, the missing ones marked.

A plain form (works without JavaScript): one text field per language and text; saving
stores the other languages' texts beside the forms (and the card's on the model).
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from designer import languages
from designer.extensions import db_session
from designer.identity.auth import role_required
from designer.services import drafts, text_table
from designer.web.modeler import bp
from designer.web.modeler.common import record
from designer.web.routing import form_int
from engine.errors import Conflict

GROUPS = ("card", "settings", "letters", "forms", "tasks", "outcomes", "decisions", "reasons")


def _group_titles() -> dict[str, str]:
    return {
        "card": _("Catalogue card"),
        "settings": _("Decision texts"),
        "letters": _("Decision letter"),
        "forms": _("Forms"),
        "tasks": _("Tasks"),
        "outcomes": _("Outcomes (end events)"),
        "decisions": _("Reasons from decision tables"),
        "reasons": _("Reasons given by scripts"),
    }


@bp.route("/<int:model_id>/texts", methods=["GET", "POST"])
@role_required("process_owner")
def texts(model_id: int) -> ResponseReturnValue:
    """List (GET) or save (POST) the service's texts in every language."""
    model = drafts.model_for(db_session, current_user.tenant_id, model_id)
    base = languages.base_of(model)
    others = [c for c in current_app.config["LANGUAGES"] if c != base]
    if request.method == "POST":
        if form_int("revision") != model.draft_revision:
            flash(_("Someone changed the service after you opened this page. Try again."), "error")
            return redirect(url_for("modeler.texts", model_id=model.id)), 303
        typed = {
            (code, key[len(code) + 1 :]): value
            for key, value in request.form.items()
            for code in others
            if key.startswith(f"{code}:")
        }
        try:
            text_table.save(db_session, model, typed, current_user.name)
        except Conflict as err:
            db_session.rollback()
            flash(err.message, "error")
            return redirect(url_for("modeler.texts", model_id=model.id)), 303
        record("model.texts", model)
        db_session.commit()
        flash(_("The texts are saved."), "success")
        return redirect(url_for("modeler.texts", model_id=model.id))
    rows = text_table.rows_of(model)
    only_missing = request.args.get("missing") == "1"
    shown = [r for r in rows if not only_missing or any(r.missing(c) for c in others)]
    grouped = [(g, [r for r in shown if r.group == g]) for g in GROUPS]
    return render_template(
        "modeler/texts.html",
        model=model,
        base=base,
        others=others,
        groups=[(g, rows) for g, rows in grouped if rows],
        titles=_group_titles(),
        missing=text_table.missing(rows, others, base),
        only_missing=only_missing,
    )
