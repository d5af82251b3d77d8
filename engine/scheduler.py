"""Background work: fire due timers. In-process thread by default; `flask worker` runs it apart.

Several workers may run at once: each instance is woken under its row lock and only if its
timer is still due, so a timer fires exactly once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import runtime
from .models import Instance, utcnow

log = logging.getLogger(__name__)


def due(session: Session, now: datetime, limit: int = 100) -> list[tuple[int, int]]:
    """(tenant_id, instance_id) of running instances whose next timer is due."""
    rows = session.execute(
        select(Instance.tenant_id, Instance.id)
        .where(Instance.status == "running", Instance.next_timer_at <= now)
        .order_by(Instance.next_timer_at)
        .limit(limit)
    ).all()
    session.rollback()  # end the read before each instance takes its own write lock
    return [(row[0], row[1]) for row in rows]


def run_once(sessions: Callable[[], Session], now: datetime | None = None) -> int:
    """Wake every due instance once; return how many fired."""
    now = now or utcnow()
    fired = 0
    with sessions() as session:
        for tenant_id, instance_id in due(session, now):
            try:
                if runtime.wake(session, tenant_id, instance_id, now) is not None:
                    fired += 1
            except Exception:  # one broken case must not stop the others' timers
                session.rollback()
                log.exception("waking instance %s failed", instance_id)
    return fired


class SchedulerThread(threading.Thread):
    """Calls run_once every `interval` seconds until stopped."""

    def __init__(self, sessions: Callable[[], Session], interval: float = 5.0) -> None:
        super().__init__(name="flytverk-scheduler", daemon=True)
        self.sessions = sessions
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                run_once(self.sessions)
            except Exception:
                log.exception("scheduler tick failed")

    def stop(self) -> None:
        """Ask the thread to finish after its current tick."""
        self.stopped.set()
