"""Messages from other systems: `POST /api/messages` correlates or starts a case."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import g, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from designer.extensions import db_session
from designer.models import ApiToken, User
from designer.services import cases, submissions
from designer.services.errors import Invalid
from designer.web.api import bp
from designer.web.jsonbody import json_object, takes_json
from engine import api as runtime
from engine.errors import EngineError, NotFound, StepFailed
from engine.models import ProcessModel, ProcessVersion, utcnow
from forms.validators import is_valid_fodselsnummer

F = TypeVar("F", bound=Callable[..., Any])
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_NATIONAL_ID = re.compile(r"[0-9]{11}")


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
            token = db_session.scalar(
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
    models = db_session.scalars(
        select(ProcessModel)
        .where(
            ProcessModel.tenant_id == tenant_id,
            ProcessModel.published_version_id.is_not(None),
            ProcessModel.archived.is_(False),
        )
        .order_by(ProcessModel.id)
    )
    return [v for m in models if (v := db_session.get(ProcessVersion, m.published_version_id))]


def _citizen(
    body: dict[str, Any], tenant_id: int
) -> tuple[User | None, ResponseReturnValue | None]:
    """The household's citizen named by `citizen` (a fødselsnummer), or the error to send."""
    national_id = body.get("citizen")
    if national_id is None:
        return None, None
    if (
        not isinstance(national_id, str)
        or not _NATIONAL_ID.fullmatch(national_id)
        or not is_valid_fodselsnummer(national_id)
    ):
        return None, (jsonify(error="'citizen' must be a valid 11-digit national id."), 400)
    people = db_session.scalars(
        select(User)
        .where(
            User.tenant_id == tenant_id,
            User.national_id == national_id,
            User.active.is_(True),
        )
        .order_by(User.id)
    )
    citizen = next((p for p in people if p.has_role("citizen")), None)
    if citizen is None:
        return None, (jsonify(error="No citizen with that national id in this municipality."), 422)
    return citizen, None


def subject_for(version: ProcessVersion, payload: dict[str, Any], citizen: User | None) -> str:
    """A case subject from the service's `subject_template` ("... {child_first_name}")."""
    template = (version.model.settings or {}).get("subject_template")
    if isinstance(template, str) and template:
        filled = _PLACEHOLDER.sub(lambda m: str(payload.get(m[1]) or "").strip(), template)
        return filled.strip(" –-")
    return str(payload.get("subject") or (citizen.name if citizen else ""))


@bp.post("/messages")
@takes_json
@token_required("messages")
def message() -> ResponseReturnValue:
    """Deliver a message to the case waiting for it (by key), or start a case on it.

    A started case belongs to `citizen` (a national id) when the message names one: their
    tasks in the process's citizen lane wait for them under "My cases".
    """
    body = json_object()
    if not isinstance(body.get("name"), str) or not body["name"]:
        return jsonify(error="Send JSON with 'name', and 'correlation_key' and 'payload'."), 400
    key = body.get("correlation_key")
    payload = body.get("payload") or {}
    if key is not None and not isinstance(key, str | int):
        return jsonify(error="'correlation_key' must be text."), 400
    if not isinstance(payload, dict):
        return jsonify(error="'payload' must be an object."), 400
    token: ApiToken = g.api_token
    citizen, refused = _citizen(body, token.tenant_id)
    if refused is not None:
        return refused
    name, key_text = body["name"], None if key is None else str(key)
    idempotency = request.headers.get("Idempotency-Key", "").strip()
    claimed = None
    if idempotency:
        try:
            claimed, first = submissions.claim(
                db_session,
                token.tenant_id,
                submissions.api_scope(token.id),
                idempotency,
                token.actor,
            )
        except Invalid:
            return jsonify(error="'Idempotency-Key' must be 1 to 100 characters."), 400
        if not first and not submissions.take_over(db_session, claimed, utcnow()):
            return _repeat(claimed)
        # Committed first ("in progress"): a start that finds no message start event rolls
        # the session back, and a concurrent repeat must see the key, not start a case.
        db_session.commit()
        # The case and the answer on the key commit together (a crash after it replays).
        submissions.answer_with_transition(db_session, claimed)
    answer, status = _deliver(token, name, key_text, payload, citizen)
    if claimed is not None:
        db_session.rollback()  # whatever is left of a refusal
        if not submissions.answered(db_session, claimed):
            submissions.release(db_session, claimed)  # nothing made: free for a retry
            db_session.commit()
    return jsonify(answer), status


def _repeat(earlier: Any) -> ResponseReturnValue:
    """The first response again for a repeated Idempotency-Key; nothing is delivered."""
    if not earlier.response:
        return jsonify(error="A request with this Idempotency-Key is still being handled."), 409
    response = jsonify(earlier.response.get("body") or {})
    response.headers["Idempotent-Replayed"] = "true"
    return response, int(earlier.response.get("status") or 200)


def _deliver(
    token: ApiToken, name: str, key_text: str | None, payload: dict[str, Any], citizen: User | None
) -> tuple[dict[str, Any], int]:
    """Deliver or start; the JSON answer and its status."""
    try:
        delivered = runtime.receive(
            db_session, token.tenant_id, name, key_text, payload, token.actor
        )
        if delivered is not None:
            return {"delivered_to": delivered.case_no, "status": delivered.status}, 200
        for version in _starters(token.tenant_id):
            try:
                started = runtime.start(
                    db_session,
                    version,
                    data=payload,
                    actor=token.actor,
                    owner=citizen.actor if citizen else None,
                    subject=subject_for(version, payload, citizen),
                    message=name,
                    due_days=cases.due_days(version),
                )
            except NotFound:
                continue
            return {"started": started.case_no, "status": started.status}, 201
    except StepFailed as err:
        return {"error": err.message}, 422
    except EngineError as err:
        return {"error": err.message}, 409
    return {
        "error": f"No case waits for the message '{name}' with that key, "
        "and no service starts on it."
    }, 404
