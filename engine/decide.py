"""A published version's decision table evaluated on its own, outside any case.

Platform work that belongs to no single step — a monthly invoice run pricing each
subscription with the table in force — asks the same table the version's business rule
task asks, with the same sandboxed cells: `decide(version, "meal_price", {"size": ...})`.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from .dmn import DecisionError
from .errors import NotFound
from .live import spec_for
from .models import ProcessVersion
from .scripting import SCRIPT_ENGINE


def _engine_of(version: ProcessVersion, decision_id: str) -> Any:
    parsed = spec_for(version)
    for process in (parsed.spec, *parsed.subprocess_specs.values()):
        for task_spec in process.task_specs.values():
            engine = getattr(task_spec, "dmnEngine", None)
            table = getattr(engine, "decision_table", None)
            if table is not None and getattr(table, "decision_id", table.id) == decision_id:
                return engine
    raise NotFound(f"The version has no business rule task asking the decision '{decision_id}'.")


def decide(version: ProcessVersion, decision_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """The table's result for `data` (its input expressions read these names).

    Raises `NotFound` when no business rule task of the version asks the table, and
    `DecisionError` when it gives no result or a cell fails.
    """
    engine = _engine_of(version, decision_id)
    task = SimpleNamespace(
        data=dict(data),
        internal_data={},
        workflow=SimpleNamespace(script_engine=SCRIPT_ENGINE),
    )
    try:
        return dict(engine.result(task))
    except DecisionError:
        raise
    except Exception as err:  # a cell failing outside a task: the same kind of error
        raise DecisionError(f"The decision '{decision_id}' failed: {err}") from err
