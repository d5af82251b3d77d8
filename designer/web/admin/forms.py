"""Admin forms: users, passwords, group members and tenants (no database queries here)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import Email, InputRequired, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

EMAIL = Email(message=_l("Enter a valid e-mail."))
USERNAME = Regexp(r"^[A-Za-z0-9._@-]+$", message=_l("Use letters, digits and . _ @ - only."))


def role_labels() -> list[tuple[str, Any]]:
    """Staff roles with their labels, in the order the form shows them."""
    return [
        ("caseworker", _l("Caseworker")),
        ("staff", _l("Staff (lists only)")),
        ("team_lead", _l("Team lead")),
        ("process_owner", _l("Process owner")),
        ("admin", _l("Administrator")),
    ]


class CheckboxesField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes (works without JavaScript)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _password_field(required: bool) -> PasswordField:
    return PasswordField(
        _l("Temporary password"),
        validators=[
            InputRequired() if required else Optional(),
            # The rest of the policy (length, common, personal) is checked by the service.
            Length(max=200),
        ],
        description=_l("At least 12 characters. Leave empty to have one made for you."),
    )


class StaffForm(FlaskForm):
    """A staff user's details, roles and groups."""

    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=200)])
    email = StringField(
        _l("E-mail"),
        validators=[Optional(), Length(max=200), EMAIL],
    )
    roles = CheckboxesField(_l("Roles"), choices=[])
    groups = CheckboxesField(_l("Groups"), choices=[], validate_choice=False)
    extra_groups = StringField(
        _l("Other groups"),
        validators=[Optional(), Length(max=500)],
        description=_l("Group names not in the list, separated by commas."),
    )
    active = BooleanField(_l("Active (can log in)"), default=True)
    absent = BooleanField(_l("Absent (no new tasks)"))

    def __init__(self, *args: Any, group_names: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.roles.choices = role_labels()
        self.groups.choices = [(g, g) for g in group_names or []]

    def validate_roles(self, field: CheckboxesField) -> None:
        """At least one role."""
        if not field.data:
            raise ValidationError(_l("Choose at least one role."))

    def group_names(self) -> list[str]:
        """Ticked groups plus those typed in."""
        typed = (self.extra_groups.data or "").split(",")
        return [*(self.groups.data or []), *typed]


class NewStaffForm(StaffForm):
    """A new staff user: a username and a first password too."""

    username = StringField(_l("Username"), validators=[InputRequired(), Length(max=100), USERNAME])
    password = _password_field(required=False)


class PasswordForm(FlaskForm):
    """A new temporary password for a user."""

    password = _password_field(required=False)


class ActiveForm(FlaskForm):
    """Activate or deactivate a user."""

    active = HiddenField(validators=[InputRequired()])


class MemberForm(FlaskForm):
    """Add a user to, or remove them from, a group."""

    group = StringField(_l("Group"), validators=[InputRequired(), Length(max=100)])
    user_id = StringField(_l("Person"), validators=[InputRequired(), Regexp(r"^\d{1,12}$")])


class TenantForm(FlaskForm):
    """A new municipality and its first administrator."""

    slug = StringField(
        _l("Short name"),
        validators=[InputRequired(), Length(min=1, max=64)],
        description=_l("Lowercase letters, digits and hyphens, for example notodden."),
    )
    name = StringField(
        _l("Name of the municipality"), validators=[InputRequired(), Length(max=200)]
    )
    admin_username = StringField(
        _l("Administrator's username"), validators=[InputRequired(), Length(max=100), USERNAME]
    )
    admin_name = StringField(
        _l("Administrator's name"), validators=[InputRequired(), Length(max=200)]
    )
    admin_email = StringField(
        _l("Administrator's e-mail"),
        validators=[Optional(), Length(max=200), EMAIL],
    )
    password = _password_field(required=False)
