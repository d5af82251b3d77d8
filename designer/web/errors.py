"""Error pages: every failure a person can cause ends in a clear 4xx page."""

from __future__ import annotations

from flask import Flask, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from designer.extensions import db
from designer.services.errors import ServiceError
from designer.web import jsonbody, routing
from designer.web.messages import engine_text
from engine.errors import Conflict, ModelInvalid, NotFound


def _page(status: int, title: str, message: str) -> ResponseReturnValue:
    return render_template("errors/error.html", status=status, title=title, message=message), status


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood. Please try again.")),
        403: (_("No access"), _("You do not have access to this page.")),
        404: (_("Not found"), _("We could not find the page you asked for.")),
        405: (_("Not allowed"), _("That action is not allowed here.")),
        409: (
            _("Conflict"),
            _("Someone else changed this at the same time. Reload and try again."),
        ),
        413: (_("Too large"), _("What you sent is too large.")),
        429: (_("Too many requests"), _("Please wait a moment and try again.")),
        500: (
            _("Something went wrong"),
            _("An error occurred on our side. Nothing you sent was lost; please try again later."),
        ),
    }


def init_app(app: Flask) -> None:
    """Register handlers for HTTP errors, CSRF failures and engine errors.

    Also bounds every `<int:...>` route and guards JSON bodies: called before the
    blueprints are registered, so their rules are built with the bounded converter.
    """
    routing.init_app(app)
    jsonbody.init_app(app)

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException) -> ResponseReturnValue:
        status = err.code or 500
        title, message = _messages().get(status, (err.name, err.description or ""))
        return _page(status, title, message)

    @app.errorhandler(CSRFError)
    def _csrf(err: CSRFError) -> ResponseReturnValue:
        return _page(
            400,
            _("The form has expired"),
            _(
                "For your security the form must be sent from this site within the session. "
                "Go back, reload the page and try again."
            ),
        )

    @app.errorhandler(NotFound)
    def _not_found(err: NotFound) -> ResponseReturnValue:
        return _page(404, *_messages()[404])

    @app.errorhandler(Conflict)
    def _conflict(err: Conflict) -> ResponseReturnValue:
        db.session.rollback()
        return _page(409, _("Conflict"), engine_text(err))

    @app.errorhandler(ModelInvalid)
    def _invalid(err: ModelInvalid) -> ResponseReturnValue:
        return _page(400, _("The process is not valid"), err.message)

    @app.errorhandler(ServiceError)
    def _service(err: ServiceError) -> ResponseReturnValue:
        db.session.rollback()
        title, message = _messages().get(err.status, _messages()[400])
        return _page(err.status, title, err.message or message)

    @app.errorhandler(500)
    def _server_error(err: Exception) -> ResponseReturnValue:
        db.session.rollback()
        return _page(500, *_messages()[500])
