"""Process owners' drafts: create, save with revision checks, validate, publish, restore, import."""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from flask import current_app, has_app_context
from flask_babel import get_locale
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import forms
from designer import integrations as connectors
from designer.services.catalog import ServiceBundle
from engine import bpmn, dialects
from engine.dmn.parser import local_name
from engine.errors import Conflict, ModelInvalid, NotFound, Problem
from engine.models import ProcessModel, ProcessVersion, utcnow
from engine.safexml import parse_xml

STARTER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
  id="{key}_definitions" targetNamespace="http://flytverk.no/bpmn">
  <bpmn:process id="{key}" name="{name}" isExecutable="true">
    <bpmn:startEvent id="start" name="Start" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="{key}_diagram">
    <bpmndi:BPMNPlane id="{key}_plane" bpmnElement="{key}">
      <bpmndi:BPMNShape id="start_di" bpmnElement="start">
        <dc:Bounds x="180" y="160" width="36" height="36" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""
FORM_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,60}\.json$")


def slugify(text: str) -> str:
    """A process/service key from a name: ascii, lowercase, underscores."""
    text = text.replace("æ", "ae").replace("ø", "o").replace("å", "a")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")
    return (slug or "process")[:60]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def unique_key(session: Session, tenant_id: int, base: str) -> str:
    """`base`, or `base_2`, `base_3`... whichever is free in the tenant."""
    taken = set(
        session.scalars(select(ProcessModel.key).where(ProcessModel.tenant_id == tenant_id))
    )
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}_{n}"
    return key


def create(
    session: Session,
    tenant_id: int,
    name: str,
    actor: str,
    bpmn_xml: str | None = None,
    files: dict[str, str] | None = None,
) -> ProcessModel:
    """A new service with a starter (or given) draft."""
    key = unique_key(session, tenant_id, slugify(name))
    model = ProcessModel(
        tenant_id=tenant_id,
        key=key,
        name_nb=name,
        name_en=name,
        updated_by=actor,
        draft_bpmn=bpmn_xml or STARTER.format(key=key, name=_escape(name)),
        draft_files=dict(files or {}),
        draft_revision=1,
        draft_updated_by=actor,
        draft_updated_at=utcnow(),
    )
    session.add(model)
    session.flush()
    return model


def model_for(session: Session, tenant_id: int, model_id: int) -> ProcessModel:
    """A model of the tenant, or NotFound."""
    model = session.get(ProcessModel, model_id)
    if model is None or model.tenant_id != tenant_id:
        raise NotFound("No such process.")
    return model


def problems(bpmn_xml: str, files: dict[str, str]) -> list[Problem]:
    """Everything that stops a draft from being published."""
    bundle = ServiceBundle(key="draft", meta={}, bpmn=bpmn_xml, files=files)
    found: list[Problem] = []
    for name, text in bundle.forms().items():
        try:
            forms.FormDefinition.from_json(text)
        except forms.DefinitionError as err:
            found += [Problem(f"{name}: {p['message']}", file=name) for p in err.problems]
    try:
        parsed = bpmn.parse(
            {"process.bpmn": bpmn_xml}, bundle.decisions(), form_names=set(bundle.forms())
        )
    except ModelInvalid as err:
        return err.problems + found
    found += _connector_problems(parsed)
    if not parsed.lanes and _has_user_tasks(parsed):
        found.append(
            Problem("User tasks must sit in a lane: the lane names the group that works them.")
        )
    return found


def _connector_problems(parsed: bpmn.ParsedProcess) -> list[Problem]:
    if not has_app_context() or "flytverk_connectors" not in current_app.extensions:
        return []
    specs = [
        task_spec
        for process in (parsed.spec, *parsed.subprocess_specs.values())
        for task_spec in process.task_specs.values()
    ]
    return connectors.problems(current_app.extensions["flytverk_connectors"], specs)


def _has_user_tasks(parsed: bpmn.ParsedProcess) -> bool:
    return any(
        type(ts).__name__ in ("UserTask", "ManualTask") for ts in parsed.spec.task_specs.values()
    )


