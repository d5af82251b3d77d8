"""The catalogue in CPSV-AP-NO at stable public URLs (designer/web/portal/cpsv.py)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import lxml.html
from flask import Flask
from sqlalchemy import select

from designer.extensions import db
from designer.models import User
from designer.services import processes
from designer.services.catalog import install, read_folder
from engine.models import ProcessModel, Tenant
from tests.factories import Browser
from tests.services.test_cpsv import assert_jsonld

JSONLD = "application/ld+json"
PASSWORD = "a long enough password"
OWN_KEY = "nabo_fond"


def _document(client: Any, url: str = "/catalog.jsonld") -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert response.mimetype == JSONLD
    return json.loads(response.get_data(as_text=True))


def _services(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        node["@id"].rsplit("/", 1)[-1].removesuffix(".jsonld"): node
        for node in document["@graph"]
        if node["@type"] == "cpsv:PublicService"
    }


def _links(node: Any) -> set[str]:
    """Every absolute URL a document names, without fragments."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key != "@context":
                found |= _links(value)
    elif isinstance(node, list):
        for value in node:
            found |= _links(value)
    elif isinstance(node, str) and node.startswith("http://localhost/"):
        found.add(node.split("#")[0])
    return found


def _other_tenant(app: Flask) -> None:
    """A second municipality with a service only it has, and a citizen."""
    with app.app_context():
        tenant = Tenant(slug="nabokommune", name="Nabokommune")
        db.session.add(tenant)
        db.session.flush()
        bundle = read_folder("processes/leisure_subsidy")
        name = {"nb": "Nabofondet", "nn": "Nabofondet", "en": "The neighbours' fund"}
        meta = {**bundle.meta, "key": OWN_KEY, "name": name}
        install(db.session, tenant, dataclasses.replace(bundle, key=OWN_KEY, meta=meta))
        person = User(tenant_id=tenant.id, username="nabo-borger", name="Nora", roles="citizen")
        person.set_password(PASSWORD)
        db.session.add(person)
        db.session.commit()


def test_the_catalogue_is_public_json_ld_with_cache_headers(client):
    response = client.get("/catalog.jsonld")
    assert response.status_code == 200
    assert response.mimetype == JSONLD
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert "Cookie" in response.headers["Vary"]
    document = json.loads(response.get_data(as_text=True))
    assert_jsonld(document)
    assert "@context" in document
    again = client.get("/catalog.jsonld", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_every_link_resolves_to_a_page_of_the_app(client, login_as):
    document = _document(client)
    links = _links(document)
    services = _services(document)
    assert len(services) == 4  # the shipped services with a start form
    apply_pages = {node["foaf:homepage"] for node in services.values()}
    assert apply_pages == {node["cv:hasChannel"]["vcard:hasURL"] for node in services.values()}
    kari = login_as("kari")
    for url in sorted(links):
        if url in apply_pages:  # the online channel: citizens log in to apply
            login = client.get(url)
            assert login.status_code == 302 and "/login" in login.headers["Location"], url
            assert kari.get(url).status_code == 200, url
        else:
            assert client.get(url).status_code == 200, url
    for key, node in services.items():
        alone = _document(client, node["@id"])
        assert_jsonld(alone)
        assert alone["@graph"][0] == node, key
        rules = client.get(node["cpsv:follows"]["@id"], headers={"Accept-Language": "en"})
        assert "How the rules decide" in rules.get_data(as_text=True), key


def test_the_catalogue_page_links_its_machine_readable_description(client):
    page = lxml.html.fromstring(client.get("/").get_data(as_text=True))
    (link,) = page.xpath('//head/link[@rel="alternate"][@type="application/ld+json"]')
    assert _document(client, link.get("href"))["@graph"][0]["@type"] == "dcat:Catalog"


def test_unknown_archived_and_unpublished_services_are_not_found(app, client):
    with app.app_context():
        tenant = db.session.scalars(select(Tenant).where(Tenant.slug == "default")).one()
        parking = db.session.scalars(
            select(ProcessModel).where(
                ProcessModel.tenant_id == tenant.id, ProcessModel.key == "parking_permit"
            )
        ).one()
        processes.archive(db.session, parking, True, "test")
        db.session.add(ProcessModel(tenant_id=tenant.id, key="draft_only", name_nb="Utkast"))
        db.session.commit()
    for key in ("parking_permit", "draft_only", "flytverk_appeal", "nope", "a.b"):
        assert client.get(f"/services/{key}.jsonld").status_code == 404, key
    assert set(_services(_document(client))) == {"kindergarten", "leisure_subsidy", "meal_delivery"}


def test_no_other_municipality_s_services_ever(app, client):
    _other_tenant(app)
    assert client.get(f"/services/{OWN_KEY}.jsonld").status_code == 404
    visitor = json.dumps(_document(client), ensure_ascii=False)
    assert OWN_KEY not in visitor and "Nabo" not in visitor
    nora = Browser(app.test_client())
    nora.login("nabo-borger", PASSWORD)
    response = nora.get("/catalog.jsonld")
    assert response.headers["Cache-Control"] == "private, max-age=300"
    own = json.loads(response.get_data(as_text=True))
    assert set(_services(own)) == {OWN_KEY}
    assert "Demo kommune" not in json.dumps(own, ensure_ascii=False)
    assert nora.get("/services/parking_permit.jsonld").status_code == 404
    assert _document(nora, f"/services/{OWN_KEY}.jsonld")["@graph"][0]["dct:title"]["en"] == (
        "The neighbours' fund"
    )
