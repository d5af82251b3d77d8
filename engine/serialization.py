"""Workflow state <-> JSON, without the process definition.

The process definition is ~60% of a serialized instance and never changes for a
published version, so it is kept out of the instance row and put back from the
spec cache on load. Task data may hold dates, decimals and sets: they get
converters so they come back as the same types.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import json
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnWorkflowConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.serializer.helpers.encoder import create_encoder
from SpiffWorkflow.bpmn.specs import BpmnProcessSpec
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from .scripting import SCRIPT_ENGINE

STATE_FORMAT = 1


class LeanWorkflowConverter(BpmnWorkflowConverter):  # type: ignore[misc]
    """Like SpiffWorkflow's converter, minus the specs (restored from cache)."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(  # type: ignore[override]
        self,
        dct: dict[str, Any],
        spec: BpmnProcessSpec | None = None,
        subprocess_specs: dict[str, BpmnProcessSpec] | None = None,
    ) -> BpmnWorkflow:
        if spec is None:
            raise ValueError("a process spec is needed to restore a workflow")
        workflow = self.target_class(spec, subprocess_specs or {}, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], _uuid, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(_uuid(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _uuid(value: str) -> Any:
    from uuid import UUID

    return UUID(value)


def _registry() -> Any:
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = LeanWorkflowConverter
    registry = BpmnWorkflowSerializer.configure(config)
    registry.register(
        _dt.date,
        lambda v: {"value": v.isoformat()},
        lambda v: _dt.date.fromisoformat(v["value"]),
        typename="date",
    )
    registry.register(
        decimal.Decimal,
        lambda v: {"value": str(v)},
        lambda v: decimal.Decimal(v["value"]),
        typename="Decimal",
    )

    def items(v: dict[str, Any]) -> list[Any]:
        # Members are stored in their own encoded form (a set of dates holds
        # {"typename": "date", ...} dicts) and tuples come back from JSON as lists.
        return [_hashable(registry.restore(item)) for item in v["items"]]

    registry.register(
        set,
        lambda v: {"items": list(v)},
        lambda v: set(items(v)),
        typename="set",
    )
    registry.register(
        frozenset,
        lambda v: {"items": list(v)},
        lambda v: frozenset(items(v)),
        typename="frozenset",
    )
    return registry


def _hashable(value: Any) -> Any:
    return tuple(_hashable(v) for v in value) if isinstance(value, list) else value


REGISTRY = _registry()
_ENCODER = create_encoder(REGISTRY)


def dump_state(workflow: BpmnWorkflow) -> str:
    """Serialize a workflow's state (not its spec) to compact JSON."""
    REGISTRY._encoder_mode = True
    try:
        dct = REGISTRY.convert(workflow)
    finally:
        REGISTRY._encoder_mode = False
    dct["format"] = STATE_FORMAT
    return json.dumps(dct, cls=_ENCODER, separators=(",", ":"))


def load_state(
    state: str,
    spec: BpmnProcessSpec,
    subprocess_specs: dict[str, BpmnProcessSpec],
) -> BpmnWorkflow:
    """Restore a workflow from `dump_state` output and its (cached) specs."""
    dct = json.loads(state)
    dct.pop("format", None)
    workflow: BpmnWorkflow = REGISTRY.restore(dct, spec=spec, subprocess_specs=subprocess_specs)
    workflow.script_engine = SCRIPT_ENGINE
    return workflow


def _plain(value: Any) -> Any:
    if isinstance(value, _dt.datetime | _dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    if isinstance(value, _dt.timedelta):
        return value.total_seconds()
    return str(value)


def to_json_value(value: Any) -> Any:
    """Task data as plain JSON (dates as ISO strings), for results, events and display."""
    return json.loads(json.dumps(value, default=_plain))
