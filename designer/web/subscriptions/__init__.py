"""Subscriptions: a citizen's standing order under Mine saker, staff changes, the menu."""

from flask import Blueprint

bp = Blueprint("subscriptions", __name__)

from designer.web.subscriptions import invoices, views  # noqa: E402,F401
