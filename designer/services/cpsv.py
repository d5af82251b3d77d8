"""The catalogue described the national way: CPSV-AP-NO 1.1 in JSON-LD, for data.norge.no.

CPSV-AP-NO is Digdir's Norwegian profile of the EU's Core Public Service Vocabulary
Application Profile. data.norge.no harvests a catalogue from a stable URL registered as a
harvest source with its format (here `application/ld+json`, read by Apache Jena); it takes
a `dcat:Catalog` that is a named node and the named `cpsv:PublicService` nodes it links with
`dcatno:containsService`.

Sources (read December 2026):
    https://informasjonsforvaltning.github.io/cpsv-ap-no/ (the specification), its sources
      in github.com/Informasjonsforvaltning/cpsv-ap-no: docs/Navnerom.adoc (namespaces),
      docs/Klassen*.adoc (OffentligTjeneste, Tjeneste, Katalog, Kontaktpunkt,
      OffentligOrganisasjon, MuligResultat, PåkrevdDokumentasjon, Regel,
      RegulativRessurs, Tjenestekanal), docs/TemaKnytteTilRegelverk.adoc, and
      shacl/CPSV-AP-NO_shacl_shapes_v1.ttl (1.1.001, 2024-10-07: what the validator checks)
    https://data.norge.no/en/docs/sharing-data/publishing-data-descriptions (harvesting)
    github.com/Informasjonsforvaltning/fdk-public-service-harvester (formats by Accept
      header; catalogues by dcatno:containsService) and fdk-parser-service
      (CpsvApNoV1Parser: cpsvno:hasPossibleOutput, cpsvno:hasRequiredEvidence)

Platform data -> CPSV-AP-NO (M mandatory, R recommended, O optional):
    model key -> the URI /services/<key>.jsonld, also dct:identifier (M)
    card name and description -> dct:title, dct:description (M), only in the languages
        they are written in; those languages -> dct:language (O, EU language table)
    the tenant -> cv:hasCompetentAuthority (M), cv:ownedBy (M): a cv:PublicOrganisation
        with dct:identifier, skos:prefLabel, dct:spatial Norway (M), dct:type
        LocalAuthority (R). With the municipality's organisasjonsnummer (set on the admin
        page) its URI is the organisation-catalog URI of the orgnr; without one
        <catalogue URL>#<slug>
    the citizens' portal -> cv:contactPoint (M): a cv:ContactPoint with cv:contactPage
        (the platform keeps no phone number or e-mail address of the municipality)
    the decision letter -> cpsvno:hasPossibleOutput (M): a cpsvno:PossibleOutput with
        dct:title, dct:description (M) and dct:language (R: letters come in nb, nn, en)
    the start form's file fields -> cpsvno:hasRequiredEvidence (R): label and help text
    the apply page -> foaf:homepage (R) and cv:hasChannel (O): an online cv:Channel
    published and live -> adms:status COMPLETED (R); Norway -> dct:spatial (R)
    the live version's rules documentation (portal.rules) -> cpsv:follows (O), a cpsv:Rule
    settings.legal_basis per language -> cv:hasLegalResource (O), an eli:LegalResource
        that the rule cpsv:implements (R)
    settings.default_due_days -> cv:processingTime (O), an ISO 8601 duration
    the catalogue: dcat:Catalog with dct:identifier, dct:title, dct:description,
        dct:publisher, cv:contactPoint, dcatno:containsService (M); dct:language,
        dct:spatial, foaf:homepage, dct:modified (R)
Not mapped, for the profile has no place for them or the platform does not keep them:
settings.unit, settings.appeal, keywords, thematic areas (Los, EuroVoc), costs.

Which services: those of the citizens' catalogue (published, not archived, with a start
form: `applications.open_for_application`), never the platform's own processes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from designer import languages
from designer.notify.messages import external_url
from designer.services.appeal_standing import PLATFORM_KEY
from designer.services.applications import open_for_application
from designer.services.errors import Missing
from designer.services.service_texts import read
from engine import api as engine
from engine.models import ProcessModel, ProcessVersion, Tenant

Node = dict[str, Any]

HIDDEN = frozenset({PLATFORM_KEY})  # the platform's own processes are no public services
EU_LANGUAGE = "http://publications.europa.eu/resource/authority/language/"
LANGUAGE_URIS = {"nb": EU_LANGUAGE + "NOB", "nn": EU_LANGUAGE + "NNO", "en": EU_LANGUAGE + "ENG"}
NORWAY = "http://publications.europa.eu/resource/authority/country/NOR"
LOCAL_AUTHORITY = "http://purl.org/adms/publishertype/LocalAuthority"
# An organisation with an organisasjonsnummer is named by the national organisation catalogue.
ORGANISATION_CATALOG = "https://organization-catalog.fellesdatakatalog.digdir.no/organizations/"
COMPLETED = "http://publications.europa.eu/resource/authority/distribution-status/COMPLETED"
ONLINE = "https://data.norge.no/vocabulary/service-channel-type#online"

PREFIXES = {
    "adms": "http://www.w3.org/ns/adms#",
    "cpsv": "http://purl.org/vocab/cpsv#",
    "cpsvno": "https://data.norge.no/vocabulary/cpsvno#",
    "cv": "http://data.europa.eu/m8g/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcatno": "https://data.norge.no/vocabulary/dcatno#",
    "dct": "http://purl.org/dc/terms/",
    "eli": "http://data.europa.eu/eli/ontology#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
LANGUAGE_MAPS = ("dct:title", "dct:description", "skos:prefLabel")  # {"nb": ..., "en": ...}
LINKS = (  # properties whose string values are IRIs
    *("adms:status", "cpsv:implements", "cv:contactPage", "cv:contactPoint", "cv:ownedBy"),
    *("cv:hasCompetentAuthority", "dcatno:containsService", "dct:language", "dct:publisher"),
    *("dct:spatial", "dct:type", "foaf:homepage", "vcard:hasURL"),
)
TYPED = {"dct:modified": "xsd:dateTime", "cv:processingTime": "xsd:duration"}
CONTEXT: Node = {
    **PREFIXES,
    **{term: {"@container": "@language"} for term in LANGUAGE_MAPS},
    **{term: {"@type": "@id"} for term in LINKS},
    **{term: {"@type": kind} for term, kind in TYPED.items()},
}


@dataclass(frozen=True)
class _Places:
    """The absolute URLs every node of one tenant's description refers to."""

    catalog: str
    portal: str
    organisation: str
    contact: str


