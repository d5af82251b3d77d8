"""Case lists of a service, for its process owner: each definition as JSON, checked on save.

A plain form (works without JavaScript): a text area per list and one for a new list, a
delete button per list. Nothing is saved while any definition has a problem; a save made on
a page older than the stored lists is refused (409) and the page shows what is stored now.
"""

from __future__ import annotations

import json
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from designer.extensions import db_session
from designer.identity.auth import role_required
from designer.services import drafts
from designer.services.caselists import definitions, store
from designer.services.caselists.sources import SOURCES
from designer.services.errors import Invalid, Stale
from designer.web.modeler import bp
from designer.web.modeler.common import record
from engine.models import ProcessModel

MAX_TEXT = 20000
EXAMPLE = {
    "key": "new-list",
    "name": {"nb": "Ny liste", "nn": "Ny liste", "en": "New list"},
    "source": "cases",
    "groups": [],
    "columns": [{"field": "case_no"}, {"field": "subject"}, {"field": "status"}],
    "sort": ["case_no"],
}


def _text(definition: Any) -> str:
    return json.dumps(definition, ensure_ascii=False, indent=2)


def _typed() -> tuple[list[str], list[Any], dict[str, str]]:
    """The texts sent (existing lists, then the new one), what they parse to, JSON errors."""
    count = min(len([k for k in request.form if k.startswith("list-") and k[5:].isdigit()]), 200)
    texts = [request.form.get(f"list-{n}", "") for n in range(count)]
    texts.append(request.form.get("list-new", ""))
    parsed: list[Any] = []
    errors: dict[str, str] = {}
    for n, text in enumerate(texts):
        name = "list-new" if n == len(texts) - 1 else f"list-{n}"
        if not text.strip():
            continue
        if len(text) > MAX_TEXT:
            errors[name] = _("The definition is too long (at most %(n)s characters).", n=MAX_TEXT)
            continue
        try:
            parsed.append(json.loads(text))
        except ValueError as err:
            line, column = getattr(err, "lineno", 0), getattr(err, "colno", 0)
            errors[name] = _(
                "This is not valid JSON (line %(line)s, column %(column)s).",
                line=line,
                column=column,
            )
            continue
    return texts, parsed, errors


def _fields_by_box(texts: list[str], err: Invalid) -> dict[str, str]:
    """Invalid's fields (list-<index among the parsed>) renamed to the text areas."""
    boxes = [
        "list-new" if n == len(texts) - 1 else f"list-{n}"
        for n, text in enumerate(texts)
        if text.strip()
    ]
    fields = {}
    for name, message in err.fields.items():
        index = int(name.rsplit("-", 1)[1])
        fields[boxes[index] if index < len(boxes) else "list-new"] = message
    return fields


def _page(
    model: ProcessModel,
    texts: list[str] | None,
    new: str,
    errors: dict[str, str],
    message: str,
    status: int,
) -> ResponseReturnValue:
    stored = definitions.lists_of(model)
    shown = texts if texts is not None else [_text(d) for d in stored]
    return render_template(
        "modeler/lists.html",
        model=model,
        texts=shown,
        keys=[d.get("key", "") for d in stored],
        new=new,
        errors=errors,
        message=message,
        checksum=store.checksum(model),
        sources=SOURCES,
        example=_text(EXAMPLE),
        ops=definitions.OPS,
    ), status


def _delete(model: ProcessModel, seen: str) -> dict[str, Any]:
    raw = request.form.get("index", "")
    index = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 6 else -1
    stored = definitions.lists_of(model)
    if not 0 <= index < len(stored):
        raise Invalid(_("There is no such list."))
    store.save(db_session, model, stored[:index] + stored[index + 1 :], seen, current_user.name)
    return {"deleted": str(stored[index].get("key", ""))}


@bp.route("/<int:model_id>/lists", methods=["GET", "POST"])
@role_required("process_owner")
def lists(model_id: int) -> ResponseReturnValue:
    """The service's case lists (GET), saved or one deleted (POST)."""
    model = drafts.model_for(db_session, current_user.tenant_id, model_id)
    if request.method == "GET":
        return _page(model, None, "", {}, "", 200)
    seen = request.form.get("checksum", "")
    failed = _("The lists are not saved: correct what is marked.")
    texts: list[str] = []
    try:
        if request.form.get("action") == "delete":
            detail = _delete(model, seen)
        else:
            texts, parsed, errors = _typed()
            if errors:
                return _page(model, texts[:-1], texts[-1], errors, failed, 400)
            store.save(db_session, model, parsed, seen, current_user.name)
            detail = {"lists": [str(d.get("key", "")) for d in parsed if isinstance(d, dict)]}
    except Invalid as err:
        db_session.rollback()
        if not texts:  # a delete that was refused
            return _page(model, None, "", {}, err.message, 400)
        fields = _fields_by_box(texts, err)
        return _page(model, texts[:-1], texts[-1], fields, err.message, 400)
    except Stale as err:
        db_session.rollback()
        message = err.message + " " + _("The page shows what is saved now: make your change again.")
        return _page(model, None, "", {}, message, 409)
    record("lists.save", model, detail)
    db_session.commit()
    flash(_("The lists are saved."), "success")
    return redirect(url_for("modeler.lists", model_id=model.id), 303)
