"""Our own checks on BPMN trees, run before SpiffWorkflow's parser.

They give the errors SpiffWorkflow gets wrong or reports late a clear message,
an element id and a line: dangling sequence flows (the library says "two items
with the same ID"), missing start/end events, scripts and conditions that do
not compile (the library finds out at run time), forms that do not exist and
call activities whose target process is not in the bundle (the library says
so without naming the call activity).
"""

from __future__ import annotations

from collections import Counter

from lxml import etree

from .codechecks import owner_id as _owner_id
from .codechecks import script_problems as _script_problems
from .errors import Problem

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN, "spiffworkflow": SPIFF}
FORM_PROPERTY = "formJsonSchemaFilename"
_FORM_TASKS = ("userTask", "manualTask")


def _tag(element: etree._Element) -> str:
    return etree.QName(element).localname


def _flow_problems(root: etree._Element, filename: str) -> list[Problem]:
    problems = []
    for flow in root.iter(f"{{{BPMN}}}sequenceFlow"):
        container = flow.getparent()
        siblings = {c.get("id") for c in container} if container is not None else set()
        for attr, role in (("sourceRef", "source"), ("targetRef", "target")):
            ref = flow.get(attr)
            if not ref:
                problems.append(
                    Problem(
                        f"Sequence flow '{flow.get('id')}' has no {role}.",
                        element_id=flow.get("id"),
                        line=flow.sourceline,
                        file=filename,
                    )
                )
            elif ref not in siblings:
                problems.append(
                    Problem(
                        f"Sequence flow '{flow.get('id')}' points to a {role} element "
                        f"'{ref}' that does not exist in the same process.",
                        element_id=flow.get("id"),
                        line=flow.sourceline,
                        file=filename,
                    )
                )
    return problems


def _event_problems(root: etree._Element, filename: str) -> list[Problem]:
    problems = []
    for process in root.iter(f"{{{BPMN}}}process"):
        tags = Counter(_tag(child) for child in process)
        if tags["startEvent"] == 0:
            problems.append(
                Problem(
                    f"Process '{process.get('id')}' has no start event.",
                    element_id=process.get("id"),
                    line=process.sourceline,
                    file=filename,
                )
            )
        if tags["endEvent"] == 0:
            problems.append(
                Problem(
                    f"Process '{process.get('id')}' has no end event.",
                    element_id=process.get("id"),
                    line=process.sourceline,
                    file=filename,
                )
            )
    return problems


def _form_of(element: etree._Element) -> str | None:
    for prop in element.iterfind(".//spiffworkflow:property", NS):
        if prop.get("name") == FORM_PROPERTY and prop.get("value"):
            return str(prop.get("value"))
    return None


def _form_problems(root: etree._Element, filename: str, form_names: set[str]) -> list[Problem]:
    problems = []
    for tag in (*_FORM_TASKS, "startEvent"):
        for element in root.iter(f"{{{BPMN}}}{tag}"):
            form = _form_of(element)
            label = element.get("name") or element.get("id")
            if form is None:
                if tag in _FORM_TASKS:
                    problems.append(
                        Problem(
                            f"The task '{label}' has no form.",
                            element_id=element.get("id"),
                            line=element.sourceline,
                            file=filename,
                        )
                    )
            elif form not in form_names:
                problems.append(
                    Problem(
                        f"The form '{form}' used by '{label}' does not exist.",
                        element_id=element.get("id"),
                        line=element.sourceline,
                        file=filename,
                    )
                )
    return problems


def _call_problems(root: etree._Element, filename: str, process_ids: set[str]) -> list[Problem]:
    problems = []
    for call in root.iter(f"{{{BPMN}}}callActivity"):
        target = call.get("calledElement")
        if target and target not in process_ids:
            problems.append(
                Problem(
                    f"The call activity '{call.get('name') or call.get('id')}' calls the "
                    f"process '{target}', which is not in this bundle.",
                    element_id=call.get("id"),
                    line=call.sourceline,
                    file=filename,
                )
            )
    return problems


_REFERENCES = (
    ("messageRef", "message", "message"),
    ("signalRef", "signal", "signal"),
    ("errorRef", "error", "error"),
    ("escalationRef", "escalation", "escalation"),
)


def _reference_problems(root: etree._Element, filename: str) -> list[Problem]:
    """Events and tasks must point at messages, signals and errors that are declared."""
    problems = []
    for attr, tag, what in _REFERENCES:
        declared = {str(e.get("id")) for e in root.iter(f"{{{BPMN}}}{tag}")}
        for element in root.iter():
            if not isinstance(element.tag, str) or not element.get(attr):
                continue
            if element.get(attr) in declared:
                continue
            # An event definition's own id is not on the diagram: name the event.
            owner = element
            if _tag(element).endswith("EventDefinition") and element.getparent() is not None:
                owner = element.getparent()
            label = owner.get("name") or owner.get("id")
            problems.append(
                Problem(
                    f"'{label}' refers to a {what} '{element.get(attr)}' "
                    "that is not declared in the diagram.",
                    element_id=_owner_id(owner),
                    line=element.sourceline,
                    file=filename,
                )
            )
    return problems


def _gateway_problems(root: etree._Element, filename: str) -> list[Problem]:
    """Each flow out of a deciding gateway needs a condition, except its default flow."""
    problems = []
    for tag in ("exclusiveGateway", "inclusiveGateway"):
        for gateway in root.iter(f"{{{BPMN}}}{tag}"):
            container = gateway.getparent()
            if container is None:
                continue
            outgoing = [
                f
                for f in container.iterfind("bpmn:sequenceFlow", NS)
                if f.get("sourceRef") == gateway.get("id")
            ]
            if len(outgoing) < 2:
                continue
            for flow in outgoing:
                if flow.get("id") == gateway.get("default"):
                    continue
                condition = flow.find("bpmn:conditionExpression", NS)
                if condition is None or not (condition.text or "").strip():
                    label = gateway.get("name") or gateway.get("id")
                    problems.append(
                        Problem(
                            f"The flow '{flow.get('name') or flow.get('id')}' out of "
                            f"'{label}' needs a condition, or make it the default flow.",
                            element_id=flow.get("id"),
                            line=flow.sourceline,
                            file=filename,
                        )
                    )
    return problems


def structural_problems(
    trees: dict[str, etree._Element], form_names: set[str] | None
) -> list[Problem]:
    """Every problem our own checks find in the given BPMN trees."""
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    process_ids = {
        str(p.get("id")) for root in trees.values() for p in root.iter(f"{{{BPMN}}}process")
    }
    for filename, root in trees.items():
        if _tag(root) != "definitions" or etree.QName(root).namespace != BPMN:
            problems.append(Problem("The file is not a BPMN 2.0 diagram.", file=filename, line=1))
            continue
        for element in root.iter():
            if not isinstance(element.tag, str):
                continue
            element_id = element.get("id")
            if element_id and etree.QName(element).namespace == BPMN:
                if element_id in seen:
                    problems.append(
                        Problem(
                            f"The id '{element_id}' is used by more than one element.",
                            element_id=element_id,
                            line=element.sourceline,
                            file=filename,
                        )
                    )
                seen[element_id] = filename
        problems += _flow_problems(root, filename)
        problems += _event_problems(root, filename)
        problems += _script_problems(root, filename)
        problems += _call_problems(root, filename, process_ids)
        problems += _reference_problems(root, filename)
        problems += _gateway_problems(root, filename)
        if form_names is not None:
            problems += _form_problems(root, filename, form_names)
    return problems
