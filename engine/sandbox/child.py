"""A sandbox process: runs untrusted expressions and scripts for the server, one at a time.

Started by `engine.sandbox.pool` as `python -c` with a clean interpreter. It limits
itself with the operating system before taking work — `RLIMIT_AS` (address space:
the interpreter as started plus the memory budget), `RLIMIT_CPU` (a soft limit
per request, a hard one for its life) and `RLIMIT_NOFILE` — then reads framed requests on stdin and
answers on the original stdout (fd 1 is pointed at stderr, so nothing else can
write there). It compiles under the same policy and guards as the server. After a
memory failure, or near its lifetime CPU, it exits and the pool starts another.
"""

from __future__ import annotations

import math
import os
import pickle
import resource
import signal
import sys
import traceback
from collections import OrderedDict
from typing import Any

from . import runner, wire
from .limits import LIMITS, configure
from .policy import FILENAME, Compiled, compile_code
from .sizes import check_value

SLACK_BYTES = 64 * 2**20  # allocator arenas and the reply, beyond the script's budget
LIFETIME_CPU = 600  # seconds of CPU a child may use before it is replaced
NICENESS = 5  # how much lower a child's CPU priority is than the server's
_codes: OrderedDict[tuple[str, str], Compiled] = OrderedDict()


def _address_space() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _cpu_used() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def limit_self(memory_bytes: int) -> int:
    """Set the OS limits for this process's life; the hard CPU limit in seconds.

    The process also runs NICENESS steps below the server, so scripts busy up to their
    deadline take CPU only when the server's requests leave some over."""
    try:
        os.nice(NICENESS)
    except OSError:  # pragma: no cover - lowering one's own priority is always allowed
        pass
    try:
        limit = _address_space() + memory_bytes + SLACK_BYTES
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (OSError, ValueError):  # no /proc: RLIMIT_CPU and the deadline still hold
        pass
    hard = math.ceil(_cpu_used()) + LIFETIME_CPU
    resource.setrlimit(resource.RLIMIT_CPU, (hard, hard))
    resource.setrlimit(resource.RLIMIT_NOFILE, (16, 16))  # pipes, and a module to import
    return hard


def _compiled(source: str, mode: str) -> Compiled:
    key = (mode, source)
    compiled = _codes.get(key)
    if compiled is None:
        compiled = _codes[key] = compile_code(source, "eval" if mode == "eval" else "exec")
        if len(_codes) > 1024:
            _codes.popitem(last=False)
    return compiled


def _line(err: BaseException) -> int:
    frames = [f for f in traceback.extract_tb(err.__traceback__) if f.filename == FILENAME]
    return (frames[-1].lineno or 0) if frames else 0


def handle(request: tuple[Any, ...]) -> tuple[Any, ...]:
    """Run one request: (mode, source, context, external, limits) -> a reply tuple."""
    mode, source, context, external, limits = request
    if limits != (
        LIMITS.cpu_seconds,
        LIMITS.max_output_bytes,
        LIMITS.max_items,
        LIMITS.max_memory_bytes,
    ):
        configure(
            cpu_seconds=limits[0],
            max_output_bytes=limits[1],
            max_items=limits[2],
            max_memory_bytes=limits[3],
        )
    compiled = _compiled(source, mode)
    if mode == "eval":
        value = runner.evaluate(compiled, context, external)
        check_value(value, context)
        return ("ok", value)
    runner.execute(compiled, context, external)
    return ("ok", context)


def serve(inp: int, out: int, hard: int) -> None:
    """Answer requests until the server closes the pipe or this process must retire."""
    while True:
        try:
            body = wire.read(inp)
        except wire.Broken:
            return
        used = _cpu_used()
        soft = min(hard, math.ceil(used + LIMITS.cpu_seconds) + 1)
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
        retire = False
        try:
            reply = handle(pickle.loads(body))  # noqa: S301 - the server's own request
            message = wire.dumps(reply)
        except BaseException as err:  # noqa: B036 - every failure goes back as a reply
            retire = isinstance(err, MemoryError) or "out of memory" in str(err)
            try:
                message = wire.dumps(wire.error_reply(err, _line(err)))
            except BaseException:  # noqa: B036
                message = wire.dumps(("error", "ScriptRejected", ("The script failed.",), 0, None))
        del body
        retire = retire or _cpu_used() + LIMITS.cpu_seconds + 2 > hard
        wire.write(out, wire.dumps(retire) + message)
        if retire:
            return


def main() -> None:
    """Entry point: `python -c "from engine.sandbox.child import main; main()" MEMORY`."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle
    out = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    hard = limit_self(int(sys.argv[1]) if len(sys.argv) > 1 else LIMITS.max_memory_bytes)
    wire.write(out, wire.dumps(("ready", os.getpid())))
    serve(0, out, hard)
