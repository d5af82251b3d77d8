"""Citizen pages of the decision letters: each letter on the case page, and its PDF.

The letter's HTML is our own template's output (every value escaped when it was made) and
is cleaned again before it is shown; the PDF is the applicant's alone.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from flask import abort, send_file
from flask.typing import ResponseReturnValue
from flask_login import current_user
from markupsafe import Markup

from designer.extensions import db_session
from designer.identity.auth import role_required
from designer.models import DecisionLetter
from designer.services import cases, decisions
from designer.services.letters import delivery, render
from designer.web.portal import bp
from engine.models import Instance


@bp.app_template_global()
def decision_letters(instance: Instance) -> list[DecisionLetter]:
    """A case's decision letters, oldest first (for the case pages)."""
    return decisions.letters_of(db_session, instance.id)


@bp.app_template_global()
def letter_html(letter: DecisionLetter, shift: int = 1) -> Markup:
    """A letter's body for a page, its headings `shift` levels down."""
    return render.page_html(letter, shift)


def letter_of(instance: Instance, number: int) -> DecisionLetter:
    """One of a case's letters, or 404."""
    found = next(
        (x for x in decisions.letters_of(db_session, instance.id) if x.number == number), None
    )
    if found is None:
        abort(404)
    return found


def pdf_response(letter: DecisionLetter, instance: Instance) -> Any:
    """The letter's PDF as a download (rendered now if the worker has not yet)."""
    content = delivery.pdf_for(db_session, letter, instance)
    return send_file(
        BytesIO(content),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=delivery.pdf_name(letter, instance.case_no),
    )


@bp.get("/cases/<case_no>/letters/<int:number>.pdf")
@role_required("citizen")
def letter_pdf(case_no: str, number: int) -> ResponseReturnValue:
    """The applicant's decision letter as a PDF; anyone else's case is not found."""
    instance = cases.citizen_case(db_session, current_user, case_no)
    return pdf_response(letter_of(instance, number), instance)
