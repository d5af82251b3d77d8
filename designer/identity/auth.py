"""Login, logout and role checks (the reset pages are in password_reset, throttling in
throttle and login_security)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import (
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
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from designer.extensions import db, login_manager
from designer.identity import login_security as security
from designer.identity import sessions, throttle
from designer.identity.blueprint import bp
from designer.identity.forms import LoginForm
from designer.identity.pages import minutes, too_many
from designer.models import User
from designer.services import search
from designer.web.i18n import same_site
from engine.models import utcnow

F = TypeVar("F", bound=Callable[..., Any])

HOME_BY_ROLE = (
    ("admin", "admin.index"),
    ("process_owner", "modeler.index"),
    ("caseworker", "casework.inbox"),
    ("staff", "lists.index"),
    ("citizen", "portal.my_cases"),
)


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
    """Show and handle the login form; failures are throttled per username and address."""
    form = LoginForm()
    headers: dict[str, str] = {}
    status = 200
    if form.validate_on_submit():
        now, ip = utcnow(), throttle.client_ip()
        blocked = throttle.blocked_until(throttle.LOGIN, ip)
        if blocked is not None:
            message = _(
                "Too many failed logins from your network. Try again in %(minutes)d minutes.",
                minutes=minutes((blocked - now).total_seconds()),
            )
            return too_many(blocked, now, message)
        verdict = security.authenticate(
            db.session(), form.username.data.strip(), form.password.data, ip, now
        )
        if verdict.user is not None:
            sessions.login(db.session(), verdict.user)
        db.session.commit()  # a failure counts too, so it is committed like a success
        if verdict.user is not None:
            flash(_("You are logged in as %(name)s.", name=verdict.user.name), "success")
            return redirect(same_site(request.args.get("next")) or home_for(verdict.user))
        throttle.fail(throttle.LOGIN, ip)
        if verdict.locked_until is not None:
            # The same words for every username, known or not: nothing to enumerate.
            seconds = verdict.retry_after(now)
            form.password.errors.append(
                _(
                    "Too many failed attempts for this username. Try again in %(minutes)d minutes.",
                    minutes=minutes(seconds),
                )
            )
            headers["Retry-After"] = str(seconds)
            status = 429
        else:
            form.password.errors.append(_("Wrong username or password."))
    demo_users: list[User] = []
    if current_app.config["DEMO"]:
        demo_users = list(db.session.scalars(select(User).order_by(User.id)))
    if form.errors and status == 200:
        status = 400
    return render_template("auth/login.html", form=form, demo_users=demo_users), status, headers


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    """End the session: on the server too, so a copied cookie stops working."""
    sessions.logout(db.session())
    db.session.commit()
    flash(_("You are logged out."), "info")
    return redirect(url_for("portal.index"))


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    # The person with their roles and groups in one statement (every request pays for it).
    user = (
        db.session.scalars(
            select(User)
            .options(joinedload(User.role_rows), joinedload(User.group_rows))
            .where(User.id == int(user_id))
        )
        .unique()
        .one_or_none()
        if user_id.isdigit()
        else None
    )
    # The cookie alone is not enough: its server-side session must still be live (not
    # logged out, revoked, older than a password change, or of a deactivated user).
    if user is None or not sessions.is_live(db.session(), user):
        return None
    return user


def init_app(app: Flask) -> None:
    """Bind Flask-Login and the login throttle; fold Norwegian letters in SQLite searches."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = cast(str, _l("Please log in to continue."))
    login_manager.login_message_category = "info"
    throttle.init_app(app)
    with app.app_context():
        search.install(db.engine)


from designer.identity import password_reset  # noqa: E402,F401  (its views join `bp`)
