"""Case lists: the list views a service's owner defined, for the staff the owner chose."""

from flask import Blueprint

bp = Blueprint("lists", __name__, url_prefix="/lists")

from designer.web.lists import views  # noqa: E402,F401
