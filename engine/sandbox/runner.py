"""Running compiled restricted code against task data: the part every sandbox process runs.

`evaluate` and `execute` here are what the sandbox child does for a request (and
what the parent does for a provably cheap expression). They apply the guards'
refusals, the per-run budget and the output check; nothing here imports
SpiffWorkflow, so a child starts fast.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, NoReturn

from .limits import Interrupt, NameRejected, Run, ScriptRejected
from .namespace import DEFAULT_GLOBALS, SAFE_BUILTINS, UNAVAILABLE
from .policy import Compiled
from .sizes import check_output, containers_size

RESERVED = ("__builtins__", "_tick_")


def explain(err: BaseException, failure: BaseException | None) -> NoReturn:
    """Raise the refusal behind `err` (the run's first one if the script caught it)."""
    cause = failure or err
    refusal: ScriptRejected | None = None
    if isinstance(cause, ScriptRejected):
        refusal = cause
    elif isinstance(cause, Interrupt):
        refusal = ScriptRejected(str(cause.args[0]))
    elif isinstance(cause, NameError) and cause.name in UNAVAILABLE:
        refusal = NameRejected(f"'{cause.name}' is not available in process scripts.")
    elif isinstance(cause, RecursionError):
        refusal = ScriptRejected("The script called functions too deeply (endless recursion?).")
    elif isinstance(cause, MemoryError):
        refusal = ScriptRejected("The script ran out of memory.")
    if refusal is None:
        raise err
    if refusal is err:
        raise refusal
    raise refusal.with_traceback(cause.__traceback__) from err


def run(compiled: Compiled, namespace: dict[str, Any], track: bool) -> Any:
    """Run code; `track` keeps the first refusal even if the script catches it."""
    if not (track or compiled.budgeted):  # a plain expression: nothing to measure
        try:
            return eval(compiled.code, namespace)  # noqa: S307
        except (NameError, RecursionError, MemoryError) as err:
            explain(err, None)
    with Run(compiled.budgeted) as current:
        if compiled.budgeted:
            namespace["_tick_"] = current.tick
        try:
            result = eval(compiled.code, namespace)  # noqa: S307
        except BaseException as err:  # Interrupt is one; others pass through explain
            explain(err, current.failure)
    if current.failure is not None:
        explain(current.failure, current.failure)
    return result


def namespace(
    helpers: dict[str, Any], context: dict[str, Any], external: dict[str, Any] | None
) -> dict[str, Any]:
    """Task data shadows the helpers; nothing shadows the builtins (and guards)."""
    return {**helpers, **(external or {}), **context, "__builtins__": SAFE_BUILTINS}


def _is_data(value: Any) -> bool:
    return not (callable(value) or isinstance(value, ModuleType))


def evaluate(
    compiled: Compiled,
    context: dict[str, Any],
    external: dict[str, Any] | None,
    helpers: dict[str, Any] = DEFAULT_GLOBALS,
) -> Any:
    """The value of a compiled expression."""
    return run(compiled, namespace(helpers, context, external), track=False)


def execute(
    compiled: Compiled,
    context: dict[str, Any],
    external: dict[str, Any] | None,
    helpers: dict[str, Any] = DEFAULT_GLOBALS,
) -> None:
    """Run a compiled script; `context` becomes the data it leaves (checked first)."""
    names = namespace(helpers, context, external)
    before = containers_size(context)
    run(compiled, names, track=True)
    shadowed = {**helpers, **(external or {})}
    results = {}
    for key, value in names.items():
        if key in RESERVED or not _is_data(value):
            continue
        if key in shadowed and value is shadowed[key] and key not in context:
            continue
        results[key] = value
    check_output(results, context, before)
    for key in [k for k in context if k not in names]:
        del context[key]
    context.update(results)
