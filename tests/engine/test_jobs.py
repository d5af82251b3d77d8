"""The job worker: leases stamped when a job is claimed, of a chosen length; test runs."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine import jobs, runtime
from engine.connectors import CallContext
from engine.models import ConnectorJob, Instance, ProcessVersion, utcnow
from tests.engine.helpers import Install, open_tasks
from tests.engine.test_connectors import SERVICE, Ledger, _job, _registry


@pytest.fixture
def service(install: Install) -> ProcessVersion:
    """A process that pays through the ledger connector, then a caseworker checks it."""
    return install(SERVICE, key="service")


def _start(session: Session, version: ProcessVersion, *, is_test: bool = False) -> Instance:
    return runtime.start(
        session, version, data={"amount": 150, "who": "kari"}, actor="kari", is_test=is_test
    )


class Clock:
    """A clock the worker reads; each connector call takes `step` of it."""

    def __init__(self, now: datetime, step: timedelta) -> None:
        self.now, self.step = now, step

    def __call__(self) -> datetime:
        return self.now


class SlowLedger(Ledger):
    """Notes the lease its own job holds while the call runs, then takes a while."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        super().__init__()
        self.sessions, self.clock = sessions, clock
        self.leases: list[tuple[datetime, datetime | None]] = []

    def call(self, params: dict[str, Any], context: CallContext) -> Any:
        with self.sessions() as own:
            lease = own.scalar(
                select(ConnectorJob.locked_until).where(ConnectorJob.id == context.job_id)
            )
        self.leases.append((self.clock.now, lease))
        self.clock.now += self.clock.step
        return super().call(params, context)


def test_a_lease_starts_when_its_job_is_claimed_not_when_the_batch_began(
    session: Session,
    sessions: sessionmaker[Session],
    service: ProcessVersion,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    version = service
    for who in ("kari", "ola", "per"):
        runtime.start(session, version, data={"amount": 1, "who": who}, actor=who)
    clock = Clock(utcnow() + timedelta(seconds=1), step=timedelta(minutes=4))
    monkeypatch.setattr(jobs, "utcnow", clock)
    ledger = SlowLedger(sessions, clock)
    assert jobs.run_due(sessions, _registry(ledger)) == 3
    for called_at, lease in ledger.leases:
        assert lease == called_at + jobs.LEASE


def test_the_lease_length_is_a_parameter(
    session: Session, sessions: sessionmaker[Session], service: ProcessVersion
) -> None:
    instance = _start(session, service)
    now = utcnow()
    clock = Clock(now, step=timedelta(0))
    ledger = SlowLedger(sessions, clock)
    assert jobs.run_one(
        sessions, _registry(ledger), _job(session, instance.id).id, now, lease_seconds=30
    )
    assert ledger.leases == [(now, now + timedelta(seconds=30))]
    other = _start(session, service)
    ledger.leases.clear()
    clock.now = later = utcnow()
    assert jobs.run_due(sessions, _registry(ledger), later, lease_seconds=90) == 1
    assert ledger.leases == [(later, later + timedelta(seconds=90))]
    assert [t.element_id for t in open_tasks(session, other.id)] == ["check"]


def test_a_short_lease_lets_another_worker_take_over_sooner(
    session: Session, sessions: sessionmaker[Session], service: ProcessVersion
) -> None:
    instance = _start(session, service)
    job = _job(session, instance.id)
    now = utcnow()
    with sessions() as other:
        assert jobs._claim(other, job.id, now, lease_seconds=10) is not None  # then it died
    ledger = Ledger()
    assert jobs.run_due(sessions, _registry(ledger), now + timedelta(seconds=5)) == 0
    assert jobs.run_due(sessions, _registry(ledger), now + timedelta(seconds=11)) == 1
    assert ledger.calls[0][1].attempt == 2


def test_a_test_run_calls_its_connector_as_a_test(
    session: Session, sessions: sessionmaker[Session], service: ProcessVersion
) -> None:
    instance = _start(session, service, is_test=True)
    assert _job(session, instance.id).is_test
    ledger = Ledger()
    assert jobs.run_due(sessions, _registry(ledger)) == 1
    context = ledger.calls[0][1]
    assert context.is_test and context.case_no == instance.case_no
    assert context.case_no.startswith("TEST-")
    real = _start(session, service)
    assert jobs.run_due(sessions, _registry(ledger)) == 1
    assert not ledger.calls[1][1].is_test and ledger.calls[1][1].case_no == real.case_no
