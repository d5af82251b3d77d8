"""A service package in memory: a published version's files, its service.json, its manifest.

The files are keyed as in `processes/<service>/` (and as a version keeps them): `process.bpmn`,
`service.json`, `forms/<name>.json`, `decisions/<name>.dmn`, `texts.<lang>.json`,
`parameters.json`. The manifest says what the package is (id, version, origin, name and
description per language, licence, the Flytverk version it needs), a SHA-256 checksum of
every file, and what an adopter must bind: the parameters, the groups its tasks go to, the
connectors it calls (with the hosts of its HTTP calls) and its settings.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from designer import languages
from designer.models import is_citizen_lane
from designer.services.catalog import ServiceBundle, apply_meta, check
from engine.api import (
    ConnectorTask,
    bpmn,
    local_name,
    parameter_definitions,
    parameter_values,
    parse_xml,
)
from engine.models import ProcessModel, ProcessVersion, Tenant, utcnow

FORMAT = "flytverk-service-package"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
BPMN = "process.bpmn"
SERVICE = "service.json"
DEFAULT_LICENCE = "NLOD-2.0"  # Norsk lisens for offentlige data
# Settings an adopter must look at (the rest travel as they are).
BOUND_SETTINGS = (
    "appeal_weeks",
    "appeal_body",
    "health_care",
    "unit",
    "retention_days",
    "retention_action",
)
GROUP_PROPERTY = "candidateGroup"
_URL_HOST = re.compile(r"""["']https?://([^/:"'\s]+)""")


def flytverk_version() -> str:
    """The installed Flytverk's version (what a package built here needs at least)."""
    try:
        return metadata.version("flytverk")
    except metadata.PackageNotFoundError:  # a source tree that is not installed
        return "0"


def checksum(content: str | bytes) -> str:
    """The SHA-256 of a file's content, as the manifest writes it."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass
class Package:
    """The files of one service version and the manifest that describes them."""

    manifest: dict[str, Any]
    files: dict[str, str] = field(default_factory=dict)

    @property
    def bpmn(self) -> str:
        return self.files.get(BPMN, "")

    @property
    def service(self) -> dict[str, Any]:
        """The service.json: key, name and description per language, settings."""
        raw = self.files.get(SERVICE)
        found = json.loads(raw) if raw else {}
        return found if isinstance(found, dict) else {}

    def version_files(self) -> dict[str, str]:
        """The files as a version keeps them (without process.bpmn and service.json)."""
        return {k: v for k, v in self.files.items() if k not in (BPMN, SERVICE)}

    def bundle(self, key: str | None = None) -> ServiceBundle:
        """The package as the catalogue installs a service folder."""
        meta = dict(self.service)
        return ServiceBundle(
            key=key or str(meta.get("key") or self.manifest.get("key") or ""),
            meta=meta,
            bpmn=self.bpmn,
            files=self.version_files(),
        )


def service_json(model: ProcessModel) -> dict[str, Any]:
    """A service's service.json as processes/<service>/ has it, from the model."""
    base = languages.base_of(model)
    names = {base: model.name_nb}
    descriptions = {base: model.description_nb or ""}
    for code, card in (model.card_texts or {}).items():
        if card.get("name"):
            names[code] = card["name"]
        if card.get("description"):
            descriptions[code] = card["description"]
    return {
        "key": model.key,
        "name": names,
        "description": descriptions,
        "settings": dict(model.settings or {}),
    }


def _parsed(bpmn_xml: str, files: dict[str, str]) -> bpmn.ParsedProcess:
    return bpmn.parse(
        {BPMN: bpmn_xml},
        {k: v for k, v in files.items() if k.endswith(".dmn")},
        values=parameter_values(files),
    )


def settings_groups(settings: dict[str, Any]) -> set[str]:
    """The staff groups the service's settings name: who sees each case list, who enters
    the menu and who may change subscriptions."""
    found = {
        str(g)
        for item in settings.get("lists") or ()
        if isinstance(item, dict)
        for g in item.get("groups") or ()
    }
    subscription = settings.get("subscription") or {}
    for key in ("menu_groups", "staff_groups"):
        found.update(str(g) for g in subscription.get(key) or ())
    return {g for g in found if g.strip()}


def map_settings_groups(settings: dict[str, Any], mapping: dict[str, str]) -> dict[str, Any]:
    """The settings with the groups they name renamed by `mapping`."""

    def renamed(groups: Any) -> list[str]:
        return [mapping.get(str(g), str(g)) or str(g) for g in groups or ()]

    result = dict(settings)
    if isinstance(result.get("lists"), list):
        result["lists"] = [
            {**item, "groups": renamed(item.get("groups"))} if isinstance(item, dict) else item
            for item in result["lists"]
        ]
    if isinstance(result.get("subscription"), dict):
        subscription = dict(result["subscription"])
        for key in ("menu_groups", "staff_groups"):
            if key in subscription:
                subscription[key] = renamed(subscription[key])
        result["subscription"] = subscription
    return result


def groups_of(
    bpmn_xml: str, files: dict[str, str], settings: dict[str, Any] | None = None
) -> list[str]:
    """The staff groups the service's tasks go to: each user task's chosen group or its
    lane (citizens' lanes and groups taken from the case data are not groups to bind),
    and the groups its settings name (case lists, menu, subscriptions)."""
    parsed = _parsed(bpmn_xml, files)
    found: set[str] = settings_groups(settings or {})
    for process in (parsed.spec, *parsed.subprocess_specs.values()):
        for task_spec in process.task_specs.values():
            if type(task_spec).__name__ not in ("UserTask", "ManualTask"):
                continue
            properties = (getattr(task_spec, "extensions", None) or {}).get("properties", {})
            chosen = str(properties.get(GROUP_PROPERTY) or "").strip()
            group = chosen or str(getattr(task_spec, "lane", None) or "").strip()
            if group and not group.startswith("=") and not is_citizen_lane(group):
                found.add(group)
    return sorted(found)


def connectors_of(bpmn_xml: str, files: dict[str, str]) -> list[dict[str, Any]]:
    """The connectors the service's tasks call; for HTTP calls the hosts named in them."""
    parsed = _parsed(bpmn_xml, files)
    found: dict[str, set[str]] = {}
    for process in (parsed.spec, *parsed.subprocess_specs.values()):
        for task_spec in process.task_specs.values():
            if not isinstance(task_spec, ConnectorTask):
                continue
            hosts = found.setdefault(str(task_spec.operation_name), set())
            for param in (task_spec.operation_params or {}).values():
                hosts.update(_URL_HOST.findall(str((param or {}).get("value") or "")))
    return [
        {"name": name, **({"hosts": sorted(hosts)} if hosts else {})}
        for name, hosts in sorted(found.items())
    ]


def parameters_of(files: dict[str, str]) -> list[dict[str, Any]]:
    """The parameters an adopter sets: name, type, unit, label, description, the default
    (the origin's value)."""
    return [
        {
            "name": item["name"],
            "type": item["type"],
            "unit": item.get("unit", ""),
            "default": item["value"],
            "label": item.get("label") or {},
            "description": item.get("description") or {},
        }
        for item in parameter_definitions(files)
    ]


def manifest_of(
    model: ProcessModel,
    version: ProcessVersion,
    tenant: Tenant,
    files: dict[str, str],
    licence: str = DEFAULT_LICENCE,
) -> dict[str, Any]:
    """The manifest of a package of `files` (all of them, process.bpmn and service.json too)."""
    service = json.loads(files[SERVICE])
    settings = service.get("settings") or {}
    version_files = {k: v for k, v in files.items() if k not in (BPMN, SERVICE)}
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "id": f"{tenant.slug}/{model.key}",
        "key": model.key,
        "version": version.number,
        "published_at": version.published_at.isoformat() if version.published_at else None,
        "origin": {"municipality": tenant.name, "slug": tenant.slug},
        "name": service.get("name") or {},
        "description": service.get("description") or {},
        "licence": licence,
        "requires": {"flytverk": flytverk_version()},
        "files": {name: checksum(content) for name, content in sorted(files.items())},
        "parameters": parameters_of(version_files),
        "groups": groups_of(files[BPMN], version_files, settings),
        "connectors": connectors_of(files[BPMN], version_files),
        "settings": {k: settings[k] for k in BOUND_SETTINGS if k in settings},
    }


