"""Messages from other systems: `POST /api/messages` correlates or starts a case."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import g, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from engine import runtime
from engine.errors import EngineError, NotFound, StepFailed
from engine.models import ProcessModel, ProcessVersion

from ..extensions import db
from ..models import ApiToken
from . import bp

F = TypeVar("F", bound=Callable[..., Any])


def hash_token(token: str) -> str:
    """Tokens are stored only as their SHA-256."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A fresh random token (shown once)."""
    return "fv_" + secrets.token_urlsafe(32)


def token_required(scope: str) -> Callable[[F], F]:
    """Accept only a valid, unrevoked bearer token that has `scope`."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            header = request.headers.get("Authorization", "")
            if not header.startswith("Bearer "):
                return jsonify(error="Send a bearer token."), 401
            token = db.session.scalar(
                select(ApiToken).where(ApiToken.token_hash == hash_token(header[7:].strip()))
            )
            if token is None or token.revoked_at is not None:
                return jsonify(error="The token is not valid."), 401
            if scope not in token.scopes.split(","):
                return jsonify(error=f"The token lacks the scope '{scope}'."), 403
            g.api_token = token
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorate


def _starters(tenant_id: int) -> list[ProcessVersion]:
    models = db.session.scalars(
        select(ProcessModel).where(
            ProcessModel.tenant_id == tenant_id,
            ProcessModel.published_version_id.is_not(None),
            ProcessModel.archived.is_(False),
        )
    )
    return [v for m in models if (v := db.session.get(ProcessVersion, m.published_version_id))]


@bp.post("/messages")
@token_required("messages")
def message() -> ResponseReturnValue:
    """Deliver a message to the case waiting for it (by key), or start a case on it."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("name"), str) or not body["name"]:
        return jsonify(error="Send JSON with 'name', and 'correlation_key' and 'payload'."), 400
    key = body.get("correlation_key")
    payload = body.get("payload") or {}
    if key is not None and not isinstance(key, str | int):
        return jsonify(error="'correlation_key' must be text."), 400
    if not isinstance(payload, dict):
        return jsonify(error="'payload' must be an object."), 400
    token: ApiToken = g.api_token
    name, key_text = body["name"], None if key is None else str(key)
    try:
        delivered = runtime.receive(
            db.session, token.tenant_id, name, key_text, payload, token.actor
        )
        if delivered is not None:
            return jsonify(delivered_to=delivered.case_no, status=delivered.status)
        for version in _starters(token.tenant_id):
            try:
                started = runtime.start(
                    db.session,
                    version,
                    data=payload,
                    actor=token.actor,
                    message=name,
                    subject=str(payload.get("subject", "")),
                )
            except NotFound:
                continue
            return jsonify(started=started.case_no, status=started.status), 201
    except StepFailed as err:
        return jsonify(error=err.message), 422
    except EngineError as err:
        return jsonify(error=err.message), 409
    return jsonify(
        error=f"No case waits for the message '{name}' with that key, and no service starts on it."
    ), 404
