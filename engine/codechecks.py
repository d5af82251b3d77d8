"""Code in a diagram, checked without running it: conditions, scripts, connector parameters."""

from __future__ import annotations

from lxml import etree

from .errors import Problem
from .scripting import check_syntax

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN, "spiffworkflow": SPIFF}


def label_of(element: etree._Element) -> str:
    """How a person knows an element: its name, its id only when it has none."""
    return str(element.get("name") or element.get("id") or etree.QName(element).localname)


def problem(
    code: str, message: str, element: etree._Element, filename: str, **params: str
) -> Problem:
    """A finding about `element`, with its code and the texts that fill its message."""
    return Problem(
        message,
        element_id=element.get("id"),
        line=element.sourceline,
        file=filename,
        code=code,
        params=params,
    )


def owner_id(element: etree._Element) -> str | None:
    node: etree._Element | None = element
    while node is not None:
        if node.get("id"):
            return str(node.get("id"))
        node = node.getparent()
    return None


def _code_problem(
    element: etree._Element, source: str, mode: str, what: str, filename: str
) -> Problem | None:
    err = check_syntax(source.strip() if mode == "eval" else source, mode)
    if err is None:
        return None
    offset = (err.lineno or 1) - 1
    line = (element.sourceline or 0) + offset or None
    label = label_of(_owner(element))
    kind = what.removeprefix("The ").lower()
    return Problem(
        f"{what} of '{label}' has a syntax error: {err.msg} "
        f"(line {err.lineno} of the {kind}): correct it.",
        element_id=owner_id(element),
        line=line,
        file=filename,
        code=f"syntax_{kind}",
        params={"label": label, "error": str(err.msg), "line": str(err.lineno or 1)},
    )


def _owner(element: etree._Element) -> etree._Element:
    node: etree._Element | None = element
    while node is not None and not node.get("id"):
        node = node.getparent()
    return node if node is not None else element


def script_problems(root: etree._Element, filename: str) -> list[Problem]:
    """Syntax and sandbox-rule problems of every piece of code in a diagram."""
    found: list[Problem | None] = []
    for cond in root.iter(f"{{{BPMN}}}conditionExpression"):
        if (cond.text or "").strip():
            found.append(_code_problem(cond, cond.text or "", "eval", "The condition", filename))
    for task in root.iter(f"{{{BPMN}}}scriptTask"):
        for script in task.findall("bpmn:script", NS):
            found.append(_code_problem(script, script.text or "", "exec", "The script", filename))
    for task in root.iter(f"{{{BPMN}}}serviceTask"):
        found += _parameter_problems(task, filename)
    for tag in ("preScript", "postScript"):
        for script in root.iter(f"{{{SPIFF}}}{tag}"):
            if (script.text or "").strip():
                found.append(
                    _code_problem(script, script.text or "", "exec", f"The {tag}", filename)
                )
    return [p for p in found if p is not None]


def _parameter_problems(task: etree._Element, filename: str) -> list[Problem | None]:
    """Connector parameters are expressions too: checked when saved, not first at run time."""
    label = label_of(task)
    found: list[Problem | None] = []
    for param in task.iterfind(".//spiffworkflow:serviceTaskOperator//spiffworkflow:parameter", NS):
        source = (param.get("value") or "").strip()
        if not source:
            continue
        err = check_syntax(source, "eval")
        if err is not None:
            name = str(param.get("id") or param.get("name"))
            found.append(
                Problem(
                    f"The parameter '{name}' of '{label}' has a syntax error: {err.msg}",
                    element_id=task.get("id"),
                    line=param.sourceline,
                    file=filename,
                    code="syntax_parameter",
                    params={"label": label, "name": name, "error": str(err.msg)},
                )
            )
    return found