def of_version(
    session: Session, version: ProcessVersion, licence: str = DEFAULT_LICENCE
) -> Package:
    """The package of a published version: its files, service.json and manifest."""
    model = session.get(ProcessModel, version.model_id)
    tenant = session.get(Tenant, version.tenant_id)
    assert model is not None and tenant is not None
    files = {BPMN: version.bpmn, **dict(version.files)}
    service = {**service_json(model), "process_id": version.process_id}
    files[SERVICE] = json.dumps(service, ensure_ascii=False, indent=2) + "\n"
    return Package(manifest_of(model, version, tenant, files, licence), files)


def free_key(session: Session, tenant_id: int, wanted: str) -> str:
    """`wanted`, or `wanted_2`, `wanted_3` ... : a service key the tenant does not use yet."""
    taken = set(
        session.scalars(select(ProcessModel.key).where(ProcessModel.tenant_id == tenant_id))
    )
    key, n = wanted[:90], 2
    while key in taken:
        key, n = f"{wanted[:90]}_{n}", n + 1
    return key


def install_draft(
    session: Session, tenant: Tenant, package: Package, actor: str, key: str | None = None
) -> ProcessModel:
    """A new service of `tenant` whose draft is the package (not published; flushed).

    The key is the package's (or `key`), made free in the tenant. The package must have been
    checked (checksums, safe files): this only checks that the diagram can be read, raising
    ModelInvalid with every problem.
    """
    bundle = package.bundle(free_key(session, tenant.id, key or package.bundle().key))
    check(bundle)
    model = ProcessModel(tenant_id=tenant.id, key=bundle.key, name_nb="")
    apply_meta(model, bundle.meta)
    model.updated_by = actor
    model.draft_bpmn, model.draft_files = bundle.bpmn, dict(bundle.files)
    model.draft_revision = 1
    model.draft_updated_by, model.draft_updated_at = actor, utcnow()
    session.add(model)
    session.flush()
    return model


def map_groups(bpmn_xml: str, mapping: dict[str, str]) -> str:
    """The diagram with its groups renamed by `mapping` (lane names and the groups chosen on
    tasks); groups not in `mapping` stay as they are."""
    wanted = {k: v.strip() for k, v in mapping.items() if v and v.strip() and v.strip() != k}
    if not wanted:
        return bpmn_xml
    root = parse_xml(bpmn_xml, filename=BPMN)
    for node in root.iter():
        name = local_name(node)
        if name == "lane" and node.get("name") in wanted:
            node.set("name", wanted[str(node.get("name"))])
        elif (
            name == "property"
            and node.get("name") == GROUP_PROPERTY
            and node.get("value") in wanted
        ):
            node.set("value", wanted[str(node.get("value"))])
    return etree.tostring(root, encoding="unicode")
