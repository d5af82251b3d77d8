"""The store: SQLite setup, row locks and versions, case numbers, the live cache."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from engine import bpmn, runtime, store
from engine.errors import NotFound
from engine.models import Instance, ProcessVersion, Tenant, utcnow
from engine.scripting import SCRIPT_ENGINE
from tests.engine.helpers import Install, bpmn_text, open_tasks

CASE_NO = re.compile(r"^\d{4}-\d{6}$")


def _workflow() -> BpmnWorkflow:
    parsed = bpmn.parse({"loop.bpmn": bpmn_text("loop.bpmn")})
    return BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=SCRIPT_ENGINE)


def test_sqlite_connections_are_set_up_for_concurrent_use(db_engine: Engine) -> None:
    if db_engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas")
    with db_engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 0  # OFF, as configured


def test_configure_engine_leaves_other_databases_alone() -> None:
    for url, added in (("postgresql://nobody@127.0.0.1:1/none", 0), ("sqlite://", 1)):
        bind = create_engine(url)  # no connection is made
        listeners = len(bind.pool.dispatch.connect)
        store.configure_engine(bind)
        assert len(bind.pool.dispatch.connect) == listeners + added, url
        bind.dispose()


def test_case_numbers_are_sequential_per_tenant_and_year(session: Session, tenant_id: int) -> None:
    other = Tenant(slug="bo", name="Bø kommune")
    session.add(other)
    session.commit()
    numbers = [store.next_case_no(session, tenant_id, 2026) for _ in range(3)]
    numbers.append(store.next_case_no(session, other.id, 2026))
    numbers.append(store.next_case_no(session, tenant_id, 2027))
    numbers.append(store.next_case_no(session, tenant_id, 2026))
    session.commit()
    assert numbers == [
        "2026-000001",
        "2026-000002",
        "2026-000003",
        "2026-000001",
        "2027-000001",
        "2026-000004",
    ]


def test_started_instances_get_case_numbers_of_this_year(
    session: Session, install: Install
) -> None:
    version = install(bpmn_text("loop.bpmn"))
    first = runtime.start(session, version, data={"limit": 1}, actor="kari")
    second = runtime.start(session, version, data={"limit": 1}, actor="kari")
    assert CASE_NO.match(first.case_no) and CASE_NO.match(second.case_no)
    year = str(utcnow().year)
    assert first.case_no == f"{year}-000001" and second.case_no == f"{year}-000002"


def test_case_numbers_stay_unique_when_two_threads_start_cases_at_once(
    session: Session, sessions: sessionmaker[Session], install: Install
) -> None:
    version_id = install(bpmn_text("loop.bpmn")).id
    per_thread = 6
    barrier = threading.Barrier(2)
    case_numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        try:
            with sessions() as own:
                own_version = own.get(ProcessVersion, version_id)
                assert own_version is not None
                barrier.wait()
                for _ in range(per_thread):
                    instance = runtime.start(own, own_version, data={"limit": 2}, actor="kari")
                    with lock:
                        case_numbers.append(instance.case_no)
        except BaseException as err:  # surfaced below; a thread must not hide it
            errors.append(err)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    year = utcnow().year
    assert sorted(case_numbers) == [f"{year}-{n:06d}" for n in range(1, 2 * per_thread + 1)]
    assert session.query(Instance).count() == 2 * per_thread


def test_lock_instance_returns_the_current_row_without_bumping_it(
    session: Session, sessions: sessionmaker[Session], install: Install, tenant_id: int
) -> None:
    version = install(bpmn_text("loop.bpmn"))
    instance = runtime.start(session, version, data={"limit": 3}, actor="kari")
    seen = instance.version
    with sessions() as other:
        [task] = open_tasks(other, instance.id)
        runtime.complete(other, tenant_id, task.id, {}, "sara")
    locked = store.lock_instance(session, tenant_id, instance.id)
    assert locked is instance  # the same identity, refreshed in place
    assert locked.version == seen + 1
    session.commit()
    assert session.get(Instance, instance.id).version == seen + 1  # type: ignore[union-attr]


def test_lock_instance_of_another_tenant_is_not_found(session: Session, install: Install) -> None:
    version = install(bpmn_text("loop.bpmn"))
    instance = runtime.start(session, version, data={"limit": 3}, actor="kari")
    other = Tenant(slug="bo", name="Bø kommune")
    session.add(other)
    session.commit()
    with pytest.raises(NotFound):
        store.lock_instance(session, other.id, instance.id)
    with pytest.raises(NotFound):
        store.lock_instance(session, version.tenant_id, instance.id + 100)


def test_the_version_column_stops_a_writer_holding_an_old_row(
    session: Session, sessions: sessionmaker[Session], install: Install
) -> None:
    version = install(bpmn_text("loop.bpmn"))
    instance_id = runtime.start(session, version, data={"limit": 3}, actor="kari").id
    with sessions() as first, sessions() as second:
        mine = first.get(Instance, instance_id)
        theirs = second.get(Instance, instance_id)
        assert mine is not None and theirs is not None
        assert mine.version == theirs.version
        start_version = mine.version
        mine.subject = "first writer"
        first.commit()
        theirs.subject = "second writer"
        with pytest.raises(StaleDataError):
            second.flush()
        second.rollback()
    session.expire_all()
    row = session.get(Instance, instance_id)
    assert row is not None
    assert (row.subject, row.version) == ("first writer", start_version + 1)


def test_workflow_cache_hands_out_only_current_workflows_once() -> None:
    cache = store.WorkflowCache()
    workflow = _workflow()
    cache.checkin(7, 3, workflow)
    assert cache.checkout(7, 3) is workflow
    assert cache.checkout(7, 3) is None  # checked out: nobody else gets it
    cache.checkin(7, 3, workflow)
    assert cache.checkout(7, 4) is None  # the row moved on: reload
    assert cache.checkout(7, 3) is None  # and the stale one is gone


def test_workflow_cache_evicts_the_least_recently_used() -> None:
    cache = store.WorkflowCache(size=2)
    workflows: dict[int, Any] = {n: _workflow() for n in (1, 2, 3)}
    cache.checkin(1, 1, workflows[1])
    cache.checkin(2, 1, workflows[2])
    cache.checkin(1, 1, workflows[1])  # 1 is now the most recent
    cache.checkin(3, 1, workflows[3])
    assert cache.checkout(2, 1) is None
    assert cache.checkout(1, 1) is workflows[1]
    assert cache.checkout(3, 1) is workflows[3]


def test_workflow_cache_evict_and_clear() -> None:
    cache = store.WorkflowCache()
    cache.checkin(1, 1, _workflow())
    cache.checkin(2, 1, _workflow())
    cache.evict(1)
    assert cache.checkout(1, 1) is None
    cache.clear()
    assert cache.checkout(2, 1) is None


def test_test_runs_number_their_cases_in_their_own_series(
    session: Session, install: Install
) -> None:
    version = install(bpmn_text("loop.bpmn"))
    year = utcnow().year
    trial = runtime.start(session, version, data={"limit": 1}, actor="kari", is_test=True)
    real = runtime.start(session, version, data={"limit": 1}, actor="kari")
    again = runtime.start(session, version, data={"limit": 1}, actor="kari", is_test=True)
    assert (trial.case_no, again.case_no) == (f"TEST-{year}-000001", f"TEST-{year}-000002")
    assert real.case_no == f"{year}-000001"  # no real number went to a test run
    assert trial.is_test and not real.is_test


def test_each_series_counts_on_its_own(session: Session, tenant_id: int) -> None:
    numbers = [
        store.next_case_no(session, tenant_id, 2026, store.TEST_SERIES),
        store.next_case_no(session, tenant_id, 2026),
        store.next_case_no(session, tenant_id, 2026, store.TEST_SERIES),
    ]
    session.commit()
    assert numbers == ["TEST-2026-000001", "2026-000001", "TEST-2026-000002"]
