"""Login, logout, password reset and role checks (throttling lives in login_security)."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar, cast

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.routing import BuildError
from wtforms import PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length

from designer.extensions import db, login_manager
from designer.identity import login_security as security
from designer.models import User
from designer.web.i18n import same_site
from engine.models import utcnow

bp = Blueprint("auth", __name__)
F = TypeVar("F", bound=Callable[..., Any])
# The password fingerprint at login: a password change ends every other session.
PASSWORD_KEY = "_password_fp"
RESET_SUBJECTS = {"nb": "Tilbakestill passordet ditt", "en": "Reset your password"}

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


class ForgotPasswordForm(FlaskForm):
    """The account to send a reset link for."""

    login = StringField(
        _l("Username or e-mail address"), validators=[InputRequired(), Length(max=200)]
    )


class ResetPasswordForm(FlaskForm):
    """A new password, twice."""

    password = PasswordField(_l("New password"), validators=[InputRequired(), Length(max=200)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            InputRequired(),
            EqualTo("password", message=_l("The two passwords are not the same.")),
        ],
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


def _client_ip() -> str:
    # Behind a reverse proxy this is only right with ProxyFix configured in front.
    return request.remote_addr or "unknown"


def _minutes(seconds: int) -> int:
    return max(1, math.ceil(seconds / 60))


def _too_many(until: datetime, now: datetime, message: str) -> ResponseReturnValue:
    """429 with Retry-After, on the ordinary error page."""
    seconds = max(1, math.ceil((until - now).total_seconds()))
    body = render_template(
        "errors/error.html", status=429, title=_("Too many requests"), message=message
    )
    response = make_response(body, 429)
    response.headers["Retry-After"] = str(seconds)
    return response


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Show and handle the login form; failures are throttled per username and address."""
    form = LoginForm()
    headers: dict[str, str] = {}
    status = 200
    if form.validate_on_submit():
        now, ip = utcnow(), _client_ip()
        blocked = security.ip_blocked_until(ip, now)
        if blocked is not None:
            minutes = _minutes(math.ceil((blocked - now).total_seconds()))
            message = _(
                "Too many failed logins from your network. Try again in %(minutes)d minutes.",
                minutes=minutes,
            )
            return _too_many(blocked, now, message)
        verdict = security.authenticate(form.username.data.strip(), form.password.data, ip, now)
        if verdict.user is not None:
            login_user(verdict.user)
            session[PASSWORD_KEY] = [verdict.user.id, security.password_fingerprint(verdict.user)]
            flash(_("You are logged in as %(name)s.", name=verdict.user.name), "success")
            return redirect(same_site(request.args.get("next")) or home_for(verdict.user))
        if verdict.locked_until is not None:
            # The same words for every username, known or not: nothing to enumerate.
            seconds = verdict.retry_after(now)
            form.password.errors.append(
                _(
                    "Too many failed attempts for this username. Try again in %(minutes)d minutes.",
                    minutes=_minutes(seconds),
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


def _reset_link(token: str) -> str:
    """The absolute reset link; PUBLIC_BASE_URL wins over the request's Host header."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return str(base).rstrip("/") + url_for("auth.reset_password", token=token)
    try:
        return url_for("auth.reset_password", token=token, _external=True)
    except (RuntimeError, BuildError):
        return ""


def _send_reset_mail(user: User, token: str) -> None:
    # Imported here: designer.notify imports this module (role_required).
    from designer.notify.mail import send

    locale = str(get_locale() or "nb")
    locale = locale if locale in RESET_SUBJECTS else "nb"
    minutes = int(security.setting("PASSWORD_RESET_MAX_AGE")) // 60
    message = send(
        user.email,
        RESET_SUBJECTS[locale],
        "password_reset",
        {
            "name": user.name,
            "username": user.username,
            "reset_url": _reset_link(token),
            "minutes": minutes,
        },
        tenant_id=user.tenant_id,
        instance_id=None,
        locale=locale,
    )
    if message.status != "outbox":
        # Delivered (or failed): the outbox copy must not be a working key to the account.
        # Without SMTP the outbox is the only delivery, so the link stays there.
        message.body_text = message.body_text.replace(token, "…")
        if message.body_html:
            message.body_html = message.body_html.replace(token, "…")
        db.session.commit()


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password() -> ResponseReturnValue:
    """Ask for a reset link; the answer never tells whether the account exists."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        now, ip = utcnow(), _client_ip()
        blocked = security.reset_blocked_until(ip, now)
        if blocked is not None:
            return _too_many(blocked, now, _("Please wait a moment and try again."))
        security.record_reset_request(ip, now)
        for user in security.find_accounts(form.login.data):
            token = security.issue_reset_token(user, ip, now)
            if token is not None:
                _send_reset_mail(user, token)
        flash(
            _(
                "If the account exists and has an e-mail address, we have sent it a link to "
                "choose a new password. The link works for one hour."
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form), 400 if form.errors else 200


def _private(response: Any) -> Any:
    # The token is in the URL: keep it out of Referer headers and caches.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _invalid_link() -> ResponseReturnValue:
    return _private(make_response(render_template("auth/reset_invalid.html"), 400))


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> ResponseReturnValue:
    """Choose a new password with a one-time link; then log in again."""
    user = security.user_for_token(token)
    if user is None:
        return _invalid_link()
    form = ResetPasswordForm()
    if form.validate_on_submit():
        problem = security.password_problem(form.password.data, user)
        if problem is None:
            if security.reset_password(token, form.password.data) is None:
                return _invalid_link()
            logout_user()
            session.pop(PASSWORD_KEY, None)
            flash(_("Your password has been changed. Log in with the new password."), "success")
            return redirect(url_for("auth.login"))
        form.password.errors.append(_password_message(problem))
    body = render_template(
        "auth/reset_password.html",
        form=form,
        min_length=int(security.setting("PASSWORD_MIN_LENGTH")),
    )
    return _private(make_response(body, 400 if form.errors else 200))


def _password_message(problem: str) -> str:
    if problem == "short":
        return _(
            "The password must be at least %(count)d characters long.",
            count=int(security.setting("PASSWORD_MIN_LENGTH")),
        )
    if problem == "personal":
        return _("The password must not be your username or e-mail address.")
    return _("That password is too common. Choose one that is harder to guess.")


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    """End the session."""
    logout_user()
    session.pop(PASSWORD_KEY, None)
    flash(_("You are logged out."), "info")
    return redirect(url_for("portal.index"))


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    # A password session from before a password change ends. Sessions made by other logins
    # (OpenID Connect) carry no mark for this user and are left alone.
    mark = session.get(PASSWORD_KEY)
    if (
        user is not None
        and isinstance(mark, list)
        and len(mark) == 2
        and mark[0] == user.id
        and mark[1] != security.password_fingerprint(user)
    ):
        return None
    return user


def init_app(app: Flask) -> None:
    """Bind Flask-Login."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = cast(str, _l("Please log in to continue."))
    login_manager.login_message_category = "info"
