"""The one script engine: every gateway condition and script goes through here.

Code runs in the sandbox (`engine.sandbox`): RestrictedPython with our policy
and guards, curated copies of the allowed modules, a CPU-time and memory budget
and a limit on the data a script writes — in a separate sandbox process with
OS limits, except expressions provably cheap, which run here (see README "Where
scripts run"). Every refusal is a `ScriptRejected` whose message reaches the
incident. Compiled code is cached by source text, so a cheap gateway condition
costs a dictionary lookup and an `eval`, not a compile or a round trip.
"""

from __future__ import annotations

import ast
import pickle
from collections import OrderedDict
from threading import Lock
from typing import Any, NoReturn, cast

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import (
    BasePythonScriptEngineEnvironment,
)

from .sandbox import (
    FILENAME,
    LIMITS,
    Compiled,
    Mode,
    ScriptRejected,
    compile_code,
    configure,
    problems,
    runner,
    wire,
)
from .sandbox.namespace import ALLOWED_MODULES, DEFAULT_GLOBALS, SAFE_BUILTINS, UNAVAILABLE
from .sandbox.pool import POOL

__all__ = [
    "ALLOWED_MODULES",
    "DEFAULT_GLOBALS",
    "SAFE_BUILTINS",
    "SCRIPT_ENGINE",
    "CodeCache",
    "ScriptEngine",
    "ScriptEnvironment",
    "ScriptRejected",
    "check_code",
    "check_syntax",
    "configure",
]


def _mode(mode: str) -> Mode:
    if mode not in ("eval", "exec"):
        raise ValueError(f"mode must be 'eval' or 'exec', not {mode!r}")
    return cast(Mode, mode)


class CodeCache:
    """A bounded cache of compiled (restricted) code keyed by (mode, source)."""

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._codes: OrderedDict[tuple[str, str], Compiled] = OrderedDict()
        self._lock = Lock()

    def get(self, source: str, mode: str) -> Compiled:
        """The compiled code for `source`, compiled on first use.

        Raises SyntaxError, or ScriptRejected for a rule broken at compile time.
        """
        key = (mode, source)
        with self._lock:
            compiled = self._codes.get(key)
            if compiled is not None:
                self._codes.move_to_end(key)
                return compiled
        compiled = compile_code(source, _mode(mode))
        with self._lock:
            self._codes[key] = compiled
            if len(self._codes) > self._size:
                self._codes.popitem(last=False)
        return compiled


