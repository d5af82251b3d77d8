"""The sandbox under every process script: restricted compiling, guards and limits.

- `policy`: RestrictedPython's transformer plus ours (ticks in every loop and
  function, guarded operators and format specs, no classes) and `compile_code`.
- `guards`: what the restricted code calls for attributes, writes, operators,
  formats and size-changing methods.
- `limits`: `ScriptRejected` (every refusal), `LIMITS` / `configure`, the
  per-run CPU-time and memory budget `Run` and the counted (never built) size checks.
- `cheap`: which expressions may run in the server's process.
- `runner`: running compiled code against task data (in a child, or in-process
  when cheap); `child`, `pool`, `wire`: the sandbox processes and their pipes.

`engine.scripting` builds the script environment on top of this package.
"""

from . import runner, wire
from .guards import GUARDS, guard_sub, guarded_format
from .limits import (
    LIMITS,
    AttributeRejected,
    ImportRejected,
    Interrupt,
    Limits,
    NameRejected,
    Run,
    ScriptRejected,
    check_items,
    configure,
    reject,
)
from .policy import FILENAME, Compiled, Mode, compile_code, problems

__all__ = [
    "FILENAME",
    "GUARDS",
    "LIMITS",
    "AttributeRejected",
    "Compiled",
    "ImportRejected",
    "Interrupt",
    "Limits",
    "Mode",
    "NameRejected",
    "Run",
    "ScriptRejected",
    "check_items",
    "compile_code",
    "configure",
    "guard_sub",
    "guarded_format",
    "problems",
    "reject",
    "runner",
    "wire",
]
