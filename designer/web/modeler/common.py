"""What the modeler's views share: the audit helper, the connector registry, the editor page.

Kept apart from editor.py and decisions.py so neither imports the other.
"""

from __future__ import annotations

import json
from typing import Any

from flask import current_app, g, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, Length, Optional

from designer.extensions import db_session
from designer.integrations import Registry, registry_of
from designer.services import decisiondrafts
from designer.services.sharing import following
from designer.web import auditing as audit
from designer.web import editor_texts
from designer.web.i18n import locale
from designer.web.jsonbody import json_object
from designer.web.problems import translated
from engine.models import ProcessModel

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
    if following.copies_made(db_session, model.id):  # the change made an adoption a copy
        audit.record(
            current_user,
            "model.adoption_copy",
            object_type="model",
            object_id=model.id,
            roles=OWNER_ROLES,
            detail={"after": action},
            commit=False,
        )
        g.adoption_copy = True  # the answer says so (modeler/sharing/hooks.py)


def registry() -> Registry | None:
    """The app's connector registry, for the checks and the service-task panel."""
    return registry_of(current_app)


def ui_locale() -> str:
    """The UI language ('nb' or 'en')."""
    return locale()


def problems_json(items: list[Any]) -> list[dict[str, object]]:
    """Problems as the editors show them, in the UI language."""
    return translated(items)


def json_body() -> dict[str, Any]:
    """The request's JSON object (anything else is a 400 with a JSON answer)."""
    return json_object()


class DecisionForm(FlaskForm):
    """A new decision table: its name, and a file name if the derived one will not do."""

    title = StringField(
        _l("Name of the decision table"), validators=[InputRequired(), Length(max=200)]
    )
    # The service checks the file name (a safe name is short), with the message to show.
    file_name = StringField(_l("File name (optional)"), validators=[Optional()])


def render_edit(model: ProcessModel) -> str:
    """The editor page: the diagram, then the draft's forms and decision tables."""
    form_names = sorted(k[6:] for k in model.draft_files if k.startswith("forms/"))
    return render_template(
        "modeler/edit.html",
        model=model,
        form_names=form_names,
        i18n=json.dumps(editor_strings()),
        decision_files=decisiondrafts.files(model),
        decision_form=DecisionForm(prefix="decision"),
    )


def editor_strings() -> dict[str, Any]:
    """The process editor's texts in the UI language (data-i18n; see editor_texts)."""
    return editor_texts.strings("modeler")
