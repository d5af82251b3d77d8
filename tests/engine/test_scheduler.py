"""Timers: a boundary timer escalates a late task to the team lead, exactly once."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from engine import bpmn, runtime, scheduler, schedules
from engine.models import Instance, ProcessVersion, utcnow
from tests.engine.conftest import Install
from tests.engine.helpers import DATA, bpmn_text, events_of, open_tasks

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


def test_an_intermediate_timer_waits_and_an_interrupting_boundary_timer_ends_the_task(
    session: Session, sessions: sessionmaker[Session], install: Install, tenant_id: int
) -> None:
    version = install(bpmn_text("timers.bpmn"), key="timers")
    instance = runtime.start(session, version, data={}, actor="kari")
    assert open_tasks(session, instance.id) == []  # the cooling-off period runs first
    started = instance.created_at
    assert scheduler.run_once(sessions, now=started + timedelta(hours=1)) == 0
    assert scheduler.run_once(sessions, now=started + timedelta(hours=2, seconds=1)) == 1
    session.expire_all()
    assert [t.element_id for t in open_tasks(session, instance.id)] == ["answer"]
    row = session.get(Instance, instance.id)
    assert row is not None and row.next_timer_at is not None
    assert scheduler.run_once(sessions, now=row.next_timer_at + timedelta(seconds=1)) == 1
    session.expire_all()
    row = session.get(Instance, instance.id)
    assert row is not None and (row.status, row.outcome) == ("completed", "expired")
    assert open_tasks(session, instance.id) == []  # the interrupted task is gone


def test_a_timer_start_cycle_runs_the_process_on_schedule_once_per_period(
    session: Session, sessions: sessionmaker[Session], install: Install, tenant_id: int
) -> None:
    version = install(bpmn_text("timer_start.bpmn"), key="reminders")
    assert schedules.starts_on_timer(version)
    instance = schedules.schedule(session, version)
    assert instance is not None and instance.status == "running"
    begun = instance.created_at
    for minute in (1, 2):
        assert scheduler.run_once(sessions, now=begun + timedelta(minutes=minute, seconds=1)) == 1
        assert scheduler.run_once(sessions, now=begun + timedelta(minutes=minute, seconds=2)) == 0
    session.expire_all()
    runs = [e for e in events_of(session, instance.id) if e[:2] == ("step", "remind")]
    assert len(runs) == 2
    row = session.get(Instance, instance.id)
    assert row is not None and row.status == "completed"  # R2: two runs, then done


def test_publishing_a_new_version_replaces_the_waiting_schedule(
    session: Session, sessions: sessionmaker[Session], install: Install, tenant_id: int
) -> None:
    first = install(bpmn_text("timer_start.bpmn"), key="reminders")
    old = schedules.schedule(session, first)
    assert old is not None
    daily = bpmn_text("timer_start.bpmn").replace("R2/PT1M", "R/P1D")
    second = ProcessVersion(
        tenant_id=tenant_id,
        model_id=first.model_id,
        number=2,
        process_id=first.process_id,
        bpmn=daily,
        content_hash=bpmn.parse({"process.bpmn": daily}).content_hash,
    )
    session.add(second)
    session.commit()
    new = schedules.schedule(session, second)
    assert new is not None and new.version_id == second.id
    session.expire_all()
    assert session.get(Instance, old.id).status == "cancelled"  # type: ignore[union-attr]
    assert session.get(Instance, new.id).status == "running"  # type: ignore[union-attr]
    assert schedules.unschedule(session, tenant_id, first.model_id) == 1  # unpublished


def test_a_plain_iso_cycle_as_other_modellers_write_it_runs_six_times_a_day_apart(
    session: Session, sessions: sessionmaker[Session], install: Install, tenant_id: int
) -> None:
    # Unquoted, as Camunda/Bizagi/Signavio write it (issue 13): validated and run as ISO 8601.
    plain = bpmn_text("timer_start.bpmn").replace('"R2/PT1M"', "R6/P1D")
    assert bpmn.validate({"process.bpmn": plain}) == []
    version = install(plain, key="daily_reminders")
    instance = schedules.schedule(session, version)
    assert instance is not None and instance.status == "running"
    begun = instance.created_at
    assert scheduler.run_once(sessions, now=begun + timedelta(hours=23)) == 0
    for day in range(1, 7):
        assert scheduler.run_once(sessions, now=begun + timedelta(days=day, seconds=1)) == 1
        assert scheduler.run_once(sessions, now=begun + timedelta(days=day, seconds=2)) == 0
    assert scheduler.run_once(sessions, now=begun + timedelta(days=8)) == 0  # R6: done
    session.expire_all()
    runs = [e for e in events_of(session, instance.id) if e[:2] == ("step", "remind")]
    assert len(runs) == 6
    row = session.get(Instance, instance.id)
    assert row is not None and row.status == "completed"