def published(session: Session, tenant_id: int) -> list[tuple[ProcessModel, ProcessVersion]]:
    """The tenant's services as the citizens' catalogue shows them, with their live versions."""
    found = []
    for model in open_for_application(session, tenant_id):
        version = session.get(ProcessVersion, model.published_version_id)
        if model.key not in HIDDEN and version is not None:
            found.append((model, version))
    return found


def catalog_document(session: Session, tenant_id: int) -> Node:
    """The tenant's whole catalogue: a graph of the dcat:Catalog, its services and owner."""
    tenant = _tenant(session, tenant_id)
    places = _places(tenant)
    services = published(session, tenant_id)
    nodes = [_service(model, version, places) for model, version in services]
    catalog: Node = {
        "@id": places.catalog,
        "@type": "dcat:Catalog",
        "dct:identifier": places.catalog,
        "dct:title": _each_language(
            lambda: _("Services from %(municipality)s", municipality=tenant.name)
        ),
        "dct:description": _each_language(
            lambda: _(
                "The services citizens can apply for digitally at %(municipality)s, each "
                "with its rules documentation.",
                municipality=tenant.name,
            )
        ),
        "dct:publisher": places.organisation,
        "cv:contactPoint": places.contact,
        "dcatno:containsService": [node["@id"] for node in nodes],
        "dct:language": list(LANGUAGE_URIS.values()),
        "dct:spatial": NORWAY,
        "foaf:homepage": places.portal,
    }
    times = [v.published_at for _m, v in services if v.published_at is not None]
    if times:
        catalog["dct:modified"] = _timestamp(max(times))
    graph = [catalog, *nodes, *_shared(tenant, places)]
    return {"@context": CONTEXT, "@graph": graph}


