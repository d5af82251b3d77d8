"""SQLite writers take turns in Flytverk's own lock instead of sleeping in SQLite's busy handler.

SQLite lets one connection write at a time; a second writer retries in its busy handler,
which sleeps in growing steps (up to 100 ms) and wakes late. Every transition instead takes
a writer lock of its database before its transaction begins and keeps it until the
transaction ends: a thread lock for the threads of one process, and `flock` on a file beside
the database for the processes of one machine (gunicorn workers, the worker). A waiter wakes
as soon as the lock is free. Set FLYTVERK_SQLITE_SERIAL_WRITES=0 to leave it to SQLite.

A writer that cannot get the lock within WAIT_SECONDS, or whose thread already holds it in
another session, goes on without it (SQLite's own locking still protects the data), so a stuck
transaction never blocks the others for good and a thread never waits for itself.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

ENABLED_VARIABLE = "FLYTVERK_SQLITE_SERIAL_WRITES"
WAIT_SECONDS = 30.0  # as SQLite's busy timeout (engine.store.configure_engine)
_POLL_FIRST, _POLL_MAX = 0.0002, 0.002  # seconds between tries of another process's lock

Release = Callable[[], None]


def enabled() -> bool:
    """True unless FLYTVERK_SQLITE_SERIAL_WRITES=0."""
    return os.environ.get(ENABLED_VARIABLE, "1").strip() != "0"


class WriterLock:
    """The writer lock of one SQLite database file (or of an in-memory database)."""

    def __init__(self, database: str | None) -> None:
        self._threads = threading.Lock()
        self._path = f"{database}-writers.lock" if database else None
        self._fd: int | None = None
        self._pid = 0  # the process that opened _fd: a forked child opens its own
        self._owner: int | None = None  # the thread holding the lock
        self.taken = 0  # how often the lock was taken (for tests and benchmarks)

    def _file(self) -> int | None:
        if self._path is None:
            return None
        if self._fd is None or self._pid != os.getpid():
            try:
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
                self._pid = os.getpid()
            except OSError:  # a read-only folder: threads still take turns
                self._path = None
                return None
        return self._fd

    def acquire(self) -> Release | None:
        """Take the lock (threads, then processes); None when it could not be had in time."""
        if self._owner == threading.get_ident():
            # Another session of this very thread holds it: waiting would wait for ourselves.
            return None
        deadline = time.monotonic() + WAIT_SECONDS
        if not self._threads.acquire(timeout=WAIT_SECONDS):
            return None
        fd = self._file()
        pause = _POLL_FIRST
        while fd is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    self._threads.release()
                    return None
                time.sleep(pause)
                pause = min(pause * 2, _POLL_MAX)
        self.taken += 1
        self._owner = threading.get_ident()
        return lambda: self._release(fd)

    def _release(self, fd: int | None) -> None:
        self._owner = None
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
        self._threads.release()


_LOCKS: dict[str, WriterLock] = {}
_LOCKS_GUARD = threading.Lock()


def _forget_after_fork() -> None:
    # A child starts with no turn taken: the parent's thread lock state (and its file
    # description, shared across the fork) is not the child's.
    global _LOCKS_GUARD
    _LOCKS.clear()
    _LOCKS_GUARD = threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)


def lock_for(engine: Engine) -> WriterLock | None:
    """The writer lock of a SQLite engine's database; None for other databases."""
    if engine.dialect.name != "sqlite":
        return None
    key = str(engine.url)
    found = _LOCKS.get(key)
    if found is None:
        with _LOCKS_GUARD:
            found = _LOCKS.get(key)
            if found is None:
                database = engine.url.database
                memory = not database or database == ":memory:" or database.startswith("file:")
                path = None if memory or database is None else str(Path(database).resolve())
                found = _LOCKS[key] = WriterLock(path)
    return found


SERIAL = "flytverk_serial"  # session.info: releases the writer lock the session holds


def take_turn(session: Session) -> None:
    """On SQLite, wait for this database's writer lock and begin the write transaction.

    The lock is released when the transaction ends: at its commit or rollback (before the
    after_commit listeners run, one of which may talk to a broker for seconds), at the
    latest when the session closes.
    """
    if SERIAL in session.info or not enabled():
        return
    bind = session.get_bind()
    lock = lock_for(bind if isinstance(bind, Engine) else bind.engine)
    if lock is None:
        return
    release = lock.acquire()
    if release is None:  # not had in time: SQLite's busy handler takes over
        return
    try:
        session.begin()
    except BaseException:
        release()
        raise
    session.info[SERIAL] = release


def end_turn(session: Session, *_: Any) -> None:
    """Give the writer lock back, if this session holds it (a session event listener)."""
    release = session.info.pop(SERIAL, None)
    if release is not None:
        release()