def save(
    session: Session, model: ProcessModel, bpmn_xml: str, revision: int, actor: str
) -> list[Problem]:
    """Store a draft if nobody saved since `revision`; return its problems (saving is allowed)."""
    dialects.detect(bpmn_xml)  # unreadable or unsafe XML is refused here, before anything is stored
    if revision != model.draft_revision:
        raise Conflict(
            f"{model.draft_updated_by} saved this process after you opened it.",
            current_version=model.draft_revision,
        )
    model.draft_bpmn = bpmn_xml
    model.draft_revision += 1
    model.draft_updated_by = actor
    model.draft_updated_at = model.updated_at = utcnow()
    model.updated_by = actor
    return problems(bpmn_xml, model.draft_files)


def add_form(model: ProcessModel, name: str, title: str) -> str:
    """Create an (almost) empty form in the draft for a process owner to fill later."""
    name = name.strip().lower()
    if not name.endswith(".json"):
        name += ".json"
    if not FORM_NAME.match(name):
        raise ValueError(
            "Use lowercase letters, digits, - and _ in form names, e.g. 'soknad.json'."
        )
    if f"forms/{name}" in model.draft_files:
        raise ValueError(f"The form '{name}' already exists.")
    definition = {
        "type": "default",
        "id": name[:-5],
        "schemaVersion": 16,
        "components": [
            {"type": "text", "text": f"## {title or name[:-5]}"},
            {
                "type": "textarea",
                "key": "comment",
                "label": "Kommentar",
                "properties": {"label_en": "Comment"},
                "validate": {"maxLength": 4000},
            },
        ],
    }
    model.draft_files = {
        **model.draft_files,
        f"forms/{name}": json.dumps(definition, ensure_ascii=False, indent=2),
    }
    # Forms live beside the diagram: adding one leaves the diagram's revision alone, so
    # an editor with unsaved diagram changes can still save after creating a form.
    return name


def form_problems(definition: dict[str, Any]) -> list[dict[str, Any]]:
    """What stops a form definition from being saved, by component key."""
    try:
        parsed = forms.FormDefinition.from_json(definition)
        forms.build_form_class(parsed, base=FlaskForm)
    except forms.DefinitionError as err:
        return [{"key": p.get("key"), "message": p["message"]} for p in err.problems]
    return []


def save_form(model: ProcessModel, name: str, definition: dict[str, Any], actor: str) -> str:
    """Store a checked form definition in the draft; return its text."""
    text = json.dumps(definition, ensure_ascii=False, indent=2)
    model.draft_files = {**model.draft_files, f"forms/{name}": text}
    model.draft_updated_by, model.draft_updated_at = actor, utcnow()
    return text


def _snapshot(model: ProcessModel, actor: str, number: int | None, comment: str) -> ProcessVersion:
    parsed = bpmn.parse(
        {"process.bpmn": model.draft_bpmn},
        {k: v for k, v in model.draft_files.items() if k.endswith(".dmn")},
        form_names={k[6:] for k in model.draft_files if k.startswith("forms/")},
    )
    return ProcessVersion(
        tenant_id=model.tenant_id,
        model_id=model.id,
        number=number,
        is_test=number is None,
        process_id=parsed.process_id,
        bpmn=model.draft_bpmn,
        files=dict(model.draft_files),
        content_hash=parsed.content_hash,
        comment=comment,
        created_by=actor,
        published_at=None if number is None else utcnow(),
    )


def publish(session: Session, model: ProcessModel, actor: str, comment: str) -> ProcessVersion:
    """Freeze the draft as the next published version; refuse a draft with problems."""
    found = problems(model.draft_bpmn, model.draft_files)
    if found:
        raise ModelInvalid(found)
    number = (
        session.scalar(
            select(func.max(ProcessVersion.number)).where(ProcessVersion.model_id == model.id)
        )
        or 0
    ) + 1
    version = _snapshot(model, actor, number, comment)
    session.add(version)
    session.flush()
    model.published_version_id = version.id
    model.updated_by, model.updated_at = actor, utcnow()
    return version


