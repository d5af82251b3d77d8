"""Pruned history: loops stay correct and small; joins, boundaries, call activities work."""

from __future__ import annotations

from typing import Any

import pytest
from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session

from engine import bpmn, runtime, store
from engine.history import prune_history, unfinished_tasks
from engine.scripting import SCRIPT_ENGINE
from engine.serialization import dump_state, load_state
from tests.engine.helpers import Install, bpmn_text, open_tasks, run_journey

LIMIT = 320


def _workflow(name: str, data: dict[str, Any] | None = None) -> tuple[BpmnWorkflow, Any]:
    parsed = bpmn.parse({name: bpmn_text(name)})
    workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=SCRIPT_ENGINE)
    workflow.get_next_task(state=TaskState.READY).data.update(data or {})
    workflow.do_engine_steps()
    return workflow, parsed


def _reload(workflow: BpmnWorkflow, parsed: Any) -> BpmnWorkflow:
    return load_state(dump_state(workflow), parsed.spec, parsed.subprocess_specs)


def _ready(workflow: BpmnWorkflow) -> list[str]:
    return sorted(
        t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.READY, manual=True)
    )


def _complete(workflow: BpmnWorkflow, element_id: str, data: dict[str, Any]) -> None:
    [task] = [
        t
        for t in workflow.get_tasks(state=TaskState.READY, manual=True)
        if t.task_spec.bpmn_id == element_id
    ]
    task.data.update(data)
    task.run()
    workflow.do_engine_steps()


def test_without_pruning_spiffworkflow_loses_the_ready_task_in_a_long_loop() -> None:
    """The library's trap that history.py exists for (its iterator stops at depth 1000)."""
    workflow, _ = _workflow("loop.bpmn", {"limit": LIMIT})
    lost_at = None
    for iteration in range(1, 301):
        if not workflow.get_tasks(state=TaskState.READY, manual=True):
            lost_at = iteration
            break
        _complete(workflow, "work", {})
    assert lost_at is not None and lost_at <= 300
    # The library now claims to be done while tasks are still unfinished.
    assert unfinished_tasks(workflow) > 0
    assert workflow.is_completed()
    assert workflow.last_task.data["count"] < LIMIT


def test_with_pruning_the_ready_task_never_disappears() -> None:
    workflow, _ = _workflow("loop.bpmn", {"limit": LIMIT})
    removed = prune_history(workflow)
    tree_sizes = []
    for iteration in range(1, LIMIT + 1):
        assert _ready(workflow) == ["work"], iteration
        assert not workflow.is_completed()
        _complete(workflow, "work", {})
        removed += prune_history(workflow)
        tree_sizes.append(len(workflow.tasks))
    assert workflow.is_completed() and unfinished_tasks(workflow) == 0
    assert workflow.data["count"] == LIMIT
    assert removed > LIMIT
    assert max(tree_sizes) <= tree_sizes[0] + 2


def test_prune_is_idempotent_and_safe_on_a_finished_workflow() -> None:
    workflow, _ = _workflow("loop.bpmn", {"limit": 1})
    assert prune_history(workflow) > 0
    assert prune_history(workflow) == 0
    _complete(workflow, "work", {})
    prune_history(workflow)
    assert workflow.is_completed() and workflow.data["count"] == 1
    assert prune_history(workflow) == 0


@pytest.mark.parametrize("order", [("legal", "health"), ("health", "legal")])
def test_parallel_join_survives_pruning_and_reloading(order: tuple[str, str]) -> None:
    workflow, parsed = _workflow("parallel.bpmn")
    assert prune_history(workflow) > 0
    assert _ready(workflow) == ["health", "legal"]
    first, second = order
    _complete(workflow, first, {f"{first}_ok": True})
    prune_history(workflow)
    workflow = _reload(workflow, parsed)
    assert _ready(workflow) == [second]
    assert not workflow.is_completed()  # the join waits for the other branch
    _complete(workflow, second, {f"{second}_ok": False})
    prune_history(workflow)
    assert workflow.is_completed() and unfinished_tasks(workflow) == 0
    assert workflow.data["decision"] == {
        "legal": first == "legal",
        "health": first == "health",
        "both": False,
    }


