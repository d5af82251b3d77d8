"""The catalogue: shipped services (processes/<key>/) into the database, and the catalogue card.

A published service appears in the citizens' catalogue when it is not archived and its start
event (a plain one, not a message or timer start) has a start form; the card shows its name and
description. `card_problems` says what is missing, so publishing never hides a service silently.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import forms
from designer import languages
from designer.services.service_texts import TEXT_FILE
from engine.api import bpmn, check_parameters, local_name, parse_xml
from engine.errors import ModelInvalid, Problem
from engine.models import ProcessModel, ProcessVersion, Tenant, utcnow

PARAMETERS_FILE = "parameters.json"  # the service's parameters (engine.parameters)
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
    """Read a service folder: service.json, process.bpmn, forms/*.json, decisions/*.dmn,
    texts.<language>.json and parameters.json."""
    with open(os.path.join(path, "service.json"), encoding="utf-8") as handle:
        meta = json.load(handle)
    with open(os.path.join(path, "process.bpmn"), encoding="utf-8") as handle:
        diagram = handle.read()
    files: dict[str, str] = {}
    for name in sorted(os.listdir(path)):  # texts.<language>.json: the other languages' texts
        if TEXT_FILE.match(name) or name == PARAMETERS_FILE:
            with open(os.path.join(path, name), encoding="utf-8") as handle:
                files[name] = handle.read()
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
    locale = str(get_locale() or "en")  # the UI language; English outside an app context
    for name, text in bundle.forms().items():
        try:
            forms.FormDefinition.from_json(text)
        except forms.DefinitionError as err:
            problems += [
                Problem(
                    f"{name}: {forms.problem_text(p, locale)}", element_id=p.get("key"), file=name
                )
                for p in err.problems
            ]
    values, invalid = check_parameters(bundle.files)
    problems += invalid
    try:
        parsed = bpmn.parse(
            {"process.bpmn": bundle.bpmn},
            bundle.decisions(),
            form_names=set(bundle.forms()),
            process_id=bundle.meta.get("process_id"),
            values=values,
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


def apply_meta(model: ProcessModel, meta: dict[str, Any]) -> None:
    """Set the model's settings and catalogue card from a service.json."""
    model.settings = meta.get("settings", {})
    base = languages.base_of(model)
    model.name_nb = _text(meta, "name", base)
    model.description_nb = _text(meta, "description", base)
    model.card_texts = {
        code: card
        for code in languages.LANGUAGES
        if code != base
        and (
            card := {
                k: v
                for k in ("name", "description")
                # given for the language (a dict entry), even where it reads like the base
                if isinstance(meta.get(k), dict) and (v := _text(meta, k, code))
            }
        )
    }


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
    apply_meta(model, bundle.meta)
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


FORM_PROPERTY = "formJsonSchemaFilename"
TRIGGERS = ("messageEventDefinition", "timerEventDefinition", "signalEventDefinition")


@dataclass
class StartEvent:
    """The draft's start event as the catalogue sees it."""

    element_id: str | None
    label: str
    form: str | None
    triggered: bool  # a message/timer/signal start: never in the catalogue


def start_event(bpmn_xml: str) -> StartEvent | None:
    """The first start event of the draft's executable process, or None."""
    try:
        root = parse_xml(bpmn_xml, filename="process.bpmn")
    except ModelInvalid:
        return None
    processes = [p for p in root.iter() if local_name(p) == "process"]
    executable = [p for p in processes if p.get("isExecutable") == "true"] or processes
    for process in executable[:1]:
        for node in process:
            if local_name(node) != "startEvent":
                continue
            form = next(
                (
                    str(prop.get("value") or "") or None
                    for prop in node.iter()
                    if local_name(prop) == "property" and prop.get("name") == FORM_PROPERTY
                ),
                None,
            )
            triggered = any(local_name(child) in TRIGGERS for child in node)
            element_id = node.get("id")
            label = str(node.get("name") or element_id or "")
            return StartEvent(element_id, label, form, triggered)
    return None


def card_problems(model: ProcessModel) -> list[Problem]:
    """What keeps the draft out of the catalogue once published, each with what to do."""
    start = start_event(model.draft_bpmn)
    if start is not None and start.triggered:
        return []  # started by a message or a timer: citizens do not apply for it
    found: list[Problem] = []
    element_id = start.element_id if start else None
    if start is None or not start.form:
        found.append(
            Problem(
                _(
                    "Add a start form to the start event: citizens apply with it, and "
                    "without one the service is not shown in the catalogue."
                ),
                element_id=element_id,
                code="catalog_no_start_form",
            )
        )
    elif f"forms/{start.form}" not in model.draft_files:
        found.append(
            Problem(
                _("The start form %(name)s does not exist: choose or create it.", name=start.form),
                element_id=element_id,
                code="catalog_start_form_missing",
            )
        )
    if not (model.name_nb or "").strip():
        found.append(
            Problem(_("Give the service a name for the catalogue."), code="catalog_no_name")
        )
    if not (model.description_nb or "").strip():
        found.append(
            Problem(_("Write a description for the catalogue."), code="catalog_no_description")
        )
    return found


def update_card(
    session: Session,
    model: ProcessModel,
    card: dict[str, dict[str, str]],
    actor: str,
) -> None:
    """Store the catalogue card: {language: {name, description}}; the service's own language
    is the base, the others are kept where they are given; flush."""
    base = languages.base_of(model)
    own = card.get(base) or {}
    model.name_nb = (own.get("name") or "").strip()[:200]
    model.description_nb = (own.get("description") or "").strip()
    texts: dict[str, dict[str, str]] = {}
    for code, values in card.items():
        if code == base or code not in languages.LANGUAGES:
            continue
        kept = {
            k: text
            for k in ("name", "description")
            if (text := (values.get(k) or "").strip()[: 200 if k == "name" else 2000])
        }
        if kept:
            texts[code] = kept
    model.card_texts = texts
    model.updated_by = actor
    session.flush()