def service_document(session: Session, tenant_id: int, key: str) -> Node:
    """One service of the tenant's catalogue with its owner; Missing if it is not in it."""
    tenant = _tenant(session, tenant_id)
    places = _places(tenant)
    for model, version in published(session, tenant_id):
        if model.key == key:
            graph = [_service(model, version, places), *_shared(tenant, places)]
            return {"@context": CONTEXT, "@graph": graph}
    raise Missing()


def _tenant(session: Session, tenant_id: int) -> Tenant:
    tenant = session.get(Tenant, tenant_id) if tenant_id else None
    if tenant is None:
        raise Missing()
    return tenant


def _places(tenant: Tenant) -> _Places:
    catalog = external_url("portal.describe_catalog")
    return _Places(
        catalog=catalog,
        portal=external_url("portal.index"),
        organisation=(
            f"{ORGANISATION_CATALOG}{tenant.org_number}"
            if tenant.org_number
            else f"{catalog}#{tenant.slug}"
        ),
        contact=f"{catalog}#contact-point",
    )


def _shared(tenant: Tenant, places: _Places) -> list[Node]:
    """The organisation, the contact point and the typed vocabulary terms the nodes use
    (the profile's shapes check the classes of what a property refers to)."""
    organisation = {
        "@id": places.organisation,
        "@type": "cv:PublicOrganisation",
        "dct:identifier": tenant.org_number or places.organisation,
        "skos:prefLabel": {languages.of_tenant(tenant): tenant.name},
        "dct:spatial": NORWAY,
        "dct:type": LOCAL_AUTHORITY,
    }
    contact = {"@id": places.contact, "@type": "cv:ContactPoint", "cv:contactPage": places.portal}
    terms = [{"@id": NORWAY, "@type": "dct:Location"}]
    terms += [{"@id": uri, "@type": "dct:LinguisticSystem"} for uri in LANGUAGE_URIS.values()]
    terms += [{"@id": uri, "@type": "skos:Concept"} for uri in (COMPLETED, LOCAL_AUTHORITY, ONLINE)]
    return [organisation, contact, *terms]


def _service(model: ProcessModel, version: ProcessVersion, places: _Places) -> Node:
    uri = external_url("portal.describe_service", key=model.key)
    apply_url = external_url("portal.apply", key=model.key)
    files, settings = dict(version.files or {}), dict(model.settings or {})
    names = _written((code, name) for code, name, _d in languages.card_languages(model))
    node: Node = {
        "@id": uri,
        "@type": "cpsv:PublicService",
        "dct:identifier": uri,
        "dct:title": names,
        "dct:description": _written((c, d) for c, _n, d in languages.card_languages(model)),
        "cv:hasCompetentAuthority": places.organisation,
        "cv:ownedBy": places.organisation,
        "cv:contactPoint": places.contact,
        "cpsvno:hasPossibleOutput": _output(uri),
        "cv:hasChannel": {
            "@id": f"{uri}#online",
            "@type": "cv:Channel",
            "dct:identifier": f"{uri}#online",
            "dct:type": ONLINE,
            "vcard:hasURL": apply_url,
        },
        "foaf:homepage": apply_url,
        "dct:language": [LANGUAGE_URIS[code] for code in names],
        "dct:spatial": NORWAY,
        "adms:status": COMPLETED,
    }
    legal_basis = _setting(model, files, "legal_basis")
    rule = _rule(model, version, names)
    if legal_basis:
        law = f"{uri}#legal-basis"
        node["cv:hasLegalResource"] = {
            "@id": law,
            "@type": "eli:LegalResource",
            "dct:identifier": law,
            "dct:title": legal_basis,
        }
        rule["cpsv:implements"] = law
    node["cpsv:follows"] = rule
    evidence = list(_evidence(uri, version, files))
    if evidence:
        node["cpsvno:hasRequiredEvidence"] = evidence
    days = settings.get("default_due_days")
    if isinstance(days, int) and not isinstance(days, bool) and days > 0:
        node["cv:processingTime"] = f"P{days}D"
    return node


