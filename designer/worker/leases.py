"""Once-per-installation work: a row in `worker_lease` decides which process runs it.

A process runs a daily job only if it wins one conditional UPDATE on the job's row: the
last run is older than `every` and nobody holds an unexpired lease. Row-level write
locking (PostgreSQL) or the single writer (SQLite) makes exactly one of any number of
competing processes and threads win. Each step commits at once, so the others see it.
"""

from __future__ import annotations

import os
import socket
import threading
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from designer.models import WorkerLease


def holder_name() -> str:
    """This process and thread, as the lease's holder (for logs and `finish`)."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:200]


def _ensure_row(session: Session, name: str) -> None:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    if dialect not in ("postgresql", "sqlite"):  # pragma: no cover - other databases
        if session.get(WorkerLease, name) is None:
            session.add(WorkerLease(name=name))
            session.flush()
        return
    session.execute(insert(WorkerLease).values(name=name).on_conflict_do_nothing())


def _free(row: WorkerLease, now: datetime, every: timedelta) -> bool:
    ran_long_ago = row.last_run_at is None or row.last_run_at <= now - every
    return ran_long_ago and (row.leased_until is None or row.leased_until < now)


def claim(
    session: Session,
    name: str,
    holder: str,
    now: datetime,
    *,
    every: timedelta,
    hold: timedelta,
) -> bool:
    """Take the lease on `name` if its last run is older than `every`; commit; True if won."""
    session.rollback()
    row = session.get(WorkerLease, name)
    if row is not None and not _free(row, now, every):
        session.rollback()  # the common case on every tick: a read, no write
        return False
    session.rollback()  # a fresh transaction: the first statement below writes
    _ensure_row(session, name)
    won = session.execute(
        update(WorkerLease)
        .where(
            WorkerLease.name == name,
            or_(WorkerLease.last_run_at.is_(None), WorkerLease.last_run_at <= now - every),
            or_(WorkerLease.leased_until.is_(None), WorkerLease.leased_until < now),
        )
        .values(holder=holder, leased_until=now + hold)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return won.rowcount == 1  # type: ignore[attr-defined]


def finish(session: Session, name: str, holder: str, ran_at: datetime) -> None:
    """Record a finished run (stamped with the time it began) and free the lease; commit."""
    session.execute(
        update(WorkerLease)
        .where(WorkerLease.name == name, WorkerLease.holder == holder)
        .values(last_run_at=ran_at, leased_until=None)
        .execution_options(synchronize_session=False)
    )
    session.commit()
