"""What goes between the server and a sandbox process: framed pickles, read back safely.

Requests (server -> child) are trusted data. Replies (child -> server) come from a
process that runs untrusted code, so they are unpickled with an allowlist of
classes (the value types case data holds) and a size bound, and errors come back
as a class name from an allowlist, plain arguments and the script's line.
"""

from __future__ import annotations

import builtins
import datetime as _dt
import decimal
import io
import json
import os
import pickle
import re
import select
import struct
import time
from typing import Any

from .limits import AttributeRejected, ImportRejected, NameRejected, ScriptRejected

_HEADER = struct.Struct("!Q")
PROTOCOL = 5

_CLASSES = {
    ("datetime", "date"): _dt.date,
    ("datetime", "datetime"): _dt.datetime,
    ("datetime", "time"): _dt.time,
    ("datetime", "timedelta"): _dt.timedelta,
    ("datetime", "timezone"): _dt.timezone,
    ("decimal", "Decimal"): decimal.Decimal,
    ("builtins", "bytearray"): bytearray,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("builtins", "complex"): complex,
}
try:
    import uuid

    _CLASSES[("uuid", "UUID")] = uuid.UUID
    _CLASSES[("uuid", "SafeUUID")] = uuid.SafeUUID
except ImportError:  # pragma: no cover
    pass

_ERRORS: dict[str, type[BaseException]] = {
    cls.__name__: cls for cls in (ScriptRejected, ImportRejected, NameRejected, AttributeRejected)
}
_ERRORS.update(
    (name, value)
    for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, Exception)
)
_ERRORS.update(
    (name, getattr(decimal, name))
    for name in dir(decimal)
    if isinstance(getattr(decimal, name), type) and issubclass(getattr(decimal, name), Exception)
)
_ERRORS["error"] = re.error
_ERRORS["JSONDecodeError"] = json.JSONDecodeError


class Broken(Exception):
    """The other side closed the pipe, sent too much, or did not answer in time."""


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        try:
            return _CLASSES[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"{module}.{name} is not case data") from None


def dumps(value: Any) -> bytes:
    """One framed message."""
    body = pickle.dumps(value, protocol=PROTOCOL)
    return _HEADER.pack(len(body)) + body


def safe_loads(body: bytes) -> Any:
    """Unpickle a reply: only the value types of case data are built."""
    return _Unpickler(io.BytesIO(body)).load()


def write(fd: int, data: bytes) -> None:
    """Write all of `data` (blocking)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _read_exact(fd: int, count: int, deadline: float | None) -> bytes:
    parts: list[bytes] = []
    poller = select.poll() if deadline is not None else None
    if poller is not None:
        poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
    while count:
        if poller is not None and deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not poller.poll(left * 1000):
                raise TimeoutError
        chunk = os.read(fd, min(count, 1 << 20))
        if not chunk:
            raise Broken("closed")
        parts.append(chunk)
        count -= len(chunk)
    return b"".join(parts)


def read(fd: int, *, deadline: float | None = None, limit: int | None = None) -> bytes:
    """One framed message's body; TimeoutError after `deadline`, Broken if too big."""
    (size,) = _HEADER.unpack(_read_exact(fd, _HEADER.size, deadline))
    if limit is not None and size > limit:
        raise Broken(f"a reply of {size:,} bytes")
    return _read_exact(fd, size, deadline)


def _plain_arg(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)


def error_reply(err: BaseException, line: int) -> tuple[Any, ...]:
    """An error as the child sends it: ("error", class name, args, line, NameError.name)."""
    name = type(err).__name__ if _ERRORS.get(type(err).__name__) is type(err) else "Exception"
    args = tuple(_plain_arg(a) for a in err.args)
    if not args:
        args = (str(err),) if str(err) else ()
    return ("error", name, args, line, _plain_arg(getattr(err, "name", None)))


def rebuild_error(name: Any, args: Any, missing: Any) -> BaseException:
    """The exception a child reported, as an instance of an allowed class."""
    cls = _ERRORS.get(name) if isinstance(name, str) else None
    args = tuple(a for a in args if isinstance(a, (str, int, float, bool, type(None))))
    if cls is None:
        return ScriptRejected(str(args[0]) if args else "The script failed.")
    err: BaseException
    try:
        err = cls(*args)
    except Exception:  # a class with other arguments (UnicodeDecodeError, JSONDecodeError)
        err = ValueError(*args[:1]) if issubclass(cls, ValueError) else Exception(*args[:1])
    if isinstance(err, NameError) and isinstance(missing, str):
        err.name = missing
    return err
