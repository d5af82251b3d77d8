"""Citizen pages. Views are thin: read the request, call cases, render or redirect."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

import forms
from engine import runtime
from engine.errors import NotFound, StepFailed

from .. import cases
from ..auth import role_required
from ..extensions import db
from ..tenancy import current_tenant_id
from . import bp


@bp.get("/")
def index() -> ResponseReturnValue:
    """The catalogue of services."""
    return render_template(
        "portal/index.html", services=cases.published_services(current_tenant_id())
    )


@bp.route("/services/<key>/apply", methods=["GET", "POST"])
@role_required("citizen")
def apply(key: str) -> ResponseReturnValue:
    """Show a service's start form and start a case when it validates."""
    model, version = cases.published_version(current_tenant_id(), key)
    definition = cases.start_definition(version)
    if definition is None:
        raise NotFound("This service has no application form.")
    form_cls = cases.form_class(definition)
    form = (
        form_cls()
        if request.method == "POST"
        else form_cls(data=cases.prefill(current_user, definition))
    )
    if form.validate_on_submit():
        try:
            instance = cases.apply(current_user, version, forms.typed_data(form, definition))
        except StepFailed as err:
            flash(
                _(
                    "Your application was received, but an automatic check could not be completed. "
                    "The municipality has been notified and will process it."
                ),
                "error",
            )
            failed = err.instance
            return (
                redirect(url_for("portal.case", case_no=failed.case_no))
                if failed
                else redirect(url_for("portal.my_cases"))
            )
        flash(_("Your application has been sent."), "success")
        return redirect(url_for("portal.case", case_no=instance.case_no, received=1))
    status = 422 if form.errors else 200
    return render_template(
        "portal/apply.html", model=model, form=form, definition=definition
    ), status


@bp.get("/cases")
@role_required("citizen")
def my_cases() -> ResponseReturnValue:
    """The citizen's cases with status and decision."""
    items = [(i, cases.status_key(i)) for i in cases.my_cases(current_user)]
    return render_template("portal/my_cases.html", items=items)


@bp.get("/cases/<case_no>")
@role_required("citizen")
def case(case_no: str) -> ResponseReturnValue:
    """One case: receipt, status, decision and what was submitted."""
    instance = cases.citizen_case(current_user, case_no)
    data = runtime.current_data(db.session, instance)
    return render_template(
        "portal/case.html",
        instance=instance,
        status=cases.status_key(instance),
        model=instance.process_version.model,
        summary=cases.submitted_summary(instance, data),
        received=request.args.get("received") == "1",
    )
