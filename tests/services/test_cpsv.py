"""The CPSV-AP-NO description of a tenant's catalogue (designer.services.cpsv).

rdflib is not among the project's packages, so the JSON-LD is checked by hand
(`assert_jsonld`): every key and type is a term of the context or a compact IRI of one of
its prefixes, language maps are keyed by languages Flytverk speaks, links are absolute IRIs.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import select

from designer import languages
from designer.extensions import db
from designer.services import cpsv, processes
from designer.services.appeal_standing import PLATFORM_KEY, platform_version
from designer.services.applications import open_for_application
from designer.services.catalog import install, read_folder
from designer.services.errors import Missing
from engine.models import ProcessModel, Tenant

ALL = set(languages.LANGUAGES)
# shipped, with a start form
CATALOGUE = {"kindergarten", "leisure_subsidy", "meal_delivery", "parking_permit"}
SERVICE_MANDATORY = (
    "dct:identifier",
    "dct:title",
    "dct:description",
    "cv:hasCompetentAuthority",
    "cv:ownedBy",
    "cv:contactPoint",
    "cpsvno:hasPossibleOutput",
)
CATALOG_MANDATORY = (
    "dct:identifier",
    "dct:title",
    "dct:description",
    "dct:publisher",
    "cv:contactPoint",
    "dcatno:containsService",
)


def _nodes(value: Any) -> Iterator[dict[str, Any]]:
    """Every node object of a document, embedded ones too."""
    if isinstance(value, list):
        for item in value:
            yield from _nodes(item)
    elif isinstance(value, dict) and "@id" in value:
        yield value
        for key, item in value.items():
            if not key.startswith("@"):
                yield from _nodes(item)


def _absolute(iri: Any) -> bool:
    parts = urlsplit(str(iri))
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _expands(name: str, context: dict[str, Any]) -> bool:
    prefix, colon, rest = name.partition(":")
    return bool(colon and rest) and isinstance(context.get(prefix), str)


def assert_jsonld(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Check a document's structure as a JSON-LD processor reads it; its nodes."""
    json.loads(json.dumps(document))  # plain JSON all through
    context = document["@context"]
    assert set(document) == {"@context", "@graph"}
    for term, definition in context.items():
        assert isinstance(definition, str) or _expands(term, context), term
    nodes = list(_nodes(document["@graph"]))
    assert nodes and all(_absolute(node["@id"]) for node in nodes)
    for node in nodes:
        types = node["@type"] if isinstance(node["@type"], list) else [node["@type"]]
        assert all(_expands(t, context) for t in types), types
        for key, value in node.items():
            if key.startswith("@"):
                continue
            assert _expands(key, context), key
            definition = context.get(key, {})
            if definition.get("@container") == "@language":
                assert value and set(value) <= ALL, (key, value)
                assert all(isinstance(v, str) and v.strip() for v in value.values()), key
            if definition.get("@type") == "@id":
                links = value if isinstance(value, list) else [value]
                assert all(isinstance(v, str) and _absolute(v) for v in links), (key, value)
    ids = [node["@id"] for node in nodes]
    assert len(ids) == len(set(ids)), ids  # each node written once; references are IRIs
    return nodes


