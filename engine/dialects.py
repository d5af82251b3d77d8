"""Reading diagrams from other modellers: what we cannot execute, said per element.

Camunda 7/8 and Signavio diagrams open unchanged; their vendor extensions stay
in the XML. What would silently not run here (JUEL/FEEL expressions, Java
delegates, Zeebe job types, vendor form keys) is reported by element instead.
"""

from __future__ import annotations

import copy
import re

from lxml import etree

from .codechecks import label_of, problem
from .errors import Problem
from .safexml import parse_xml

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DIALECTS = {
    "http://camunda.org/schema/1.0/bpmn": "Camunda 7",
    "http://activiti.org/bpmn": "Activiti/Camunda 7",
    "http://camunda.org/schema/zeebe/1.0": "Camunda 8 (Zeebe)",
    "http://camunda.org/schema/modeler/1.0": "Camunda Modeler",
    "http://www.signavio.com": "Signavio",
    "http://spiffworkflow.org/bpmn/schema/1.0/core": "SpiffWorkflow",
}
_VENDOR_ATTRS = {
    "formKey": "a vendor form key; attach a Flytverk form instead",
    "assignee": "a vendor assignee; use a lane for the group instead",
    "candidateGroups": "vendor candidate groups; use a lane for the group instead",
    "class": "a Java delegate class; choose a Flytverk connector instead",
    "delegateExpression": "a Java delegate expression; choose a Flytverk connector instead",
    "expression": "a vendor expression; choose a Flytverk connector instead",
    "type": "a vendor task type",
}
_VENDOR_ELEMENTS = {
    "taskDefinition": "a Zeebe job type; choose a Flytverk connector instead",
    "formDefinition": "a Zeebe form; attach a Flytverk form instead",
    "userTask": "Zeebe user-task settings",
    "calledDecision": "a Zeebe decision reference; set the decision id instead",
    "calledElement": "a Zeebe call reference; set the called process instead",
    "inputOutput": "vendor input/output mappings (not executed)",
    "ioMapping": "vendor input/output mappings (not executed)",
    "executionListener": "a vendor execution listener (not executed)",
    "taskListener": "a vendor task listener (not executed)",
    "formData": "vendor form fields; attach a Flytverk form instead",
}


def _owner(element: etree._Element) -> etree._Element:
    node: etree._Element | None = element
    while node is not None and not node.get("id"):
        node = node.getparent()
    return node if node is not None else element


def detect(xml: str | bytes) -> dict[str, object]:
    """Which modeller made the diagram, and whether it has diagram interchange."""
    root = parse_xml(xml)
    found = {DIALECTS[ns] for ns in root.nsmap.values() if ns in DIALECTS}
    exporter = " ".join(filter(None, (root.get("exporter"), root.get("exporterVersion"))))
    has_di = next(root.iter(f"{{{BPMNDI}}}BPMNPlane"), None) is not None
    return {"dialects": sorted(found), "exporter": exporter, "has_layout": has_di}


def _vendor_attribute_problems(element: etree._Element, filename: str) -> list[Problem]:
    """Vendor attributes of one element that would not run here; linear in its attributes.

    lxml's `attrib.items()` looks every value up by name, which is quadratic in the
    number of attributes; `keys()` walks them once, and values are fetched only for the
    few names we report.
    """
    found: list[tuple[str, str]] = []
    for attr in element.attrib.keys():
        qname = etree.QName(attr)
        if qname.namespace in DIALECTS and DIALECTS[qname.namespace] != "SpiffWorkflow":
            if qname.localname in _VENDOR_ATTRS:
                found.append((attr, qname.localname))
    if not found:
        return []
    element_id, line = element.get("id"), element.sourceline
    return [
        Problem(
            f"'{local}={element.get(attr)}' is {_VENDOR_ATTRS[local]}.",
            element_id=element_id,
            line=line,
            file=filename,
            code="vendor",
            params={"label": label_of(element), "part": local, "value": str(element.get(attr))},
        )
        for attr, local in found
    ]


def foreign_parts(xml: str | bytes, filename: str = "process.bpmn") -> list[Problem]:
    """Every vendor-specific part that would not run here, by element."""
    root = parse_xml(xml, filename=filename)
    problems: list[Problem] = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        namespace = etree.QName(element).namespace
        problems.extend(_vendor_attribute_problems(element, filename))
        if namespace in DIALECTS and DIALECTS[namespace] != "SpiffWorkflow":
            local = etree.QName(element).localname
            reason = _VENDOR_ELEMENTS.get(local)
            if reason:
                owner = _owner(element)
                problems.append(
                    Problem(
                        f"{DIALECTS[namespace]} extension '{local}': {reason}.",
                        element_id=owner.get("id"),
                        line=element.sourceline,
                        file=filename,
                        code="vendor",
                        params={"label": label_of(owner), "part": local, "value": local},
                    )
                )
        if namespace == BPMN and etree.QName(element).localname == "conditionExpression":
            text = (element.text or "").strip()
            if text.startswith("${") or text.startswith("#{") or text.startswith("="):
                owner = _owner(element)
                problems.append(
                    Problem(
                        f"The condition '{text}' is written in a vendor expression language; "
                        "write it as a Python expression.",
                        element_id=owner.get("id"),
                        line=element.sourceline,
                        file=filename,
                        code="vendor_condition",
                        params={"label": label_of(owner), "value": text},
                    )
                )
    return problems


_FLOW_NODES = {
    "task", "userTask", "manualTask", "serviceTask", "scriptTask", "sendTask",
    "receiveTask", "businessRuleTask", "callActivity", "subProcess", "transaction",
    "adHocSubProcess", "startEvent", "endEvent", "intermediateCatchEvent",
    "intermediateThrowEvent", "boundaryEvent", "exclusiveGateway", "inclusiveGateway",
    "parallelGateway", "eventBasedGateway", "complexGateway",
}  # fmt: skip


