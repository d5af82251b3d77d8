"""JSON API for integrations: token-authenticated, no sessions, no CSRF (no cookies are used)."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")

from designer.web.api import views  # noqa: E402,F401
