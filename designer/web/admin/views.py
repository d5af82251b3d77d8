"""Admin start page."""

from __future__ import annotations

from flask import current_app, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from designer.extensions import db
from designer.identity.auth import role_required
from designer.services import accounts
from designer.web.admin import bp
from engine.models import Tenant


@bp.get("/")
@role_required("admin")
def index() -> ResponseReturnValue:
    """The admin's municipality and what can be managed from here."""
    tenant = db.session.get(Tenant, current_user.tenant_id)
    found = accounts.users(db.session, current_user.tenant_id)
    super_admin = accounts.is_super_admin(
        db.session, current_user, accounts.platform_slug(current_app.config)
    )
    return render_template(
        "admin/index.html",
        tenant=tenant,
        user_count=len(found),
        staff_count=sum(1 for u in found if not accounts.is_citizen_only(u)),
        group_count=len(accounts.offered_groups(db.session, current_user.tenant_id)),
        super_admin=super_admin,
    )
