"""Process owners: their services and versions."""

from flask import Blueprint

bp = Blueprint("modeler", __name__, url_prefix="/modeler")

from . import views  # noqa: E402,F401
