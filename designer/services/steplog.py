"""Test-run steps and version changes told in words, not as event kinds and JSON."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _
from lxml import etree
from sqlalchemy.orm import Session

from designer.models import User
from designer.services.testruns import kroner, number
from engine.api import Diff, parse_xml
from engine.models import Event

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_SKIP_KEYS = {"name", "type", "lane", "fields", "to", "data"}
_MONEY = ("beløp", "belop", "amount", "sum", "kroner", "pris", "price")


def names(xml: str | bytes | None) -> dict[str, str]:
    """Element id -> label (the name, else the id) of every BPMN element in `xml`."""
    if not xml:
        return {}
    try:
        root = parse_xml(xml)
    except Exception:  # a diagram we cannot read still gets a step log, by ids
        return {}
    found: dict[str, str] = {}
    for element in root.iter():
        if isinstance(element.tag, str) and element.get("id"):
            found[str(element.get("id"))] = str(element.get("name") or element.get("id"))
    return found


def _who(session: Session, actor: str | None) -> str:
    if not actor or actor == "system":
        return _("The system")
    kind, _sep, rest = actor.partition(":")
    if kind == "user" and rest.isdigit():
        user = session.get(User, int(rest))
        if user is not None:
            return str(user.name or user.username)
    if kind == "api":
        return _("The integration '%(name)s'", name=rest)
    return actor


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return number(value)
    return str(value)


def _outputs(output: Any) -> str:
    if isinstance(output, dict):
        parts = []
        for key, value in output.items():
            money = any(word in key.lower() for word in _MONEY)
            amount = isinstance(value, int | float) and not isinstance(value, bool) and money
            parts.append(f"{key} {kroner(value) if amount else _value(value)}")
        return ", ".join(parts)
    return _value(output)


def _step(summary: dict[str, Any], label: str, labels: dict[str, str]) -> str:
    kind = str(summary.get("type") or "")
    if "decision" in summary:
        rules = summary.get("rules") or []
        decision = str(summary.get("decision_name") or summary.get("decision") or label)
        if not rules:
            return _("The decision '%(name)s' matched no rule", name=decision)
        return "; ".join(
            _(
                "The rule '%(rule)s' gave %(output)s",
                rule=str(rule.get("annotation") or decision),
                output=_outputs(rule.get("output")),
            )
            for rule in rules
        )
    if "Gateway" in kind:
        targets = [labels.get(t, t) for t in summary.get("to") or []]
        if targets:
            return _(
                "The choice '%(name)s' went on to '%(targets)s'",
                name=label,
                targets="', '".join(targets),
            )
        return _("The choice '%(name)s' was passed", name=label)
    if kind == "StartEvent":
        return _("The case started at '%(name)s'", name=label)
    if kind == "EndEvent":
        return _("The process reached the end '%(name)s'", name=label)
    if kind == "ScriptTask":
        return _("The script '%(name)s' ran", name=label)
    if "Timer" in kind:
        return _("The timer '%(name)s' went off", name=label)
    return _("The step '%(name)s' ran", name=label)


def sentence(
    session: Session, event: Event, labels: dict[str, str], lane_word: str | None = None
) -> str:
    """One event as a sentence a process owner understands."""
    summary = dict(event.summary or {})
    label = str(summary.get("name") or labels.get(event.element_id or "", event.element_id or ""))
    who = _who(session, event.actor)
    kind = event.kind
    if kind == "started":
        return _("%(who)s submitted the application", who=who)
    if kind == "step":
        return _step(summary, label, labels)
    if kind == "data":
        return _("The case data was saved")
    if kind == "task_opened":
        if summary.get("lane"):
            return _("The %(lane)s task '%(name)s' was opened", lane=summary["lane"], name=label)
        return _("The task '%(name)s' was opened", name=label)
    if kind == "task_completed":
        return _("%(who)s completed the task '%(name)s'", who=who, name=label)
    if kind == "completed":
        end = labels.get(str(summary.get("outcome") or ""), str(summary.get("outcome") or ""))
        return _("The case was finished at '%(name)s'", name=end)
    if kind == "cancelled":
        return _("%(who)s cancelled the case", who=who)
    if kind == "timer":
        return _("A timer went off")
    if kind == "message_received":
        return _("A message was received")
    if kind == "incident":
        return _(
            "The step '%(name)s' failed: %(message)s",
            name=label,
            message=summary.get("message", ""),
        )
    if kind == "connector_queued":
        return _("The call '%(name)s' was queued", name=label)
    if kind == "connector_succeeded":
        return _("The call '%(name)s' succeeded", name=label)
    if kind == "connector_failed":
        return _("The call '%(name)s' failed", name=label)
    if kind in ("incident_retried", "retried"):
        return _("%(who)s tried the failed step again", who=who)
    if kind == "comment":
        return _("%(who)s wrote a note", who=who)
    return _("%(who)s: %(kind)s", who=who, kind=kind.replace("_", " "))


def details(event: Event) -> str:
    """The event's other facts in words: the filled-in fields, the lane, a message."""
    summary = dict(event.summary or {})
    parts = []
    if summary.get("fields"):
        parts.append(_("Fields: %(fields)s", fields=", ".join(map(str, summary["fields"]))))
    for key, value in summary.items():
        if (
            key in _SKIP_KEYS
            or key.startswith("decision")
            or key in ("rules", "inputs", "hit_policy", "aggregation", "message", "outcome")
        ):
            continue
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            parts.append(f"{key}: {value if isinstance(value, str) else number(value)}")
    return "; ".join(parts)


