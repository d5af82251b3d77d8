"""The catalogue in CPSV-AP-NO (JSON-LD) at stable URLs, for data.norge.no to harvest."""

from __future__ import annotations

import json
from typing import Any

from flask import current_app, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from designer.extensions import db_session
from designer.identity.tenancy import current_tenant_id
from designer.services import cpsv
from designer.web.portal import bp

MAX_AGE = 300  # harvesters come about once an hour; a publication shows within minutes


@bp.get("/catalog.jsonld")
def describe_catalog() -> ResponseReturnValue:
    """The municipality's whole catalogue of services (no login: anyone may read it)."""
    return _jsonld(cpsv.catalog_document(db_session, current_tenant_id()))


@bp.get("/services/<key>.jsonld")
def describe_service(key: str) -> ResponseReturnValue:
    """One service of the catalogue; 404 for a service the catalogue does not show."""
    return _jsonld(cpsv.service_document(db_session, current_tenant_id(), key))


def _jsonld(document: dict[str, Any]) -> ResponseReturnValue:
    body = json.dumps(document, ensure_ascii=False, indent=2)
    response = current_app.response_class(body, mimetype="application/ld+json")
    # A visitor gets the default municipality's catalogue, a logged-in person their own:
    # shared caches may keep only the former.
    scope = "private" if current_user.is_authenticated else "public"
    response.headers["Cache-Control"] = f"{scope}, max-age={MAX_AGE}"
    response.vary.add("Cookie")
    response.add_etag()
    return response.make_conditional(request)
