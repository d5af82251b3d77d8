"""Multi-instance tasks over many items: finished instances leave the stored state.

A multi-instance task keeps each instance as a child of its own, beside the open ones, so
cutting finished ancestors (engine.history) never reaches them: a parallel review of N
lines kept all N instances, done or not, in every step's state until the instance ended,
and a sequential one (or a standard loop) grew by one task per item, like an unpruned
loop. tests/bench/long_runs.py measures the cost of a 1,000-item review.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import bpmn, runtime, store
from engine.models import HumanTask, Instance
from tests.engine.helpers import Install, bpmn_text, open_tasks, process_xml

ITEMS = 40
FIXED = 8  # tasks of the diagram besides the review instances (start, end, joins, ...)
VERDICT = {"approved": True}


def _items(n: int) -> list[dict[str, Any]]:
    return [{"line": i, "text": f"Line {i}"} for i in range(1, n + 1)]


def _stored_tasks(instance: Instance) -> int:
    return len(json.loads(instance.state)["tasks"])


def _complete(
    session: Session, instance: Instance, task: HumanTask, data: dict[str, Any], restore: bool
) -> Instance:
    if restore:
        store.WORKFLOWS.clear()  # the step loads the workflow from the stored state
    return runtime.complete(session, instance.tenant_id, task.id, data, "sara")


def _mi_process(*, sequential: bool = False, condition: str | None = None) -> str:
    flags = ' isSequential="true"' if sequential else ""
    until = f"<bpmn:completionCondition>{condition}</bpmn:completionCondition>" if condition else ""
    return process_xml(
        f"""
<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
<bpmn:userTask id="review" name="Review line">
  <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
  <bpmn:multiInstanceLoopCharacteristics{flags}>
    <bpmn:loopDataInputRef>items</bpmn:loopDataInputRef>
    <bpmn:loopDataOutputRef>reviews</bpmn:loopDataOutputRef>
    <bpmn:inputDataItem id="item" name="item" />
    <bpmn:outputDataItem id="verdict" name="verdict" />
    {until}
  </bpmn:multiInstanceLoopCharacteristics>
</bpmn:userTask>
<bpmn:scriptTask id="after" name="After"><bpmn:incoming>f2</bpmn:incoming>
  <bpmn:outgoing>f3</bpmn:outgoing><bpmn:script>reviewed = len(reviews)</bpmn:script>
</bpmn:scriptTask>
<bpmn:endEvent id="done"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />
<bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="after" />
<bpmn:sequenceFlow id="f3" sourceRef="after" targetRef="done" />
""",
        process_id="mi",
    )


def test_a_parallel_review_drops_each_done_instance_from_the_state(
    session: Session, install: Install, restore: bool
) -> None:
    version = install(bpmn_text("multi_review.bpmn"), key="multi_review")
    instance = runtime.start(session, version, data={"items": _items(ITEMS)}, actor="kari")
    tasks = open_tasks(session, instance.id)
    assert len(tasks) == ITEMS
    assert ITEMS <= _stored_tasks(instance) <= ITEMS + FIXED
    for done, task in enumerate(tasks, 1):
        instance = _complete(session, instance, task, {"verdict": VERDICT}, restore)
        # Only the reviews still open are kept (before: all ITEMS of them, to the end).
        assert _stored_tasks(instance) <= ITEMS - done + FIXED, done
        assert instance.status == ("completed" if done == ITEMS else "running")
    store.WORKFLOWS.clear()
    assert runtime.current_data(session, instance)["reviews"] == [VERDICT] * ITEMS
    statuses = session.scalars(select(HumanTask.status).where(HumanTask.instance_id == instance.id))
    assert set(statuses) == {"completed"}


def test_a_sequential_review_keeps_a_flat_state(
    session: Session, install: Install, restore: bool
) -> None:
    version = install(_mi_process(sequential=True), key="sequential")
    instance = runtime.start(session, version, data={"items": _items(ITEMS)}, actor="kari")
    sizes = []
    for done in range(1, ITEMS + 1):
        [task] = open_tasks(session, instance.id)  # one at a time
        instance = _complete(session, instance, task, {"verdict": {"line": done}}, restore)
        sizes.append(_stored_tasks(instance))
    assert max(sizes) <= FIXED  # before: one more task per item
    assert instance.status == "completed"
    store.WORKFLOWS.clear()
    data = runtime.current_data(session, instance)
    assert data["reviews"] == [{"line": i} for i in range(1, ITEMS + 1)]
    assert data["reviewed"] == ITEMS


def test_a_completion_condition_still_finds_its_instance_and_ends_the_review(
    session: Session, install: Install, restore: bool
) -> None:
    """The condition is evaluated on the instance just merged, after others were dropped."""
    version = install(_mi_process(condition="verdict == 'stop'"), key="until")
    instance = runtime.start(session, version, data={"items": _items(10)}, actor="kari")
    tasks = open_tasks(session, instance.id)
    for task in tasks[:3]:
        instance = _complete(session, instance, task, {"verdict": "ok"}, restore)
    assert instance.status == "running" and len(open_tasks(session, instance.id)) == 7
    instance = _complete(session, instance, tasks[3], {"verdict": "stop"}, restore)
    assert instance.status == "completed", instance.error
    store.WORKFLOWS.clear()
    data = runtime.current_data(session, instance)
    assert data["reviews"] == ["ok", "ok", "ok", "stop"] and data["reviewed"] == 4
    rows = session.scalars(
        select(HumanTask.status).where(HumanTask.instance_id == instance.id).order_by(HumanTask.id)
    )
    assert list(rows) == ["completed"] * 4 + ["cancelled"] * 6


def test_a_review_restored_in_another_process_still_merges_its_instances(
    session: Session, install: Install
) -> None:
    """Each completion as if served by a fresh process: no live workflow, no parsed spec.

    SpiffWorkflow hooks a multi-instance task to its instances' completion when a run
    creates them; a spec parsed anew (another gunicorn worker, a restart) lacked the hook,
    so a completed instance was never merged and the case waited for ever.
    """
    version = install(bpmn_text("multi_review.bpmn"), key="multi_review")
    instance = runtime.start(session, version, data={"items": _items(3)}, actor="kari")
    for task in open_tasks(session, instance.id):
        store.WORKFLOWS.clear()
        runtime._PARSED.clear()
        bpmn.SPECS._items.clear()
        instance = _complete(session, instance, task, {"verdict": VERDICT}, False)
    assert instance.status == "completed", instance.error
    assert runtime.current_data(session, instance)["reviews"] == [VERDICT] * 3
