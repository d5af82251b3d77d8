"""The password-reset pages: ask for a link, choose a new password with it."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, make_response, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import logout_user
from werkzeug.routing import BuildError

from designer import languages
from designer.extensions import db
from designer.identity import login_security as security
from designer.identity import reset_tokens, throttle
from designer.identity.blueprint import PASSWORD_KEY, bp
from designer.identity.forms import ForgotPasswordForm, ResetPasswordForm
from designer.identity.pages import too_many
from designer.models import User
from engine.models import utcnow


def _reset_link(token: str) -> str:
    """The absolute reset link; PUBLIC_BASE_URL wins over the request's Host header."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return str(base).rstrip("/") + url_for("auth.reset_password", token=token)
    try:
        return url_for("auth.reset_password", token=token, _external=True)
    except (RuntimeError, BuildError):
        return ""


def _enqueue_reset_mail(user: User, token: str) -> None:
    # Imported here: designer.notify imports designer.identity.auth (role_required).
    from designer.notify.mail import enqueue

    # The account's own language, else this request's (whoever asks sees the same page).
    lang = languages.known(user.language) or languages.known(str(get_locale() or ""))
    lang = lang or languages.for_person(db.session(), user)
    minutes = int(security.setting("PASSWORD_RESET_MAX_AGE")) // 60
    with force_locale(lang):
        subject = _("Reset your password")
    # The token is the message's secret: blanked in the outbox copy once delivered.
    enqueue(
        db.session(),
        user.email,
        subject,
        "password_reset",
        {
            "name": user.name,
            "username": user.username,
            "reset_url": _reset_link(token),
            "minutes": minutes,
        },
        tenant_id=user.tenant_id,
        instance_id=None,
        locale=lang,
        secret=token,
    )


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password() -> ResponseReturnValue:
    """Ask for a reset link; the answer never tells whether the account exists."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        now, ip = utcnow(), throttle.client_ip()
        blocked = throttle.blocked_until(throttle.RESET, ip)
        if blocked is not None:
            return too_many(blocked, now, _("Please wait a moment and try again."))
        throttle.fail(throttle.RESET, ip)
        security.prune(db.session(), now)
        for user in reset_tokens.find_accounts(db.session(), form.login.data):
            token = reset_tokens.issue(db.session(), user, ip, now)
            if token is not None:
                _enqueue_reset_mail(user, token)
        db.session.commit()
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
    user = reset_tokens.user_for_token(db.session(), token)
    if user is None:
        return _invalid_link()
    form = ResetPasswordForm()
    min_length = int(security.setting("PASSWORD_MIN_LENGTH"))
    if form.validate_on_submit():
        problem = security.password_problem(db.session(), form.password.data, user)
        if problem is None:
            if reset_tokens.reset_password(db.session(), token, form.password.data) is None:
                db.session.rollback()
                return _invalid_link()
            db.session.commit()
            logout_user()
            session.pop(PASSWORD_KEY, None)
            flash(_("Your password has been changed. Log in with the new password."), "success")
            return redirect(url_for("auth.login"))
        form.password.errors.append(problem.message(min_length))
    body = render_template("auth/reset_password.html", form=form, min_length=min_length)
    return _private(make_response(body, 400 if form.errors else 200))
