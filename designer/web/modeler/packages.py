"""Service packages: download a published version as a package, import one as a new draft.

The import is two steps that work without JavaScript: the upload is checked like any
untrusted file and its contents are shown (what an adopter must bind); the confirmation
sends the checked package back (inline, or chosen again when it is too large to carry in a
form), is checked again and becomes a new, unpublished service. It never overwrites one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

from flask import Response, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage
from wtforms import HiddenField
from wtforms.validators import InputRequired, Length, Regexp

from designer.extensions import db_session
from designer.identity.auth import role_required
from designer.services import catalog, drafts, publishing
from designer.services.packages import Limits, Package, from_zip, install_draft, of_version, to_zip
from designer.services.packages.container import EMPTY, NOT_ZIP, PackageRefused
from designer.services.packages.core import (
    BOUND_SETTINGS,
    connectors_of,
    free_key,
    groups_of,
    parameters_of,
)
from designer.web import auditing as audit
from designer.web.modeler import bp
from designer.web.modeler.common import OWNER_ROLES, record, registry
from designer.web.problems import translated
from engine.errors import ModelInvalid
from engine.models import ProcessModel, Tenant

# A package up to this size travels back inline in the confirmation form (base64 stays
# below the form's 500 KB field limit); a larger one is chosen again.
INLINE_BYTES = 300 * 1024
INSTALL_ATTEMPTS = 3
SETTING_LABELS: dict[str, Any] = {
    "appeal_weeks": _l("Appeal deadline (weeks)"),
    "appeal_body": _l("Appeal body"),
    "health_care": _l("Health and care service"),
    "unit": _l("Deciding unit"),
    "retention_years": _l("Retention (years)"),
    "retention_days": _l("Retention (days)"),
}
NOT_THE_SAME = _l("This is not the package you checked: choose the same file again.")
CHECK_FIRST = _l("Choose the package and check it before you import it.")


class UploadForm(FlaskForm):
    """A service package (.zip) to check."""

    file = FileField(
        _l("Service package (.zip)"),
        validators=[FileRequired(_l("Choose a service package (a .zip file)."))],
    )


class InstallForm(FlaskForm):
    """The checked package, sent back to install it: inline, or the same file again."""

    digest = HiddenField(validators=[InputRequired(), Regexp(r"^[0-9a-f]{64}$")])
    package = HiddenField(validators=[Length(max=4 * INLINE_BYTES // 3 + 8)])
    file = FileField(_l("Choose the same package file again"))


def _limits() -> Limits:
    return Limits.of(current_app.config)


def _bytes_of(storage: Any) -> bytes:
    """At most the limit (and one byte more, so a larger file is refused as too big)."""
    if not isinstance(storage, FileStorage):
        return b""
    return storage.stream.read(_limits().packed_bytes + 1)


@bp.get("/<int:model_id>/versions/<int:number>/package.zip")
@role_required("process_owner")
def package_download(model_id: int, number: int) -> ResponseReturnValue:
    """A published version as a service package (a zip with its manifest)."""
    model = drafts.model_for(db_session, current_user.tenant_id, model_id)
    version = publishing.version(db_session, model, number)
    data = to_zip(of_version(db_session, version))
    audit.record(
        current_user,
        "model.package.export",
        object_type="model",
        object_id=model.id,
        roles=OWNER_ROLES,
        detail={"version": number},
    )
    name = f"{model.key}-v{number}.zip"
    return Response(
        data,
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/packages/import")
@role_required("process_owner")
def package_import_form() -> ResponseReturnValue:
    """The upload form for a service package."""
    return render_template("modeler/package_import.html", form=UploadForm(prefix="package"))


@bp.post("/packages/import")
@role_required("process_owner")
def package_import() -> ResponseReturnValue:
    """Check an uploaded package and show what it holds, with the button that installs it."""
    form = UploadForm(prefix="package")
    if not form.validate_on_submit():
        return _refused(form), 400
    data = _bytes_of(form.file.data)
    try:
        package = from_zip(data, _limits())
        contents = _contents(package)
    except PackageRefused as err:
        return _refused(form, err.message), 400
    except ModelInvalid as err:
        return _refused(form, problems=err.problems), 400
    digest = hashlib.sha256(data).hexdigest()
    install = InstallForm(prefix="install", formdata=None, digest=digest)
    inline = len(data) <= INLINE_BYTES
    if inline:
        install.package.data = base64.b64encode(data).decode("ascii")
    return render_template(
        "modeler/package_preview.html", contents=contents, form=install, inline=inline
    )


@bp.post("/packages/install")
@role_required("process_owner")
def package_install() -> ResponseReturnValue:
    """Install a checked package as a new draft service, then open its editor."""
    form = InstallForm(prefix="install")
    upload = UploadForm(prefix="package", formdata=None)
    if not form.validate_on_submit():
        return _refused(upload, CHECK_FIRST), 400
    try:
        data = _sent_back(form)
        if hashlib.sha256(data).hexdigest() != form.digest.data:
            raise PackageRefused(str(NOT_THE_SAME))
        package = from_zip(data, _limits())
        model = _install(package)
    except PackageRefused as err:
        return _refused(upload, err.message), 400
    except ModelInvalid as err:
        db_session.rollback()
        return _refused(upload, problems=err.problems), 400
    record(
        "model.package.import",
        model,
        {"package": str(package.manifest.get("id") or "")[:100], "version": _version(package)},
    )
    db_session.commit()
    flash(_("Imported as a draft: check the groups and parameters, then publish"), "success")
    return redirect(url_for("modeler.edit", model_id=model.id), 303)


def _sent_back(form: InstallForm) -> bytes:
    if form.package.data:
        try:
            return base64.b64decode(form.package.data, validate=True)
        except (binascii.Error, ValueError):
            raise PackageRefused(str(NOT_ZIP)) from None
    data = _bytes_of(form.file.data)
    if not data:
        raise PackageRefused(str(EMPTY))
    return data


def _install(package: Package) -> ProcessModel:
    """The package as a new draft of the user's tenant, under a key nobody took meanwhile."""
    tenant = db_session.get(Tenant, current_user.tenant_id)
    assert tenant is not None
    for attempt in range(INSTALL_ATTEMPTS):
        try:
            with db_session.begin_nested():
                return install_draft(db_session, tenant, package, current_user.name)
        except IntegrityError:  # another import took the free key first: take the next
            if attempt == INSTALL_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _version(package: Package) -> int | None:
    version = package.manifest.get("version")
    return version if type(version) is int else None


