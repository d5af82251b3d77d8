"""The one way a view reads a JSON body: parsed once, bounded in size and depth, an object.

Anything else — not JSON, invalid UTF-8, nesting deeper than `JSON_MAX_DEPTH`, more than
`JSON_MAX_BYTES`, or a bare value (`"x"`, `[]`, `123`, `null`) — is a 400 (413 for size)
with a JSON answer saying what to send, never a RecursionError or AttributeError.
JSON bodies sent to a view that does not read JSON are refused before Flask-WTF can turn
them into form data.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest

DEFAULT_MAX_BYTES = 8 * 1024 * 1024
DEFAULT_MAX_DEPTH = 64
_ACCEPTS = "_accepts_json"
F = TypeVar("F", bound=Callable[..., Any])


class JsonBodyError(BadRequest):
    """A JSON body that is not what the endpoint takes."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = status
        self.message = message


def takes_json(view: F) -> F:
    """Mark a view that reads its body with `json_object()`."""
    setattr(view, _ACCEPTS, True)
    return view


def depth_of(value: Any) -> int:
    """How deeply `value` nests lists and objects (iteratively: no recursion limit)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children)
    return deepest


def json_object() -> dict[str, Any]:
    """The request's JSON object, or a JsonBodyError saying what is wrong with it."""
    if "_json_object" in g:
        return dict(g._json_object)
    limit = int(current_app.config.get("JSON_MAX_BYTES", DEFAULT_MAX_BYTES))
    if not request.is_json:
        raise JsonBodyError(_("Send the request as JSON (Content-Type: application/json)."))
    if (request.content_length or 0) > limit:
        raise JsonBodyError(_("What you sent is too large."), 413)
    raw = request.get_data(cache=True)
    if len(raw) > limit:
        raise JsonBodyError(_("What you sent is too large."), 413)
    try:
        body = json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise JsonBodyError(_("The JSON is nested too deeply.")) from None
    except ValueError:  # also UnicodeDecodeError and too-long integers
        raise JsonBodyError(_("The request is not valid JSON.")) from None
    if not isinstance(body, dict):
        raise JsonBodyError(_("Send a JSON object."))
    if depth_of(body) > int(current_app.config.get("JSON_MAX_DEPTH", DEFAULT_MAX_DEPTH)):
        raise JsonBodyError(_("The JSON is nested too deeply."))
    g._json_object = body
    return dict(body)


def _refuse_json_to_form_views() -> ResponseReturnValue | None:
    """A JSON body to a view that takes forms would reach Flask-WTF as form data: refuse it."""
    if request.method in ("GET", "HEAD", "OPTIONS") or not request.is_json:
        return None
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or getattr(view, _ACCEPTS, False):
        return None
    return jsonify(error=_("This address takes a form, not JSON.")), 400


def init_app(app: Flask) -> None:
    """Answer bad JSON bodies as JSON, and keep JSON away from form views."""

    @app.errorhandler(JsonBodyError)
    def _bad_json(err: JsonBodyError) -> ResponseReturnValue:
        return jsonify(error=err.message, problems=[]), err.code or 400

    app.before_request(_refuse_json_to_form_views)