def _static_problems(tree: ast.AST) -> list[tuple[int, str]]:
    """Imports outside the allowlist and calls of missing builtins, found before running."""
    names = [n for n in ast.walk(tree) if isinstance(n, ast.Name)]
    bound = {n.id for n in names if not isinstance(n.ctx, ast.Load)}
    bound |= {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    found = []
    for node in ast.walk(tree):
        modules: list[str] = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            modules = ["." * node.level + (node.module or "")]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            name, args = node.func.id, node.args
            if name == "__import__" and args and isinstance(args[0], ast.Constant):
                modules = [str(args[0].value)]
            elif name in UNAVAILABLE and name not in bound:
                found.append((node.lineno, f"'{name}' is not available in process scripts."))
        for module in modules:
            if module not in ALLOWED_MODULES:
                message = f"Importing '{module}' is not allowed in process scripts."
                found.append((getattr(node, "lineno", 1), message))
    return sorted(found)


def code_problems(source: str, mode: str, *, static: bool = True) -> list[tuple[int, str]]:
    """(line, message) of the problems found without running: syntax, rules broken and,
    with `static`, imports outside the allowlist and calls of builtins scripts lack."""
    found = problems(source, _mode(mode))
    if not found and static:
        found = _static_problems(ast.parse(source, FILENAME, mode))
    return found


def check_code(source: str, mode: str) -> str | None:
    """The first problem of `source` for people ("Line 2: ..."), including the static ones."""
    found = code_problems(source, mode)
    return f"Line {found[0][0]}: {found[0][1]}" if found else None


def check_syntax(source: str, mode: str) -> SyntaxError | None:
    """Compile `source` without running it; a SyntaxError for a syntax error or a rule
    the restricted compiler refuses (message in `msg`, line in `lineno`), else None.

    Imports and missing builtins are left to run time (an incident); `check_code`
    reports them too.
    """
    try:
        ast.parse(source, FILENAME, mode)
    except SyntaxError as err:
        return err
    found = code_problems(source, mode, static=False)
    if not found:
        return None
    line, message = found[0]
    lines = source.splitlines()
    text = lines[line - 1] if 0 < line <= len(lines) else None
    return SyntaxError(message, (FILENAME, line, 1, text))


def _raise_at(err: BaseException, line: int) -> NoReturn:
    """Raise `err` with a traceback that ends in the script at `line`, as if it ran here
    (SpiffWorkflow reads the line of a script error from the traceback)."""
    if line <= 0:
        raise err
    code = compile("\n" * (line - 1) + "raise error", FILENAME, "exec")
    exec(code, {"error": err})  # noqa: S102 - our own one-line raise
    raise err  # not reached: the line above raises


def run_in_sandbox(
    mode: str, source: str, context: dict[str, Any], external: dict[str, Any] | None
) -> Any:
    """Run code in a sandbox process; the value (eval) or the new task data (exec)."""
    limits = (
        LIMITS.cpu_seconds,
        LIMITS.max_output_bytes,
        LIMITS.max_items,
        LIMITS.max_memory_bytes,
    )
    try:
        request = (mode, source, context, dict(external or {}), limits)
        reply = POOL.call(request)
    except (pickle.PicklingError, TypeError, AttributeError) as err:
        raise ScriptRejected(f"The case data cannot be passed to the script ({err}).") from err
    if not isinstance(reply, tuple) or not reply:
        raise ScriptRejected("A script process sent something unexpected.")
    if reply[0] == "ok" and len(reply) == 2:
        return reply[1]
    if reply[0] == "error" and len(reply) == 5:
        _raise_at(wire.rebuild_error(reply[1], reply[2], reply[4]), reply[3])
    raise ScriptRejected("A script process sent something unexpected.")


class ScriptEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluates expressions and runs scripts against task data, in the sandbox.

    Provably cheap expressions (`engine.sandbox.cheap`) run here after the guards;
    everything else runs in a sandbox process (`engine.sandbox.pool`), which has the
    default helpers; other `environment_globals` are sent along (they must pickle).
    """

    def __init__(self, environment_globals: dict[str, Any] | None = None) -> None:
        super().__init__(dict(environment_globals or DEFAULT_GLOBALS))
        self.codes = CodeCache()
        self._extra = {
            k: v for k, v in self.globals.items() if DEFAULT_GLOBALS.get(k, self) is not v
        }

    def _external(self, external: dict[str, Any] | None) -> dict[str, Any] | None:
        return {**self._extra, **(external or {})} if self._extra else external

    def evaluate(
        self,
        expression: str,
        context: dict[str, Any],
        external_context: dict[str, Any] | None = None,
    ) -> Any:
        """Evaluate one expression; task data shadows the helper globals."""
        source = expression.strip()
        compiled = self.codes.get(source, "eval")
        if compiled.cheap:
            return runner.evaluate(compiled, context, external_context, self.globals)
        return run_in_sandbox("eval", source, context, self._external(external_context))

    def execute(
        self,
        script: str,
        context: dict[str, Any],
        external_context: dict[str, Any] | None = None,
    ) -> bool:
        """Run a script; the variables it leaves behind become task data."""
        self.codes.get(script, "exec")  # compile errors are found here, the same way
        data = run_in_sandbox("exec", script, context, self._external(external_context))
        if not isinstance(data, dict):
            raise ScriptRejected("A script process sent something unexpected.")
        context.clear()
        context.update(data)
        return True


class ScriptEngine(PythonScriptEngine):
    """SpiffWorkflow's script engine bound to our environment; refusals keep their message."""

    def __init__(self, environment: ScriptEnvironment | None = None) -> None:
        super().__init__(environment=environment or ScriptEnvironment())

    def validate(self, expression: str) -> None:
        """Raise SyntaxError if the expression does not compile under the sandbox's rules."""
        try:
            self.environment.codes.get(expression.strip(), "eval")
        except ScriptRejected as err:
            raise SyntaxError(str(err.args[0])) from err

    def evaluate(self, task: Any, expression: str, external_context: Any = None) -> Any:
        """As SpiffWorkflow's, but a refusal's message becomes the error's message."""
        try:
            return super().evaluate(task, expression, external_context)
        except WorkflowTaskException as err:
            cause = err.__context__
            if isinstance(cause, ScriptRejected):
                message = f"{cause.args[0]} (in the expression '{expression.strip()}')"
                raise WorkflowTaskException(message, task=task, exception=cause) from cause
            raise

    def create_task_exec_exception(self, task: Any, script: str, err: Exception) -> Any:
        """A refusal's message (and line) instead of "ScriptRejected:..."."""
        if not isinstance(err, ScriptRejected):
            return super().create_task_exec_exception(task, script, err)
        line, text = self.get_error_line_number_and_content(script, err)
        where = f" (line {line})" if line else ""
        return WorkflowTaskException(
            f"{err.args[0]}{where}", task=task, exception=err, line_number=line, error_line=text
        )


SCRIPT_ENGINE = ScriptEngine()
