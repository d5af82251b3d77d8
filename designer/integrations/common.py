"""Helpers the adapters share: the case's applicant and checked text parameters."""

from __future__ import annotations

from typing import Any

from designer.extensions import db
from designer.models import User
from engine.api import CallContext, ConnectorFailed


def N_(text: str) -> str:
    """Mark an English text for the catalogues (translated where it is shown)."""
    return text


def owner_of(context: CallContext) -> User | None:
    """The user who owns the case (the applicant), if it is a user."""
    if not context.owner:
        return None
    user_id = context.owner.removeprefix("user:")
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


def text_param(params: dict[str, Any], name: str, limit: int) -> str:
    """A required text parameter, stripped and cut to `limit`; refused when empty."""
    value = params.get(name)
    if value is None or not str(value).strip():
        raise ConnectorFailed(f"The parameter '{name}' is empty.", retry=False)
    return str(value).strip()[:limit]
