"""A citizen downloads everything Flytverk holds about them as one JSON file (GDPR art. 15).

What is in it and what is left out: see `designer.services.export`.
"""

from __future__ import annotations

import json

from flask import Response, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from designer.extensions import db_session
from designer.identity.auth import role_required
from designer.services import export
from designer.web.i18n import locale
from designer.web.portal import bp
from engine.models import utcnow


def _link(attachment_id: int) -> str:
    return url_for("portal.attachment", attachment_id=attachment_id, _external=True)


@bp.get("/my-data")
@role_required("citizen")
def my_data() -> ResponseReturnValue:
    """Download all data about the logged-in citizen as a JSON file."""
    body = json.dumps(
        export.collect(db_session, current_user, locale(), _link), ensure_ascii=False, indent=2
    )
    name = f"flytverk-data-{utcnow().date().isoformat()}.json"
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
