"""Case-insensitive search that folds Norwegian letters alike on SQLite and PostgreSQL.

PostgreSQL's lower() knows Æ, Ø and Å; SQLite's is ASCII-only. `install(engine)` gives
every SQLite connection a `lower()` that is Python's, so `folded(column)` means the same
on both and "øystein" finds "Øystein".
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, func
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import ColumnElement


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def install(engine: Engine) -> None:
    """Replace SQLite's ASCII lower() with Python's on every new connection (idempotent)."""
    if engine.dialect.name != "sqlite" or event.contains(engine, "connect", _on_connect):
        return
    event.listen(engine, "connect", _on_connect)
    engine.dispose()  # pooled connections were made without it


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.create_function("lower", 1, _lower, deterministic=True)


def folded(column: Any) -> ColumnElement[Any]:
    """The column lower-cased in the database, Norwegian letters included."""
    return func.lower(column)


def escape(text: str) -> str:
    """`text` for a LIKE with escape '\\': its wildcards escaped."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def pattern(text: str) -> str:
    """`text` lower-cased for a LIKE with escape '\\', its wildcards escaped."""
    return escape(text).lower()


def contains(column: Any, text: str) -> ColumnElement[bool]:
    """`column` contains `text`, ignoring case (Norwegian letters too)."""
    return folded(column).like(f"%{pattern(text)}%", escape="\\")
