"""Admin pages for the tenant's users: list, create, edit, (de)activate, temporary password.

Every change is audited in the same transaction (`admin.user.*`, detail with ids and field
names only: never a name, an e-mail address or a password).
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from designer.extensions import db
from designer.identity import sessions
from designer.identity.auth import role_required
from designer.identity.login_security import setting
from designer.models import ROLES, User
from designer.services import accounts, people
from designer.web import auditing as audit
from designer.web.admin import bp
from designer.web.admin.forms import ActiveForm, NewStaffForm, PasswordForm, StaffForm, role_labels
from designer.web.routing import arg_int

ADMIN_ROLES = ("admin",)


def _user(user_id: int) -> User:
    return accounts.user_for(db.session(), current_user.tenant_id, user_id)


def record(action: str, user: User, detail: dict[str, Any] | None = None) -> None:
    """Add the audit row for an admin's change to `user`; the caller commits it."""
    audit.record(
        current_user,
        action,
        object_type="user",
        object_id=user.id,
        roles=ADMIN_ROLES,
        detail=detail,
        commit=False,
    )


def min_length() -> int:
    """The configured minimum password length."""
    return int(setting("PASSWORD_MIN_LENGTH"))


def show_error(form: FlaskForm, err: accounts.AccountError) -> None:
    """Show a service error on the form field it concerns (or at the top)."""
    field = getattr(form, err.field, None)
    if field is None:
        flash(err.message, "error")
    else:
        field.errors = [*field.errors, err.message]


def _staff_form(user: User, from_request: bool) -> StaffForm:
    """The edit form: the posted values, or the user's current ones."""
    offered = people.offered_groups(db.session(), current_user.tenant_id)
    names = sorted({*offered, *user.group_list}, key=str.casefold)
    if from_request:
        return StaffForm(group_names=names)
    form = StaffForm(formdata=None, obj=user, group_names=names)
    form.roles.data = [r for r in user.role_set if r != "citizen"]
    form.groups.data = user.group_list
    return form


def show_password_once(
    user: User, password: str, created: bool, back: str | None = None
) -> ResponseReturnValue:
    """Show a temporary password exactly once: never flashed, never cached."""
    response = make_response(
        render_template(
            "admin/password_shown.html",
            user=user,
            password=password,
            created=created,
            back=back or url_for("admin.users"),
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/users")
@role_required("admin")
def users() -> ResponseReturnValue:
    """The tenant's users, searched by name or username and filtered by role."""
    q = request.args.get("q", "").strip()[:100]
    role = request.args.get("role", "")
    role = role if role in ROLES else ""
    number = arg_int("page", 1, low=1, high=100_000)
    found = accounts.user_page(db.session(), current_user.tenant_id, q, role, number)
    return render_template(
        "admin/users.html",
        users=found.users,
        result=found,
        q=q,
        role=role,
        roles=[("citizen", _("Citizen")), *role_labels()],
        active_form=ActiveForm(),
    )


@bp.route("/users/new", methods=["GET", "POST"])
@role_required("admin")
def create_user() -> ResponseReturnValue:
    """Create a staff user and show their temporary password once."""
    form = NewStaffForm(group_names=people.offered_groups(db.session(), current_user.tenant_id))
    if form.validate_on_submit():
        password = form.password.data or accounts.temporary_password()
        try:
            user = accounts.create_staff(
                db.session(),
                current_user.tenant_id,
                username=form.username.data,
                name=form.name.data,
                email=form.email.data or "",
                roles=form.roles.data,
                groups=form.group_names(),
                password=password,
                min_length=min_length(),
            )
        except accounts.AccountError as err:
            db.session.rollback()
            show_error(form, err)
        else:
            record(
                "admin.user.create",
                user,
                {
                    "roles": sorted(user.role_set),
                    "groups": user.group_list,
                    "password_generated": not form.password.data,
                },
            )
            db.session.commit()
            return show_password_once(user, password, created=True)
    return render_template("admin/user_new.html", form=form), 400 if form.errors else 200


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@role_required("admin")
def edit_user(user_id: int) -> ResponseReturnValue:
    """Edit a staff user's details, roles, groups, activity and absence."""
    user = _user(user_id)
    citizen = accounts.is_citizen_only(user)
    if request.method == "POST" and citizen:
        abort(403)
    form = _staff_form(user, from_request=request.method == "POST")
    if not citizen and form.validate_on_submit():
        try:
            changes = accounts.update_staff(
                current_user,
                user,
                name=form.name.data,
                email=form.email.data or "",
                roles=form.roles.data,
                groups=form.group_names(),
                active=form.active.data,
                absent=form.absent.data,
            )
        except accounts.AccountError as err:
            db.session.rollback()
            show_error(form, err)
        else:
            if changes:
                record("admin.user.update", user, changes)
            if not user.active:
                sessions.end_all(db.session(), user)
            db.session.commit()
            flash(_("Saved the changes to %(name)s.", name=user.name), "success")
            return redirect(url_for("admin.users"))
    return render_template(
        "admin/user_edit.html",
        user=user,
        form=form,
        citizen=citizen,
        active_form=ActiveForm(),
        password_form=PasswordForm(),
    ), 400 if form.errors else 200


@bp.post("/users/<int:user_id>/active")
@role_required("admin")
def set_active(user_id: int) -> ResponseReturnValue:
    """Activate or deactivate a user (nobody is deleted: history names them)."""
    user = _user(user_id)
    form = ActiveForm()
    if not form.validate_on_submit() or form.active.data not in ("0", "1"):
        abort(400)
    try:
        changed = accounts.set_active(current_user, user, form.active.data == "1")
    except accounts.AccountError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    if changed:
        record("admin.user.activate" if user.active else "admin.user.deactivate", user)
    if not user.active:
        sessions.end_all(db.session(), user)  # logged out everywhere, also after reactivation
    db.session.commit()
    if user.active:
        flash(_("%(name)s can log in again.", name=user.name), "success")
    else:
        flash(_("%(name)s is deactivated and cannot log in.", name=user.name), "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/password")
@role_required("admin")
def set_password(user_id: int) -> ResponseReturnValue:
    """Give a staff user a temporary password and show it once."""
    user = _user(user_id)
    if accounts.is_citizen_only(user):
        abort(403)
    form = PasswordForm()
    if form.validate_on_submit():
        password = form.password.data or accounts.temporary_password()
        try:
            accounts.set_password(db.session(), user, password, min_length=min_length())
        except accounts.AccountError as err:
            db.session.rollback()
            show_error(form, err)
        else:
            record("admin.user.password", user, {"password_generated": not form.password.data})
            sessions.end_all(db.session(), user)  # every session of the old password ends
            db.session.commit()
            return show_password_once(user, password, created=False)
    return render_template(
        "admin/user_edit.html",
        user=user,
        form=_staff_form(user, from_request=False),
        citizen=False,
        active_form=ActiveForm(),
        password_form=form,
    ), 400
