"""Admin start page."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice

from designer import languages
from designer.extensions import db
from designer.identity.auth import role_required
from designer.services import accounts, people, tenants
from designer.web import auditing as audit
from designer.web.admin import bp
from engine.models import Tenant


class LanguageForm(FlaskForm):
    """The municipality's målform: the language of citizens without a choice and of letters."""

    language = RadioField(
        _l("Written standard (målform)"),
        choices=[
            SelectChoice(value="nb", label=_l("Bokmål")),
            SelectChoice(value="nn", label=_l("Nynorsk")),
        ],
    )


@bp.get("/")
@role_required("admin")
def index() -> ResponseReturnValue:
    """The admin's municipality and what can be managed from here."""
    tenant = db.session.get(Tenant, current_user.tenant_id)
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