def _local(element: etree._Element) -> str:
    return str(etree.QName(element).localname)


def _flow_nodes(process: etree._Element) -> list[etree._Element]:
    return [
        e
        for e in process.iter()
        if isinstance(e.tag, str) and etree.QName(e).namespace == BPMN and _local(e) in _FLOW_NODES
    ]


def _pool_names(root: etree._Element) -> dict[str, str]:
    """Process id -> the name of the pool (participant) that shows it."""
    return {
        str(p.get("processRef")): str(p.get("name") or p.get("processRef"))
        for p in root.iter(f"{{{BPMN}}}participant")
        if p.get("processRef")
    }


def _process_problems(root: etree._Element, filename: str) -> list[Problem]:
    pools = _pool_names(root)
    found: list[Problem] = []
    busy = []
    processes = [p for p in root.iter(f"{{{BPMN}}}process") if _flow_nodes(p)]
    # An empty pool stands for a partner outside; nothing to run.
    none_executable = not any(p.get("isExecutable") == "true" for p in processes)
    for process in processes:
        label = pools.get(str(process.get("id"))) or label_of(process)
        if str(process.get("id")) in pools:
            busy.append((process, label))
        if none_executable and process.get("isExecutable") != "true":
            found.append(
                problem(
                    "process_not_executable",
                    f"The process '{label}' is marked as not executable: mark it "
                    "executable to run it here.",
                    process,
                    filename,
                    label=label,
                )
            )
    if len(busy) > 1:
        names = ", ".join(f"'{label}'" for _p, label in busy)
        found.append(
            problem(
                "several_pools",
                f"The diagram has several pools with steps ({names}); only one process "
                "can run here and messages between the pools would wait for ever: move "
                "the steps into one pool and leave the others empty.",
                busy[1][0],
                filename,
                pools=names,
            )
        )
    return found


def _task_problems(root: etree._Element, filename: str) -> list[Problem]:
    return [
        problem(
            "task_no_type",
            f"'{label_of(task)}' has no task type, so nobody could work it: choose a task "
            "type (user task, service task, script task...).",
            task,
            filename,
            label=label_of(task),
        )
        for task in root.iter(f"{{{BPMN}}}task")
    ]


def _layout_problems(root: etree._Element, filename: str) -> list[Problem]:
    """Elements a diagram with layout does not place: the editor would not show them."""
    planes = list(root.iter(f"{{{BPMNDI}}}BPMNPlane"))
    if not planes:
        return []  # no layout at all: the editor lays the whole diagram out
    placed = {
        str(e.get("bpmnElement"))
        for plane in planes
        for e in plane.iter(f"{{{BPMNDI}}}BPMNShape", f"{{{BPMNDI}}}BPMNEdge")
    }
    found = []
    for process in root.iter(f"{{{BPMN}}}process"):
        for element in [*_flow_nodes(process), *process.iter(f"{{{BPMN}}}sequenceFlow")]:
            if element.get("id") and element.get("id") not in placed:
                label = label_of(element)
                found.append(
                    problem(
                        "no_layout",
                        f"'{label}' has no position in the diagram, so the editor cannot "
                        "show it: it is kept in the file; delete or redraw it in the "
                        "modeller it came from.",
                        element,
                        filename,
                        label=label,
                    )
                )
    return found


def import_problems(root: etree._Element, filename: str) -> list[Problem]:
    """What diagrams from other modellers get wrong here: task types, pools, layout."""
    return (
        _process_problems(root, filename)
        + _task_problems(root, filename)
        + _layout_problems(root, filename)
    )


_PROCESS_TAG = re.compile(r"<(?:[\w.-]+:)?process\b[^>]*>")
_EXECUTABLE = re.compile(r"""\bisExecutable\s*=\s*(["'])[^"']*\1""")


def mark_executable(xml: str) -> str:
    """The diagram with every process marked executable; nothing else in the text changes."""

    def fix(match: re.Match[str]) -> str:
        tag = match.group(0)
        if _EXECUTABLE.search(tag):
            return _EXECUTABLE.sub('isExecutable="true"', tag)
        end = -2 if tag.endswith("/>") else -1
        return f'{tag[:end].rstrip()} isExecutable="true"{tag[end:]}'

    return _PROCESS_TAG.sub(fix, xml)


def keep_unplaced(old_xml: str, new_xml: str) -> str:
    """`new_xml` with what `old_xml` had without layout put back, if the editor lost it.

    The editor cannot show (so does not export) elements without layout; a save must not
    silently drop what an import kept.
    """
    try:
        old, new = parse_xml(old_xml), parse_xml(new_xml)
    except Exception:  # an unreadable old draft keeps nothing; the new one is checked later
        return new_xml
    unplaced = {p.element_id for p in _layout_problems(old, "old")}
    present = {e.get("id") for e in new.iter() if isinstance(e.tag, str) and e.get("id")}
    lost = unplaced - present
    if not lost:
        return new_xml
    kinds = (f"{{{BPMN}}}process", f"{{{BPMN}}}subProcess", f"{{{BPMN}}}transaction")
    containers = {e.get("id"): e for e in new.iter(*kinds) if e.get("id")}
    for element in old.iter():  # into the same process or sub-process; nested ones with it
        parent, ancestors = element.getparent(), element.iterancestors()
        if element.get("id") in lost and not any(a.get("id") in lost for a in ancestors):
            if (
                target := containers.get(parent.get("id") if parent is not None else None)
            ) is not None:
                target.append(copy.deepcopy(element))
    return str(etree.tostring(new, xml_declaration=True, encoding="UTF-8").decode("utf-8"))
