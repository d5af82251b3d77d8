"""Daily jobs run once per installation: a lease row decides, however many processes tick."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from designer.extensions import db
from designer.models import WorkerLease
from designer.worker import leases, run_daily
from designer.worker.daily import DAY, HOLD
from engine.models import utcnow

COMPETITORS = 6


def _sessions(app: Flask) -> sessionmaker[Session]:
    with app.app_context():
        return sessionmaker(bind=db.engine, expire_on_commit=False)


def _race(count: int, work: Any) -> list[Any]:
    """Run `work(i)` in `count` threads released at the same moment; return their results."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = work(i)
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def test_a_lease_is_won_once_a_day(app: Flask) -> None:
    now = utcnow()
    with _sessions(app)() as session:
        claim = lambda at: leases.claim(session, "x", "me", at, every=DAY, hold=HOLD)  # noqa: E731
        assert claim(now)
        assert not claim(now + timedelta(minutes=5))  # held while it runs
        leases.finish(session, "x", "me", now)
        assert not claim(now + timedelta(hours=23))  # ran today
        assert claim(now + DAY)
        row = session.get(WorkerLease, "x")
        assert row is not None and row.holder == "me" and row.last_run_at == now


def test_a_crashed_holder_is_taken_over_when_its_lease_runs_out(app: Flask) -> None:
    now = utcnow()
    with _sessions(app)() as session:
        assert leases.claim(session, "x", "dead", now, every=DAY, hold=HOLD)
        assert not leases.claim(session, "x", "alive", now + HOLD / 2, every=DAY, hold=HOLD)
        assert leases.claim(session, "x", "alive", now + HOLD * 2, every=DAY, hold=HOLD)


def test_competing_threads_win_the_lease_exactly_once(app: Flask) -> None:
    now, sessions = utcnow(), _sessions(app)

    def claim(i: int) -> bool:
        with sessions() as session:
            return leases.claim(session, "race", f"t{i}", now, every=DAY, hold=HOLD)

    assert sorted(_race(COMPETITORS, claim)) == [False] * (COMPETITORS - 1) + [True]


def test_two_processes_ticking_at_once_run_retention_once(app: Flask) -> None:
    """Before the lease each process ran the daily retention itself (a per-process clock)."""
    now = utcnow()
    ran = _race(COMPETITORS, lambda _i: run_daily(app, now))
    assert sorted(ran) == [[]] * (COMPETITORS - 1) + [["retention"]]
    with app.app_context():
        row = db.session.get(WorkerLease, "retention")
        assert row is not None and row.last_run_at == now and row.leased_until is None
    assert run_daily(app, now + timedelta(hours=1)) == []


def test_the_digest_runs_daily_only_when_switched_on(app: Flask) -> None:
    now = utcnow()
    assert run_daily(app, now) == ["retention"]
    app.config["DIGEST_DAILY"] = True
    assert run_daily(app, now) == ["digest"]
    assert run_daily(app, now + timedelta(minutes=1)) == []
    app.config["RETENTION_DAILY"] = False
    assert run_daily(app, now + DAY) == ["digest"]
