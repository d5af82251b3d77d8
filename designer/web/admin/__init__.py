"""Administrators: users, groups and their roles; platform admins also manage tenants."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from designer.web.admin import groups, tenants, users, views  # noqa: E402,F401
