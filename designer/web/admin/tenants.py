"""Platform super-admin pages: municipalities (tenants) and their first administrator.

Rule: only an admin of the platform tenant (config PLATFORM_TENANT, else DEFAULT_TENANT)
may see these pages; see designer/services/tenants.py. Creating a tenant is audited in the platform
tenant's log (`admin.tenant.create`, detail: the first admin's user id).
"""

from __future__ import annotations

from flask import abort, current_app, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from designer.extensions import db
from designer.identity.auth import role_required
from designer.services import accounts
from designer.services import tenants as tenancy
from designer.web import auditing as audit
from designer.web.admin import bp
from designer.web.admin.forms import TenantForm
from designer.web.admin.users import min_length, show_error, show_password_once


def _require_super_admin() -> None:
    slug = tenancy.platform_slug(current_app.config)
    if not tenancy.is_super_admin(db.session(), current_user, slug):
        abort(403)


@bp.get("/tenants")
@role_required("admin")
def tenants() -> ResponseReturnValue:
    """All municipalities with their number of users."""
    _require_super_admin()
    return render_template("admin/tenants.html", tenants=tenancy.tenants(db.session()))


@bp.route("/tenants/new", methods=["GET", "POST"])
@role_required("admin")
def create_tenant() -> ResponseReturnValue:
    """Create a municipality and its first admin; show the admin's password once."""
    _require_super_admin()
    form = TenantForm()
    if form.validate_on_submit():
        password = form.password.data or accounts.temporary_password()
        try:
            tenant, admin = tenancy.create_tenant(
                db.session(),
                slug=form.slug.data,
                name=form.name.data,
                admin_username=form.admin_username.data,
                admin_name=form.admin_name.data,
                admin_email=form.admin_email.data or "",
                password=password,
                min_length=min_length(),
            )
        except accounts.AccountError as err:
            db.session.rollback()
            if err.field == "username":
                err.field = "admin_username"
            show_error(form, err)
        else:
            audit.record(
                current_user,
                "admin.tenant.create",
                object_type="tenant",
                object_id=tenant.id,
                roles=("admin",),
                detail={"admin_user_id": admin.id, "password_generated": not form.password.data},
                commit=False,
            )
            db.session.commit()
            return show_password_once(admin, password, created=True, back=url_for("admin.tenants"))
    return render_template("admin/tenant_new.html", form=form), 400 if form.errors else 200
