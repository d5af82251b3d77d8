"""Recurring work in the tick: run each due period once, then hand the invoices over.

`run_due_work` makes every due run in its own transaction (a run that fails is rolled back
and tried again on a later tick; a second worker's run of the same period fails on the
unique run row and is dropped). `send_invoices` hands ready invoices to the adapter after
commit, one short transaction per invoice for the result.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import Flask
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from designer.integrations.invoice import invoice_adapter
from designer.models import Invoice, retry_pause, utcnow
from designer.services.subscriptions import invoicing
from designer.services.subscriptions.invoices import MAX_ATTEMPTS
from engine.models import ProcessModel

log = logging.getLogger(__name__)
BATCH = 200


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
    """Hand the due invoices to the invoice adapter; return how many went."""
    from designer.worker.tick import sessions_of

    now = now or utcnow()
    adapter = invoice_adapter(app)
    sent = 0
    with sessions_of(app)() as session:
        rows = list(
            session.scalars(
                select(Invoice)
                .where(
                    Invoice.status.in_(("ready", "failed")),
                    or_(Invoice.next_attempt_at.is_(None), Invoice.next_attempt_at <= now),
                    Invoice.attempts < MAX_ATTEMPTS,
                )
                .order_by(Invoice.id)
                .limit(BATCH)
            )
        )
        for row in rows:
            message = {
                "reference": row.reference,
                "period": row.period,
                "recipient": row.recipient,
                "amount": str(row.amount),
                "lines": row.lines,
            }
            row.attempts += 1
            try:
                receipt = adapter.send_invoice(message)
            except Exception as err:  # the adapter's failure: try again later
                row.status, row.last_error = "failed", str(err)[:500]
                row.next_attempt_at = now + retry_pause(row.attempts)
            else:
                row.status, row.receipt, row.sent_at = "sent", receipt, now
                sent += 1
            session.commit()
    return sent
