"""Process owners: the decision letter (vedtaksbrev), previewed per language, its texts edited.

A plain GET form picks the language, the outcome, who decided and the data (a test run or
sample data); the page shows the letter as the citizen gets it, and its PDF downloads from
the same choice. The letter's own paragraphs are edited here in every language.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from flask import current_app, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from designer.extensions import db_session
from designer.identity.auth import role_required
from designer.integrations import pdf
from designer.services import drafts
from designer.services.letters import preview
from designer.services.letters.terms import PARTS
from designer.web.modeler import bp
from designer.web.modeler.common import record
from designer.web.routing import form_int, parse_int
from engine.errors import Conflict
from engine.models import Instance, ProcessModel

CHOICES = ("lang", "outcome", "by", "run")  # the preview's query string


def _choice(model: ProcessModel) -> dict[str, Any]:
    """What the preview shows, from the query string (unknown values: the defaults)."""
    offered = preview.offered(list(current_app.config["LANGUAGES"]), model)
    runs = preview.test_runs(db_session, model)
    run_id = parse_int(request.args.get("run"))
    return {
        "lang": request.args.get("lang") if request.args.get("lang") in offered else offered[0],
        "outcome": "approved" if request.args.get("outcome") == "approved" else "rejected",
        "automated": request.args.get("by") != "caseworker",
        "run": next((r for r in runs if r.id == run_id), None),
        "runs": runs,
        "offered": offered,
    }


def _letter(model: ProcessModel, choice: dict[str, Any]) -> tuple[str, str]:
    run: Instance | None = choice["run"]
    return preview.preview(
        db_session,
        model,
        lang=choice["lang"],
        outcome=choice["outcome"],
        decided_by=None if choice["automated"] else current_user,
        run=run,
    )


def _labels() -> dict[str, str]:
    return {
        "intro": _("Introduction (after the outcome)"),
        "approved": _("When the application is approved"),
        "rejected": _("When the application is rejected"),
        "contact": _("Contact"),
    }


@bp.get("/<int:model_id>/letter")
@role_required("process_owner")
def letter(model_id: int) -> ResponseReturnValue:
    """The decision letter of the draft, previewed, with its texts in every language."""
    model = drafts.model_for(db_session, current_user.tenant_id, model_id)
    choice = _choice(model)
    title, body = _letter(model, choice)
    return render_template(
        "modeler/letter.html",
        model=model,
        choice=choice,
        title=title,
        body=pdf.page_html_of(body, shift=1),
        parts=list(_labels().items()),
        texts=preview.letter_texts(model),
        query={
            "lang": choice["lang"],
            "outcome": choice["outcome"],
            "by": "rules" if choice["automated"] else "caseworker",
            **({"run": choice["run"].id} if choice["run"] is not None else {}),
        },
    )


@bp.get("/<int:model_id>/letter.pdf")
@role_required("process_owner")
def letter_pdf(model_id: int) -> ResponseReturnValue:
    """The previewed letter as its PDF (PDF/UA, as citizens get it)."""
    model = drafts.model_for(db_session, current_user.tenant_id, model_id)
    choice = _choice(model)
    title, body = _letter(model, choice)
    content = preview.preview_pdf(db_session, model, title, body, choice["lang"])
    return send_file(
        BytesIO(content),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"vedtaksbrev-{model.key}-{choice['lang']}.pdf",
    )


@bp.post("/<int:model_id>/letter")
@role_required("process_owner")
def save_letter(model_id: int) -> ResponseReturnValue:
    """Save the letter's paragraphs in every language (to the draft)."""
    model = drafts.model_for(db_session, current_user.tenant_id, model_id)
    query: dict[str, Any] = {k: v for k, v in request.args.items() if k in CHOICES}
    back = redirect(url_for("modeler.letter", model_id=model.id, **query), 303)
    if form_int("revision") != model.draft_revision:
        flash(_("Someone changed the service after you opened this page. Try again."), "error")
        return back
    typed = {
        (code, part): request.form.get(f"{code}:{part}", "")
        for code in current_app.config["LANGUAGES"]
        for part in PARTS
        if f"{code}:{part}" in request.form
    }
    try:
        preview.save_texts(db_session, model, typed, current_user.name)
    except Conflict as err:
        db_session.rollback()
        flash(err.message, "error")
        return back
    record("model.texts", model)
    db_session.commit()
    flash(_("The letter texts are saved."), "success")
    return back
