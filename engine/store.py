"""Load and save instance state: row locks, version checks, case numbers, a live cache.

Every transition runs in one transaction that starts with a write, so SQLite
takes its write lock up front (no stale read snapshot to upgrade) and
PostgreSQL locks the instance row: concurrent writers queue instead of losing
updates, and the version column catches writers that acted on an old view.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from threading import Lock
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from sqlalchemy import event, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from .errors import NotFound
from .models import CaseCounter, Instance


def configure_engine(engine: Engine, *, synchronous: str = "FULL") -> None:
    """Set SQLite up for concurrent web use (WAL, busy timeout, foreign keys)."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def begin_write(session: Session) -> None:
    """End whatever the session was reading, so the next statement starts fresh."""
    session.commit()  # a no-op when nothing is pending or open


def lock_instance(session: Session, tenant_id: int, instance_id: int) -> Instance:
    """Take the write lock on one instance and return its current row."""
    begin_write(session)
    locked = session.execute(
        update(Instance)
        .where(Instance.id == instance_id, Instance.tenant_id == tenant_id)
        .values(version=Instance.version)
        .execution_options(synchronize_session=False)
    )
    if locked.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise NotFound(f"Case {instance_id} does not exist.")
    instance = session.execute(
        select(Instance).where(Instance.id == instance_id).execution_options(populate_existing=True)
    ).scalar_one()
    return instance


def next_case_no(session: Session, tenant_id: int, year: int) -> str:
    """Hand out the next case number of a tenant and year, e.g. 2026-000123."""
    bump = (
        update(CaseCounter)
        .where(CaseCounter.tenant_id == tenant_id, CaseCounter.year == year)
        .values(last=CaseCounter.last + 1)
        .returning(CaseCounter.last)
    )
    number = session.execute(bump).scalar_one_or_none()
    if number is None:
        dialect = session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        session.execute(
            insert(CaseCounter)
            .values(tenant_id=tenant_id, year=year, last=0)
            .on_conflict_do_nothing()
        )
        number = session.execute(bump).scalar_one()
    return f"{year}-{number:06d}"


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
