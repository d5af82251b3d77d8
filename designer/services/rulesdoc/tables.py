"""The decision tables of a version in words: inputs, hit policy, each rule and its reason."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from flask_babel import gettext as _

from designer.services.rulesdoc.labels import Labels, Named, is_money
from designer.services.rulesdoc.words import Ref, cell_words, is_any, parameter_of
from engine.api import local_name, parse_xml
from engine.errors import ModelInvalid

SINGLE_HIT = ("UNIQUE", "FIRST", "PRIORITY", "ANY")


@dataclass(frozen=True)
class Test:
    """One input's or one name's test: the label and the test in words, or as written."""

    label: Named
    words: str
    expression: str = ""  # not a simple shape: shown as written
    notes: tuple[tuple[str, str], ...] = ()  # (param.<name>, its label and value)


@dataclass(frozen=True)
class Output:
    """What a rule gives for one output: a value in words, or a calculation as written."""

    label: Named
    value: str
    expression: str = ""
    notes: tuple[tuple[str, str], ...] = ()  # (param.<name>, its label and value)


@dataclass(frozen=True)
class Rule:
    """One row: its tests (inputs that matter), what it gives, and the reason it states."""

    number: int
    rule_id: str
    tests: list[Test]
    outputs: list[Output]
    reason: Named | None


@dataclass
class Table:
    """A decision (table or literal expression) in words."""

    decision_id: str
    name: Named
    policy: str = ""
    inputs: list[Named] = field(default_factory=list)
    outputs: list[Named] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    defaults: list[Output] = field(default_factory=list)
    no_match: str = ""
    expression: str = ""  # a literal-expression decision: its calculation
    used_by: list[Named] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        """The id of the table's heading on the page."""
        return f"decision-{self.decision_id}"


def _children(element: Any, name: str) -> Iterator[Any]:
    return (c for c in element if isinstance(c.tag, str) and local_name(c) == name)


def _text(element: Any, name: str = "text") -> str:
    """The text of `element`'s first `name` child ('' when there is none)."""
    for child in _children(element, name):
        return str(child.text or "").strip()
    return ""


def policy_words(policy: str, aggregation: str | None) -> str:
    """A hit policy (and COLLECT's aggregation) in words."""
    collect = {
        "SUM": _("Every rule that matches counts, and their results are added up."),
        "MIN": _("Every rule that matches counts, and the smallest result is used."),
        "MAX": _("Every rule that matches counts, and the largest result is used."),
        "COUNT": _("Every rule that matches counts, and the result is how many matched."),
    }
    if policy == "COLLECT":
        return collect.get(aggregation or "", _("Every rule that matches counts."))
    texts = {
        "UNIQUE": _("At most one rule can match each case."),
        "FIRST": _("The rules are read from the top: the first rule that matches decides."),
        "PRIORITY": _(
            "If several rules match, the one whose result comes first in the order of "
            "priority decides."
        ),
        "ANY": _("Several rules may match, but then they give the same result."),
        "RULE ORDER": _("Every rule that matches counts, in the order of the table."),
        "OUTPUT ORDER": _("Every rule that matches counts, ordered by the priority of results."),
    }
    return texts.get(policy, policy)


