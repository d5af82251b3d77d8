"""What a draft offers and what stops it: problems, form checks, lanes, messages, decisions."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import forms
from designer.integrations.registry import problems as connector_problems
from designer.services.catalog import ServiceBundle
from engine.api import Registry, bpmn, local_name, parse_xml
from engine.errors import ModelInvalid, Problem
from engine.models import ProcessModel


def problems(
    bpmn_xml: str, files: dict[str, str], registry: Registry | None = None
) -> list[Problem]:
    """Everything that stops a draft from being published (connectors: when `registry` is given)."""
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
    if registry is not None:
        found += _connector_problems(registry, parsed)
    if not parsed.lanes and _has_user_tasks(parsed):
        found.append(
            Problem("User tasks must sit in a lane: the lane names the group that works them.")
        )
    return found


def _connector_problems(registry: Registry, parsed: bpmn.ParsedProcess) -> list[Problem]:
    specs = [
        task_spec
        for process in (parsed.spec, *parsed.subprocess_specs.values())
        for task_spec in process.task_specs.values()
    ]
    return connector_problems(registry, specs)


def _has_user_tasks(parsed: bpmn.ParsedProcess) -> bool:
    return any(
        type(ts).__name__ in ("UserTask", "ManualTask") for ts in parsed.spec.task_specs.values()
    )


def form_problems(definition: dict[str, Any], base: type) -> list[dict[str, Any]]:
    """What stops a form definition from being saved, by component key.

    `base` is the form base class the web layer renders with (Flask-WTF's FlaskForm).
    """
    try:
        parsed = forms.FormDefinition.from_json(definition)
        forms.build_form_class(parsed, base=base)
    except forms.DefinitionError as err:
        return [{"key": p.get("key"), "message": p["message"]} for p in err.problems]
    return []


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


def options(
    session: Session, model: ProcessModel, registry: Registry | None, locale: str = "nb"
) -> dict[str, Any]:
    """What the editor offers in its selects (connectors labelled in `locale`)."""
    others = session.execute(
        select(ProcessModel.id, ProcessModel.key, ProcessModel.name_nb).where(
            ProcessModel.tenant_id == model.tenant_id, ProcessModel.archived.is_(False)
        )
    ).all()
    return {
        "forms": sorted(k[6:] for k in model.draft_files if k.startswith("forms/")),
        "lanes": lanes(model.draft_bpmn),
        "messages": messages(model.draft_bpmn),
        "processes": [{"id": key, "name": name} for id_, key, name in others if id_ != model.id],
        "decisions": [{"id": d["id"], "name": d["name"]} for d in decisions_in(model.draft_files)],
        "connectors": registry.describe(locale) if registry is not None else [],
    }
