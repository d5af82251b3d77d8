"""The live workflow cache: workflow objects of recently used instances, by row version."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from threading import Lock

from SpiffWorkflow.bpmn import BpmnWorkflow


class WorkflowCache:
    """Live workflow objects of recently used instances, checked out exclusively.

    A workflow is only reused when the row's version matches the version it was
    saved at, so a write from another process simply causes a reload.
    """

    def __init__(self, size: int = 512) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, tuple[int, BpmnWorkflow]] = OrderedDict()
        self._lock = Lock()

    def checkout(self, key: Hashable, version: int) -> BpmnWorkflow | None:
        """Take the cached workflow if it is current; nobody else gets it meanwhile."""
        with self._lock:
            item = self._items.pop(key, None)
        if item is None or item[0] != version:
            return None
        return item[1]

    def checkin(self, key: Hashable, version: int, workflow: BpmnWorkflow) -> None:
        """Keep a workflow that matches the committed row version."""
        with self._lock:
            self._items[key] = (version, workflow)
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def evict(self, key: Hashable) -> None:
        """Forget an instance (after a failed step)."""
        with self._lock:
            self._items.pop(key, None)

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._items.clear()


WORKFLOWS = WorkflowCache()
