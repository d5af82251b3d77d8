"""Checks on DMN files before they are parsed: clear problems with decision, rule and line.

Run on every DMN file of a bundle (SpiffWorkflow parses only the decisions a
business rule task calls, and then reports the first problem without a line).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lxml import etree

from ..errors import Problem
from ..scripting import check_syntax
from .cells import AGGREGATIONS, HINT, HIT_POLICIES, ORDERED, expression_error, input_error
from .parser import child_text, local_name

DMN_NAMESPACES = {
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd": "1.1",
    "http://www.omg.org/spec/DMN/20180521/MODEL/": "1.2",
    "https://www.omg.org/spec/DMN/20191111/MODEL/": "1.3",
}
Report = Callable[..., None]


def _children(element: Any, name: str) -> list[Any]:
    return [c for c in element if local_name(c) == name]


def dmn_problems(trees: dict[str, Any]) -> list[Problem]:
    """Every problem in the DMN files of a bundle (file name -> parsed root element)."""
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for filename, root in trees.items():
        _file_problems(filename, root, seen, problems)
    return problems


def _file_problems(filename: str, root: Any, seen: dict[str, str], out: list[Problem]) -> None:
    def report(message: str, element: Any, element_id: str | None = None) -> None:
        out.append(Problem(message, element_id, element.sourceline, filename))

    if local_name(root) != "definitions" or etree.QName(root).namespace not in DMN_NAMESPACES:
        report(f"'{filename}' is not a DMN 1.1, 1.2 or 1.3 file; save it as DMN 1.3.", root)
        return
    decisions = _children(root, "decision")
    if not decisions:
        report(f"'{filename}' holds no decision.", root)
    elif len(decisions) > 1:
        report(
            f"'{filename}' holds {len(decisions)} decisions; put each decision table "
            "in its own DMN file.",
            decisions[1],
            decisions[1].get("id"),
        )
    for decision in decisions:
        decision_id = str(decision.get("id"))
        if decision_id in seen:
            report(
                f"The decision id '{decision_id}' is used in both '{seen[decision_id]}' "
                f"and '{filename}'.",
                decision,
                decision_id,
            )
        seen[decision_id] = filename
        tables = _children(decision, "decisionTable")
        if not tables:
            report(
                f"Decision '{decision_id}' has no decision table; only decision tables can be run.",
                decision,
                decision_id,
            )
        for table in tables:
            _table_problems(decision_id, table, report)


def _table_problems(decision_id: str, table: Any, report: Report) -> None:
    def problem(message: str, element: Any, element_id: str = decision_id) -> None:
        report(f"Decision '{decision_id}': {message}", element, element_id)

    policy = table.get("hitPolicy", "UNIQUE")
    if policy not in HIT_POLICIES:
        problem(f"unknown hit policy '{policy}'; use one of {', '.join(HIT_POLICIES)}.", table)
    aggregation = table.get("aggregation")
    outputs = _children(table, "output")
    if aggregation is not None:
        if aggregation not in AGGREGATIONS:
            problem(
                f"unknown aggregation '{aggregation}'; use one of {', '.join(AGGREGATIONS)}.",
                table,
            )
        elif policy != "COLLECT":
            problem(f"the aggregation {aggregation} needs the hit policy COLLECT.", table)
        elif len(outputs) != 1:
            problem(
                f"the aggregation {aggregation} needs exactly one output column; "
                f"the table has {len(outputs)}.",
                table,
            )
    inputs = _children(table, "input")
    labels = [_input_problems(i, column, problem) for i, column in enumerate(inputs, 1)]
    names = [_output_problems(i, column, problem) for i, column in enumerate(outputs, 1)]
    if not outputs:
        problem("the table has no output column.", table)
    if policy in ORDERED and not any(child_text(o, "outputValues") for o in outputs):
        problem(
            f"the hit policy {policy} needs output values (outputValues) that list the "
            'outputs in priority order, e.g. "high", "medium", "low".',
            table,
        )
    for row, rule in enumerate(_children(table, "rule"), 1):
        _rule_problems(row, rule, labels, names, problem)


def _input_problems(index: int, column: Any, problem: Callable[..., None]) -> str:
    expression = (child_text(column, "inputExpression") or "").strip()
    label = str(column.get("label") or expression or f"input {index}")
    if not expression:
        problem(f"the input column '{label}' has no expression.", column)
    else:
        err = check_syntax(expression, "eval")
        if err is not None:
            problem(
                f"the expression '{expression}' of input column '{label}' is not a valid "
                f"Python expression: {err.msg}.",
                column,
            )
    return label


def _output_problems(index: int, column: Any, problem: Callable[..., None]) -> str:
    name = str(column.get("name") or column.get("label") or "")
    if not name:
        problem(f"output column {index} has no name.", column)
        name = f"output {index}"
    for part, what in (("defaultOutputEntry", "default"), ("outputValues", "output values")):
        text = child_text(column, part)
        err = expression_error(text)
        if err is not None:
            problem(
                f"the {what} '{(text or '').strip()}' of output column '{name}' is not a "
                f"valid Python expression: {err.msg}.",
                column,
            )
    return name


def _rule_problems(
    row: int, rule: Any, labels: list[str], names: list[str], problem: Callable[..., None]
) -> None:
    rule_id = str(rule.get("id"))
    where = f"rule {row} ('{rule_id}')"
    cells = _children(rule, "inputEntry")
    results = _children(rule, "outputEntry")
    if len(cells) != len(labels) or len(results) != len(names):
        problem(
            f"{where} has {len(cells)} input and {len(results)} output cells, but the "
            f"table has {len(labels)} input and {len(names)} output columns.",
            rule,
            rule_id,
        )
        return
    for cell, label in zip(cells, labels, strict=True):
        text = child_text(cell, "") or ""
        err = input_error(text)
        if err is not None:
            problem(
                f"{where}, column '{label}': the cell '{text.strip()}' is not a valid "
                f"test: {err.msg}. {HINT}",
                cell,
                rule_id,
            )
    for cell, name in zip(results, names, strict=True):
        output = child_text(cell, "")
        err = expression_error(output)
        if err is not None:
            problem(
                f"{where}, column '{name}': the output '{(output or '').strip()}' is not a "
                f"valid Python expression: {err.msg}.",
                cell,
                rule_id,
            )
