"""Send after commit: the one claim, prepare, send, settle loop of the worker's senders.

The outbox (e-mail), the decision letters and the archive hand-over work alike. A row is
claimed and the claim committed (two workers never take one row; a claim older than the
sender's lease, a worker that died, is free again); what is to be sent is prepared and
committed; it is sent with no transaction open; the result is settled in a second short
transaction. A failed try is tried again after a growing pause
(`designer.models.retry_pause`), up to the sender's limit. The services and notices only
say what is due, what to send and how a result is recorded (they flush, never commit);
the worker owns these transactions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

Payload = TypeVar("Payload")


def due_ids(session: Session, model: Any, due: Sequence[Any], limit: int) -> list[int]:
    """The ids of up to `limit` rows of `model` that are `due`, oldest first; the read ended.

    Each claim that follows is its own short transaction.
    """
    ids = list(session.scalars(select(model.id).where(*due).order_by(model.id).limit(limit)))
    session.rollback()
    return ids


def claim_row(session: Session, model: Any, row_id: int, due: Sequence[Any], now: datetime) -> bool:
    """Claim row `row_id` of `model` if it is still `due`, counting the try; committed.

    The model has `id`, `claimed_at` and `attempts` columns. False when another worker
    claimed it first (or it is no longer due).
    """
    claimed = session.execute(
        update(model)
        .where(model.id == row_id, *due)
        .values(claimed_at=now, attempts=model.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return bool(getattr(claimed, "rowcount", 0) == 1)


def send_each(
    session: Session,
    ids: Iterable[int],
    *,
    claim: Callable[[int], bool],
    prepare: Callable[[Session, int], Payload | None],
    send: Callable[[Payload], Any],
    settle: Callable[[Session, int, Any, Exception | None], bool],
) -> int:
    """Claim, prepare, send and settle each row of `ids`; return how many were sent.

    `prepare` reads (and may write, e.g. a rendered PDF) in a transaction that is committed
    before `send` runs; None skips the row. `send` talks to the outside with no transaction
    open. `settle` records the result, or the error `prepare` or `send` raised, in a fresh
    transaction (a failed `prepare` leaves nothing half-written) and says whether the row
    counts as sent. A database error stops the loop: the claim runs out and a later tick
    tries again. Any other error is the row's failure and never stops the others.
    """
    sent = 0
    for row_id in ids:
        if not claim(row_id):
            continue  # another worker has it
        result: Any = None
        error: Exception | None = None
        try:
            payload = prepare(session, row_id)
            if payload is None:
                session.rollback()
                continue
            session.commit()  # no transaction open while the other side works
            result = send(payload)
        except SQLAlchemyError:
            session.rollback()
            raise
        except Exception as err:  # noqa: BLE001 - recorded by `settle`, tried again later
            error = err
        session.rollback()
        sent += bool(settle(session, row_id, result, error))
        session.commit()
    return sent
