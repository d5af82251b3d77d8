"""Shipped services (processes/<key>/) into the database, as models with published versions."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import forms
from engine.api import bpmn
from engine.errors import ModelInvalid, Problem
from engine.models import ProcessModel, ProcessVersion, Tenant, utcnow

PROCESSES_DIR = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "processes"
)


@dataclass
class ServiceBundle:
    """The files of one service folder."""

    key: str
    meta: dict[str, Any]
    bpmn: str
    files: dict[str, str] = field(default_factory=dict)

    def forms(self) -> dict[str, str]:
        """Form definitions by file name."""
        return {k[6:]: v for k, v in self.files.items() if k.startswith("forms/")}

    def decisions(self) -> dict[str, str]:
        """DMN files by name."""
        return {k: v for k, v in self.files.items() if k.endswith(".dmn")}


def read_folder(path: str) -> ServiceBundle:
    """Read a service folder: service.json, process.bpmn, forms/*.json, decisions/*.dmn."""
    with open(os.path.join(path, "service.json"), encoding="utf-8") as handle:
        meta = json.load(handle)
    with open(os.path.join(path, "process.bpmn"), encoding="utf-8") as handle:
        diagram = handle.read()
    files: dict[str, str] = {}
    for sub, suffix in (("forms", ".json"), ("decisions", ".dmn")):
        folder = os.path.join(path, sub)
        if os.path.isdir(folder):
            for name in sorted(os.listdir(folder)):
                if name.endswith(suffix):
                    with open(os.path.join(folder, name), encoding="utf-8") as handle:
                        files[f"{sub}/{name}"] = handle.read()
    return ServiceBundle(
        key=meta.get("key") or os.path.basename(path), meta=meta, bpmn=diagram, files=files
    )


def shipped_folders() -> list[str]:
    """Every service folder under processes/."""
    return sorted(
        os.path.join(PROCESSES_DIR, name)
        for name in os.listdir(PROCESSES_DIR)
        if os.path.isfile(os.path.join(PROCESSES_DIR, name, "service.json"))
    )


def check(bundle: ServiceBundle) -> bpmn.ParsedProcess:
    """Validate diagram and forms together; raise ModelInvalid with every problem."""
    problems: list[Problem] = []
    for name, text in bundle.forms().items():
        try:
            forms.FormDefinition.from_json(text)
        except forms.DefinitionError as err:
            problems += [
                Problem(f"{name}: {p['message']}", element_id=p.get("key"), file=name)
                for p in err.problems
            ]
    try:
        parsed = bpmn.parse(
            {"process.bpmn": bundle.bpmn},
            bundle.decisions(),
            form_names=set(bundle.forms()),
            process_id=bundle.meta.get("process_id"),
        )
    except ModelInvalid as err:
        problems = err.problems + problems
        raise ModelInvalid(problems) from None
    if problems:
        raise ModelInvalid(problems)
    return parsed


def _text(meta: dict[str, Any], name: str, lang: str) -> str:
    value = meta.get(name, "")
    return str(value.get(lang, "")) if isinstance(value, dict) else str(value)


def _set_draft(model: ProcessModel, bundle: ServiceBundle, actor: str) -> None:
    model.draft_bpmn, model.draft_files = bundle.bpmn, dict(bundle.files)
    model.draft_revision = (model.draft_revision or 0) + 1
    model.draft_updated_by, model.draft_updated_at = actor, utcnow()


def install(
    session: Session, tenant: Tenant, bundle: ServiceBundle, actor: str = "system"
) -> ProcessVersion:
    """Create or update the service and publish a new version if its files changed."""
    parsed = check(bundle)
    model = session.scalar(
        select(ProcessModel).where(
            ProcessModel.tenant_id == tenant.id, ProcessModel.key == bundle.key
        )
    )
    if model is None:
        model = ProcessModel(tenant_id=tenant.id, key=bundle.key, name_nb="")
        session.add(model)
    model.name_nb = _text(bundle.meta, "name", "nb")
    model.name_en = _text(bundle.meta, "name", "en") or model.name_nb
    model.description_nb = _text(bundle.meta, "description", "nb")
    model.description_en = _text(bundle.meta, "description", "en") or model.description_nb
    model.settings = bundle.meta.get("settings", {})
    model.updated_by = actor
    session.flush()
    latest = session.scalar(
        select(ProcessVersion)
        .where(ProcessVersion.model_id == model.id, ProcessVersion.number.is_not(None))
        .order_by(ProcessVersion.number.desc())
        .limit(1)
    )
    same = latest is not None and latest.content_hash == parsed.content_hash
    if same and latest is not None and latest.files == bundle.files:
        if not model.draft_bpmn:
            _set_draft(model, bundle, actor)
        return latest
    untouched = not model.draft_bpmn or (
        latest is not None and model.draft_bpmn == latest.bpmn and model.draft_files == latest.files
    )
    if untouched:  # never overwrite a process owner's unpublished edits
        _set_draft(model, bundle, actor)
    number = (
        session.scalar(
            select(func.max(ProcessVersion.number)).where(ProcessVersion.model_id == model.id)
        )
        or 0
    ) + 1
    version = ProcessVersion(
        tenant_id=tenant.id,
        model_id=model.id,
        number=number,
        process_id=parsed.process_id,
        bpmn=bundle.bpmn,
        files=bundle.files,
        content_hash=parsed.content_hash,
        comment="Loaded from processes/",
        created_by=actor,
        published_at=utcnow(),
    )
    session.add(version)
    session.flush()
    model.published_version_id = version.id
    return version