def _output(uri: str) -> Node:
    return {
        "@id": f"{uri}#decision",
        "@type": "cpsvno:PossibleOutput",
        "dct:identifier": f"{uri}#decision",
        "dct:title": _each_language(lambda: _("Decision letter")),
        "dct:description": _each_language(
            lambda: _("A letter with the decision, the reasons for it and how to appeal.")
        ),
        "dct:language": list(LANGUAGE_URIS.values()),
    }


def _rule(model: ProcessModel, version: ProcessVersion, names: dict[str, str]) -> Node:
    """The public rules documentation of the live version, in every language of the UI."""
    page = external_url("portal.rules", key=model.key, number=version.number)
    title = _each_language(lambda: _("How the rules decide"))
    return {
        "@id": page,
        "@type": "cpsv:Rule",
        "dct:identifier": page,
        "dct:title": {
            code: f"{text}: {names[code]}" if code in names else text
            for code, text in title.items()
        },
        "dct:description": _each_language(
            lambda: _(
                "This page describes in words how this version of the service decides. It "
                "is made from the version itself: the decision tables, the choices in the "
                "process and who does each step."
            )
        ),
        "dct:language": list(LANGUAGE_URIS.values()),
    }


def _evidence(uri: str, version: ProcessVersion, files: dict[str, str]) -> Iterator[Node]:
    """The documents the start form asks for (its file fields); the field's help text
    describes each (its label where it has none: the profile wants a description)."""
    name = engine.spec_for(version).start_form
    definition = version.forms().get(name or "")
    if not name or definition is None:
        return
    try:
        raw = json.loads(definition)
    except ValueError:
        return
    base = languages.base_of(version.model)
    for component in _components(raw.get("components") if isinstance(raw, dict) else None):
        key = component.get("key")
        if component.get("type") != "filepicker" or not isinstance(key, str) or not key:
            continue
        node: Node = {
            "@id": f"{uri}#input-{key}",
            "@type": "cpsvno:RequiredEvidence",
            "dct:identifier": f"{uri}#input-{key}",
        }
        for prop, term in (("label", "dct:title"), ("description", "dct:description")):
            texts = _form_text(files, f"form/{name}/{key}/{prop}", component, prop, base)
            if texts:
                node[term] = texts
        if "dct:title" in node:
            node.setdefault("dct:description", node["dct:title"])
            yield node


def _components(items: Any) -> Iterator[dict[str, Any]]:
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            yield item
            yield from _components(item.get("components"))


def _form_text(
    files: dict[str, str], text_id: str, component: dict[str, Any], prop: str, base: str
) -> dict[str, str]:
    """A form text in each language it is written in (the base, texts.<lang>.json, and the
    legacy `<prop>_en` property for English)."""
    props = component.get("properties")
    legacy = str(props.get(f"{prop}_en") or "") if isinstance(props, dict) else ""

    def written(code: str) -> str:
        if code == base:
            return str(component.get(prop) or "")
        return read(files, code).get(text_id) or (legacy if code == "en" else "")

    return _written((code, written(code)) for code in languages.LANGUAGES)


def _setting(model: ProcessModel, files: dict[str, str], name: str) -> dict[str, str]:
    """A text setting (the legal basis) in each language it is written in."""
    value = (model.settings or {}).get(name)
    base = languages.base_of(model)

    def written(code: str) -> str:
        own = read(files, code).get(f"service/{name}")
        if own:
            return own
        if isinstance(value, dict):
            return str(value.get(code) or "")
        return str(value or "") if code == base else ""

    return _written((code, written(code)) for code in languages.LANGUAGES)


def _written(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """A language map of the texts that are there: no language is claimed for a gap."""
    return {code: text.strip() for code, text in pairs if text and text.strip()}


def _each_language(make: Callable[[], str]) -> dict[str, str]:
    """A platform text (from the translation catalogues) in each language Flytverk speaks."""
    found = {}
    for code in languages.LANGUAGES:
        with force_locale(code):
            found[code] = make()
    return found


def _timestamp(value: datetime) -> str:
    """A stored (naive UTC) time as an xsd:dateTime."""
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return aware.replace(microsecond=0).isoformat()
