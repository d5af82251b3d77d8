"""Refusals and limits: `ScriptRejected`, `LIMITS`, a run's budget, the output check.

A `Run` is checked by `_tick_()` calls that the policy puts into every loop,
comprehension, function and lambda: the thread's CPU time (`time.thread_time`,
so other threads neither count nor slow down) and the process's resident memory
(read from /proc every few milliseconds, where it exists).
"""

from __future__ import annotations

import decimal
import math
import os
import threading
import time
from dataclasses import dataclass
from typing import Any, NoReturn


class ScriptRejected(Exception):
    """A script broke a sandbox rule or limit; `args[0]` is a message for people."""


class ImportRejected(ScriptRejected, ImportError):
    """A script imported a module outside the allowlist."""


class NameRejected(ScriptRejected, NameError):
    """A script used a builtin that process scripts do not get."""


class AttributeRejected(ScriptRejected, AttributeError):
    """A script read a part of an allowed module that scripts do not get."""


class Interrupt(BaseException):
    """Stops a script out of budget; not an Exception, so `except Exception` cannot catch it."""


@dataclass
class Limits:
    """What one script run may use."""

    cpu_seconds: float = 2.0
    max_output_bytes: int = 256 * 1024
    max_items: int = 1_000_000  # characters, bytes or items of one value a guard builds
    max_int_bits: int = 100_000
    max_memory_bytes: int = 256 * 2**20
    max_format_width: int = 10_000
    processes: int = 2  # sandbox processes (the pool's size)
    wall_seconds: float = 5.0  # wall-clock deadline of one run in a sandbox process


LIMITS = Limits()
_ACTIVE = threading.local()
_CHECK_EVERY = 0.002  # seconds of wall time between two CPU and memory checks


def configure(
    *,
    cpu_seconds: float | None = None,
    max_output_bytes: int | None = None,
    max_items: int | None = None,
    max_memory_bytes: int | None = None,
    memory_mb: int | None = None,
    processes: int | None = None,
    wall_seconds: float | None = None,
) -> Limits:
    """Change the limits of all later script runs (the app calls this from its config).

    `memory_mb` is `max_memory_bytes` in MB; `processes` and `wall_seconds` size the
    pool of sandbox processes and their wall-clock deadline.
    """
    changes = {
        "cpu_seconds": cpu_seconds,
        "max_output_bytes": max_output_bytes,
        "max_items": max_items,
        "max_memory_bytes": memory_mb * 2**20 if memory_mb is not None else max_memory_bytes,
        "processes": processes,
        "wall_seconds": wall_seconds,
    }
    for name, value in changes.items():
        if value is not None:
            if value <= 0:
                raise ValueError(f"{name} must be positive, not {value!r}")
            setattr(LIMITS, name, value)
    return LIMITS


def reject(message: str, kind: type[ScriptRejected] = ScriptRejected) -> NoReturn:
    """Refuse; the running script still fails if it catches the exception."""
    err = kind(message)
    run = getattr(_ACTIVE, "run", None)
    if run is not None and run.failure is None:
        run.failure = err
    raise err


def check_items(count: int) -> None:
    """Refuse to build a value of more than `max_items` characters or items."""
    if count > LIMITS.max_items:
        reject(
            f"The script tried to build a value of {count:,} characters or items; "
            f"the limit is {LIMITS.max_items:,}."
        )


def check_number(value: Any) -> None:
    """Refuse to turn a Decimal of more than ~30,000 digits into an int (slow C code)."""
    if isinstance(value, decimal.Decimal) and value.is_finite():
        digits = int(LIMITS.max_int_bits * math.log10(2))
        if value.adjusted() >= digits:
            reject(f"The script tried to compute a number of more than {digits:,} digits.")


def _rss() -> int | None:
    try:  # opened each time: a descriptor kept across fork() would read the parent
        fd = os.open("/proc/self/statm", os.O_RDONLY)
    except OSError:
        return None
    try:
        return int(os.read(fd, 100).split()[1]) * os.sysconf("SC_PAGE_SIZE")
    finally:
        os.close(fd)


class Run:
    """One script run on this thread: its CPU and memory budget and its first refusal.

    Without `budgeted` (code with no loops, functions or comprehensions, whose
    run time is bounded by its length) nothing is measured. With it, the first
    check comes after `_CHECK_EVERY` of wall time, so short runs never read
    /proc; memory growth is measured from that first check on.
    """

    def __init__(self, budgeted: bool) -> None:
        self.failure: BaseException | None = None
        self._previous: Run | None = None
        self._deadline = time.thread_time() + LIMITS.cpu_seconds if budgeted else 0.0
        self._next = time.perf_counter() + _CHECK_EVERY if budgeted else 0.0
        self._rss_limit: int | None = None

    def tick(self) -> bool:
        """Called by each loop iteration, comprehension item and function call."""
        if time.perf_counter() >= self._next:
            self._check()
        return True

    def _check(self) -> None:
        if time.thread_time() > self._deadline:
            self._stop(f"The script ran longer than {LIMITS.cpu_seconds:g} s and was stopped.")
        rss = _rss()
        if rss is not None:
            if self._rss_limit is None:
                self._rss_limit = rss + LIMITS.max_memory_bytes
            elif rss > self._rss_limit:
                megabytes = LIMITS.max_memory_bytes // 2**20
                self._stop(f"The script used more than {megabytes} MB of memory and was stopped.")
        self._next = time.perf_counter() + _CHECK_EVERY

    def _stop(self, message: str) -> NoReturn:
        self._next = -math.inf  # every later tick stops the script again
        stop = Interrupt(message)
        if self.failure is None:
            self.failure = stop
        raise stop

    def __enter__(self) -> Run:
        self._previous, _ACTIVE.run = getattr(_ACTIVE, "run", None), self
        return self

    def __exit__(self, *exc: object) -> None:
        _ACTIVE.run = self._previous
