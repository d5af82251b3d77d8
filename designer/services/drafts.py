"""Process owners' drafts: create, save under optimistic locking, add forms, restore, import.

Every draft write is one conditional UPDATE of the `process_model` row. The diagram carries
`draft_revision` (the editor sends the one it loaded; a save bumps it); forms and decision
tables, which the editors check by their checksum, are written only while the row still has
the `draft_revision` and `draft_updated_at` this request read. Of two saves at once exactly
one wins; the other gets Conflict (409, the editors' conflict dialog) and nothing is lost.
Checks and reads live in draftchecks.py, publishing in publishing.py.
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from designer.services.draftchecks import (
    decisions_in,
    form_problems,
    lanes,
    messages,
    options,
    problems,
)
from designer.services.sharing import following
from engine.api import Registry, begin_write, dialects
from engine.errors import Conflict, NotFound, Problem
from engine.models import ProcessModel, ProcessVersion, Tenant, utcnow

__all__ = [
    "FORM_NAME",
    "add_form",
    "create",
    "decisions_in",
    "form_problems",
    "import_bpmn",
    "lanes",
    "mark_executable",
    "messages",
    "model_for",
    "options",
    "problems",
    "restore",
    "save",
    "save_form",
    "slugify",
    "unique_key",
    "write_files",
]

STARTER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
  id="{key}_definitions" targetNamespace="http://flytverk.no/bpmn">
  <bpmn:process id="{key}" name="{name}" isExecutable="true">
    <bpmn:startEvent id="start" name="{start_name}">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formJsonSchemaFilename" value="{start_form}" />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
    </bpmn:startEvent>
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
START_FORM = "soknad.json"
FORM_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,60}\.json$")
KEY_ATTEMPTS = 20


def blank_form(name: str, title: str) -> str:
    """The text of an (almost) empty form: a heading and one comment field."""
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
    return json.dumps(definition, ensure_ascii=False, indent=2)


def slugify(text: str) -> str:
    """A process/service key from a name: ascii, lowercase, underscores."""
    text = text.replace("æ", "ae").replace("ø", "o").replace("å", "a")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")
    return (slug or "process")[:60]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def unique_key(session: Session, tenant_id: int, base: str) -> str:
    """`base`, or `base_2`, `base_3`... whichever is free in the tenant (now)."""
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
    """A new service with a starter (or given) draft, under a key nobody else took meanwhile."""
    begin_write(session)  # a fresh write: SQLite must not upgrade an old read snapshot
    # Creates of one tenant take turns (the tenant row's lock), so the free key is read
    # after the other create committed; the savepoint below is the second line of defence.
    session.execute(
        update(Tenant)
        .where(Tenant.id == tenant_id)
        .values(id=Tenant.id)
        .execution_options(synchronize_session=False)
    )
    base = slugify(name)
    # A new service starts with a start form, so that it can be published as it is.
    form = blank_form(START_FORM, name)
    for _attempt in range(KEY_ATTEMPTS):
        key = unique_key(session, tenant_id, base)
        starter = STARTER.format(
            key=key,
            name=_escape(name),
            start_name=_escape(_("Application received")),
            start_form=START_FORM,
        )
        model = ProcessModel(
            tenant_id=tenant_id,
            key=key,
            name_nb=name,
            updated_by=actor,
            draft_bpmn=bpmn_xml or starter,
            draft_files=dict(files or {}) if bpmn_xml else {f"forms/{START_FORM}": form},
            draft_revision=1,
            draft_updated_by=actor,
            draft_updated_at=utcnow(),
        )
        try:
            with session.begin_nested():  # another request took the key first: take the next
                session.add(model)
                session.flush()
        except IntegrityError:
            continue
        return model
    raise Conflict(_("Another process was created with the same name. Try again."))


def model_for(session: Session, tenant_id: int, model_id: int) -> ProcessModel:
    """A model of the tenant, or NotFound."""
    model = session.get(ProcessModel, model_id)
    if model is None or model.tenant_id != tenant_id:
        raise NotFound(_("No such process."))
    return model


def _later_than(moment: datetime) -> datetime:
    now = utcnow()
    return now if now > moment else moment + timedelta(microseconds=1)


def _write(
    session: Session,
    model: ProcessModel,
    actor: str,
    *,
    revision: int,
    updated_at: datetime | None,
    bump: bool,
    values: dict[str, Any],
) -> None:
    """The conditional UPDATE every draft write goes through; Conflict when it lost."""
    model_id, by = model.id, model.draft_updated_by
    conditions = [ProcessModel.id == model_id, ProcessModel.draft_revision == revision]
    if updated_at is not None:
        conditions.append(ProcessModel.draft_updated_at == updated_at)
    now = _later_than(updated_at or model.draft_updated_at)
    begin_write(session)  # the read ends; the WHERE clause decides
    done = session.execute(
        update(ProcessModel)
        .where(*conditions)
        .values(
            **values,
            draft_revision=revision + 1 if bump else revision,
            draft_updated_by=actor,
            draft_updated_at=now,
            updated_by=actor,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    session.expire(model)
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(
            _("%(name)s saved this process after you opened it.", name=by or "?"),
            current_version=model.draft_revision,
        )
    following.after_write(session, model)  # a local change makes an adoption a copy


def save(
    session: Session,
    model: ProcessModel,
    bpmn_xml: str,
    revision: int,
    actor: str,
    registry: Registry | None = None,
) -> list[Problem]:
    """Store a draft if nobody saved since `revision`; return its problems (saving is allowed)."""
    dialects.detect(bpmn_xml)  # unreadable or unsafe XML is refused here, before anything is stored
    bpmn_xml = dialects.keep_unplaced(model.draft_bpmn, bpmn_xml)  # never lose hidden elements
    _write(
        session,
        model,
        actor,
        revision=revision,
        updated_at=None,
        bump=True,
        values={"draft_bpmn": bpmn_xml},
    )
    return problems(bpmn_xml, model.draft_files, registry)


def write_files(session: Session, model: ProcessModel, files: dict[str, str], actor: str) -> None:
    """Replace the draft's files, unless someone wrote the draft since this request read it.

    Forms and decision tables live beside the diagram: writing them leaves the diagram's
    revision alone, so an editor with unsaved diagram changes can still save.
    """
    _write(
        session,
        model,
        actor,
        revision=model.draft_revision,
        updated_at=model.draft_updated_at,
        bump=False,
        values={"draft_files": dict(files)},
    )


def add_form(session: Session, model: ProcessModel, name: str, title: str, actor: str) -> str:
    """Create an (almost) empty form in the draft for a process owner to fill later."""
    name = name.strip().lower()
    if not name.endswith(".json"):
        name += ".json"
    if not FORM_NAME.match(name):
        raise ValueError(
            _("Use lowercase letters, digits, - and _ in form names, e.g. 'soknad.json'.")
        )
    if f"forms/{name}" in model.draft_files:
        raise ValueError(_("The form '%(name)s' already exists.", name=name))
    text = blank_form(name, title)
    write_files(session, model, {**model.draft_files, f"forms/{name}": text}, actor)
    return name


def save_form(
    session: Session, model: ProcessModel, name: str, definition: dict[str, Any], actor: str
) -> str:
    """Store a checked form definition in the draft; return its text."""
    text = json.dumps(definition, ensure_ascii=False, indent=2)
    write_files(session, model, {**model.draft_files, f"forms/{name}": text}, actor)
    return text


def restore(session: Session, model: ProcessModel, source: ProcessVersion, actor: str) -> None:
    """Put a version's content back into the draft."""
    bpmn_xml, files = source.bpmn, dict(source.files)
    _write(
        session,
        model,
        actor,
        revision=model.draft_revision,
        updated_at=model.draft_updated_at,
        bump=True,
        values={"draft_bpmn": bpmn_xml, "draft_files": dict(files)},
    )


def mark_executable(session: Session, model: ProcessModel, actor: str) -> None:
    """Mark every process of the draft executable (imports from tools that leave it off)."""
    bpmn_xml = dialects.mark_executable(model.draft_bpmn)
    _write(
        session,
        model,
        actor,
        revision=model.draft_revision,
        updated_at=model.draft_updated_at,
        bump=True,
        values={"draft_bpmn": bpmn_xml},
    )


def import_bpmn(
    session: Session,
    tenant_id: int,
    name: str,
    xml: str,
    actor: str,
    registry: Registry | None = None,
    mark_executable: bool = False,
) -> tuple[ProcessModel, list[Problem], dict[str, Any]]:
    """A new model from another modeller's file (its processes marked executable on request)."""
    info = dialects.detect(xml)
    if mark_executable:
        xml = dialects.mark_executable(xml)
    model = create(session, tenant_id, name, actor, bpmn_xml=xml)
    return model, problems(xml, {}, registry), info
