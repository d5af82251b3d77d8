"""The catalogue card: how the service appears to citizens, and what keeps it out.

The preview is rendered on the server from what is typed, so it works without JavaScript:
"Show preview" re-renders the page without saving, "Save" stores the card.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

import forms
from designer.extensions import db_session
from designer.identity.auth import role_required
from designer.services import catalog, drafts, processes
from designer.web.i18n import locale
from designer.web.modeler import bp
from designer.web.modeler.common import record
from engine.models import ProcessModel


class CardForm(FlaskForm):
    """The catalogue card: the name and description citizens see, in bokmål and English."""

    name_nb = StringField(_l("Name (bokmål)"), validators=[InputRequired(), Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=200)])
    description_nb = TextAreaField(
        _l("Description for the catalogue (bokmål)"),
        validators=[InputRequired(), Length(max=2000)],
    )
    description_en = TextAreaField(
        _l("Description for the catalogue (English)"),
        validators=[Optional(), Length(max=2000)],
    )


def _card_form(model: ProcessModel) -> CardForm:
    return CardForm(
        data={
            "name_nb": model.name_nb,
            "name_en": "" if model.name_en == model.name_nb else model.name_en,
            "description_nb": model.description_nb,
            "description_en": model.description_en,
        }
    )


def _start_form(model: ProcessModel, start: catalog.StartEvent | None):  # type: ignore[no-untyped-def]
    """The start form built read-only for the "what citizens will see" preview, or None."""
    text = model.draft_files.get(f"forms/{start.form}") if start and start.form else None
    if text is None:
        return None, None
    try:
        definition = forms.FormDefinition.from_json(text)
        form_cls = forms.build_form_class(definition, base=FlaskForm, locale=locale())
    except forms.DefinitionError:
        return None, None
    return form_cls(formdata=None, meta={"csrf": False}), definition


@bp.route("/<int:model_id>/catalogue", methods=["GET", "POST"])
@role_required("process_owner")
def catalog_card(model_id: int) -> ResponseReturnValue:
    """Edit the catalogue card with a preview; list what keeps the service out."""
    model = drafts.model_for(db_session, current_user.tenant_id, model_id)
    form = _card_form(model) if request.method == "GET" else CardForm()
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        taken = [
            field
            for field in (form.name_nb, form.name_en)
            if field.data
            and processes.name_taken(db_session, model.tenant_id, field.data, model.id)
        ]
        for field in taken:
            field.errors = [
                _("Another service already has this name. Choose a name citizens can tell apart.")
            ]
        if taken:
            status = 400
        elif not request.form.get("preview"):
            catalog.update_card(db_session, model, form.data, current_user.name)
            record("model.catalog_card", model)
            db_session.commit()
            flash(_("The catalogue card is saved."), "success")
            return redirect(url_for("modeler.catalog_card", model_id=model.id))
    elif request.method == "POST":
        status = 400
    card = {
        "name": (form.name_en.data if locale() == "en" else "") or form.name_nb.data or "",
        "description": (form.description_en.data if locale() == "en" else "")
        or form.description_nb.data
        or "",
    }
    start = catalog.start_event(model.draft_bpmn)
    start_form, definition = _start_form(model, start)
    return render_template(
        "modeler/catalog_card.html",
        model=model,
        form=form,
        card=card,
        start=start,
        start_form=start_form,
        definition=definition,
        problems=catalog.card_problems(model),
        live=model.published_version_id is not None and not model.archived,
    ), status
