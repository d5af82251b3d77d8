"""The municipality's målform: set by its administrator, used for visitors without a choice."""

from __future__ import annotations

import lxml.html
from flask import Flask
from sqlalchemy import select

from designer.extensions import db
from designer.models import AuditEvent
from engine.models import Tenant


def _language(app: Flask) -> str:
    with app.app_context():
        tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "default")).one()
        return tenant.language


def test_the_administrator_sets_nynorsk_and_visitors_get_it(app: Flask, login_as, client) -> None:  # type: ignore[no-untyped-def]
    admin = login_as("admin")
    page = lxml.html.fromstring(admin.get("/admin/").get_data(as_text=True))
    assert page.xpath("//input[@name='language'][@value='nb'][@checked]")
    assert admin.submit("/admin/", {"language": "nn"}, action="/admin/language").status_code == 302
    assert _language(app) == "nn"
    with app.app_context():
        row = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "admin.tenant.language")
        ).one()
        assert row.detail == {"language": "nn"}
    visitor = lxml.html.fromstring(client.get("/").get_data(as_text=True))
    assert visitor.get("lang") == "nn"
    log = admin.get("/admin/audit").get_data(as_text=True)
    assert "Endra målforma til kommunen" in log  # the admin, too, now reads nynorsk


def test_only_bokmal_or_nynorsk_and_only_administrators(app: Flask, login_as) -> None:  # type: ignore[no-untyped-def]
    admin = login_as("admin")
    refused = admin.submit("/admin/", {"language": "en"}, action="/admin/language")
    assert refused.status_code == 303 and _language(app) == "nb"
    owner = login_as("eier")
    token = owner.csrf("/")
    denied = owner.client.post("/admin/language", data={"csrf_token": token, "language": "nn"})
    assert denied.status_code == 403 and _language(app) == "nb"
    no_token = admin.client.post("/admin/language", data={"language": "nn"})
    assert no_token.status_code == 400 and _language(app) == "nb"
