"""The outbox pages: what Flytverk sent or would have sent."""

from flask import Blueprint

bp = Blueprint("notify", __name__)

from designer.web.outbox import views  # noqa: E402,F401