class _Reader:
    """Reads one decision element with the version's labels."""

    def __init__(self, labels: Labels) -> None:
        self.labels = labels

    def output_value(self, label: Named, name: str, text: str) -> Output:
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            if text.isidentifier():  # another value of the case: named, not shown as code
                return Output(label, self.labels.value(None, Ref(text)))
            parameter = parameter_of(text)
            if parameter:  # the municipality's value: its label and value
                return Output(label, self.labels.parameter(parameter))
            return Output(label, "", expression=text, notes=self.labels.notes(text))
        if isinstance(value, list | tuple | dict | set):
            return Output(label, "", expression=text)
        return Output(label, self.labels.value(None, value, money=is_money(name, label.text)))

    def table(self, decision: Any, element: Any) -> Table:
        labels, decision_id = self.labels, str(decision.get("id"))
        name = labels.as_written(str(decision.get("name") or decision_id))
        policy = str(element.get("hitPolicy") or "UNIQUE").upper()
        doc = Table(decision_id, name, policy=policy_words(policy, element.get("aggregation")))
        inputs: list[tuple[Named, str, bool]] = []
        values: dict[str, str] = {}  # placeholders of columns that read a parameter
        for column in _children(element, "input"):
            expression = next((_text(e) for e in _children(column, "inputExpression")), "")
            written = str(column.get("label") or expression)
            label = labels.translated_field(expression) or labels.as_written(written)
            parameter = parameter_of(expression)
            if parameter and parameter in labels.parameters:
                label = labels.parameter_named(parameter)
                values[written] = labels.parameter_value(parameter) or ""
            inputs.append((label, expression, is_money(written, expression, label.text)))
        outputs: list[tuple[Named, str, str]] = []
        for column in _children(element, "output"):
            key = str(column.get("name") or column.get("label") or "")
            label = labels.as_written(str(column.get("label") or key))
            outputs.append(
                (label, key, next((_text(d) for d in _children(column, "defaultOutputEntry")), ""))
            )
        doc.inputs = [label for label, _e, _m in inputs]
        doc.outputs = [label for label, _k, _d in outputs]
        names = {key: label.text for label, key, _d in outputs}
        names.update(
            {
                str(c.get("label")): str(c.get("label"))
                for c in _children(element, "input")
                if c.get("label")
            }
        )
        for number, rule in enumerate(_children(element, "rule"), start=1):
            doc.rules.append(self.rule(decision_id, number, rule, inputs, outputs, names, values))
        doc.defaults = [self.output_value(lb, key, d) for lb, key, d in outputs if d]
        if policy in SINGLE_HIT and not doc.defaults:
            doc.no_match = _(
                "If no rule matches, the case is not decided automatically: the municipality "
                "follows it up."
            )
        elif policy in SINGLE_HIT:
            doc.no_match = _("If no rule matches, the table gives:")
        else:
            doc.no_match = _("If no rule matches, the table gives no result.")
        return doc

    def rule(
        self,
        decision_id: str,
        number: int,
        rule: Any,
        inputs: list[tuple[Named, str, bool]],
        outputs: list[tuple[Named, str, str]],
        names: dict[str, str],
        values: dict[str, str],
    ) -> Rule:
        labels = self.labels
        cells = [_text(entry) for entry in _children(rule, "inputEntry")]
        tests: list[Test] = []
        for (label, expression, money), cell in zip(inputs, cells, strict=False):
            if is_any(cell):
                continue
            key = expression if expression.isidentifier() else None
            words = cell_words(cell, partial(labels.value, key, money=money))
            notes = () if words else labels.notes(cell)
            tests.append(Test(label, words or "", expression="" if words else cell, notes=notes))
        given = [_text(entry) for entry in _children(rule, "outputEntry")]
        results = [
            self.output_value(label, key, text)
            for (label, key, _d), text in zip(outputs, given, strict=False)
            if text
        ]
        written = [_own(rule, "description")]
        written += [_text(entry) for entry in _children(rule, "annotationEntry")]
        annotation = " ".join(a for a in written if a)
        rule_id = str(rule.get("id") or number)
        reason = None
        if annotation:
            found = labels.named(f"decision/{decision_id}/{rule_id}", annotation)
            reason = Named(labels.fill(found.text, names, values), found.lang)
        return Rule(number, rule_id, tests, results, reason)


def _own(element: Any, name: str) -> str:
    """The own text of `element`'s first `name` child (a rule's `<description>`)."""
    for child in _children(element, name):
        return str(child.text or "").strip()
    return ""


def decision_tables(files: dict[str, str], labels: Labels) -> list[Table]:
    """Every decision of the version's DMN files, in file order, in words."""
    reader = _Reader(labels)
    found: list[Table] = []
    for file, text in sorted(files.items()):
        if not file.endswith(".dmn"):
            continue
        try:
            root = parse_xml(text, filename=file)
        except ModelInvalid:
            continue
        for decision in _children(root, "decision"):
            table = next(_children(decision, "decisionTable"), None)
            if table is not None:
                found.append(reader.table(decision, table))
                continue
            literal = next(_children(decision, "literalExpression"), None)
            if literal is not None:
                decision_id = str(decision.get("id"))
                name = labels.as_written(str(decision.get("name") or decision_id))
                found.append(Table(decision_id, name, expression=_text(literal)))
    return found
