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
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
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

    # Case data may hold a dict shaped like one of these markers ({"typename": ...}):
    # it is stored escaped under its own marker and comes back as the same plain dict.
    registry.register(
        _Escaped,
        lambda v: {"pairs": [[k, val] for k, val in v.items()]},
        lambda v: {k: registry.restore(val) for k, val in v["pairs"]},
        typename=ESCAPED,
    )  # written by _escape, which runs after conversion
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
    registry.convert_from_dict = _Lenient(registry.convert_from_dict, registry)
    return registry


ESCAPED = "flytverk.dict"
_MARKER = "typename"


class _Escaped(dict):  # type: ignore[type-arg]
    """The registered type of an escaped dict (the marker's name; never instantiated)."""


def _escape(value: Any) -> Any:
    """`value` with every plain dict that has a `typename` key stored as escaped pairs.

    Only dicts and lists are rebuilt, and only where something below them changes.
    """
    if isinstance(value, dict):
        items = {k: _escape(v) for k, v in value.items()}
        if _MARKER in value:
            return {_MARKER: ESCAPED, "pairs": [[k, v] for k, v in items.items()]}
        return items if any(items[k] is not value[k] for k in value) else value
    if isinstance(value, list | tuple):  # a tuple is a list in JSON anyway
        escaped = [_escape(v) for v in value]
        return escaped if any(a is not b for a, b in zip(escaped, value, strict=True)) else value
    return value


class _Lenient(dict):  # type: ignore[type-arg]
    """Restorers by typename; an unknown typename (a row stored before dicts were escaped)
    comes back as the plain dict it was instead of failing to load the case."""

    def __init__(self, known: dict[str, Any], registry: Any) -> None:
        super().__init__(known)
        self.registry = registry

    def get(self, key: Any, default: Any = None) -> Any:
        found = super().get(key)
        if found is not None:
            return found

        def plain(dct: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
            return {_MARKER: key, **{k: self.registry.restore(v) for k, v in dct.items()}}

        return plain


def _has_marker(value: Any) -> bool:
    """True when a dict with a `typename` key is anywhere in `value` (cheap: no copies)."""
    if isinstance(value, dict):
        if _MARKER in value:
            return True
        items: Any = value.values()
    elif isinstance(value, list | tuple):
        items = value
    else:
        return False
    for item in items:
        if isinstance(item, _CONTAINERS) and _has_marker(item):
            return True
    return False


_CONTAINERS = (dict, list, tuple)


def _escaped(value: Any) -> Any:
    return _escape(value) if _has_marker(value) else value


def _escape_state(dct: dict[str, Any]) -> None:
    """Escape the data parts of a converted workflow (and its subprocesses) in place."""
    if isinstance(dct.get("data"), dict):
        dct["data"] = _escaped(dct["data"])
    for task in (dct.get("tasks") or {}).values():
        for key in ("data", "internal_data"):
            if isinstance(task.get(key), dict):
                task[key] = _escaped(task[key])
        delta = task.get("delta")
        if isinstance(delta, dict) and isinstance(delta.get("updates"), dict):
            delta["updates"] = _escaped(delta["updates"])
    for sub in (dct.get("subprocesses") or {}).values():
        if isinstance(sub, dict):
            _escape_state(sub)


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
    _escape_state(dct)
    dct["format"] = STATE_FORMAT
    return json.dumps(dct, cls=_ENCODER, separators=(",", ":"))


def _connect_merges(process: BpmnProcessSpec) -> None:
    """Hook each multi-instance (loop) task to its instances' completion, once per spec.

    SpiffWorkflow connects the hook when a run creates an instance, or when its own
    serializer restores the spec. We parse specs ourselves: a spec parsed in another process
    (or after a restart) that restores instances created elsewhere would never merge them,
    and the case would wait for ever.
    """
    if getattr(process, "_flytverk_merges", False):
        return
    for task_spec in list(process.task_specs.values()):
        if isinstance(task_spec, LoopTask):
            child = process.task_specs.get(task_spec.task_spec)
            if child is not None and not child.completed_event.is_connected(task_spec.merge_child):
                child.completed_event.connect(task_spec.merge_child)
    process._flytverk_merges = True  # type: ignore[attr-defined]


def load_state(
    state: str,
    spec: BpmnProcessSpec,
    subprocess_specs: dict[str, BpmnProcessSpec],
) -> BpmnWorkflow:
    """Restore a workflow from `dump_state` output and its (cached) specs."""
    dct = json.loads(state)
    dct.pop("format", None)
    for process in (spec, *subprocess_specs.values()):
        _connect_merges(process)
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
