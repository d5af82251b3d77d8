"""Process owners: their services, the editor, versions, publishing and test runs."""

from flask import Blueprint

bp = Blueprint("modeler", __name__, url_prefix="/modeler")

from designer.web.modeler import (  # noqa: E402,F401
    catalog_card,
    decisions,
    editor,
    fields,
    formeditor,
    incidents,
    letters,
    lists,
    packages,
    parameters,
    sharing,
    testruns,
    texts,
    versions,
    views,
)
