"""Error pages the login flows answer with (shared by password login, OIDC and the dev IdP)."""

from __future__ import annotations

import math
from datetime import datetime

from flask import Response, make_response, render_template
from flask_babel import gettext as _


def error_page(status: int, title: str, message: str) -> Response:
    """A rendered error page with `status` (for abort())."""
    page = render_template("errors/error.html", status=status, title=title, message=message)
    return make_response(page, status)


def too_many(until: datetime, now: datetime, message: str) -> Response:
    """429 with Retry-After, on the ordinary error page."""
    response = error_page(429, _("Too many requests"), message)
    response.headers["Retry-After"] = str(max(1, math.ceil((until - now).total_seconds())))
    return response


def minutes(seconds: float) -> int:
    """Whole minutes, rounded up, at least one."""
    return max(1, math.ceil(seconds / 60))
