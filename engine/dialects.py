"""Reading diagrams from other modellers: what we cannot execute, said per element.

Camunda 7/8 and Signavio diagrams open unchanged; their vendor extensions stay
in the XML. What would silently not run here (JUEL/FEEL expressions, Java
delegates, Zeebe job types, vendor form keys) is reported by element instead.
"""

from __future__ import annotations

from lxml import etree

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
            reason = _VENDOR_ELEMENTS.get(etree.QName(element).localname)
            if reason:
                owner = _owner(element)
                problems.append(
                    Problem(
                        f"{DIALECTS[namespace]} extension "
                        f"'{etree.QName(element).localname}': {reason}.",
                        element_id=owner.get("id"),
                        line=element.sourceline,
                        file=filename,
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
                    )
                )
    return problems
