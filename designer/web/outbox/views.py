"""The outbox: what Flytverk sent or would have sent, for admins (and process owners in DEMO)."""

from __future__ import annotations

from flask import abort, current_app, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select

from designer.extensions import db_session
from designer.identity.auth import role_required
from designer.models import OutboxMessage
from designer.web.outbox import bp
from engine.models import Instance

LIMIT = 200


def _allowed() -> None:
    # Process owners test services end to end in the demo; in production mail is admin-only.
    if not current_user.has_role("admin") and not current_app.config["DEMO"]:
        abort(403)


@bp.get("/outbox")
@role_required("admin", "process_owner")
def index() -> ResponseReturnValue:
    """The latest e-mails of the municipality, newest first."""
    _allowed()
    rows = db_session.execute(
        select(OutboxMessage, Instance.case_no)
        .outerjoin(Instance, OutboxMessage.instance_id == Instance.id)
        .where(OutboxMessage.tenant_id == current_user.tenant_id)
        .order_by(OutboxMessage.id.desc())
        .limit(LIMIT)
    ).all()
    return render_template("notify/index.html", rows=rows, limit=LIMIT)


@bp.get("/outbox/<int:message_id>")
@role_required("admin", "process_owner")
def show(message_id: int) -> ResponseReturnValue:
    """One e-mail as text."""
    _allowed()
    message = db_session.get(OutboxMessage, message_id)
    if message is None or message.tenant_id != current_user.tenant_id:
        abort(404)
    case_no = None
    if message.instance_id is not None:
        instance = db_session.get(Instance, message.instance_id)
        case_no = instance.case_no if instance is not None else None
    return render_template("notify/show.html", message=message, case_no=case_no)