def test_interrupting_boundary_event_is_cancelled_when_the_task_is_done() -> None:
    workflow, parsed = _workflow("boundary.bpmn")
    assert prune_history(workflow) > 0
    workflow = _reload(workflow, parsed)
    assert [e.name for e in workflow.waiting_events()] == ["withdrawn"]
    _complete(workflow, "review", {"approved": True})
    prune_history(workflow)
    assert workflow.is_completed() and unfinished_tasks(workflow) == 0
    assert "decision" not in workflow.data
    assert workflow.waiting_events() == []


def test_interrupting_boundary_event_still_fires_after_pruning() -> None:
    workflow, parsed = _workflow("boundary.bpmn")
    assert prune_history(workflow) > 0
    workflow = _reload(workflow, parsed)
    workflow.send_event(BpmnEvent(MessageEventDefinition("withdrawn"), payload={}))
    workflow.do_engine_steps()
    prune_history(workflow)
    assert _ready(workflow) == []
    assert workflow.is_completed() and unfinished_tasks(workflow) == 0
    assert workflow.data["decision"] == {"outcome": "withdrawn"}
    [review] = [t for t in workflow.tasks.values() if t.task_spec.bpmn_id == "review"]
    assert review.state == TaskState.CANCELLED


def test_a_loop_through_a_call_activity_keeps_subprocesses_bounded() -> None:
    workflow, parsed = _workflow("loop_call.bpmn", {"limit": 120})
    sizes = []
    for iteration in range(1, 121):
        prune_history(workflow)
        assert len(workflow.subprocesses) == 1
        if iteration % 40 == 0:
            state = dump_state(workflow)
            sizes.append(len(state))
            workflow = load_state(state, parsed.spec, parsed.subprocess_specs)
        assert _ready(workflow) == ["round_work"], iteration
        _complete(workflow, "round_work", {})
    assert workflow.is_completed() and workflow.data["count"] == 120
    assert max(sizes) - min(sizes) < 100


@pytest.mark.parametrize("restore", [False, True])
def test_runtime_loop_of_320_iterations_stays_correct_and_small(
    session: Session, install: Install, tenant_id: int, restore: bool
) -> None:
    version = install(bpmn_text("loop.bpmn"))
    instance = runtime.start(session, version, data={"limit": LIMIT}, actor="kari")
    sizes: dict[int, int] = {}
    for iteration in range(1, LIMIT + 1):
        assert instance.status == "running", iteration
        [task] = open_tasks(session, instance.id)  # the ready task never disappears
        assert task.element_id == "work"
        if restore and iteration % 50 == 0:
            store.WORKFLOWS.clear()
        instance = runtime.complete(
            session, tenant_id, task.id, {}, "sara", expected_version=instance.version
        )
        sizes[iteration] = len(instance.state)
    assert instance.status == "completed"
    assert open_tasks(session, instance.id) == []
    assert runtime.current_data(session, instance) == {"limit": LIMIT, "count": LIMIT}
    assert instance.outcome == "done"
    assert abs(sizes[300] - sizes[10]) <= sizes[10] * 0.02


@pytest.mark.parametrize("order", [("legal", "health"), ("health", "legal")])
def test_runtime_parallel_branches_in_both_orders(
    session: Session, install: Install, order: tuple[str, str]
) -> None:
    version = install(bpmn_text("parallel.bpmn"))
    steps = [(name, {f"{name}_ok": True}) for name in order]
    cached = run_journey(session, version, {}, steps, restore=False)
    restored = run_journey(session, version, {}, steps, restore=True)
    assert cached == restored
    assert cached.status == "completed" and cached.outcome == "end"
    assert cached.data["decision"] == {"legal": True, "health": True, "both": True}
    assert sorted(cached.tasks) == [("health", "completed"), ("legal", "completed")]
    kinds = [(kind, element) for kind, element, _ in cached.events]
    assert kinds.count(("step", "join")) == 1
    assert kinds.index(("task_completed", order[1])) < kinds.index(("step", "combine"))


def test_runtime_loop_through_a_call_activity(session: Session, install: Install) -> None:
    version = install(bpmn_text("loop_call.bpmn"))
    steps: list[tuple[str, dict[str, Any]]] = [("round_work", {})] * 5
    cached = run_journey(session, version, {"limit": 5}, steps, restore=False)
    restored = run_journey(session, version, {"limit": 5}, steps, restore=True)
    assert cached == restored
    assert cached.status == "completed" and cached.data["count"] == 5
    assert cached.tasks == [("round_work", "completed")] * 5
