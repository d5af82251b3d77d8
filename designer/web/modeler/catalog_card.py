"""The catalogue card: how the service appears to citizens, and what keeps it out.

The preview is rendered on the server from what is typed, so it works without JavaScript:
"Show preview" re-renders the page without saving, "Save" stores the card.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

import forms
from designer import languages
from designer.extensions import db_session
from designer.identity.auth import role_required
from designer.services import catalog, drafts, localised, processes
from designer.web.i18n import locale
from designer.web.modeler import bp
from designer.web.modeler.common import record
from engine.models import ProcessModel


def _card_form(model: ProcessModel) -> FlaskForm:
    """The catalogue card: the name and description citizens see, in each language.

    The service's own language is required; the others fall back to the målform's, then
    to it.
    """
    base = languages.base_of(model)

    class CardForm(FlaskForm):
        pass

    data: dict[str, str] = {}
    for code, name, description in languages.card_languages(model):
        language = languages.label(code)
        needed = [InputRequired()] if code == base else [Optional()]
        setattr(
            CardForm,
            f"name_{code}",
            StringField(
                _("Name (%(language)s)", language=language),
                validators=[*needed, Length(max=200)],
                render_kw={"lang": code},
            ),
        )
        setattr(
            CardForm,
            f"description_{code}",
            TextAreaField(
                _("Description for the catalogue (%(language)s)", language=language),
                validators=[*needed, Length(max=2000)],
                render_kw={"lang": code},
            ),
        )
        data[f"name_{code}"], data[f"description_{code}"] = name, description
    if request.method == "GET":
        return CardForm(data=data)
    return CardForm()


def _fields(form: FlaskForm) -> list[tuple[str, Any, Any]]:
    return [
        (code, form[f"name_{code}"], form[f"description_{code}"]) for code in languages.LANGUAGES
    ]


def start_form_preview(model: ProcessModel, start: catalog.StartEvent | None):  # type: ignore[no-untyped-def]
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
    form = _card_form(model)
    fields = _fields(form)
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        taken = [
            name
            for _code, name, _description in fields
            if name.data and processes.name_taken(db_session, model.tenant_id, name.data, model.id)
        ]
        for field in taken:
            field.errors = [
                _("Another service already has this name. Choose a name citizens can tell apart.")
            ]
        if taken:
            status = 400
        elif not request.form.get("preview"):
            card = {
                code: {"name": name.data or "", "description": description.data or ""}
                for code, name, description in fields
            }
            catalog.update_card(db_session, model, card, current_user.name)
            record("model.catalog_card", model)
            db_session.commit()
            flash(_("The catalogue card is saved."), "success")
            return redirect(url_for("modeler.catalog_card", model_id=model.id))
    elif request.method == "POST":
        status = 400
    typed: dict[str, tuple[str, str]] = {
        code: (name.data or "", description.data or "") for code, name, description in fields
    }
    order = [locale(), localised.malform(db_session, model.tenant_id), languages.base_of(model)]
    shown = {
        "name": next((typed[c][0] for c in order if typed.get(c, ("", ""))[0]), ""),
        "description": next((typed[c][1] for c in order if typed.get(c, ("", ""))[1]), ""),
    }
    start = catalog.start_event(model.draft_bpmn)
    start_form, definition = start_form_preview(model, start)
    return render_template(
        "modeler/catalog_card.html",
        model=model,
        form=form,
        fields=fields,
        card=shown,
        start=start,
        start_form=start_form,
        definition=definition,
        problems=catalog.card_problems(model),
        live=model.published_version_id is not None and not model.archived,
    ), status
