"""The pool of sandbox processes every non-cheap expression and script runs in.

Started lazily by the first script and supervised here (no service to install):
at most `LIMITS.processes` children, each kept warm and reused, checked out by one
thread at a time. A request that does not answer within the wall-clock deadline
gets its child killed (SIGKILL) and replaced; a child killed by `RLIMIT_CPU`, one
that exits, or one that sends something unexpected is replaced too. Every such
end is a `ScriptRejected`, so the step becomes an incident like any refusal.
"""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from . import wire
from .limits import LIMITS, ScriptRejected

_ROOT = str(Path(__file__).resolve().parents[2])
_CODE = f"import sys; sys.path.insert(0, {_ROOT!r}); from engine.sandbox.child import main; main()"
_START_SECONDS = 30.0
_ENV = {"LANG": "C.UTF-8", "PATH": os.defpath}


class Child:
    """One sandbox process and its pipes."""

    def __init__(self, memory_bytes: int) -> None:
        self.memory_bytes = memory_bytes
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and code
            [sys.executable, "-I", "-c", _CODE, str(memory_bytes)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
            env=_ENV,  # no secrets (DATABASE_URL, SECRET_KEY) for a script to find
            start_new_session=True,  # Ctrl-C and the terminal's signals are the server's
            cwd="/",
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.stdin, self.stdout = self.process.stdin.fileno(), self.process.stdout.fileno()
        try:
            ready = wire.safe_loads(
                wire.read(self.stdout, deadline=time.monotonic() + _START_SECONDS, limit=1024)
            )
        except BaseException:
            self.kill()
            raise
        if not (isinstance(ready, tuple) and ready[:1] == ("ready",)):
            self.kill()
            raise wire.Broken("no ready message")

    def ask(self, request: bytes, deadline: float, limit: int) -> tuple[bool, Any]:
        """Send a framed request; (retire, reply) or TimeoutError / Broken / OSError."""
        wire.write(self.stdin, request)
        retire = wire.safe_loads(wire.read(self.stdout, deadline=deadline, limit=64))
        reply = wire.safe_loads(wire.read(self.stdout, deadline=deadline, limit=limit))
        return bool(retire), reply

    def kill(self) -> int | None:
        """Stop the process (SIGKILL) and close its pipes; its exit status."""
        status = self.process.poll()
        if status is None:
            self.process.kill()
        status = self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                try:
                    pipe.close()
                except OSError:
                    pass
        return status


def _death(status: int | None) -> str:
    if status == -signal.SIGXCPU:
        return f"The script ran longer than {LIMITS.cpu_seconds:g} s and was stopped."
    return "The script's process stopped unexpectedly (too much memory?) and was replaced."


class Pool:
    """At most `LIMITS.processes` warm children, handed to one thread at a time."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._idle: list[Child] = []
        self._count = 0
        self._pid = os.getpid()
        self.started = 0  # children started, for tests and the benchmark

    def _forked(self) -> None:
        if os.getpid() != self._pid:  # a forked server: the children are the parent's
            self._idle, self._count, self._pid = [], 0, os.getpid()

    def _checkout(self, deadline: float) -> Child:
        with self._lock:
            self._forked()
            while True:
                while self._idle:
                    child = self._idle.pop()
                    if child.memory_bytes == LIMITS.max_memory_bytes:
                        return child
                    self._count -= 1
                    child.kill()  # started with other limits
                if self._count < LIMITS.processes:
                    self._count += 1
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ScriptRejected("Every script process is busy; try again shortly.")
                self._lock.wait(left)
        try:
            child = Child(LIMITS.max_memory_bytes)
        except (OSError, wire.Broken, TimeoutError, EOFError) as err:
            self._release(None)
            raise ScriptRejected("A script process could not be started.") from err
        with self._lock:
            self.started += 1
        return child

    def _release(self, child: Child | None, keep: bool = False) -> None:
        with self._lock:
            if keep and child is not None and os.getpid() == self._pid:
                self._idle.append(child)
            else:
                self._count -= 1
            self._lock.notify()
        if child is not None and not keep:
            child.kill()

    def call(self, request: tuple[Any, ...]) -> Any:
        """Send one request to a child and return its reply tuple."""
        wall = max(LIMITS.wall_seconds, LIMITS.cpu_seconds + 1)
        deadline = time.monotonic() + wall
        message = wire.dumps(request)
        limit = 8 * (len(message) + LIMITS.max_output_bytes) + 2**20
        child = self._checkout(deadline)
        keep = False
        try:
            retire, reply = child.ask(message, deadline, limit)
            keep = not retire
            return reply
        except TimeoutError:
            raise ScriptRejected(
                f"The script took longer than {wall:g} s and was stopped."
            ) from None
        except (wire.Broken, OSError, EOFError, ValueError) as err:
            status = child.kill()
            raise ScriptRejected(_death(status)) from err
        except Exception as err:  # an unpickling refusal: the child is not to be trusted
            raise ScriptRejected("A script process sent something unexpected.") from err
        finally:
            self._release(child, keep)

    def shutdown(self) -> None:
        """Stop every idle child (at interpreter exit, or when a test wants a fresh pool)."""
        with self._lock:
            idle, self._idle = self._idle, []
            if os.getpid() == self._pid:
                self._count -= len(idle)
            else:
                idle = []
        for child in idle:
            child.kill()


POOL = Pool()
atexit.register(POOL.shutdown)
