"""Citizens: catalogue of services, applying, and following their cases."""

from flask import Blueprint

bp = Blueprint("portal", __name__)

from designer.web.portal import export, tasks, views  # noqa: E402,F401
