"""The municipality's organisasjonsnummer: set by its administrator, naming it in CPSV-AP-NO."""

from __future__ import annotations

import json

import lxml.html
from flask import Flask
from sqlalchemy import select

from designer.extensions import db
from designer.models import AuditEvent
from engine.models import Tenant

VALID = "974760673"
CATALOGUE = "https://organization-catalog.fellesdatakatalog.digdir.no/organizations/"


def _org_number(app: Flask) -> str | None:
    with app.app_context():
        tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "default")).one()
        return tenant.org_number


def test_the_administrator_sets_it_and_the_catalogue_names_the_organisation_by_it(
    app: Flask, login_as, client
) -> None:  # type: ignore[no-untyped-def]
    admin = login_as("admin")
    saved = admin.submit("/admin/", {"org_number": "974 760 673"}, action="/admin/org-number")
    assert saved.status_code == 302 and _org_number(app) == VALID
    with app.app_context():
        row = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "admin.tenant.org_number")
        ).one()
        assert row.detail == {"org_number": VALID}
    page = lxml.html.fromstring(admin.get("/admin/").get_data(as_text=True))
    assert page.xpath("//input[@name='org_number']/@value") == [VALID]
    document = json.loads(client.get("/catalog.jsonld").get_data(as_text=True))
    nodes = {node["@id"]: node for node in document["@graph"]}
    organisation = nodes[CATALOGUE + VALID]
    assert organisation["dct:identifier"] == VALID
    assert "Satte organisasjonsnummeret" in admin.get("/admin/audit").get_data(as_text=True)
    # Emptied again: the catalogue falls back to the installation's own URI.
    assert (
        admin.submit("/admin/", {"org_number": ""}, action="/admin/org-number").status_code == 302
    )
    assert _org_number(app) is None
    document = json.loads(client.get("/catalog.jsonld").get_data(as_text=True))
    assert not [n for n in document["@graph"] if n["@id"].startswith(CATALOGUE)]


def test_a_wrong_number_is_a_field_error_and_only_administrators_set_it(
    app: Flask, login_as
) -> None:  # type: ignore[no-untyped-def]
    admin = login_as("admin")
    refused = admin.submit("/admin/", {"org_number": "123456789"}, action="/admin/org-number")
    assert refused.status_code == 400 and _org_number(app) is None
    page = lxml.html.fromstring(refused.get_data(as_text=True))
    field = page.xpath("//input[@name='org_number']")[0]
    assert field.get("aria-invalid") == "true"
    assert "org_number-error" in field.get("aria-describedby")
    assert "Skriv et gyldig organisasjonsnummer" in page.text_content()
    sara = login_as("saksbehandler")
    token = sara.csrf("/casework/")
    denied = sara.client.post("/admin/org-number", data={"csrf_token": token, "org_number": VALID})
    assert denied.status_code == 403 and _org_number(app) is None
