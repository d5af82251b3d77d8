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
from dataclasses import replace

from lxml import etree

from .codechecks import label_of, problem
from .codechecks import owner_id as _owner_id
from .codechecks import script_problems as _script_problems
from .dialects import import_problems
from .errors import Problem
from .timers import timer_problems as _timer_problems

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
        label = label_of(flow)
        for attr, role in (("sourceRef", "source"), ("targetRef", "target")):
            ref = flow.get(attr)
            if not ref:
                problems.append(
                    problem(
                        f"flow_no_{role}",
                        f"The sequence flow '{label}' has no {role}: connect both its ends.",
                        flow,
                        filename,
                        label=label,
                    )
                )
            elif ref not in siblings:
                problems.append(
                    problem(
                        f"flow_dangling_{role}",
                        f"The sequence flow '{label}' points to a {role} '{ref}' that does "
                        "not exist in the same process: reconnect it or delete it.",
                        flow,
                        filename,
                        label=label,
                        ref=ref,
                    )
                )
    return problems


def _event_problems(root: etree._Element, filename: str) -> list[Problem]:
    problems = []
    for process in root.iter(f"{{{BPMN}}}process"):
        tags = Counter(_tag(child) for child in process)
        label = label_of(process)
        if tags["startEvent"] == 0:
            problems.append(
                problem(
                    "process_no_start",
                    f"The process '{label}' has no start event: draw a start event and "
                    "connect it to the first step.",
                    process,
                    filename,
                    label=label,
                )
            )
        if tags["endEvent"] == 0:
            problems.append(
                problem(
                    "process_no_end",
                    f"The process '{label}' has no end event: draw an end event and draw "
                    "a sequence flow from the last step to it.",
                    process,
                    filename,
                    label=label,
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
            label = label_of(element)
            if form is None:
                if tag in _FORM_TASKS:
                    problems.append(
                        problem(
                            "task_no_form",
                            f"The task '{label}' has no form: choose or create one in "
                            "the properties panel.",
                            element,
                            filename,
                            label=label,
                        )
                    )
            elif form not in form_names:
                problems.append(
                    problem(
                        "form_missing",
                        f"The form '{form}' used by '{label}' does not exist: create it "
                        "or choose another form.",
                        element,
                        filename,
                        label=label,
                        form=form,
                    )
                )
    return problems


def _call_problems(root: etree._Element, filename: str, process_ids: set[str]) -> list[Problem]:
    problems = []
    for call in root.iter(f"{{{BPMN}}}callActivity"):
        target = call.get("calledElement")
        if target and target not in process_ids:
            label = label_of(call)
            problems.append(
                problem(
                    "call_missing",
                    f"The call activity '{label}' calls the process '{target}', which is "
                    "not in this bundle: choose a process that exists.",
                    call,
                    filename,
                    label=label,
                    target=target,
                )
            )
    return problems


_REFERENCES = (
    ("messageRef", "message"),
    ("signalRef", "signal"),
    ("errorRef", "error"),
    ("escalationRef", "escalation"),
)


def _reference_problems(root: etree._Element, filename: str) -> list[Problem]:
    """Events and tasks must point at messages, signals and errors that are declared."""
    problems = []
    for attr, what in _REFERENCES:
        declared = {str(e.get("id")) for e in root.iter(f"{{{BPMN}}}{what}")}
        for element in root.iter():
            if not isinstance(element.tag, str) or not element.get(attr):
                continue
            if element.get(attr) in declared:
                continue
            # An event definition's own id is not on the diagram: name the event.
            owner = element
            if _tag(element).endswith("EventDefinition") and element.getparent() is not None:
                owner = element.getparent()
            label = label_of(owner)
            found = problem(
                f"undeclared_{what}",
                f"'{label}' refers to a {what} '{element.get(attr)}' that is not "
                f"declared in the diagram: choose a declared {what}.",
                owner,
                filename,
                label=label,
                ref=str(element.get(attr)),
            )
            problems.append(replace(found, element_id=_owner_id(owner), line=element.sourceline))
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
                    label, flow_label = label_of(gateway), label_of(flow)
                    problems.append(
                        problem(
                            "condition_missing",
                            f"The flow '{flow_label}' out of '{label}' needs a condition, "
                            "or make it the default flow.",
                            flow,
                            filename,
                            label=flow_label,
                            gateway=label,
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
            problems.append(
                Problem(
                    "The file is not a BPMN 2.0 diagram: export it as BPMN 2.0 XML.",
                    file=filename,
                    line=1,
                    code="not_bpmn",
                )
            )
            continue
        for element in root.iter():
            if not isinstance(element.tag, str):
                continue
            element_id = element.get("id")
            if element_id and etree.QName(element).namespace == BPMN:
                if element_id in seen:
                    problems.append(
                        problem(
                            "duplicate_id",
                            f"The id '{element_id}' is used by more than one element: "
                            "give each element its own id.",
                            element,
                            filename,
                            label=label_of(element),
                            id=element_id,
                        )
                    )
                seen[element_id] = filename
        problems += _flow_problems(root, filename)
        problems += _event_problems(root, filename)
        problems += _script_problems(root, filename)
        problems += _call_problems(root, filename, process_ids)
        problems += _reference_problems(root, filename)
        problems += _gateway_problems(root, filename)
        problems += _timer_problems(root, filename)
        problems += import_problems(root, filename)
        if form_names is not None:
            problems += _form_problems(root, filename, form_names)
    return in_document_order(problems)


def in_document_order(problems: list[Problem]) -> list[Problem]:
    """Problems by file and line (the element order of the diagram); unplaced ones last."""
    return sorted(problems, key=lambda p: (p.line is None, p.file or "", p.line or 0))
