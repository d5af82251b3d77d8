"""What a draft offers and what stops it: problems, form checks, lanes, messages, decisions."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

import forms
from designer.integrations.registry import problems as connector_problems
from designer.services.catalog import ServiceBundle
from engine.api import Registry, bpmn, check_parameters, dialects, local_name, parse_xml
from engine.errors import ModelInvalid, Problem
from engine.models import ProcessModel


def problems(
    bpmn_xml: str, files: dict[str, str], registry: Registry | None = None
) -> list[Problem]:
    """Everything that stops a draft from being published, all at once, in document order.

    Every check runs on every save: forms, the diagram's own checks, lanes, what other
    modellers' extensions would not run, and connectors (when `registry` is given and the
    diagram parses).
    """
    bundle = ServiceBundle(key="draft", meta={}, bpmn=bpmn_xml, files=files)
    found: list[Problem] = []
    locale = str(get_locale() or "en")  # the UI language; English outside an app context
    for name, text in bundle.forms().items():
        try:
            forms.FormDefinition.from_json(text)
        except forms.DefinitionError as err:
            found += [
                Problem(
                    f"{name}: {p['message']}",
                    file=name,
                    code="form_invalid",
                    params={"form": name, "detail": forms.problem_text(p, locale)},
                )
                for p in err.problems
            ]
    values, diagram = check_parameters(files)
    try:
        parsed = bpmn.parse(
            {"process.bpmn": bpmn_xml},
            bundle.decisions(),
            form_names=set(bundle.forms()),
            values=values,
        )
    except ModelInvalid as err:
        diagram, parsed = diagram + list(err.problems), None
    if parsed is not None and registry is not None:
        diagram += _connector_problems(registry, parsed)
    diagram += _lane_problems(bpmn_xml) + _vendor_problems(bpmn_xml)
    return _in_order(diagram) + found


def _in_order(found: list[Problem]) -> list[Problem]:
    """By place in the diagram; one finding per element and text."""
    seen: set[tuple[str | None, str]] = set()
    unique = []
    for item in sorted(found, key=lambda p: (p.line is None, p.line or 0)):
        if (item.element_id, item.message) not in seen:
            seen.add((item.element_id, item.message))
            unique.append(item)
    return unique


def _lane_problems(bpmn_xml: str) -> list[Problem]:
    """A user task reaches a group chosen for it, or its lane's; otherwise nobody works it."""
    try:
        root = parse_xml(bpmn_xml, filename="process.bpmn")
    except ModelInvalid:
        return []
    if any(local_name(e) == "lane" for e in root.iter() if isinstance(e.tag, str)):
        return []
    unworked = [
        e
        for e in root.iter()
        if isinstance(e.tag, str) and local_name(e) in _WORKED and not _has_group(e)
    ]
    return [
        Problem(
            f"Nobody works '{task.get('name') or task.get('id')}': choose a group for it "
            "in the properties panel, or draw it in a lane named after a group.",
            element_id=task.get("id"),
            line=task.sourceline,
            file="process.bpmn",
            code="no_lanes",
            params={"label": str(task.get("name") or task.get("id"))},
        )
        for task in unworked
    ]


def _has_group(task: Any) -> bool:
    return any(
        local_name(p) == "property"
        and p.get("name") == _GROUP_PROPERTY
        and (p.get("value") or "").strip()
        for p in task.iter()
        if isinstance(p.tag, str)
    )


def _vendor_problems(bpmn_xml: str) -> list[Problem]:
    """Other modellers' extensions that would not run here stay listed until removed."""
    try:
        return dialects.foreign_parts(bpmn_xml)
    except ModelInvalid:
        return []


_WORKED = ("userTask", "manualTask")
_GROUP_PROPERTY = "candidateGroup"  # the group picked for a task (groupchecks.GROUP_PROPERTY)


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
    """What stops a form definition from being saved, by component key, in the UI language.

    `base` is the form base class the web layer renders with (Flask-WTF's FlaskForm).
    """
    try:
        parsed = forms.FormDefinition.from_json(definition)
        forms.build_form_class(parsed, base=base)
    except forms.DefinitionError as err:
        locale = str(get_locale() or "en")
        return [
            {"key": p.get("key"), "message": forms.problem_text(p, locale)} for p in err.problems
        ]
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


def _connectors(registry: Registry) -> list[dict[str, Any]]:
    """The connectors for the editor, labels in the UI language (from their English)."""
    return [
        {
            **c,
            "label": _(c["label"]),
            "params": [{**p, "label": _(p["label"])} for p in c["params"]],
        }
        for c in registry.describe("en")
    ]


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
        "connectors": _connectors(registry) if registry is not None else [],
    }