def test_snapshot(session: Session, model: ProcessModel, actor: str) -> ProcessVersion:
    """An unlisted snapshot of the draft for a test run (never published or listed)."""
    found = problems(model.draft_bpmn, model.draft_files)
    if found:
        raise ModelInvalid(found)
    version = _snapshot(model, actor, None, "test run")
    for earlier in session.scalars(
        select(ProcessVersion).where(
            ProcessVersion.model_id == model.id,
            ProcessVersion.is_test.is_(True),
            ProcessVersion.content_hash == version.content_hash,
        )
    ):
        if earlier.bpmn == version.bpmn and earlier.files == version.files:
            return earlier
    session.add(version)
    session.flush()
    return version


def versions(session: Session, model: ProcessModel) -> list[ProcessVersion]:
    """Published versions, newest first."""
    return list(
        session.scalars(
            select(ProcessVersion)
            .where(ProcessVersion.model_id == model.id, ProcessVersion.number.is_not(None))
            .order_by(ProcessVersion.number.desc())
        )
    )


def version(session: Session, model: ProcessModel, number: int) -> ProcessVersion:
    """One published version of a model, or NotFound."""
    found = session.scalar(
        select(ProcessVersion).where(
            ProcessVersion.model_id == model.id, ProcessVersion.number == number
        )
    )
    if found is None:
        raise NotFound(f"Version {number} does not exist.")
    return found


def restore(model: ProcessModel, source: ProcessVersion, actor: str) -> None:
    """Put a version's content back into the draft."""
    model.draft_bpmn = source.bpmn
    model.draft_files = dict(source.files)
    model.draft_revision += 1
    model.draft_updated_by, model.draft_updated_at = actor, utcnow()


def lanes(bpmn_xml: str) -> list[str]:
    """Lane names drawn in a diagram (groups that work its tasks)."""
    return sorted(set(re.findall(r'<(?:\w+:)?lane\b[^>]*\bname="([^"]+)"', bpmn_xml)))


def messages(bpmn_xml: str) -> list[str]:
    """Message names declared in a diagram."""
    return sorted(set(re.findall(r'<(?:\w+:)?message\b[^>]*\bname="([^"]+)"', bpmn_xml)))


def decisions_in(files: dict[str, str]) -> list[dict[str, str]]:
    """The decisions a draft's DMN files define: id, name and file, sorted by id.

    A file that is not readable XML defines nothing here; saving it reports why.
    """
    found: list[dict[str, str]] = []
    for filename, text in files.items():
        if not filename.endswith(".dmn"):
            continue
        try:
            root = parse_xml(text, filename=filename)
        except ModelInvalid:
            continue
        found += [
            {"id": str(d.get("id")), "name": str(d.get("name") or d.get("id")), "file": filename}
            for d in root
            if local_name(d) == "decision" and d.get("id")
        ]
    return sorted(found, key=lambda d: (d["id"], d["file"]))


def options(session: Session, model: ProcessModel) -> dict[str, Any]:
    """What the editor offers in its selects."""
    others = session.scalars(
        select(ProcessModel).where(
            ProcessModel.tenant_id == model.tenant_id, ProcessModel.archived.is_(False)
        )
    )
    return {
        "forms": sorted(k[6:] for k in model.draft_files if k.startswith("forms/")),
        "lanes": lanes(model.draft_bpmn),
        "messages": messages(model.draft_bpmn),
        "processes": [{"id": m.key, "name": m.name_nb} for m in others if m.id != model.id],
        "decisions": [{"id": d["id"], "name": d["name"]} for d in decisions_in(model.draft_files)],
        "connectors": _connectors(),
    }


def _connectors() -> list[dict[str, Any]]:
    """The connectors the service-task panel offers, labelled in the UI language."""
    if "flytverk_connectors" not in current_app.extensions:
        return []
    locale = str(get_locale() or "nb")
    return current_app.extensions["flytverk_connectors"].describe(locale)  # type: ignore[no-any-return]


def import_bpmn(
    session: Session, tenant_id: int, name: str, xml: str, actor: str
) -> tuple[ProcessModel, list[Problem], dict[str, Any]]:
    """A new model from another modeller's file; return what will not run, by element."""
    info = dialects.detect(xml)
    model = create(session, tenant_id, name, actor, bpmn_xml=xml)
    found = dialects.foreign_parts(xml) + problems(xml, {})
    return model, found, info
