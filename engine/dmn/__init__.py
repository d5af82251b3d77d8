"""DMN decision tables: parsing, checks, every DMN 1.3 hit policy, and explanations.

- `DmnBpmnParser`: SpiffWorkflow's BPMN+DMN parser giving business rule tasks
  our `DecisionEngine` (see `evaluate.py` for hit policies and result shapes).
- `dmn_problems(trees)`: validation problems of DMN files (decision, rule, column, line).
- `pop_explanation(task)`: after a business rule task ran, what fired:
  {"decision", "decision_name", "hit_policy", "aggregation", "inputs": {label: value},
  "rules": [{"id", "row", "annotation", "output": {name: value}}], "default", "result"}.
  `engine.steps` merges it into the step event's summary (the case timeline).
- `explain(summary, locale)`: that summary in plain words for the citizen.
- A table without a result raises `DecisionError` (the runtime makes it an incident).
"""

from __future__ import annotations

from typing import Any

from .checks import dmn_problems
from .evaluate import EXPLANATION_KEY, DecisionEngine
from .explain import explain
from .parser import DmnBpmnParser
from .policies import DecisionError

__all__ = [
    "EXPLANATION_KEY",
    "DecisionEngine",
    "DecisionError",
    "DmnBpmnParser",
    "dmn_problems",
    "explain",
    "pop_explanation",
]


def pop_explanation(task: Any) -> dict[str, Any]:
    """Take the explanation a business rule task left behind ({} if none)."""
    internal = getattr(task, "internal_data", None)
    explanation = internal.pop(EXPLANATION_KEY, None) if isinstance(internal, dict) else None
    return dict(explanation) if isinstance(explanation, dict) else {}
