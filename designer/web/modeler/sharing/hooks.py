"""What other modeler pages show of sharing, and the notice when a save made a copy.

The Versions page, the process list and the editor include small templates
(modeler/_version_sharing.html, _index_sharing.html, _edit_adoption.html); the functions
they call are given to the modeler's templates here. When a draft save made a following
adoption the municipality's own copy (`common.record` audits it and marks the request), the
answer says so: a JSON answer (the editors' saves) gets a `notice`, a page a flash message.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response, flash, g
from flask_babel import gettext as _
from flask_login import current_user

from designer.extensions import db_session
from designer.services.sharing import catalogue, updates
from designer.web.modeler import bp
from engine.models import ProcessModel

COPY_MARK = "adoption_copy"  # g: the request made an adoption a copy


def _versions_state(model: ProcessModel) -> dict[str, Any]:
    """What the Versions page says of sharing the service or following its origin."""
    state = updates.following_of(db_session, model)
    shared = catalogue.shared_of(db_session, model.id)
    users = catalogue.usage(db_session, [shared.id]).get(shared.id, 0) if shared else 0
    return {
        "following": state,
        "shared": shared if shared is not None and shared.active else None,
        "users": users,
        "can_share": catalogue.can_share(db_session, model),
        "max_note": catalogue.MAX_NOTE,
    }


def _index_state() -> list[tuple[ProcessModel, updates.Following]]:
    return updates.pending(db_session, current_user.tenant_id)


def _edit_state(model: ProcessModel) -> updates.Following | None:
    state = updates.following_of(db_session, model)
    return state if state is not None and state.following else None


@bp.context_processor
def _sharing_functions() -> dict[str, Any]:
    return {
        "sharing_of": _versions_state,
        "sharing_updates": _index_state,
        "adoption_following": _edit_state,
    }


def copy_notice() -> str:
    """What the process owner is told when a save made the service a copy."""
    return _(
        "This service is now your municipality's own copy: it no longer gets updates from "
        "the municipality that shares it."
    )


@bp.after_request
def _tell_copy(response: Response) -> Response:
    if not g.get(COPY_MARK):
        return response
    if response.is_json and response.status_code in (200, 201):
        body = response.get_json(silent=True)
        if isinstance(body, dict):
            body["notice"] = copy_notice()
            response.set_data(json.dumps(body, ensure_ascii=False))
            return response
    flash(copy_notice(), "info")
    return response
