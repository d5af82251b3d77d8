"""Casework pages of the decision letters: a case's letter PDF for its caseworkers (audited)."""

from __future__ import annotations

from flask.typing import ResponseReturnValue
from flask_login import current_user

from designer.extensions import db_session
from designer.identity.auth import role_required
from designer.services import cases
from designer.web import auditing as audit
from designer.web.casework import bp
from designer.web.portal.letters import letter_of, pdf_response

ACTION = "letter.download"


@bp.get("/cases/<int:instance_id>/letters/<int:number>.pdf")
@role_required("caseworker", "team_lead")
def letter_pdf(instance_id: int, number: int) -> ResponseReturnValue:
    """A decision letter of a case the caseworker works on, as a PDF; the read is audited."""
    with audit.denied(current_user, ACTION, "case", instance_id, audit.CASEWORK_ROLES):
        instance = cases.instance_for_caseworker(db_session, current_user, instance_id)
    letter = letter_of(instance, number)
    response = pdf_response(letter, instance)
    audit.record(
        current_user,
        ACTION,
        object_type="decision_letter",
        object_id=letter.id,
        case_no=instance.case_no,
        roles=audit.CASEWORK_ROLES,
    )
    return response
