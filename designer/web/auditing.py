"""The web side of the audit log: the request's client address and refused requests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import request
from werkzeug.exceptions import Forbidden as HTTPForbidden

from designer.extensions import db, db_session
from designer.models import AuditEvent, User
from designer.services import audit
from designer.services.audit import CASEWORK_ROLES, ROLE_ORDER
from designer.services.errors import Forbidden

__all__ = ["CASEWORK_ROLES", "ROLE_ORDER", "denied", "record"]


def record(user: User, action: str, *, commit: bool = True, **fields: Any) -> AuditEvent:
    """Audit `action` by `user` from this request; `commit=False` when the view commits after.

    A read is recorded and committed on its own; a change passes `commit=False` so its audit
    row commits in the same transaction as the change.
    """
    event = audit.record(db_session, user, action, remote_addr=request.remote_addr or "", **fields)
    if commit:
        db.session.commit()
    return event


@contextmanager
def denied(
    user: User,
    action: str,
    object_type: str,
    object_id: int,
    roles: tuple[str, ...] = ROLE_ORDER,
) -> Iterator[None]:
    """Record `<action>.denied` when the block refuses the user (403), then re-raise."""
    try:
        yield
    except (HTTPForbidden, Forbidden):
        db.session.rollback()
        record(
            user,
            f"{action}.denied",
            object_type=object_type,
            object_id=object_id,
            case_no=audit.case_no_of(db_session, user.tenant_id, object_type, object_id),
            roles=roles,
        )
        raise
