"""Process owners: their services, the editor, versions, publishing and test runs."""

from flask import Blueprint

bp = Blueprint("modeler", __name__, url_prefix="/modeler")

from designer.web.modeler import decisions, editor, formeditor, incidents, testruns, versions, views  # noqa: E402,F401
