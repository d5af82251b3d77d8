"""What a script sees: the builtins (with the guards), curated module copies, helpers.

`import x` gives a copy of module x holding only what scripts may use: no
submodules (the real `datetime.sys` leads to `os`), no shared mutable state
(decimal contexts), no sleeping, no unbounded C work (`math.factorial`).
"""

from __future__ import annotations

import builtins
import datetime as _dt
import decimal
import importlib
import json
import math
import re
from collections.abc import Callable
from types import ModuleType
from typing import Any, NoReturn

from .guards import GUARDS, SEQUENCES, guard_sub, guarded_format
from .limits import LIMITS, AttributeRejected, ImportRejected, check_items, check_number, reject

# Modules a script may import, and those the standard library imports lazily on
# its behalf (date.today() imports `time`, strptime imports `_strptime`).
ALLOWED_MODULES = frozenset({"datetime", "decimal", "math", "re", "json", "time", "_strptime"})

_MODULE_NAMES = {
    "datetime": "date datetime time timedelta timezone tzinfo MINYEAR MAXYEAR UTC",
    "decimal": "Decimal DecimalException InvalidOperation DivisionByZero Inexact Rounded "
    "Overflow Underflow ROUND_UP ROUND_DOWN ROUND_CEILING ROUND_FLOOR ROUND_HALF_UP "
    "ROUND_HALF_DOWN ROUND_HALF_EVEN ROUND_05UP",
    "math": "ceil floor trunc sqrt isqrt exp log log10 log2 pow fabs fsum isclose isfinite "
    "isinf isnan copysign fmod modf gcd hypot dist degrees radians sin cos tan asin acos "
    "atan atan2 pi e tau inf nan",
    "re": "compile search match fullmatch split findall finditer escape error Pattern Match "
    "NOFLAG IGNORECASE I MULTILINE M DOTALL S VERBOSE X ASCII A UNICODE U",
    "json": "loads JSONDecodeError",
    "time": "time time_ns monotonic perf_counter gmtime localtime mktime strftime strptime "
    "asctime ctime struct_time timezone altzone daylight tzname",
    "_strptime": "",
}


def _json_dumps(obj: Any, **options: Any) -> str:
    """json.dumps without `cls` and with a bounded indent and separators."""
    if "cls" in options:
        reject("json.dumps(cls=...) is not available in process scripts.")
    padding = [options.get("indent"), *(options.get("separators") or ())]
    if any((len(p) if isinstance(p, str) else p or 0) > 100 for p in padding):
        reject("json.dumps() indent and separators are limited to 100 characters.")
    return json.dumps(obj, **options)


def guarded_range(*args: int) -> range:
    """`range` with at most `max_items` numbers (C code such as sum() cannot be stopped)."""
    numbers = range(*args)
    try:
        check_items(len(numbers))
    except OverflowError:
        check_items(LIMITS.max_items + 1)
    return numbers


def guarded_sum(items: Any, /, start: Any = 0) -> Any:
    """`sum` of numbers; adding up lists or texts is quadratic C work."""
    if isinstance(start, SEQUENCES):
        reject("sum() adds numbers; join texts with ''.join() and lists with a comprehension.")
    return sum(items, start)


def _checked(function: Callable[..., Any]) -> Callable[..., Any]:
    def call(number: Any, *args: Any, **kwargs: Any) -> Any:
        second = args[0] if args else kwargs.get("ndigits", kwargs.get("base"))
        if second is None:  # round(x, 2) stays a Decimal; round(x) and int(x) are ints
            check_number(number)
        return function(number, *args, **kwargs)

    return call


class _CheckedType:
    """A builtin type whose calls are checked first; isinstance() and its attributes work."""

    __slots__ = ("_kind", "_call")

    def __init__(self, kind: type) -> None:
        self._kind, self._call = kind, _checked(kind)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._call(*args, **kwargs) if args else self._kind(**kwargs)

    def __instancecheck__(self, obj: Any) -> bool:
        return isinstance(obj, self._kind)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._kind, name)

    def __repr__(self) -> str:
        return repr(self._kind)


_OVERRIDES: dict[str, dict[str, Any]] = {
    "re": {"sub": guard_sub(re.sub, 1), "subn": guard_sub(re.subn, 1)},
    "json": {"dumps": _json_dumps},
    "math": {name: _checked(getattr(math, name)) for name in ("floor", "ceil", "trunc")},
}


def _module_copy(name: str) -> ModuleType:
    real = importlib.import_module(name)
    copy = ModuleType(name, real.__doc__)
    for attr in _MODULE_NAMES[name].split():
        if hasattr(real, attr):
            setattr(copy, attr, getattr(real, attr))
    copy.__dict__.update(_OVERRIDES.get(name, {}))

    def missing(attr: str) -> NoReturn:
        raise AttributeRejected(f"'{name}.{attr}' is not available in process scripts.")

    copy.__getattr__ = missing  # type: ignore[method-assign]
    return copy


MODULES = {name: _module_copy(name) for name in sorted(ALLOWED_MODULES)}


def _import(
    name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0
) -> ModuleType:
    if level != 0 or name not in ALLOWED_MODULES:
        reject(f"Importing '{name or '.'}' is not allowed in process scripts.", ImportRejected)
    for attr in fromlist or ():
        if attr not in MODULES[name].__dict__:
            reject(f"'{name}.{attr}' is not available in process scripts.", ImportRejected)
    # C code importing lazily (strptime) reads sys.modules after calling this.
    builtins.__import__(name)
    return MODULES[name]


_ALLOWED_BUILTINS = (
    "abs all any bool chr dict divmod enumerate filter float frozenset int isinstance len "
    "list map max min ord repr reversed round set sorted str tuple zip True False None "
    "Exception ArithmeticError AttributeError IndexError KeyError LookupError TypeError "
    "ValueError ZeroDivisionError"
).split()

SAFE_BUILTINS: dict[str, Any] = {name: getattr(builtins, name) for name in _ALLOWED_BUILTINS}
SAFE_BUILTINS.update(GUARDS)
SAFE_BUILTINS.update(
    __import__=_import,
    format=guarded_format,
    range=guarded_range,
    sum=guarded_sum,
    int=_CheckedType(int),
    round=_checked(round),
)
# `print` is rewritten by RestrictedPython into a collector that goes nowhere.
UNAVAILABLE = frozenset(dir(builtins)) - SAFE_BUILTINS.keys() - {"print"}

DEFAULT_GLOBALS: dict[str, Any] = {
    "date": _dt.date,
    "datetime": _dt.datetime,
    "timedelta": _dt.timedelta,
    "Decimal": decimal.Decimal,
    "math": MODULES["math"],
}
