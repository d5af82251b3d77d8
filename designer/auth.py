"""Login, logout and role checks (password login; identity is hardened later)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length

from .extensions import db, login_manager
from .i18n import same_site
from .models import User

bp = Blueprint("auth", __name__)
F = TypeVar("F", bound=Callable[..., Any])

HOME_BY_ROLE = (
    ("admin", "admin.index"),
    ("process_owner", "modeler.index"),
    ("caseworker", "casework.inbox"),
    ("citizen", "portal.my_cases"),
)


class LoginForm(FlaskForm):
    """Username and password."""

    username = StringField(_l("Username"), validators=[InputRequired(), Length(max=100)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=200)])


def role_required(*roles: str) -> Callable[[F], F]:
    """Let only logged-in users with one of `roles` in; others get 403."""

    def decorate(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorate


def home_for(user: User) -> str:
    """The landing page of a user's main role."""
    for role, endpoint in HOME_BY_ROLE:
        if user.has_role(role):
            return url_for(endpoint)
    return url_for("portal.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Show and handle the login form."""
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.username == form.username.data.strip()))
        if user is not None and user.active and user.check_password(form.password.data):
            login_user(user)
            flash(_("You are logged in as %(name)s.", name=user.name), "success")
            return redirect(same_site(request.args.get("next")) or home_for(user))
        form.password.errors.append(_("Wrong username or password."))
    demo_users: list[User] = []
    if current_app.config["DEMO"]:
        demo_users = list(db.session.scalars(select(User).order_by(User.id)))
    return render_template("auth/login.html", form=form, demo_users=demo_users), (
        400 if form.errors else 200
    )


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    """End the session."""
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("portal.index"))


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


def init_app(app: Flask) -> None:
    """Bind Flask-Login."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = cast(str, _l("Please log in to continue."))
    login_manager.login_message_category = "info"
