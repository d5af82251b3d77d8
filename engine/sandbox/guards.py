"""Guards the restricted code calls: attributes, writes, operators, formats, sizes.

RestrictedPython rewrites `a.b`, `a[b] = c`, `for`, `x += y` into calls of
`_getattr_`, `_write_`, `_getiter_`, `_inplacevar_` ...; our policy adds
`_add_`, `_mul_`, `_pow_`, `_lshift_`, `_mod_` and `_format_`. Each refuses
before building a value larger than the limits (CPU time cannot stop C code).
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from typing import Any

from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence
from RestrictedPython.transformer import INSPECT_ATTRIBUTES

from .limits import LIMITS, check_items, check_number, reject

SEQUENCES = (str, bytes, bytearray, list, tuple)


def _check_bits(bits: float) -> None:
    if bits > LIMITS.max_int_bits:
        digits = int(LIMITS.max_int_bits * math.log10(2))
        reject(f"The script tried to compute a number of more than {digits:,} digits.")


def _check_add(a: Any, b: Any) -> None:
    if isinstance(a, SEQUENCES) and isinstance(b, SEQUENCES):
        check_items(len(a) + len(b))


def _check_mul(a: Any, b: Any) -> None:
    if isinstance(a, int) and isinstance(b, int):
        _check_bits(a.bit_length() + b.bit_length())
    elif isinstance(a, SEQUENCES) and isinstance(b, int):
        check_items(len(a) * b)
    elif isinstance(b, SEQUENCES) and isinstance(a, int):
        check_items(len(b) * a)


def _check_pow(a: Any, b: Any) -> None:
    if isinstance(a, int) and isinstance(b, int) and b > 0 and abs(a) > 1:
        _check_bits(math.log2(abs(a)) * b)


def _check_lshift(a: Any, b: Any) -> None:
    if isinstance(a, int) and isinstance(b, int) and a and b > 0:
        _check_bits(a.bit_length() + b)


def _check_width(digits: str | None) -> None:
    if digits and digits != "*" and (len(digits) > 9 or int(digits) > LIMITS.max_format_width):
        reject(
            f"The script asked for a field {digits} wide; the limit is {LIMITS.max_format_width}."
        )


_PERCENT = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
_SPEC = re.compile(r"(?:.?[<>=^])?[-+ ]?z?#?0?(\d*)[,_]?(?:\.(\d*))?[a-zA-Z%]?", re.S)


def _check_mod(a: Any, b: Any) -> None:
    if isinstance(a, (bytes, bytearray)):
        a = a.decode("latin-1")
    if isinstance(a, str):
        for match in _PERCENT.finditer(a):
            for digits in match.groups():
                _check_width(digits)
        values = b.values() if isinstance(b, dict) else b if isinstance(b, tuple) else (b,)
        for value in values:
            check_number(value)  # %d converts to int
            if "*" in a and isinstance(value, int):
                _check_width(str(abs(value)))


def guarded_format(value: Any, spec: str = "") -> str:
    """`format()` without field widths or precisions beyond the limit."""
    match = _SPEC.fullmatch(spec) if isinstance(spec, str) else None
    if match:
        _check_width(match[1])
        _check_width(match[2])
    return format(value, spec)


_CONVERSIONS: dict[int, Callable[[Any], str]] = {114: repr, 115: str, 97: ascii}


def _format_value(value: Any, conversion: int, spec: str) -> str:
    return guarded_format(_CONVERSIONS[conversion](value) if conversion > 0 else value, spec)


def _binary(check: Callable[[Any, Any], None], op: Callable[[Any, Any], Any]) -> Any:
    def guarded(a: Any, b: Any) -> Any:
        check(a, b)
        return op(a, b)

    return guarded


_INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "+=": _binary(_check_add, operator.iadd),
    "*=": _binary(_check_mul, operator.imul),
    "**=": _binary(_check_pow, operator.ipow),
    "<<=": _binary(_check_lshift, operator.ilshift),
    "%=": _binary(_check_mod, operator.imod),
    "-=": operator.isub,
    "/=": operator.itruediv,
    "//=": operator.ifloordiv,
    ">>=": operator.irshift,
    "|=": operator.ior,
    "&=": operator.iand,
    "^=": operator.ixor,
    "@=": operator.imatmul,
}


DENIED_ATTRIBUTES = INSPECT_ATTRIBUTES | {"mro", "format", "format_map"}


def attribute_refusal(name: str) -> str | None:
    """Why a script may not use attribute `name`, or None if it may."""
    if name.startswith("_"):
        return f"The script tried to use the private attribute '{name}'."
    if name in ("format", "format_map"):
        return f"str.{name} is not available in process scripts; use an f-string."
    if name in DENIED_ATTRIBUTES:
        return f"The script tried to use '{name}', which process scripts may not touch."
    return None


def _limited(method: Callable[..., Any], size: Callable[..., int]) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        check_items(size(*args, **kwargs))
        return method(*args, **kwargs)

    return call


def _sized_method(obj: Any, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
    """`method` (obj.name) wrapped so that it refuses results beyond `max_items`."""
    if isinstance(obj, (str, bytes, bytearray)):
        n = len(obj)
        if name in ("ljust", "rjust", "center", "zfill"):
            return _limited(method, lambda width, *_: width)
        if name == "expandtabs":
            tabs = obj.count("\t") if isinstance(obj, str) else obj.count(b"\t")
            return _limited(method, lambda tabsize=8: n + tabs * tabsize)
        if name == "replace":
            return _limited(
                method,
                lambda old, new, count=-1: (
                    n + (n + 1 if count < 0 else min(n + 1, count)) * max(0, len(new) - len(old))
                ),
            )
        if name == "translate" and isinstance(obj, str):
            return _limited(
                method,
                lambda t: n * max([len(v) for v in t.values() if isinstance(v, str)] + [1]),
            )
        if name == "join":
            join = _limited(method, lambda items: sum(map(_length, items)) + n * len(items))
            return lambda items: join([*items])
    if type(obj) is list and name == "extend":
        extend = _limited(method, lambda items: len(obj) + len(items))
        return lambda items: extend([*items])
    if isinstance(obj, re.Pattern) and name in ("sub", "subn"):
        return guard_sub(method, 0)
    if isinstance(obj, re.Match) and name == "expand":
        return _limited(method, lambda template: len(template) * (len(obj.string) + 1))
    if isinstance(obj, int) and name == "to_bytes":
        return _limited(method, lambda length=1, *_, **__: length)
    return method


def _length(value: Any) -> int:
    return len(value) if isinstance(value, SEQUENCES) else 0


def guard_sub(method: Callable[..., Any], skip: int) -> Callable[..., Any]:
    """re.sub/subn (skip=1) or Pattern.sub/subn (skip=0) with a bounded result."""

    def sub(*args: Any, **kwargs: Any) -> Any:
        args_list = list(args)
        text = args[skip + 1] if len(args) > skip + 1 else kwargs.get("string", "")
        repl = args[skip] if len(args) > skip else kwargs.get("repl", "")
        if callable(repl):
            made = [0]

            def counted(match: Any) -> Any:
                value = repl(match)
                made[0] += _length(value)
                check_items(made[0])
                return value

            if len(args) > skip:
                args_list[skip] = counted
            else:
                kwargs["repl"] = counted
        elif isinstance(text, SEQUENCES) and isinstance(repl, SEQUENCES):
            check_items(len(text) + 2 * len(repl) * (len(text) + 1))
        return method(*args_list, **kwargs)

    return sub


_SIZED_METHODS = frozenset(
    "ljust rjust center zfill expandtabs replace translate join extend sub subn expand "
    "to_bytes".split()
)


def guarded_getattr(obj: Any, name: str) -> Any:
    """`obj.name` as a script may read it: no private or introspection attributes."""
    refusal = attribute_refusal(name)
    if refusal:
        reject(refusal)
    if name in _SIZED_METHODS:
        return _sized_method(obj, name, getattr(obj, name))
    return getattr(obj, name)


class _ListWriter:
    """A list as scripts change it: slice assignment cannot grow it past the limit."""

    __slots__ = ("target",)

    def __init__(self, target: list[Any]) -> None:
        self.target = target

    def __setitem__(self, key: Any, value: Any) -> None:
        if isinstance(key, slice):
            value = [*value]
            check_items(len(self.target) + len(value))
        self.target[key] = value

    def __delitem__(self, key: Any) -> None:
        del self.target[key]


def guarded_write(obj: Any) -> Any:
    """The target of an item or attribute assignment: only dicts and lists may change."""
    if type(obj) is dict:
        return obj
    if type(obj) is list:
        return _ListWriter(obj)
    reject(f"The script may not change a {type(obj).__name__}; only lists and dicts can change.")


class Printed:
    """`print` in a script: kept (up to the item limit), shown to nobody; `printed` reads it."""

    def __init__(self, _getattr_: Any = None) -> None:
        self.parts: list[str] = []
        self.size = 0

    def write(self, text: str) -> None:
        self.size += len(text)
        check_items(self.size)
        self.parts.append(text)

    def flush(self) -> None:
        """Nothing to flush: the text stays here."""

    def __call__(self) -> str:
        return "".join(self.parts)

    def _call_print(self, *objects: Any, **kwargs: Any) -> None:
        print(*objects, **{**kwargs, "file": self})


GUARDS: dict[str, Any] = {
    "_getattr_": guarded_getattr,
    "_getitem_": operator.getitem,
    "_getiter_": iter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": guarded_write,
    "_apply_": lambda f, *args, **kwargs: f(*args, **kwargs),
    "_inplacevar_": lambda op, x, y: _INPLACE[op](x, y),
    "_print_": Printed,
    "_format_": _format_value,
    "_add_": _binary(_check_add, operator.add),
    "_mul_": _binary(_check_mul, operator.mul),
    "_pow_": _binary(_check_pow, operator.pow),
    "_lshift_": _binary(_check_lshift, operator.lshift),
    "_mod_": _binary(_check_mod, operator.mod),
}
"""Names the restricted code calls; they live in the builtins, where scripts cannot write."""
