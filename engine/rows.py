"""The rows a transition writes on the step path, without the ORM's unit of work.

The ORM's flush of one changed row costs about as much as SpiffWorkflow's whole step, and
a commit expires what was loaded, so the caller's next read of the case is a second SELECT.
Here: the instance row and a completed task are one prebuilt UPDATE each, and the instance
keeps what was committed until the session's next transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, event, insert, inspect, update
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from .errors import CONCURRENT_CHANGE, Conflict
from .models import HumanTask, Instance

KEPT = "flytverk_kept"  # session.info: instances kept loaded across a commit
# The instance columns a transition sets (engine.transact builds their values).
ROW = (
    "status",
    "completed_at",
    "outcome",
    "result",
    "error",
    "state",
    "updated_at",
    "next_timer_at",
)
_COLUMNS = tuple(column.key for column in inspect(Instance).column_attrs)
_INSTANCE = cast(Table, Instance.__table__)
_INSERT_ROW = insert(_INSTANCE)
# What a new row holds where the constructor was given nothing (the columns' defaults).
_NEW: dict[str, Any] = {
    "model_id": None,
    "owner": None,
    "subject": "",
    "is_test": False,
    "version": 1,
}
# The version check is the ORM's (version_id_col): a writer that acted on an old view
# changes no row.
_UPDATE_ROW = (
    update(Instance)
    .where(Instance.id == bindparam("b_id"), Instance.version == bindparam("b_version"))
    .values({**{name: bindparam(f"v_{name}") for name in ROW}, "version": bindparam("b_next")})
    .execution_options(synchronize_session=False)
)
_COMPLETE_TASK = (
    update(HumanTask)
    .where(HumanTask.id == bindparam("b_id"))
    .values(status="completed", completed_by=bindparam("v_by"), completed_at=bindparam("v_at"))
    .execution_options(synchronize_session=False)
)


def write_row(session: Session, instance: Instance, values: dict[str, Any], new: bool) -> None:
    """Write the instance row's `ROW` values: a new row by the ORM, a stored one in one UPDATE.

    After the UPDATE the instance holds the values as committed ones (no history), so a
    later flush writes only what else the caller changed, against the new version.
    """
    state = inspect(instance)
    if new and state.transient:
        _insert(session, instance, values)
        return
    if new or state.pending:
        for name, value in values.items():
            setattr(instance, name, value)
        return
    version = instance.version
    params = {f"v_{name}": values[name] for name in ROW}
    params.update(b_id=instance.id, b_version=version, b_next=version + 1)
    # On the connection, past the ORM's statement handling: the row lock taken before has
    # already marked the transaction as writing (engine.store).
    if session.connection().execute(_UPDATE_ROW, params).rowcount != 1:
        raise Conflict("Someone else changed this case at the same time.", code=CONCURRENT_CHANGE)
    for name in ROW:
        set_committed_value(instance, name, values[name])
    set_committed_value(instance, "version", version + 1)


def _insert(session: Session, instance: Instance, values: dict[str, Any]) -> None:
    """A new instance's row in one Core INSERT; the object joins the session as stored."""
    row: dict[str, Any] = {name: None for name in _COLUMNS if name != "id"}
    row.update(_NEW)
    row.update({k: v for k, v in instance.__dict__.items() if k in row})
    row.update(values)
    result = session.connection().execute(_INSERT_ROW, row)
    instance_id = result.inserted_primary_key[0]  # type: ignore[index]
    for name, value in row.items():
        setattr(instance, name, value)
    instance.id = instance_id
    make_transient_to_detached(instance)  # loaded as from a query: no history to flush
    session.add(instance)


def mark_completed(session: Session, human: HumanTask, actor: str, at: datetime) -> None:
    """Mark a human task completed: one prebuilt UPDATE, the row object kept in step."""
    session.connection().execute(_COMPLETE_TASK, {"b_id": human.id, "v_by": actor, "v_at": at})
    for name, value in (("status", "completed"), ("completed_by", actor), ("completed_at", at)):
        set_committed_value(human, name, value)


def commit_keeping(session: Session, instance: Instance) -> None:
    """Commit; the instance keeps what was committed until the session's next transaction.

    The caller's redirect or receipt reads the case right after a transition: without this
    the commit expires the row and that read is a second SELECT. The session's next
    transaction (its first statement) expires the instance as the commit would have, so what
    is read after that is the row as it is then; an identity-map `get` before any statement
    returns what this session committed.
    """
    loaded = inspect(instance).dict
    kept = {name: loaded[name] for name in _COLUMNS if name in loaded}
    session.commit()
    for name, value in kept.items():
        set_committed_value(instance, name, value)
    session.info.setdefault(KEPT, []).append(instance)


def _begun(session: Session, *_: Any) -> None:
    # A kept instance the caller changed since is left as it is: the change builds on what
    # the caller saw, and its flush checks the version against that.
    for instance in session.info.pop(KEPT, ()):
        if instance in session and not inspect(instance).modified:
            session.expire(instance)


if not event.contains(Session, "after_begin", _begun):
    event.listen(Session, "after_begin", _begun)
