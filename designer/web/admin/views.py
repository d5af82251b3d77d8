"""Admin start page."""

from __future__ import annotations

from flask import current_app, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from designer.extensions import db
from designer.identity.auth import role_required
from designer.services import accounts, people, tenants
from designer.web.admin import bp
from engine.models import Tenant


@bp.get("/")
@role_required("admin")
def index() -> ResponseReturnValue:
    """The admin's municipality and what can be managed from here."""
    tenant = db.session.get(Tenant, current_user.tenant_id)
    user_count, staff_count = accounts.counts(db.session(), current_user.tenant_id)
    super_admin = tenants.is_super_admin(
        db.session(), current_user, tenants.platform_slug(current_app.config)
    )
    return render_template(
        "admin/index.html",
        tenant=tenant,
        user_count=user_count,
        staff_count=staff_count,
        group_count=len(people.offered_groups(db.session(), current_user.tenant_id)),
        super_admin=super_admin,
    )
