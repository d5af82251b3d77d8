"""Admin start page."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from designer import languages
from designer.extensions import db
from designer.identity.auth import role_required
from designer.services import accounts, people, tenants
from designer.web import auditing as audit
from designer.web.admin import bp
from engine.models import Tenant
from forms.validators import is_valid_organisasjonsnummer


class LanguageForm(FlaskForm):
    """The municipality's målform: the language of citizens without a choice and of letters."""

    language = RadioField(
        _l("Written standard (målform)"),
        choices=[
            SelectChoice(value="nb", label=_l("Bokmål")),
            SelectChoice(value="nn", label=_l("Nynorsk")),
        ],
    )


class OrgNumberForm(FlaskForm):
    """The municipality's organisasjonsnummer: names it in the national service catalogue."""

    org_number = StringField(
        _l("Organisation number"),
        validators=[Optional()],
        description=_l("9 digits, from Enhetsregisteret. Leave empty if you do not know it."),
        render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": "11"},
    )

    def validate_org_number(self, field: StringField) -> None:
        compact = "".join(str(field.data or "").split())
        if compact and not is_valid_organisasjonsnummer(compact):
            raise ValidationError(_("Enter a valid organisation number: 9 digits."))
        field.data = compact


@bp.get("/")
@role_required("admin")
def index() -> ResponseReturnValue:
    """The admin's municipality and what can be managed from here."""
    return _page()


def _page(org_form: OrgNumberForm | None = None) -> str:
    tenant = db.session.get(Tenant, current_user.tenant_id)
    assert tenant is not None
    form = LanguageForm(data={"language": languages.of_tenant(tenant)})
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
        language_form=form,
        org_form=org_form or OrgNumberForm(data={"org_number": tenant.org_number or ""}),
    )


@bp.post("/language")
@role_required("admin")
def language() -> ResponseReturnValue:
    """Set the municipality's målform (bokmål or nynorsk)."""
    form = LanguageForm()
    tenant = db.session.get(Tenant, current_user.tenant_id)
    if tenant is None or not form.validate_on_submit():
        flash(_("Choose bokmål or nynorsk."), "error")
        return redirect(url_for("admin.index")), 303
    languages.set_tenant_language(tenant, str(form.language.data))
    audit.record(
        current_user,
        "admin.tenant.language",
        object_type="tenant",
        object_id=tenant.id,
        roles=("admin",),
        detail={"language": tenant.language},
        commit=False,
    )
    db.session.commit()
    flash(_("The written standard is saved."), "success")
    return redirect(url_for("admin.index"))


@bp.post("/org-number")
@role_required("admin")
def org_number() -> ResponseReturnValue:
    """Set the municipality's organisasjonsnummer (empty: none)."""
    form = OrgNumberForm()
    tenant = db.session.get(Tenant, current_user.tenant_id)
    if tenant is None:
        return redirect(url_for("admin.index")), 303
    if not form.validate_on_submit():
        return _page(org_form=form), 400
    tenant.org_number = form.org_number.data or None
    audit.record(
        current_user,
        "admin.tenant.org_number",
        object_type="tenant",
        object_id=tenant.id,
        roles=("admin",),
        detail={"org_number": tenant.org_number or ""},
        commit=False,
    )
    db.session.commit()
    flash(_("The organisation number is saved."), "success")
    return redirect(url_for("admin.index"))
