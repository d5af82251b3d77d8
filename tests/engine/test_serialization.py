"""Workflow state <-> JSON: our types survive, the spec stays out of the row."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from engine import bpmn
from engine.scripting import SCRIPT_ENGINE
from engine.serialization import STATE_FORMAT, dump_state, load_state, to_json_value
from tests.engine.helpers import PARKING_BPMN
from tests.factories import PARKING_APPLICATION

TYPED_DATA: dict[str, Any] = {
    "born": dt.date(1980, 1, 15),
    "submitted": dt.datetime(2026, 11, 22, 14, 30, 5),
    "fee": Decimal("1250.50"),
    "tags": {"driver", "passenger"},
    "frozen": frozenset({1, 2}),
    "nested": {
        "periods": [dt.date(2026, 1, 1), dt.date(2027, 1, 1)],
        "holidays": {dt.date(2026, 12, 24), dt.date(2026, 12, 25)},
        "amounts": {"vat": Decimal("0.25")},
        "pairs": {(1, "a"), (2, "b")},
    },
    "wait": dt.timedelta(days=21),
}


def _parking() -> bpmn.ParsedProcess:
    return bpmn.parse({"process.bpmn": PARKING_BPMN.read_text()})


def _new_workflow(data: dict[str, Any]) -> BpmnWorkflow:
    parsed = _parking()
    workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=SCRIPT_ENGINE)
    workflow.get_next_task(state=TaskState.READY).data.update(data)
    return workflow


def _types(value: Any) -> Any:
    """The value's shape with every leaf replaced by its type, to compare exactly."""
    if isinstance(value, dict):
        return {k: _types(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_types(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return (type(value), sorted(repr(_types(v)) for v in value))
    if isinstance(value, tuple):
        return (tuple, [_types(v) for v in value])
    return type(value)


def test_typed_task_data_round_trips_with_the_same_types() -> None:
    workflow = _new_workflow(TYPED_DATA)
    restored = load_state(dump_state(workflow), *_specs())
    data = restored.get_next_task(state=TaskState.READY).data
    assert data == TYPED_DATA
    assert _types(data) == _types(TYPED_DATA)
    assert type(data["submitted"]) is dt.datetime and type(data["born"]) is dt.date
    assert str(data["fee"]) == "1250.50"


def _specs() -> tuple[Any, Any]:
    parsed = _parking()
    return parsed.spec, parsed.subprocess_specs


@pytest.mark.parametrize(
    ("value", "failure"),
    [(dt.date(2026, 1, 1), TypeError), (Decimal("1.5"), TypeError), ({1, 2}, None)],
    ids=["date", "Decimal", "set"],
)
def test_spiffworkflow_alone_cannot_keep_these_types(value: Any, failure: Any) -> None:
    """Why the converters exist: the stock serializer raises or flattens."""
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    workflow = _new_workflow({"value": value})
    if failure is not None:
        with pytest.raises(failure):
            serializer.serialize_json(workflow)
        return
    restored = serializer.deserialize_json(serializer.serialize_json(workflow))
    assert restored.get_next_task(state=TaskState.READY).data["value"] == list(value)


def test_state_leaves_the_spec_out_and_is_small() -> None:
    workflow = _new_workflow(PARKING_APPLICATION)
    workflow.do_engine_steps()
    state = dump_state(workflow)
    parsed = json.loads(state)
    assert "spec" not in parsed and "subprocess_specs" not in parsed
    assert parsed["format"] == STATE_FORMAT
    assert "Automatisk kontroll" not in state  # names and scripts live in the spec
    full = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG)).serialize_json(
        workflow
    )
    assert len(state) < len(full) * 0.6
    assert len(state) < 6000


def test_a_restored_workflow_continues_like_the_original() -> None:
    original = _new_workflow(PARKING_APPLICATION)
    original.do_engine_steps()
    restored = load_state(dump_state(original), *_specs())
    assert restored.script_engine is SCRIPT_ENGINE
    assert restored.spec is original.spec
    decision = {
        "review_decision": "rejected",
        "review_reason": "Nei.",
        "valid_from": "",
        "valid_to": "",
    }
    for workflow in (original, restored):
        [review] = workflow.get_tasks(state=TaskState.READY, manual=True)
        assert review.task_spec.bpmn_id == "review"
        review.data.update(decision)
        review.run()
        workflow.do_engine_steps()
        assert workflow.is_completed()
    assert restored.data == original.data
    assert restored.data["decision"]["outcome"] == "rejected"
    assert _shape(restored) == _shape(original)


def _shape(workflow: BpmnWorkflow) -> list[tuple[str, int]]:
    return sorted((t.task_spec.name, t.state) for t in workflow.tasks.values())


def test_json_friendly_values_for_events_and_results() -> None:
    assert to_json_value({"a": [1, "b"], "c": None}) == {"a": [1, "b"], "c": None}
    converted = to_json_value({"fee": Decimal("2.50"), "on": dt.date(2026, 5, 17)})
    json.dumps(converted)
    assert converted == {"fee": 2.5, "on": "2026-05-17"}
    assert to_json_value({"n": Decimal("3"), "tags": {"b", "a"}}) == {"n": 3, "tags": ["a", "b"]}
