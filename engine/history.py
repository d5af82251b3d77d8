"""Keep finished history out of the live task tree.

SpiffWorkflow keeps every task it ever ran in one tree. A loop through a user
task adds a level per iteration: the state and the cost of every step grow, and
near 250 iterations the library's task iterator (depth limit 1000) stops seeing
the ready task and reports the workflow completed. History lives in our event
table, so the engine cuts finished ancestors out of the tree after each step.

A multi-instance (or standard loop) task keeps each of its instances as a child of its
own, beside the ones still open: siblings, not ancestors, so that cut never reaches them.
Once an instance is completed and merged into its task (its output is in the task's
data), nothing reads it again: the engine drops it too.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.util.task import TaskState

_LIVE = TaskState.NOT_FINISHED_MASK


def _chain(task: Any) -> list[Any]:
    chain = []
    while task is not None:
        chain.append(task)
        task = task.parent
    chain.reverse()
    return chain


def _cut_point(workflow: Any) -> Any | None:
    """The deepest completed task that all unfinished tasks descend from."""
    live = [t for t in workflow.tasks.values() if t.state & _LIVE]
    if not live:
        return None
    common = _chain(live[0])
    for task in live[1:]:
        chain = _chain(task)
        n = 0
        while n < len(common) and n < len(chain) and common[n] is chain[n]:
            n += 1
        common = common[:n]
    # Structured joins look their split task up among their ancestors: keep it.
    for task in live:
        split = getattr(task.task_spec, "split_task", None)
        if split:
            ancestor = task.find_ancestor(split)
            if ancestor is not None and ancestor in common:
                common = common[: common.index(ancestor) + 1]
    cut = None
    for task in common[1:]:
        if task.state != TaskState.COMPLETED:
            break
        cut = task
    return cut


def _prune(workflow: Any) -> int:
    cut = _cut_point(workflow)
    if cut is None or cut.parent is workflow.task_tree:
        return 0
    root = workflow.task_tree
    keep = {root.id}
    stack = [cut]
    while stack:
        task = stack.pop()
        keep.add(task.id)
        stack.extend(task.children)
    removed = [tid for tid in workflow.tasks if tid not in keep]
    for tid in removed:
        del workflow.tasks[tid]
    root._children = [cut.id]
    cut._parent = root.id
    if workflow.last_task is not None and workflow.last_task.id not in keep:
        workflow.last_task = cut
    return len(removed)


def _drop_merged_instances(workflow: Any) -> int:
    """Drop the completed, merged instances of multi-instance and loop tasks."""
    removed = 0
    for task in [t for t in workflow.tasks.values() if isinstance(t.task_spec, LoopTask)]:
        merged = set(task.internal_data.get("merged", ()))
        gone = {
            child.id
            for child in task.children
            if child.task_spec.name == task.task_spec.task_spec  # an instance, not an output
            and child.state == TaskState.COMPLETED
            and str(child.id) in merged
            and not child._children
        }
        if not gone:
            continue
        task._children = [tid for tid in task._children if tid not in gone]
        for tid in gone:
            del workflow.tasks[tid]
        if workflow.last_task is not None and workflow.last_task.id in gone:
            workflow.last_task = task
        removed += len(gone)
    return removed


def prune_history(workflow: BpmnWorkflow) -> int:
    """Drop finished ancestors of the live tasks and merged instances of multi-instance
    tasks; return how many tasks went."""
    removed = _prune(workflow) + _drop_merged_instances(workflow)
    for subprocess in list(workflow.subprocesses.values()):
        removed += _prune(subprocess) + _drop_merged_instances(subprocess)
    alive = set(workflow.tasks)
    for subprocess in workflow.subprocesses.values():
        alive.update(subprocess.tasks)
    for task_id in [k for k in workflow.subprocesses if k not in alive]:
        del workflow.subprocesses[task_id]
    return removed


def unfinished_tasks(workflow: BpmnWorkflow) -> int:
    """Count unfinished tasks directly, without the depth-limited iterator."""
    count = sum(1 for t in workflow.tasks.values() if t.state & _LIVE)
    for subprocess in workflow.subprocesses.values():
        count += sum(1 for t in subprocess.tasks.values() if t.state & _LIVE)
    return count
