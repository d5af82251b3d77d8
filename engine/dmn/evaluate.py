"""A DMN decision engine with the DMN 1.3 hit policies, explaining what fired.

SpiffWorkflow 3.2's engine knows UNIQUE (returning the first match unchecked)
and COLLECT. This one: UNIQUE (two matches are an error naming both rules),
FIRST, PRIORITY and OUTPUT ORDER (by the order of `outputValues`), ANY (matches
must agree), RULE ORDER, COLLECT with or without SUM, MIN, MAX, COUNT.

Result shapes: single-hit policies give {output: value}; RULE ORDER, OUTPUT
ORDER and COLLECT give {output: [values in rule order]} (as SpiffWorkflow's
COLLECT); COLLECT with an aggregation gives {output: number}. With no match,
single-hit policies use the outputs' `defaultOutputEntry` if any is set and
otherwise raise `DecisionError`; list policies give [] per output, COUNT gives
0 and SUM, MIN, MAX give None. Empty output cells give None. Dotted output
names ("price.monthly") build nested dicts, as in SpiffWorkflow.

What fired is left on `task.internal_data[EXPLANATION_KEY]`, JSON-friendly,
for `engine.steps` to put on the case timeline.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine

from ..serialization import to_json_value
from .cells import INPUT_NAME, SINGLE_HIT, input_test
from .policies import DecisionError, check_unique, multiple, single

EXPLANATION_KEY = "flytverk_decision"


def _detail(err: Exception) -> str:
    """The underlying error of a failed expression, with SpiffWorkflow's hint if any."""
    cause = err.__cause__ or err.__context__
    if not isinstance(err, WorkflowTaskException) or not isinstance(cause, Exception):
        return f"{type(err).__name__}: {err}"
    hints = [n.strip() for n in getattr(err, "notes", []) if n and n.strip()]
    return " ".join([f"{type(cause).__name__}: {cause}.", *hints]).rstrip(".")


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in flat.items():
        *path, last = key.split(".")
        node = result
        for part in path:
            node = node.setdefault(part, {})
        node[last] = value
    return result


class _Evaluation:
    """One run of a table against one task: caches its input values."""

    def __init__(self, table: Any, task: Any) -> None:
        self.table, self.task = table, task
        self.engine = task.workflow.script_engine
        self.inputs: dict[str, Any] = {}
        self.failed: dict[str, str] = {}
        for column in table.inputs:
            try:
                self.inputs[column.id] = self.engine.evaluate(task, column.expression or "None")
            except Exception as err:  # reported only if a rule needs the value
                self.failed[column.id] = _detail(err)

    def where(self, rule: Any, column: str) -> str:
        """Where in the table a message points: rule row, id and column."""
        return f"rule {rule.row_number} ('{rule.id}'), column '{column}'"

    def matches(self, rule: Any) -> bool:
        """Whether every input test of `rule` passes."""
        for entry in rule.inputEntries:
            cell = entry.lhs[0] if entry.lhs else None
            if cell is None:
                continue
            column = entry.input
            label = column.label or column.expression
            if column.id in self.failed:
                raise DecisionError(
                    f"In {self.name()}, the input '{label}' could not be evaluated "
                    f"({self.failed[column.id]})."
                )
            try:
                hit = self.engine.evaluate(
                    self.task, input_test(cell), {INPUT_NAME: self.inputs[column.id]}
                )
            except Exception as err:
                raise DecisionError(
                    f"In {self.name()}, {self.where(rule, label)}: the test '{cell}' failed "
                    f"({_detail(err)})."
                ) from err
            if not hit:
                return False
        return True

    def outputs(self, rule: Any) -> dict[str, Any]:
        """The output values of a matched rule, by output name."""
        values: dict[str, Any] = {}
        for entry in rule.outputEntries:
            key = entry.output.name or entry.output.label
            values[key] = self._value(entry.text, f"{self.where(rule, key)}")
        return values

    def defaults(self) -> dict[str, Any] | None:
        """The outputs' default values, or None when the table sets none."""
        texts = [(o, self.table.defaults.get(o.id)) for o in self.table.outputs]
        if not any(text and text.strip() for _, text in texts):
            return None
        return {
            (o.name or o.label): self._value(text, f"the default of '{o.name or o.label}'")
            for o, text in texts
        }

    def _value(self, text: str | None, where: str) -> Any:
        if text is None or not text.strip():
            return None
        try:
            return self.engine.evaluate(self.task, text.strip())
        except Exception as err:
            raise DecisionError(
                f"In {self.name()}, {where}: the output '{text.strip()}' failed ({_detail(err)})."
            ) from err

    def name(self) -> str:
        """The decision as messages name it: "decision 'Name' (id)"."""
        decision_id = getattr(self.table, "decision_id", self.table.id)
        name = getattr(self.table, "decision_name", "") or decision_id
        return f"decision '{name}'" + (f" ({decision_id})" if name != decision_id else "")

    def input_labels(self) -> dict[str, Any]:
        """The input values by column label (inputs that failed are left out)."""
        return {
            (c.label or c.expression or c.id): self.inputs[c.id]
            for c in self.table.inputs
            if c.id in self.inputs
        }

    def described_inputs(self) -> str:
        """The input values for an error message: 'label=value, ...'."""
        parts = [f"{k}={v!r}" for k, v in self.input_labels().items()]
        parts += [
            f"{c.label or c.expression}=(not available)"
            for c in self.table.inputs
            if c.id in self.failed
        ]
        return ", ".join(parts) or "no inputs"


class DecisionEngine(DMNEngine):  # type: ignore[misc]
    """Evaluates one decision table with the DMN 1.3 hit policies."""

    def decide(self, task: Any) -> list[Any]:
        """Every rule whose input tests all pass, in table order."""
        run = _Evaluation(self.decision_table, task)
        return [rule for rule in self.decision_table.rules if run.matches(rule)]

    def result(self, task: Any) -> dict[str, Any]:
        """Evaluate the table for `task`; leave the explanation on its internal data."""
        table, run = self.decision_table, _Evaluation(self.decision_table, task)
        policy = table.hit_policy
        matched: list[Any] = []
        for rule in table.rules:
            if run.matches(rule):
                matched.append(rule)
                if policy == "FIRST":
                    break
        check_unique(run, matched)
        hits = [(rule, run.outputs(rule)) for rule in matched]
        flat, hits, used_default = (single if policy in SINGLE_HIT else multiple)(run, hits)
        task.internal_data[EXPLANATION_KEY] = to_json_value(
            {
                "decision": getattr(table, "decision_id", table.id),
                "decision_name": getattr(table, "decision_name", "") or table.name,
                "hit_policy": policy,
                "aggregation": getattr(table, "aggregation", None),
                "inputs": run.input_labels(),
                "rules": [
                    {
                        "id": rule.id,
                        "row": rule.row_number,
                        "annotation": getattr(rule, "annotation", rule.description) or "",
                        "output": output,
                    }
                    for rule, output in hits
                ],
                "default": used_default,
                "result": flat,
            }
        )
        return _nest(flat)
