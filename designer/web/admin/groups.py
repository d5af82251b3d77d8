"""Admin pages for groups: each group (a lane name) with its members.

Membership changes are audited (`admin.group.add`/`remove`, detail: the group's name).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from designer.extensions import db
from designer.identity.auth import role_required
from designer.models import User
from designer.services import accounts, people
from designer.web.admin import bp
from designer.web.admin.forms import MemberForm
from designer.web.admin.users import record
from designer.web.routing import arg_int, parse_int


def _member_request() -> tuple[User, str]:
    """The tenant's user and the group a member form names; 400 or 404 otherwise."""
    form = MemberForm()
    if not form.validate_on_submit():
        abort(400)
    user_id = parse_int(form.user_id.data)
    if user_id is None:
        abort(404)
    user = accounts.user_for(db.session(), current_user.tenant_id, user_id)
    return user, " ".join(form.group.data.split())


@bp.get("/groups")
@role_required("admin")
def groups() -> ResponseReturnValue:
    """Every group of the tenant with its members, and forms to change them."""
    number = arg_int("page", 1, low=1, high=100_000)
    result = people.groups_with_members(db.session(), current_user.tenant_id, number)
    staff = people.staff(db.session(), current_user.tenant_id)
    return render_template(
        "admin/groups.html",
        members=result.members,
        result=result,
        staff=staff,
        form=MemberForm(),
    )


@bp.post("/groups/add")
@role_required("admin")
def add_member() -> ResponseReturnValue:
    """Put a staff user into a group (a new group name starts a new group)."""
    user, group = _member_request()
    try:
        changed = accounts.add_member(user, group)
    except accounts.AccountError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for("admin.groups"))
    if changed:
        record("admin.group.add", user, {"group": group})
    db.session.commit()
    flash(_("%(name)s is now in %(group)s.", name=user.name, group=group), "success")
    return redirect(url_for("admin.groups"))


@bp.post("/groups/remove")
@role_required("admin")
def remove_member() -> ResponseReturnValue:
    """Take a user out of a group."""
    user, group = _member_request()
    if accounts.remove_member(user, group):
        record("admin.group.remove", user, {"group": group})
    db.session.commit()
    flash(_("%(name)s is no longer in %(group)s.", name=user.name, group=group), "success")
    return redirect(url_for("admin.groups"))
