"""The process of a version in words: who does each step, and where each choice leads."""

from __future__ import annotations

import ast
from collections import deque
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from designer.models import is_citizen_lane
from designer.services.groupchecks import worked_tasks
from designer.services.rulesdoc.labels import Labels, Named
from designer.services.rulesdoc.tables import Test
from designer.services.rulesdoc.words import condition_clauses, joiner_word
from engine.api import local_name, parse_xml
from engine.errors import ModelInvalid

AUTOMATED = ("scriptTask", "businessRuleTask", "serviceTask", "sendTask")
BY_PEOPLE = ("userTask", "manualTask")
CHOICES = ("exclusiveGateway", "inclusiveGateway")


@dataclass(frozen=True)
class Decided:
    """A decision a script makes without a person: its outcome and the reason it gives."""

    outcome: str
    reason: Named | None


@dataclass(frozen=True)
class Step:
    """A task: what kind of worker does it (automated, caseworker, applicant) and what."""

    element_id: str
    name: Named
    kind: str
    what: str
    group: Named | None = None
    decision_id: str = ""  # a business rule task's table
    decisions: tuple[Decided, ...] = ()  # a script task's automatic decisions


@dataclass(frozen=True)
class Path:
    """One way out of a choice: its condition in words (or as written) and where it leads."""

    tests: list[Test]
    joiner: str
    target: Named
    expression: str = ""
    name: Named | None = None
    otherwise: bool = False
    notes: tuple[tuple[str, str], ...] = ()  # (param.<name>, its label and value)


@dataclass(frozen=True)
class Choice:
    """A gateway with two or more ways out."""

    element_id: str
    name: Named
    inclusive: bool
    paths: list[Path]


def _called_decision(node: Any) -> str:
    for child in node.iter():
        if isinstance(child.tag, str) and local_name(child) == "calledDecisionId":
            return str(child.text or "").strip()
    return ""


def _constants(node: ast.Dict) -> dict[str, str]:
    return {
        k.value: v.value
        for k, v in zip(node.keys, node.values, strict=True)
        if isinstance(k, ast.Constant)
        and isinstance(k.value, str)
        and isinstance(v, ast.Constant)
        and isinstance(v.value, str)
    }


def script_decisions(script: str, labels: Labels) -> tuple[Decided, ...]:
    """The decisions a script writes itself, not by a person: {"outcome": ..., "reason": ...}.

    Only literal dicts count (the reason as written, or the service's `reason/<rule>` text in
    the reader's language); a decision a caseworker's answer makes is the caseworker's.
    """
    try:
        tree = ast.parse(script)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return ()
    found: list[Decided] = []
    for node in ast.walk(tree):
        values = _constants(node) if isinstance(node, ast.Dict) else {}
        if "outcome" not in values or values.get("decided_by") in ("caseworker", "applicant"):
            continue
        reason, rule = values.get("reason", ""), values.get("rule", "")
        named = labels.named(f"reason/{rule}", reason) if rule else labels.as_written(reason)
        text = labels.fill(named.text, {}) if named.text else ""
        found.append(Decided(values["outcome"], Named(text, named.lang) if text else None))
    return tuple(found)


