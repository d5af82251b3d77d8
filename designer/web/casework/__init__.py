"""Caseworkers: the inbox and the task page."""

from flask import Blueprint

bp = Blueprint("casework", __name__, url_prefix="/casework")

from designer.web.casework import case_views, letters, team, views  # noqa: E402,F401
