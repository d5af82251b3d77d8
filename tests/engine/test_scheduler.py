"""Timers: a boundary timer escalates a late task to the team lead, exactly once."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from engine import runtime, scheduler
from engine.models import Instance, utcnow
from tests.engine.conftest import Install
from tests.engine.helpers import DATA, events_of, open_tasks

ESCALATION = (DATA / "engine" / "escalation.bpmn").read_text(encoding="utf-8")


def test_late_review_escalates_to_the_team_lead_group(
    session: Session, sessions: sessionmaker[Session], install: Install, tenant_id: int
) -> None:
    version = install(ESCALATION, key="escalation")
    instance = runtime.start(session, version, data={"escalate_after": "P3D"}, actor="kari")
    due = instance.next_timer_at
    assert due is not None and timedelta(days=2.9) < due - utcnow() < timedelta(days=3.1)
    assert scheduler.run_once(sessions, now=utcnow()) == 0  # not due yet
    assert scheduler.run_once(sessions, now=due + timedelta(seconds=1)) == 1
    session.expire_all()
    tasks = {t.element_id: t.lane for t in open_tasks(session, instance.id)}
    assert tasks == {"review": "Saksbehandler", "follow_up": "Teamleder"}  # non-interrupting
    kinds = [e[0] for e in events_of(session, instance.id)]
    assert kinds.count("timer") == 1
    row = session.get(Instance, instance.id)
    assert row is not None and row.next_timer_at is None  # the timer has fired


def test_two_workers_fire_a_timer_exactly_once(
    session: Session, sessions: sessionmaker[Session], install: Install, tenant_id: int
) -> None:
    version = install(ESCALATION, key="escalation")
    instance = runtime.start(session, version, data={"escalate_after": "PT1M"}, actor="kari")
    later = utcnow() + timedelta(minutes=5)
    barrier = threading.Barrier(2)
    fired: list[int] = []

    def worker() -> None:
        barrier.wait()
        fired.append(scheduler.run_once(sessions, now=later))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(fired) == [0, 1]
    session.expire_all()
    assert [e[0] for e in events_of(session, instance.id)].count("timer") == 1
    assert [t.element_id for t in open_tasks(session, instance.id)].count("follow_up") == 1


def test_timers_survive_a_restart(
    session: Session, sessions: sessionmaker[Session], install: Install, tenant_id: int
) -> None:
    version = install(ESCALATION, key="escalation")
    instance = runtime.start(session, version, data={"escalate_after": "PT10M"}, actor="kari")
    runtime.WORKFLOWS.clear()  # a new process knows only what the database holds
    runtime._PARSED.clear()
    assert scheduler.run_once(sessions, now=utcnow() + timedelta(minutes=11)) == 1
    session.expire_all()
    assert "follow_up" in [t.element_id for t in open_tasks(session, instance.id)]


def test_scheduler_thread_stops_cleanly(sessions: sessionmaker[Session]) -> None:
    thread = scheduler.SchedulerThread(sessions, interval=0.01)
    thread.start()
    thread.stop()
    thread.join(timeout=5)
    assert not thread.is_alive()
