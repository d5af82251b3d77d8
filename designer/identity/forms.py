"""The login and password-reset forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length


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