def steps(session: Session, events: list[Event], xml: str | bytes | None) -> list[dict[str, Any]]:
    """The step log of a test run: time, sentence, element label, details, data snapshot."""
    labels = names(xml)
    return [
        {
            "at": event.at,
            "kind": event.kind,
            "text": sentence(session, event, labels),
            "element": labels.get(event.element_id or "", event.element_id or ""),
            "details": details(event),
            "data": (event.summary or {}).get("data") if event.kind == "data" else None,
        }
        for event in events
    ]


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _extension_parts(element: etree._Element | None) -> dict[str, str]:
    """The meaning of an element's extensionElements, part by part (form, scripts, ...)."""
    parts: dict[str, str] = {}
    if element is None:
        return parts
    for extensions in element:
        if not isinstance(extensions.tag, str) or _local(extensions) != "extensionElements":
            continue
        for child in extensions.iter():
            if not isinstance(child.tag, str) or child is extensions:
                continue
            name = _local(child)
            if name == "property":
                key = str(child.get("name") or "")
                parts[key] = str(child.get("value") or "")
            elif name not in ("properties",):
                parts[name] = parts.get(name, "") + (child.text or "") + str(dict(child.attrib))
    return parts


_CHANGED = lambda name: _("Changed '%(name)s'", name=name)  # noqa: E731
_SETTINGS = lambda name: _("Changed the settings of '%(name)s'", name=name)  # noqa: E731
_PART_TEXT: dict[str, Callable[[str], str]] = {
    "formJsonSchemaFilename": lambda name: _("Changed the form on '%(name)s'", name=name),
    "formUiSchemaFilename": lambda name: _("Changed the form on '%(name)s'", name=name),
    "preScript": lambda name: _("Changed the script before '%(name)s'", name=name),
    "postScript": lambda name: _("Changed the script after '%(name)s'", name=name),
    "script": lambda name: _("Changed the script of '%(name)s'", name=name),
    "instructionsForEndUser": lambda name: _("Changed the instructions on '%(name)s'", name=name),
    "calledDecisionId": lambda name: _("Changed the decision used by '%(name)s'", name=name),
    "serviceTaskOperator": lambda name: _("Changed the service call of '%(name)s'", name=name),
    "dueInDays": lambda name: _("Changed the deadline of '%(name)s'", name=name),
}
_FIELD_TEXT: dict[str, Callable[[str], str]] = {
    "name": lambda name: _("Renamed '%(name)s'", name=name),
    "conditionExpression": lambda name: _("Changed the condition on '%(name)s'", name=name),
    "script": lambda name: _("Changed the script of '%(name)s'", name=name),
    "documentation": lambda name: _("Changed the description of '%(name)s'", name=name),
    "default": lambda name: _("Changed the default path of '%(name)s'", name=name),
    "sourceRef": lambda name: _("Moved the start of '%(name)s'", name=name),
    "targetRef": lambda name: _("Moved the end of '%(name)s'", name=name),
    "type": lambda name: _("Changed the type of '%(name)s'", name=name),
    "timerEventDefinition": lambda name: _("Changed the timer of '%(name)s'", name=name),
    "messageEventDefinition": lambda name: _("Changed the message of '%(name)s'", name=name),
}


def _by_id(xml: str | bytes) -> dict[str, etree._Element]:
    root = parse_xml(xml)
    return {
        str(e.get("id")): e
        for e in root.iter()
        if isinstance(e.tag, str) and e.get("id") and etree.QName(e).namespace == BPMN
    }


def changes(old: str | bytes, new: str | bytes, result: Diff) -> list[dict[str, str]]:
    """The difference `result` (old -> new) as sentences: status, text, element_id."""
    before, after = _by_id(old), _by_id(new)
    out: list[dict[str, str]] = []
    for element_id in result.added:
        out.append(
            {
                "status": "added",
                "element_id": element_id,
                "text": _("Added '%(name)s'", name=result.names.get(element_id, element_id)),
            }
        )
    for element_id in result.removed:
        out.append(
            {
                "status": "removed",
                "element_id": element_id,
                "text": _("Removed '%(name)s'", name=result.names.get(element_id, element_id)),
            }
        )
    for change in result.changed:
        texts: list[str] = []
        for field_name in change.fields:
            if field_name == "extensionElements":
                a = _extension_parts(before.get(change.element_id))
                b = _extension_parts(after.get(change.element_id))
                keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
                found = [_PART_TEXT.get(k, _SETTINGS)(change.name) for k in keys]
                texts.extend(found or [_SETTINGS(change.name)])
            else:
                texts.append(_FIELD_TEXT.get(field_name, _CHANGED)(change.name))
        for text in dict.fromkeys(texts):
            out.append({"status": "changed", "element_id": change.element_id, "text": text})
    return out
