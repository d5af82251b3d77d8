"""The public rules documentation (regeldokumentasjon) of a service's published versions."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from designer.extensions import db_session
from designer.identity.tenancy import current_tenant_id
from designer.services import rulesdoc
from designer.web.i18n import locale
from designer.web.portal import bp


@bp.get("/services/<key>/rules/<int:number>")
def rules(key: str, number: int) -> ResponseReturnValue:
    """How the rules of version `number` decide, in words (no login: anyone may read it)."""
    version = rulesdoc.published_version(db_session, current_tenant_id(), key, number)
    doc = rulesdoc.document(db_session, version, locale())
    live = version.model.published_version_id == version.id and not version.model.archived
    return render_template("portal/rules.html", doc=doc, live=live)


@bp.get("/services/<key>/rules")
def live_rules(key: str) -> ResponseReturnValue:
    """The rules documentation of the version that is live now."""
    number = rulesdoc.live_number(db_session, current_tenant_id(), key)
    return redirect(url_for("portal.rules", key=key, number=number))
