"""Retention of closed cases: anonymise the engine's rows of a case, or purge them.

The application decides which cases go and when (its retention rules); these functions do
what that means to the engine's own rows (instance, human_task, event, message_wait,
connector_job), so nothing outside the engine writes them. The application's own rows
(attachments, outbox, audit, ...) stay its job. Both flush and never commit: the caller's
transaction owns the change.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ForeignKey, Table, delete, exists, select, update
from sqlalchemy.orm import Session

from .errors import CONFLICT, Conflict
from .live import key_of, scrub
from .models import Base, ConnectorJob, Event, HumanTask, Instance, MessageWait
from .store import WORKFLOWS
from .transition import add_event

CLOSED = ("completed", "cancelled")
# The engine's rows of a case, the children first: purge deletes exactly these.
CASE_ROWS = tuple(
    str(model.__tablename__) for model in (HumanTask, Event, MessageWait, ConnectorJob)
)
CASE_TABLES = frozenset({Instance.__tablename__, *CASE_ROWS})
"""Names of the tables `purge` empties; rows of any other table that refer to a case are
the application's to delete first."""


def anonymise(
    session: Session,
    instance: Instance,
    *,
    keep_event_keys: frozenset[str],
    keep_notification_keys: frozenset[str],
    keep_result_keys: frozenset[str],
    replace_actor: str | None,
    marker: str,
    marker_summary: dict[str, Any] | None = None,
    actor: str = "system",
) -> Event:
    """Remove the personal content of a closed case from the engine's rows; flush.

    - the workflow state is scrubbed (`scrub`: no task or process data, the case still
      opens) and the live copy dropped;
    - the instance's subject, owner and error are cleared and its result keeps only
      `keep_result_keys`;
    - human tasks lose their subject and saved form; `completed_by` / `assignee` equal to
      the owner become `replace_actor`;
    - event summaries keep only `keep_notification_keys` (kind `notification`) or
      `keep_event_keys` (every other kind); an event by the owner gets `replace_actor`;
    - message waits (their key may be a national id) are deleted, connector jobs lose
      their parameters and last error;
    - an event of kind `marker` by `actor` with `marker_summary` marks the case; returned.

    With `replace_actor` None the actors stay as they are. A case that is not closed is
    refused (`Conflict`, code `conflict`): its workflow still needs its data.
    """
    if instance.status not in CLOSED:
        raise Conflict(
            f"Case {instance.id} is not closed; only closed cases are anonymised.",
            code=CONFLICT,
        )
    owner = instance.owner
    replace = owner is not None and replace_actor is not None
    scrub(session, instance)
    instance.subject, instance.owner, instance.error = "", None, None
    if instance.result is not None:
        instance.result = {k: v for k, v in instance.result.items() if k in keep_result_keys}
    for task in session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)):
        task.subject, task.saved_form = "", None
        if replace and task.completed_by == owner:
            task.completed_by = replace_actor
        if replace and task.assignee == owner:
            task.assignee = replace_actor
    for event in session.scalars(select(Event).where(Event.instance_id == instance.id)):
        keep = keep_notification_keys if event.kind == "notification" else keep_event_keys
        summary = event.summary or {}
        if any(k not in keep for k in summary):
            event.summary = {k: v for k, v in summary.items() if k in keep}
        if replace and event.actor == owner:
            event.actor = str(replace_actor)
    session.execute(delete(MessageWait).where(MessageWait.instance_id == instance.id))
    session.execute(
        update(ConnectorJob)
        .where(ConnectorJob.instance_id == instance.id)
        .values(params={}, last_error=None)
    )
    return add_event(session, instance, actor, marker, summary=dict(marker_summary or {}))


def _to_instance(fk: ForeignKey) -> bool:
    return fk.column.table.name == Instance.__tablename__ and fk.column.name == "id"


def _referring(table: Table) -> bool:
    """True when `table` has a foreign key to instance.id (an application's case rows)."""
    return any(_to_instance(fk) for fk in table.foreign_keys)


def application_tables() -> list[Table]:
    """Tables outside the engine that refer to cases, dependents first (delete in order)."""
    return [
        t
        for t in reversed(Base.metadata.sorted_tables)
        if t.name not in CASE_TABLES and _referring(t)
    ]


def purge(session: Session, instance_ids: Iterable[int]) -> int:
    """Delete cases and every engine row that refers to them; flush; return how many went.

    Rows of the application's tables that refer to the cases must be gone first: while any
    is left nothing is deleted (`Conflict`, code `conflict`). A case that is not closed
    (running, or waiting in an incident) is refused the same way.
    """
    ids = sorted(set(instance_ids))
    if not ids:
        return 0
    session.flush()  # the caller's deletions of its own rows come first
    rows = session.execute(
        select(Instance.id, Instance.status, Instance.created_at).where(Instance.id.in_(ids))
    ).all()
    running = [row.id for row in rows if row.status not in CLOSED]
    if running:
        raise Conflict(
            f"Cases {running} are not closed; only closed cases are purged.", code=CONFLICT
        )
    for table in application_tables():
        column = next(fk.parent for fk in table.foreign_keys if _to_instance(fk))
        if session.scalar(select(exists().where(column.in_(ids)))):
            raise Conflict(
                f"Rows of {table.name} still refer to the cases; delete them first.",
                code=CONFLICT,
            )
    for name in CASE_ROWS:
        rows_of = Base.metadata.tables[name]
        session.execute(delete(rows_of).where(rows_of.c.instance_id.in_(ids)))
    session.execute(
        delete(Instance).where(Instance.id.in_(ids)).execution_options(synchronize_session="fetch")
    )
    for row in rows:  # a live copy of a gone case is never wanted again
        WORKFLOWS.evict(key_of(session, row.id, row.created_at))
    session.flush()
    return len(rows)