def _refused(form: UploadForm, message: Any = None, problems: list[Any] | None = None) -> str:
    """The upload page again, with why the package was refused on its field."""
    if message is not None:
        form.file.errors = [*form.file.errors, message]  # type: ignore[list-item]
    elif problems:
        form.file.errors = [_("The package's diagram or forms have problems (listed below).")]
    return render_template(
        "modeler/package_import.html",
        form=form,
        problems=translated(problems or []),
    )


def _contents(package: Package) -> dict[str, Any]:
    """What the package holds and what an adopter must bind (read from its files)."""
    bundle = package.bundle()
    catalog.check(bundle)  # ModelInvalid: the problems are shown before anything is made
    files = package.version_files()
    manifest, service = package.manifest, package.service
    settings = service.get("settings") or {}
    origin = manifest.get("origin") if isinstance(manifest.get("origin"), dict) else {}
    connectors = registry()
    return {
        "name": service.get("name") or "",
        "description": service.get("description") or "",
        "id": manifest.get("id") or "",
        "origin": (origin or {}).get("municipality") or "",
        "version": _version(package),
        "licence": manifest.get("licence") or "",
        "requires": (manifest.get("requires") or {}).get("flytverk") or "",
        "key": free_key(db_session, current_user.tenant_id, bundle.key),
        "parameters": parameters_of(files),
        "groups": groups_of(package.bpmn, files, settings),
        "connectors": [_connector(c, connectors) for c in connectors_of(package.bpmn, files)],
        "settings": [
            (SETTING_LABELS.get(k, k), settings[k]) for k in BOUND_SETTINGS if k in settings
        ],
        "files": sorted(package.files),
    }


def _connector(found: dict[str, Any], connectors: Any) -> dict[str, Any]:
    """A connector the package calls, with its label here (None: not on this installation)."""
    connector = connectors.get(found["name"]) if connectors is not None else None
    label = _(connector.label_en) if connector is not None else None
    return {**found, "label": label}