class _Diagram:
    def __init__(self, root: Any, labels: Labels) -> None:
        self.labels = labels
        self.nodes: dict[str, Any] = {}
        self.flows: list[Any] = []
        for element in root.iter():
            if not isinstance(element.tag, str) or not element.get("id"):
                continue
            kind = local_name(element)
            if kind == "sequenceFlow":
                self.flows.append(element)
            elif kind not in ("lane", "laneSet", "process", "participant", "collaboration"):
                self.nodes[str(element.get("id"))] = element
        self.outgoing: dict[str, list[Any]] = {}
        for flow in self.flows:
            self.outgoing.setdefault(str(flow.get("sourceRef")), []).append(flow)
        self.order = self._order()

    def _order(self) -> dict[str, int]:
        """Node id -> position, following the flows from the start events (then the rest)."""
        starts = [i for i, n in self.nodes.items() if local_name(n) == "startEvent"]
        attached: dict[str, list[str]] = {}
        for node_id, node in self.nodes.items():
            if node.get("attachedToRef"):
                attached.setdefault(str(node.get("attachedToRef")), []).append(node_id)
        order: dict[str, int] = {}
        queue = deque(starts)
        while queue:
            node_id = queue.popleft()
            if node_id in order:
                continue
            order[node_id] = len(order)
            queue.extend(str(f.get("targetRef")) for f in self.outgoing.get(node_id, []))
            queue.extend(attached.get(node_id, []))
        for node_id in self.nodes:
            order.setdefault(node_id, len(order))
        return order

    def name(self, node_id: str, hops: int = 0) -> Named:
        """A node's name as the reader sees it; an unnamed one is named by where it leads."""
        node = self.nodes.get(node_id)
        if node is None:
            return Named(node_id, self.labels.base, code=True)
        kind, written = local_name(node), " ".join(str(node.get("name") or "").split())
        if written and kind in BY_PEOPLE:
            return self.labels.named(f"task/{node_id}/name", written)
        if written and kind == "endEvent":
            return self.labels.named(f"end/{node_id}/name", written)
        if written:
            return self.labels.as_written(written)
        ahead = self.outgoing.get(node_id, [])
        if len(ahead) == 1 and hops < 20:
            return self.name(str(ahead[0].get("targetRef")), hops + 1)
        if kind == "endEvent":
            return Named(_("the end of the case"), self.labels.lang)
        return Named(_("the next step"), self.labels.lang)

    def steps(self, bpmn: str) -> list[Step]:
        groups = {task.element_id: task.group for task in worked_tasks(bpmn)}
        found: list[Step] = []
        for node_id, node in self.nodes.items():
            kind = local_name(node)
            if kind in AUTOMATED:
                what = {
                    "scriptTask": _("Calculated or recorded automatically by the service"),
                    "businessRuleTask": _("Decided automatically by a decision table"),
                }.get(kind, _("Sent to or fetched from another system automatically"))
                script = next((str(c.text or "") for c in node if local_name(c) == "script"), "")
                decided = script_decisions(script, self.labels) if script else ()
                found.append(
                    Step(
                        node_id,
                        self.name(node_id),
                        "automated",
                        what,
                        None,
                        _called_decision(node),
                        decided,
                    )
                )
            elif kind in BY_PEOPLE:
                group = groups.get(node_id)
                if is_citizen_lane(group):
                    found.append(
                        Step(
                            node_id, self.name(node_id), "applicant", _("Answered by the applicant")
                        )
                    )
                    continue
                named = self.labels.as_written(group) if group else None
                what = _("Assessed by a person, who decides")
                found.append(Step(node_id, self.name(node_id), "caseworker", what, named))
        return sorted(found, key=lambda step: self.order[step.element_id])

    def _path(self, flow: Any, default: str | None) -> Path:
        target = self.name(str(flow.get("targetRef")))
        expression = next(
            (
                str(c.text or "").strip()
                for c in flow
                if isinstance(c.tag, str) and local_name(c) == "conditionExpression"
            ),
            "",
        )
        if flow.get("id") == default or not expression:
            return Path([], "", target, otherwise=flow.get("id") == default)
        labels = self.labels
        found = condition_clauses(expression, lambda name, value: labels.value(name, value))
        if found is None:
            written = " ".join(str(flow.get("name") or "").split())
            name = labels.as_written(written) if written else None
            notes = labels.notes(expression)
            return Path([], "", target, expression=expression, name=name, notes=notes)
        clauses, joiner = found
        tests = [Test(labels.label(c.name), c.words) for c in clauses]
        return Path(tests, joiner_word(joiner), target)

    def choices(self) -> list[Choice]:
        found: list[Choice] = []
        for node_id, node in self.nodes.items():
            kind, ways = local_name(node), self.outgoing.get(node_id, [])
            if kind not in CHOICES or len(ways) < 2:
                continue
            written = " ".join(str(node.get("name") or "").split())
            if written:
                name = self.labels.as_written(written)
            else:
                before = [
                    str(f.get("sourceRef")) for f in self.flows if f.get("targetRef") == node_id
                ]
                step = self.name(before[0]).text if before else node_id
                name = Named(_("The choice after %(step)s", step=step), self.labels.lang)
            paths = [self._path(flow, node.get("default")) for flow in ways]
            paths.sort(key=lambda path: path.otherwise)  # "otherwise" last
            found.append(Choice(node_id, name, kind == "inclusiveGateway", paths))
        return sorted(found, key=lambda choice: self.order[choice.element_id])


def process_parts(bpmn: str, labels: Labels) -> tuple[list[Step], list[Choice]]:
    """The steps (in the order of the process) and the choices of a version's diagram."""
    try:
        root = parse_xml(bpmn, filename="process.bpmn")
    except ModelInvalid:
        return [], []
    diagram = _Diagram(root, labels)
    return diagram.steps(bpmn), diagram.choices()
