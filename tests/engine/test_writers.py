"""SQLite writers take turns in the engine's writer lock, not in SQLite's busy handler."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from engine import runtime, store, writers
from engine.models import Base, Instance, ProcessVersion, Tenant
from engine.writers import WriterLock
from tests.engine.conftest import install_version
from tests.engine.helpers import START_TO_END, process_xml

THREADS, EACH = 4, 25


def _sqlite(path: Path, *, impatient: bool = False) -> Engine:
    """The app's SQLite set-up; `impatient`: a writer that finds the database locked fails."""
    bind = create_engine(f"sqlite:///{path}", pool_size=THREADS + 1)
    store.configure_engine(bind, synchronous="OFF")
    if impatient:

        @event.listens_for(bind, "connect")
        def _no_patience(dbapi_connection: object, _record: object) -> None:
            dbapi_connection.execute("PRAGMA busy_timeout=0")  # type: ignore[attr-defined]

    Base.metadata.create_all(bind)
    return bind


@pytest.fixture
def locked_db(tmp_path: Path, shared_database: str | None) -> Iterator[tuple[Engine, WriterLock]]:
    """A SQLite database with the app's set-up and its writer lock (skipped on PostgreSQL)."""
    if shared_database:
        pytest.skip("SQLite's writer lock")
    bind = _sqlite(tmp_path / "locked.sqlite")
    lock = writers.lock_for(bind)
    assert lock is not None
    yield bind, lock
    bind.dispose()


def _start_concurrently(bind: Engine) -> list[BaseException]:
    with Session(bind) as session:
        session.add(Tenant(slug="t", name="T"))
        session.commit()
        version = install_version(session, 1, process_xml(START_TO_END))
        version_id = version.id
    errors: list[BaseException] = []
    go = threading.Barrier(THREADS)

    def writer() -> None:
        go.wait()
        for _ in range(EACH):
            try:
                with Session(bind) as session:
                    version = session.get(ProcessVersion, version_id)
                    assert version is not None
                    runtime.start(session, version, data={"n": 1}, actor="t")
            except OperationalError as err:
                errors.append(err)

    threads = [threading.Thread(target=writer) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.parametrize("serial", ["1", "0"])
def test_concurrent_writers_take_turns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, serial: str, shared_database: str | None
) -> None:
    if shared_database:
        pytest.skip("SQLite's writer lock")
    monkeypatch.setenv(writers.ENABLED_VARIABLE, serial)
    bind = _sqlite(tmp_path / "writers.sqlite", impatient=True)
    try:
        errors = _start_concurrently(bind)
        with Session(bind) as session:
            started = session.scalar(select(func.count()).select_from(Instance))
    finally:
        bind.dispose()
    if serial == "1":
        # Every start waited for its turn: none met a locked database, none was lost.
        assert errors == []
        assert started == THREADS * EACH
        lock = writers.lock_for(bind)
        assert lock is not None and lock.taken >= THREADS * EACH
    else:
        # Without the lock the same writers collide in SQLite (what the lock prevents).
        assert any("locked" in str(err) for err in errors)
        assert started == THREADS * EACH - len(errors)


def test_the_lock_is_released_when_the_transaction_ends(
    locked_db: tuple[Engine, WriterLock],
) -> None:
    bind, lock = locked_db
    for end in ("commit", "rollback", "close"):
        session = Session(bind)
        store.begin_write(session)
        assert store.SERIAL in session.info
        session.add(Tenant(slug=end, name=end))
        getattr(session, end)()
        assert store.SERIAL not in session.info
        release = lock.acquire()  # free again: taken at once
        assert release is not None
        release()


def test_other_databases_have_no_writer_lock() -> None:
    assert writers.lock_for(create_engine("postgresql://nobody@127.0.0.1:1/none")) is None


def test_a_second_session_of_the_same_thread_does_not_wait_for_the_first(
    locked_db: tuple[Engine, WriterLock],
) -> None:
    bind, _lock = locked_db
    with Session(bind) as first, Session(bind) as second:
        store.begin_write(first)
        assert store.SERIAL in first.info
        store.begin_write(second)  # returns at once, without the lock
        assert store.SERIAL not in second.info
        first.rollback()


def test_the_turn_ends_at_the_commit_before_after_commit_listeners_run(
    locked_db: tuple[Engine, WriterLock],
) -> None:
    """An after_commit listener (e.g. sending jobs to a broker) must not hold up other writers."""
    bind, lock = locked_db
    free_in_listener: list[bool] = []

    def other_writer_gets_it() -> None:
        release = lock.acquire()
        free_in_listener.append(release is not None)
        if release is not None:
            release()

    def after_commit(_session: Session) -> None:
        thread = threading.Thread(target=other_writer_gets_it)
        thread.start()
        thread.join(timeout=5)

    with Session(bind) as session:
        event.listen(session, "after_commit", after_commit)
        store.begin_write(session)
        assert store.SERIAL in session.info
        session.add(Tenant(slug="c", name="C"))
        session.commit()
    assert free_in_listener == [True]
