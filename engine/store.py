"""Load and save instance state: row locks, version checks, case numbers, writer turns.

Every transition runs in one transaction that starts with a write, so SQLite
takes its write lock up front (no stale read snapshot to upgrade) and
PostgreSQL locks the instance row: concurrent writers queue instead of losing
updates, and the version column catches writers that acted on an old view.

The engine never commits work of the caller's on its own: writes the caller made
in the session before calling the engine are flushed into the transition's
transaction, so they commit with it and are rolled back with it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    String,
    TextClause,
    bindparam,
    cast,
    event,
    func,
    literal_column,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, aliased, scoped_session

from . import writers
from .cache import WORKFLOWS as WORKFLOWS  # re-exported: engine.store.WORKFLOWS
from .cache import WorkflowCache as WorkflowCache
from .errors import CASE_NOT_FOUND, TASK_NOT_FOUND, NotFound
from .models import CaseCounter, HumanTask, Instance

WROTE = "flytverk_wrote"  # session.info: the open transaction holds writes
CALLER_WORK = "flytverk_caller_work"  # session.info: the transaction holds the caller's writes
# Execution option of the engine's own lock writes (a row lock, a claim) that a decline may
# roll back: every other write after begin_write counts as the caller's work.
OWN = "flytverk_own"
SERIAL = writers.SERIAL  # session.info: releases the SQLite writer lock (engine.writers)
TEST_SERIES = "TEST"  # the case-number series of test runs


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


def _wrote(session: Session, *, own: bool = False) -> None:
    session.info[WROTE] = True
    if not own and session.info.get(CALLER_WORK) is False:
        # Written after begin_write found nothing of the caller's: the caller's work now
        # (its own begin_write, then its writes), so no later decline may roll it back.
        session.info[CALLER_WORK] = True


def _flushed(session: Session, *_: Any) -> None:
    _wrote(session)


def _executed(state: ORMExecuteState) -> None:
    statement = state.statement
    own = bool(state.execution_options.get(OWN))
    if state.is_insert or state.is_update or state.is_delete:
        _wrote(state.session, own=own)
    elif isinstance(statement, TextClause):  # raw SQL: a write unless it plainly reads
        if not statement.text.lstrip().upper().startswith(("SELECT", "WITH", "PRAGMA")):
            _wrote(state.session, own=own)


def _ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction: committed or rolled back
        session.info.pop(WROTE, None)
        session.info.pop(CALLER_WORK, None)
        writers.end_turn(session)


def _watch_writes() -> None:
    # On the Session class, so every session (sessionmaker's, Flask-SQLAlchemy's) is seen.
    for name, listener in (
        ("after_flush", _flushed),
        ("do_orm_execute", _executed),
        ("after_commit", writers.end_turn),
        ("after_rollback", writers.end_turn),
        ("after_transaction_end", _ended),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


_watch_writes()


def has_writes(session: Session) -> bool:
    """True when the session holds writes that are not committed (pending or flushed).

    Flushed writes are seen through session events: ORM flushes and `session.execute` of
    INSERT, UPDATE, DELETE or non-SELECT text. (SQL sent past the session, on
    `session.connection()`, is not seen.)
    """
    return bool(session.new or session.dirty or session.deleted or session.info.get(WROTE))


def begin_write(session: Session) -> None:
    """Begin a transition's writes without committing anything of the caller's.

    With writes of the caller's in the session (pending or flushed), they are flushed and
    the transaction stays open: they commit with the transition, or roll back with it.
    A session that only read ends its read (a rollback), so the write lock is taken fresh.
    """
    if has_writes(session):
        session.flush()
        session.info[CALLER_WORK] = True
        return
    end_read(session)
    writers.take_turn(session)
    session.info[CALLER_WORK] = False


def _real(session: Session) -> Session:
    """The Session itself behind a scoped_session (Flask-SQLAlchemy's db.session)."""
    if isinstance(session, scoped_session):
        return session()
    return session


def end_read(session: Session) -> None:
    """End a transaction that only read, keeping what it loaded (no reload afterwards).

    A read-only transaction is committed (for the database the same as a rollback) without
    expiring the loaded objects: the process version, the tenant and the like read before a
    transition need no second SELECT in it. A session that must roll back is rolled back.
    """
    session = _real(session)
    if not session.in_transaction():
        return
    if not session.is_active:
        session.rollback()
        return
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


def decline(session: Session) -> None:
    """End the engine's part when there is nothing to do: no transition, nothing written.

    The engine's own reads and row lock are rolled back; a transaction that holds the
    caller's work is left open for the caller to commit or roll back. The caller's work is
    what begin_write found, and every write since that is not the engine's own lock (`OWN`):
    a caller that called begin_write itself and wrote afterwards keeps what it wrote.
    """
    work = session.info.get(CALLER_WORK)
    if work is None:  # begin_write has not run: any write is the caller's
        work = has_writes(session)
    if not work and not (session.new or session.dirty or session.deleted):
        session.rollback()


def lock_instance(session: Session, tenant_id: int, instance_id: int) -> Instance:
    """Take the write lock on one instance and return its current row."""
    begin_write(session)
    ids = {"b_instance": instance_id, "b_tenant": tenant_id}
    if session.execute(_LOCK_INSTANCE, ids).rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise NotFound(f"Case {instance_id} does not exist.", code=CASE_NOT_FOUND)
    return session.execute(_READ_INSTANCE, ids).scalar_one()


# Built once with bound parameters: building a statement per call costs as much as running it.
_LOCK_INSTANCE = (
    update(Instance)
    .where(Instance.id == bindparam("b_instance"), Instance.tenant_id == bindparam("b_tenant"))
    .values(version=Instance.version)
    .execution_options(synchronize_session=False, **{OWN: True})
)
_READ_INSTANCE = (
    select(Instance)
    .where(Instance.id == bindparam("b_instance"))
    .execution_options(populate_existing=True)
)
_BUMP_CASE_NO = (
    update(CaseCounter)
    .where(
        CaseCounter.tenant_id == bindparam("b_tenant"),
        CaseCounter.year == bindparam("b_year"),
        CaseCounter.series == bindparam("b_series"),
    )
    .values(last=CaseCounter.last + 1)
    .returning(CaseCounter.last)
    .execution_options(synchronize_session=False)  # no walk of the identity map
)


_TASK_OWNER = (
    select(HumanTask.instance_id)
    .where(HumanTask.id == bindparam("b_task"), HumanTask.tenant_id == bindparam("b_tenant"))
    .scalar_subquery()
)
_LOCK_TASK = (
    update(Instance)
    .where(Instance.id == _TASK_OWNER)
    .values(version=Instance.version)
    .execution_options(synchronize_session=False, **{OWN: True})
)
_OPEN = aliased(HumanTask)
# The instance's other open tasks as one "id:uuid,id:uuid" text, so the read stays one row
# (a join would repeat the instance's state once per open task: quadratic for a big
# multi-instance).
_OTHERS_OPEN = (
    select(func.aggregate_strings(cast(_OPEN.id, String) + ":" + _OPEN.task_uuid, ","))
    .where(
        _OPEN.instance_id == HumanTask.instance_id,
        _OPEN.status == literal_column("'open'", String),  # literal: the index is partial
        _OPEN.id != HumanTask.id,
    )
    .scalar_subquery()
)
_READ_TASK = (
    select(Instance, HumanTask, _OTHERS_OPEN)
    .join(HumanTask, HumanTask.instance_id == Instance.id)
    .where(HumanTask.id == bindparam("b_task"))
    .execution_options(populate_existing=True)
)


def lock_task(
    session: Session, tenant_id: int, task_id: int
) -> tuple[Instance, HumanTask, list[tuple[int, str]]]:
    """Lock the instance a task belongs to and load both, fresh, in one round trip.

    The same round trip reads the instance's other open tasks (id, uuid): the task index
    is brought up to date from them after the step, without reading them again.
    """
    begin_write(session)
    ids = {"b_task": task_id, "b_tenant": tenant_id}
    if session.execute(_LOCK_TASK, ids).rowcount != 1:  # type: ignore[attr-defined]
        raise NotFound(f"Task {task_id} does not exist.", code=TASK_NOT_FOUND)
    instance, human, others = session.execute(_READ_TASK, ids).one()
    pairs = [item.split(":", 1) for item in (others or "").split(",") if item]
    return instance, human, [(int(other_id), uuid) for other_id, uuid in pairs]


def next_case_no(session: Session, tenant_id: int, year: int, series: str = "") -> str:
    """Hand out the next case number of a tenant, series and year, e.g. 2026-000123.

    A series has its own counter and prefixes its numbers: test runs use TEST_SERIES
    ("TEST-2026-000001"), so they never take a number from the real cases.
    """
    ids = {"b_tenant": tenant_id, "b_year": year, "b_series": series}
    number = session.execute(_BUMP_CASE_NO, ids).scalar_one_or_none()
    if number is None:
        dialect = session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        session.execute(
            insert(CaseCounter)
            .values(tenant_id=tenant_id, year=year, series=series, last=0)
            .on_conflict_do_nothing()
        )
        number = session.execute(_BUMP_CASE_NO, ids).scalar_one()
    prefix = f"{series}-" if series else ""
    return f"{prefix}{year}-{number:06d}"
