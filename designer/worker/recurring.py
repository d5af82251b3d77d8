"""Recurring work in the tick: run each due period once, then hand the invoices over.

`run_due_work` makes every due run in its own transaction (a run that fails is rolled back
and tried again on a later tick; a second worker's run of the same period fails on the
unique run row and is dropped). `send_invoices` hands ready invoices to the adapter after
commit: each is claimed first in a committed update, then sent, then its result committed.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from designer.integrations.invoice import invoice_adapter
from designer.models import Invoice, SubmissionKey, retry_pause, utcnow
from designer.notify.invoices import notify_given_up
from designer.services.subscriptions import invoices, invoicing
from designer.services.subscriptions.invoices import MAX_ATTEMPTS, update_as_read
from engine.api import begin_write
from engine.models import ProcessModel

log = logging.getLogger(__name__)
BATCH = 200
SEND_LEASE = timedelta(minutes=10)  # a claim older than this (a crashed worker) is free


def run_due_work(app: Flask, now: datetime | None = None) -> list[str]:
    """Make every due period's run; return "service:work:period" of those made."""
    from designer.worker.tick import sessions_of

    now = now or utcnow()
    made = []
    with sessions_of(app)() as session, app.app_context():
        todo = [(m.id, w, p) for m, w, p in invoicing.due(session, now)]
        session.rollback()
        for model_id, work, period in todo:
            model = session.get(ProcessModel, model_id)
            if model is None:
                continue
            try:
                invoicing.run(session, model, work, period, now)
                session.commit()
                made.append(f"{model.key}:{work.key}:{period}")
            except IntegrityError:
                session.rollback()  # another worker made this period's run
            except Exception as err:  # e.g. no price table: tried again in an hour, not now
                session.rollback()
                log.warning(
                    "recurring work %s of %s failed for %s: %s", work.key, model_id, period, err
                )
                model = session.get(ProcessModel, model_id)
                if model is not None:
                    invoicing.record_failure(session, model, work, period, now)
                    session.commit()
    return made


def send_invoices(app: Flask, now: datetime | None = None) -> int:
    """Hand the due invoices to the invoice adapter; return how many went.

    Any number of workers may tick at once: each invoice is claimed first (status "sending"
    until a lease ends, committed), so only the worker that claimed it sends it, and its
    result is written only while the claim is still its own; one whose worker died while
    sending is free again when its lease ends (at least once, never by two at a time).
    A batch stops before it could outlast a lease.
    """
    from designer.worker.tick import sessions_of

    now = now or utcnow()
    adapter = invoice_adapter(app)
    sent = 0
    given_up: dict[tuple[int, str], int] = {}  # (service, month) -> invoices given up now
    started = time.monotonic()
    with sessions_of(app)() as session:
        rows = list(
            session.scalars(select(Invoice).where(*due(now)).order_by(Invoice.id).limit(BATCH))
        )
        session.commit()  # the list read ends here: each claim is a transaction of its own
        for row in rows:
            if time.monotonic() - started > SEND_LEASE.total_seconds() / 2:
                break  # the rest on the next tick, with leases of their own
            # The lease counts from the claim (a tick's `now` is its start, or a test's clock).
            moment = max(now, utcnow())
            if not claim(session, row, moment):
                continue  # another worker has it
            message = {
                "reference": row.reference,
                "period": row.period,
                "recipient": row.recipient,
                "amount": str(row.amount),
                "lines": row.lines,
            }
            try:
                receipt = adapter.send_invoice(message)
            except Exception as err:  # the adapter's failure: try again later
                pause = retry_pause(row.attempts)
                values: dict[str, Any] = {"status": "failed", "last_error": str(err)[:500]}
                values["next_attempt_at"] = max(now, utcnow()) + pause
            else:
                values = {"status": "sent", "receipt": receipt, "sent_at": max(now, utcnow())}
            if finish(session, row, values):
                sent += values["status"] == "sent"
                if values["status"] == "failed" and row.attempts >= MAX_ATTEMPTS:
                    key = (row.model_id, row.period)
                    given_up[key] = given_up.get(key, 0) + 1
        if given_up:
            with app.app_context():  # the e-mails' templates and texts
                tell_given_up(session, given_up)
    return sent


def tell_given_up(session: Session, given_up: dict[tuple[int, str], int]) -> None:
    """E-mail the staff of each service whose invoices of a month were given up just now:
    once a day per service and month, whichever worker gets there first (a unique marker
    row claims it), with the month's count as it stands."""
    today = utcnow().date().isoformat()
    for model_id, period in sorted(given_up):
        begin_write(session)  # the writer's turn before the first read of this claim
        model = session.get(ProcessModel, model_id)
        if model is None:
            session.rollback()
            continue
        session.add(
            SubmissionKey(
                tenant_id=model.tenant_id,
                scope="notice",
                key=f"invoices_given_up:{model.id}:{period}:{today}",
                owner="system:recurring",
            )
        )
        try:
            session.flush()
        except IntegrityError:  # told today already (or another worker is telling)
            session.rollback()
            continue
        count = session.scalar(
            select(func.count(Invoice.id)).where(
                Invoice.model_id == model.id,
                Invoice.period == period,
                Invoice.status == "failed",
                Invoice.attempts >= MAX_ATTEMPTS,
            )
        )
        notify_given_up(session, model, period, int(count or 0), invoices.staff_of(session, model))
        session.commit()


def finish(session: Session, row: Invoice, values: dict[str, Any]) -> bool:
    """Write the result while the claim is still this worker's (committed); False when its
    lease ran out and another worker took the invoice (whose result then stands)."""
    done = update_as_read(session, row, **values)  # row: as claimed ("sending", attempts)
    session.commit()
    if not done:
        log.warning("invoice %s: the claim ran out before the result came; not written", row.id)
    return done


def due(now: datetime) -> tuple[Any, ...]:
    """The conditions of an invoice to send now: not sent, its pause or lease over, tries left."""
    return (
        Invoice.status.in_(("ready", "failed", "sending")),
        or_(Invoice.next_attempt_at.is_(None), Invoice.next_attempt_at <= now),
        Invoice.attempts < MAX_ATTEMPTS,
    )


def claim(session: Session, row: Invoice, now: datetime) -> bool:
    """Take the invoice as it was read (committed), or False when another worker did."""
    taken = update_as_read(
        session,
        row,
        *due(now),  # as it is now: a claimed one is not due until its lease ends
        status="sending",
        attempts=row.attempts + 1,
        next_attempt_at=now + SEND_LEASE,
    )
    session.commit()
    if taken:
        session.refresh(row)
    return taken
