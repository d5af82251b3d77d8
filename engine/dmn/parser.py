"""SpiffWorkflow's BPMN+DMN parser, reading what its DMN parser skips or trips over.

Added: the `aggregation` attribute, rule annotations (the DMN editor's
"Annotations" column, saved as the rule's `<description>`, or DMN 1.3
`<annotationEntry>`), output defaults (`<defaultOutputEntry>`) and output values
(`<outputValues>`, for PRIORITY and OUTPUT ORDER). Annotation columns, table
descriptions, extension elements and XML comments no longer break parsing.
Business rule tasks get a `DecisionEngine` with every DMN 1.3 hit policy.
"""

from __future__ import annotations

from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.dmn.parser.DMNParser import DMNParser
from SpiffWorkflow.dmn.specs.model import InputEntry, OutputEntry, Rule
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from .cells import is_any
from .evaluate import DecisionEngine


def local_name(element: Any) -> str:
    """The tag without its namespace ('' for comments and processing instructions)."""
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def child_text(element: Any, name: str) -> str | None:
    """The `<text>` of the first child called `name` (or of `element` itself if name is '')."""
    nodes = [element] if not name else [c for c in element if local_name(c) == name]
    for node in nodes:
        for child in node:
            if local_name(child) == "text":
                return str(child.text) if child.text is not None else None
    return None


class TableParser(DMNParser):  # type: ignore[misc]
    """Parses one DMN file's decision table, keeping annotations, defaults and aggregation."""

    def _parse_decision_tables(self, decision: Any, decision_element: Any) -> None:
        super()._parse_decision_tables(decision, decision_element)
        elements = [c for c in decision_element if local_name(c) == "decisionTable"]
        for table, element in zip(decision.decisionTables, elements, strict=True):
            table.decision_id = decision.id
            table.decision_name = decision.name or decision.id
            table.aggregation = element.get("aggregation")

    def _parse_inputs_outputs(self, table: Any, table_element: Any) -> None:
        table.defaults, table.output_values = {}, {}
        row = 0
        for element in table_element:
            kind = local_name(element)
            if kind == "input":
                table.inputs.append(self._parse_input(element))
            elif kind == "output":
                output = self._parse_output(element)
                table.outputs.append(output)
                table.defaults[output.id] = child_text(element, "defaultOutputEntry")
                table.output_values[output.id] = child_text(element, "outputValues")
            elif kind == "rule":
                row += 1
                table.rules.append(self._parse_rule(table, element, row))
            elif kind not in ("", "annotation", "description", "extensionElements"):
                raise ValidationException(
                    f"Unknown element '{kind}' in decision table.",
                    node=element,
                    file_name=self.filename,
                )

    def _parse_rule(self, table: Any, rule_element: Any, row: int) -> Any:
        rule = Rule(rule_element.attrib["id"])
        rule.row_number = row
        annotations: list[str] = []
        for child in rule_element:
            kind = local_name(child)
            if kind == "description":
                rule.description = (child.text or "").strip()
            elif kind == "annotationEntry":
                annotations.append((child_text(child, "") or "").strip())
            elif kind == "inputEntry":
                entry = InputEntry(child.get("id"), table.inputs[len(rule.inputEntries)])
                entry.text = child_text(child, "")
                entry.lhs = [None if is_any(entry.text) else entry.text.strip()]
                rule.inputEntries.append(entry)
            elif kind == "outputEntry":
                out = OutputEntry(child.get("id"), table.outputs[len(rule.outputEntries)])
                out.text = (child_text(child, "") or "").strip()
                rule.outputEntries.append(out)
        rule.annotation = " ".join(a for a in [rule.description, *annotations] if a)
        return rule


class DmnBpmnParser(SpiffBpmnParser):  # type: ignore[misc]
    """The Spiff BPMN parser with our DMN table parser and decision engine."""

    def add_dmn_xml(self, node: Any, filename: str | None = None) -> None:
        """Add one parsed DMN document (validated against its DMN XSD when known)."""
        namespaces = {k: v for k, v in {**self.namespaces, **node.nsmap}.items() if k}
        namespaces["dmn"] = etree.QName(node).namespace
        schema = self.dmn_schemas.get(namespaces["dmn"])
        if self.validator and schema is not None:
            BpmnValidator(schema).validate(node, filename)
        table_parser = TableParser(self, node, namespaces, filename=filename)
        self.dmn_parsers[table_parser.bpmn_id] = table_parser
        self.dmn_parsers_by_name[table_parser.get_name()] = table_parser

    def get_engine(self, decision_ref: str | None, node: Any) -> DecisionEngine:
        """The engine of the decision a business rule task calls."""
        if not decision_ref:
            raise ValidationException(
                "This business rule task calls no decision: set its decision id "
                "(spiffworkflow:calledDecisionId).",
                node=node,
                file_name="",
            )
        return DecisionEngine(super().get_engine(decision_ref, node).decision_table)