def _by_type(nodes: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [n for n in nodes if n["@type"] == kind]


def _default(app: Flask) -> Tenant:
    tenant = db.session.scalars(
        select(Tenant).where(Tenant.slug == app.config["DEFAULT_TENANT"])
    ).one()
    return tenant


def _catalog(app: Flask, tenant_id: int | None = None) -> dict[str, Any]:
    with app.test_request_context():
        return cpsv.catalog_document(db.session, tenant_id or _default(app).id)


def _services(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    nodes = _by_type(list(_nodes(document["@graph"])), "cpsv:PublicService")
    return {node["@id"].rsplit("/", 1)[-1].removesuffix(".jsonld"): node for node in nodes}


def test_the_catalogue_describes_each_service_of_the_citizens_catalogue_once(app):
    with app.app_context():
        document = _catalog(app)
        shown = {m.key for m in open_for_application(db.session, _default(app).id)}
    nodes = assert_jsonld(document)
    services = _services(document)
    assert set(services) == shown == CATALOGUE
    assert len(_by_type(nodes, "cpsv:PublicService")) == len(CATALOGUE)
    (catalog,) = _by_type(nodes, "dcat:Catalog")
    assert all(catalog.get(p) for p in CATALOG_MANDATORY)
    assert sorted(catalog["dcatno:containsService"]) == sorted(n["@id"] for n in services.values())
    assert set(catalog["dct:title"]) == ALL
    assert catalog["dct:title"]["nb"] == "Tjenester fra Demo kommune"
    assert catalog["dct:title"]["nn"] == "Tenester frå Demo kommune"
    assert catalog["dct:title"]["en"] == "Services from Demo kommune"
    (organisation,) = _by_type(nodes, "cv:PublicOrganisation")
    assert catalog["dct:publisher"] == organisation["@id"]
    assert organisation["skos:prefLabel"] == {"nb": "Demo kommune"}
    assert organisation["dct:spatial"] == cpsv.NORWAY
    (norway,) = (n for n in nodes if n["@id"] == cpsv.NORWAY)
    assert norway["@type"] == "dct:Location"  # the shapes check what dct:spatial refers to
    for key, node in services.items():
        assert all(node.get(p) for p in SERVICE_MANDATORY), key
        assert set(node["dct:title"]) == set(node["dct:description"]) == ALL, key
        assert node["dct:identifier"] == node["@id"]
        assert node["cv:hasCompetentAuthority"] == node["cv:ownedBy"] == organisation["@id"]
        assert node["cv:contactPoint"] in {n["@id"] for n in _by_type(nodes, "cv:ContactPoint")}
        output = node["cpsvno:hasPossibleOutput"]
        assert output["@type"] == "cpsvno:PossibleOutput"
        assert set(output["dct:title"]) == set(output["dct:description"]) == ALL
        assert output["dct:title"]["nb"] == "Vedtaksbrev"
        assert output["dct:description"]["nn"].startswith("Eit brev med vedtaket")
        assert node["cpsv:follows"]["@type"] == "cpsv:Rule"
        assert set(node["cpsv:follows"]["dct:title"]) == ALL
        assert node["cv:hasLegalResource"]["dct:title"], key  # every shipped one has a basis
        assert node["cpsv:follows"]["cpsv:implements"] == node["cv:hasLegalResource"]["@id"]


def test_each_service_alone_is_the_same_node_as_in_the_catalogue(app):
    with app.app_context():
        services = _services(_catalog(app))
        for key, node in services.items():
            with app.test_request_context():
                alone = cpsv.service_document(db.session, _default(app).id, key)
            nodes = assert_jsonld(alone)
            assert alone["@graph"][0] == node
            assert _by_type(nodes, "cv:PublicOrganisation")


def test_what_the_start_form_asks_for_and_how_long_it_takes(app):
    with app.app_context():
        services = _services(_catalog(app))
    (statement,) = services["parking_permit"]["cpsvno:hasRequiredEvidence"]
    assert statement["@type"] == "cpsvno:RequiredEvidence"
    assert statement["dct:title"] == {
        "nb": "Legeerklæring",
        "nn": "Legeerklæring",
        "en": "Doctor's statement",
    }
    assert statement["dct:description"]["en"].startswith("Upload the doctor's statement")
    assert "cpsvno:hasRequiredEvidence" not in services["leisure_subsidy"]  # asks for no file
    assert services["kindergarten"]["cv:processingTime"] == "P14D"
    assert "cv:processingTime" not in services["parking_permit"]  # no due days set
    legal = services["parking_permit"]["cv:hasLegalResource"]["dct:title"]
    assert legal["en"] == "Regulations on parking for people with reduced mobility, section 3"
    assert services["kindergarten"]["adms:status"] == cpsv.COMPLETED
    channel = services["kindergarten"]["cv:hasChannel"]
    assert channel["vcard:hasURL"] == services["kindergarten"]["foaf:homepage"]


def test_no_language_is_claimed_for_a_text_that_is_not_written_in_it(app):
    with app.app_context():
        tenant = _default(app)
        bundle = read_folder("processes/parking_permit")
        files = {k: v for k, v in bundle.files.items() if k != "texts.nn.json"}
        meta = {
            **bundle.meta,
            "key": "parking_nb_en",
            "name": {k: v for k, v in bundle.meta["name"].items() if k != "nn"},
            "description": {k: v for k, v in bundle.meta["description"].items() if k != "nn"},
        }
        install(
            db.session, tenant, dataclasses.replace(bundle, key=meta["key"], meta=meta, files=files)
        )
        db.session.commit()
        node = _services(_catalog(app))["parking_nb_en"]
    assert set(node["dct:title"]) == set(node["dct:description"]) == {"nb", "en"}
    assert node["dct:language"] == [cpsv.LANGUAGE_URIS["nb"], cpsv.LANGUAGE_URIS["en"]]
    assert set(node["cv:hasLegalResource"]["dct:title"]) == {"nb", "en"}
    assert set(node["cpsvno:hasRequiredEvidence"][0]["dct:title"]) == {"nb", "en"}
    rule = node["cpsv:follows"]["dct:title"]
    assert rule["nn"] == "Slik avgjer reglane"  # the platform's own text, without a name
    assert rule["en"] == "How the rules decide: Parking permit for people with reduced mobility"


def test_archived_unpublished_and_platform_services_are_left_out(app, monkeypatch):
    with app.app_context():
        tenant = _default(app)
        platform_version(db.session, tenant.id)
        parking = db.session.scalars(
            select(ProcessModel).where(
                ProcessModel.tenant_id == tenant.id, ProcessModel.key == "parking_permit"
            )
        ).one()
        processes.archive(db.session, parking, True, "test")
        db.session.add(ProcessModel(tenant_id=tenant.id, key="draft_only", name_nb="Utkast"))
        db.session.commit()
        monkeypatch.setattr(cpsv, "HIDDEN", frozenset({PLATFORM_KEY, "kindergarten"}))
        assert set(_services(_catalog(app))) == {"leisure_subsidy", "meal_delivery"}
        for key in ("parking_permit", "draft_only", PLATFORM_KEY, "kindergarten", "nope"):
            with app.test_request_context(), pytest.raises(Missing):
                cpsv.service_document(db.session, tenant.id, key)


def test_another_tenant_gets_its_own_catalogue_only(app):
    with app.app_context():
        other = Tenant(slug="nabokommune", name="Nabokommune", language="nn")
        db.session.add(other)
        db.session.flush()
        bundle = read_folder("processes/leisure_subsidy")
        name = {"nb": "Nabofondet", "nn": "Nabofondet", "en": "The neighbours' fund"}
        meta = {**bundle.meta, "key": "nabo_fond", "name": name}
        install(db.session, other, dataclasses.replace(bundle, key="nabo_fond", meta=meta))
        db.session.commit()
        mine, theirs = _catalog(app), _catalog(app, other.id)
        with app.test_request_context(), pytest.raises(Missing):
            cpsv.service_document(db.session, _default(app).id, "nabo_fond")
    assert "nabo_fond" not in _services(mine)
    assert set(_services(theirs)) == {"nabo_fond"}
    (organisation,) = _by_type(assert_jsonld(theirs), "cv:PublicOrganisation")
    assert organisation["@id"].endswith("/catalog.jsonld#nabokommune")
    assert organisation["skos:prefLabel"] == {"nn": "Nabokommune"}
    assert "Demo kommune" not in json.dumps(theirs, ensure_ascii=False)


def test_uris_follow_the_public_base_url_not_the_request_host(app):
    app.config["PUBLIC_BASE_URL"] = "https://tjenester.example.no/"
    with app.app_context():
        document = _catalog(app)
    terms = {"dct:Location", "dct:LinguisticSystem", "skos:Concept"}  # vocabularies' own
    for node in assert_jsonld(document):
        if node["@type"] not in terms:
            assert node["@id"].startswith("https://tjenester.example.no/"), node["@id"]
    parking = _services(document)["parking_permit"]
    assert parking["foaf:homepage"] == "https://tjenester.example.no/services/parking_permit/apply"
    assert parking["cpsv:follows"]["@id"].startswith(
        "https://tjenester.example.no/services/parking_permit/rules/"
    )
