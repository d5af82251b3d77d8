"""Admin pages."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select

from engine.models import Tenant

from ..auth import role_required
from ..extensions import db
from ..models import User
from . import bp


@bp.get("/")
@role_required("admin")
def index() -> ResponseReturnValue:
    """Users of the admin's municipality."""
    users = db.session.scalars(
        select(User).where(User.tenant_id == current_user.tenant_id).order_by(User.name)
    ).all()
    tenant = db.session.get(Tenant, current_user.tenant_id)
    return render_template("admin/index.html", users=users, tenant=tenant)
