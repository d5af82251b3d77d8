"""The one script engine: every gateway condition and script goes through here.

Compiled code objects are cached by source text, so evaluating a gateway costs
a dictionary lookup and an `eval`, not a compile. The sandbox (RestrictedPython,
CPU and size limits) plugs into `ScriptEnvironment` and nowhere else.
"""

from __future__ import annotations

import builtins
import datetime as _dt
import decimal
import math
from collections import OrderedDict
from threading import Lock
from types import CodeType, ModuleType
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import (
    BasePythonScriptEngineEnvironment,
)

_ALLOWED_BUILTINS = (
    "abs all any bool dict divmod enumerate filter float format frozenset int "
    "isinstance len list map max min range reversed round set sorted str sum "
    "tuple zip True False None ValueError KeyError TypeError"
).split()

# Modules a script may import, and those the standard library imports lazily on
# its behalf (date.today() imports `time`, strptime imports `_strptime`).
ALLOWED_MODULES = frozenset({"datetime", "decimal", "math", "re", "json", "time", "_strptime"})


def _import(
    name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0
) -> ModuleType:
    if level != 0 or name not in ALLOWED_MODULES:
        raise ImportError(f"Importing '{name}' is not allowed in process scripts.")
    return builtins.__import__(name, globals, locals, fromlist, level)


SAFE_BUILTINS: dict[str, Any] = {name: getattr(builtins, name) for name in _ALLOWED_BUILTINS}
SAFE_BUILTINS["__import__"] = _import

DEFAULT_GLOBALS: dict[str, Any] = {
    "date": _dt.date,
    "datetime": _dt.datetime,
    "timedelta": _dt.timedelta,
    "Decimal": decimal.Decimal,
    "math": math,
}


class CodeCache:
    """A bounded cache of compiled code objects keyed by (mode, source)."""

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._codes: OrderedDict[tuple[str, str], CodeType] = OrderedDict()
        self._lock = Lock()

    def get(self, source: str, mode: str) -> CodeType:
        """Return the compiled code for `source`, compiling it on first use."""
        key = (mode, source)
        with self._lock:
            code = self._codes.get(key)
            if code is not None:
                self._codes.move_to_end(key)
                return code
        code = compile(source, "<string>", mode)
        with self._lock:
            self._codes[key] = code
            if len(self._codes) > self._size:
                self._codes.popitem(last=False)
        return code


def check_syntax(source: str, mode: str) -> SyntaxError | None:
    """Compile `source` without running it; return the SyntaxError if any."""
    try:
        compile(source, "<string>", mode)
    except SyntaxError as err:
        return err
    return None


def _is_data(value: Any) -> bool:
    return not (callable(value) or isinstance(value, ModuleType))


class ScriptEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluates expressions and runs scripts against task data."""

    def __init__(self, environment_globals: dict[str, Any] | None = None) -> None:
        super().__init__(dict(environment_globals or DEFAULT_GLOBALS))
        self.codes = CodeCache()

    def _namespace(
        self, context: dict[str, Any], external: dict[str, Any] | None
    ) -> dict[str, Any]:
        namespace: dict[str, Any] = {"__builtins__": SAFE_BUILTINS}
        namespace.update(self.globals)
        namespace.update(external or {})
        namespace.update(context)
        return namespace

    def evaluate(
        self,
        expression: str,
        context: dict[str, Any],
        external_context: dict[str, Any] | None = None,
    ) -> Any:
        """Evaluate one expression; task data shadows the helper globals."""
        code = self.codes.get(expression.strip(), "eval")
        return eval(code, self._namespace(context, external_context))  # noqa: S307

    def execute(
        self,
        script: str,
        context: dict[str, Any],
        external_context: dict[str, Any] | None = None,
    ) -> bool:
        """Run a script; the variables it leaves behind become task data."""
        code = self.codes.get(script, "exec")
        namespace = self._namespace(context, external_context)
        exec(code, namespace)  # noqa: S102
        helpers = {**self.globals, **(external_context or {})}
        for key, value in namespace.items():
            if key == "__builtins__" or not _is_data(value):
                continue
            if key in helpers and value is helpers[key] and key not in context:
                continue
            context[key] = value
        for key in [k for k in context if k not in namespace]:
            del context[key]
        return True


class ScriptEngine(PythonScriptEngine):
    """SpiffWorkflow's script engine bound to our environment."""

    def __init__(self, environment: ScriptEnvironment | None = None) -> None:
        super().__init__(environment=environment or ScriptEnvironment())

    def validate(self, expression: str) -> None:
        """Raise SyntaxError if the expression does not compile."""
        compile(expression, "<string>", "eval")


SCRIPT_ENGINE = ScriptEngine()
