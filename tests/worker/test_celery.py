"""Celery workers: the web process queues connector jobs on Redis; workers run timers and jobs.

The main test starts two real `celery worker` processes on PostgreSQL and Redis and makes them
compete for the same timers and jobs: each must happen exactly once. Tests that need Redis
(127.0.0.1:6379, or FLYTVERK_TEST_REDIS_URL) or PostgreSQL (DATABASE_URL) skip without them,
and fail instead when FLYTVERK_REQUIRE_SERVICES=1 (as on CI's PostgreSQL pass).
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from flask import Flask
from sqlalchemy import func, select

from designer.extensions import db
from designer.models import PaymentOrder
from designer.worker import celery_app as celery_worker
from designer.worker import sessions_of, work_once
from engine import runtime
from engine.models import ConnectorJob, Event, HumanTask, Instance, Tenant, utcnow
from tests.engine.conftest import install_version
from tests.engine.helpers import ENGINE_DATA
from tests.processes.test_leisure_subsidy import _apply

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("FLYTVERK_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
REQUIRED = os.environ.get("FLYTVERK_REQUIRE_SERVICES") == "1"
QUEUE = "celery"  # Celery's default queue: a Redis list in the test's own database
DEADLINE = 60.0
SUCCEEDED = re.compile(r"Task (flytverk\.\w+)\[[^\]]+\] succeeded in [\d.e-]+s: (\S+)")


def _unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"{reason} (FLYTVERK_REQUIRE_SERVICES=1, so this is a failure)")
    pytest.skip(reason)


@pytest.fixture
def postgres_url() -> str:
    """The PostgreSQL URL the test database uses; worker processes need a shared server."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgresql:", "postgresql+", "postgres:")):
        _unavailable("needs DATABASE_URL=postgresql://... (worker processes share one database)")
    return url


@pytest.fixture
def broker() -> Iterator[redis.Redis]:
    """A client of the test's own Redis database, emptied before and after the test."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as err:
        client.close()
        _unavailable(f"needs Redis at {REDIS_URL}: {err}")
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


def _queued(broker: redis.Redis) -> list[tuple[str, list[object]]]:
    """(task name, args) of every message waiting in the queue, oldest first."""
    found = []
    for raw in reversed(broker.lrange(QUEUE, 0, -1)):  # kombu pushes on the left
        message = json.loads(raw)
        assert message["content-type"] == "application/json"
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        found.append((message["headers"]["task"], args))
    return found


def _job_ids(app: Flask, connector: str | None = None) -> list[int]:
    with app.app_context():
        query = select(ConnectorJob.id).order_by(ConnectorJob.id)
        if connector is not None:
            query = query.where(ConnectorJob.connector == connector)
        return list(db.session.scalars(query))


def test_the_celery_settings_are_the_documented_ones(app: Flask) -> None:
    settings = celery_worker.settings({**app.config, "BROKER_URL": REDIS_URL})
    assert settings["broker_url"] == REDIS_URL
    assert (settings["task_serializer"], settings["accept_content"]) == ("json", ["json"])
    assert settings["task_acks_late"] and settings["worker_prefetch_multiplier"] == 1
    tick = settings["beat_schedule"]["flytverk.tick"]
    assert tick["task"] == "flytverk.tick"
    assert tick["schedule"] == float(app.config["SCHEDULER_INTERVAL"])
    daily = settings["beat_schedule"]["flytverk.daily"]  # one beat: retention, digest daily
    assert daily["task"] == "flytverk.daily"
    assert (daily["schedule"].hour, daily["schedule"].minute) == ({2}, {15})
    with pytest.raises(RuntimeError, match="FLYTVERK_BROKER_URL"):
        celery_worker.settings({**app.config, "BROKER_URL": None})


def test_a_committed_job_is_sent_to_the_broker(app: Flask, login_as, broker) -> None:
    app.config["BROKER_URL"] = REDIS_URL
    _apply(login_as("kari"))
    assert _queued(broker) == [("flytverk.run_job", _job_ids(app, "letter"))]


def test_a_broker_that_is_down_fails_no_request_and_the_tick_runs_the_job(
    app: Flask, login_as, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["BROKER_URL"] = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    case_no = _apply(login_as("kari"))  # asserts the redirect to the case page
    letter = _job_ids(app, "letter")
    assert len(letter) == 1
    assert f"could not send job {letter[0]} to the broker" in caplog.text
    assert work_once(app) == 1  # the letter; the payment it queues cannot be sent either
    assert work_once(app) == 1  # the payment
    with app.app_context():
        instance = db.session.scalars(select(Instance).where(Instance.case_no == case_no)).one()
        assert instance.status == "completed"


def _celery(
    arguments: list[str], log_path: Path, database_url: str, **settings: str
) -> subprocess.Popen[bytes]:
    """Start `celery -A designer.worker.celery_app ...` on the test's database and broker."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "FLYTVERK_BROKER_URL": REDIS_URL,
        "FLYTVERK_SECRET_KEY": "test-secret",
        **{f"FLYTVERK_{name}": value for name, value in settings.items()},
    }
    command = [sys.executable, "-m", "celery", "-A", "designer.worker.celery_app", *arguments]
    with open(log_path, "wb") as log:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def _start_worker(name: str, log_path: Path, database_url: str) -> subprocess.Popen[bytes]:
    arguments = [
        "worker",
        "--pool=solo",
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
        "--loglevel=INFO",
        "-n",
        f"{name}@%h",
    ]
    return _celery(arguments, log_path, database_url)


def _stop(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=5)


def _wait_for(what: str, done: Callable[[], bool], logs: list[Path]) -> None:
    """Poll `done` until it holds; fail with the workers' logs at the deadline."""
    deadline = time.monotonic() + DEADLINE
    while not done():
        if time.monotonic() > deadline:
            tails = "\n".join(
                f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in logs
            )
            pytest.fail(f"timed out after {DEADLINE:.0f} s waiting for {what}\n{tails}")
        time.sleep(0.2)


def _successes(log: Path) -> list[tuple[str, str]]:
    """(task name, return value) of every task the worker finished, from its log."""
    return SUCCEEDED.findall(log.read_text(errors="replace"))


def _work_done(successes: list[tuple[str, str]]) -> int:
    """Timers fired plus jobs run, as the worker's tasks reported them."""
    ticks = sum(int(value) for name, value in successes if name == "flytverk.tick")
    jobs = sum(value == "True" for name, value in successes if name == "flytverk.run_job")
    return ticks + jobs


def test_beat_sends_a_tick_every_scheduler_interval(broker, tmp_path: Path) -> None:
    log = tmp_path / "beat.log"
    arguments = ["beat", "--loglevel=INFO", "--schedule", str(tmp_path / "beat-schedule")]
    beat = _celery(arguments, log, f"sqlite:///{tmp_path}/unused.sqlite", SCHEDULER_INTERVAL="1")
    try:
        _wait_for("beat to send two ticks", lambda: broker.llen(QUEUE) >= 2, [log])
    finally:
        _stop([beat])
    assert {name for name, _args in _queued(broker)} == {"flytverk.tick"}
    expiry = [json.loads(raw)["headers"]["expires"] for raw in broker.lrange(QUEUE, 0, -1)]
    assert all(expiry), "a tick nobody took in time must expire, not pile up"


@pytest.mark.postgres
def test_two_celery_workers_fire_every_timer_and_run_every_job_exactly_once(
    postgres_url: str, app: Flask, login_as, broker, tmp_path: Path
) -> None:
    timers, cases, ticks = 12, 8, 10
    logs = [tmp_path / "w1.log", tmp_path / "w2.log"]
    workers: list[subprocess.Popen[bytes]] = []
    try:
        for log in logs:
            workers.append(_start_worker(log.stem, log, postgres_url))

        def ready() -> bool:
            for worker, log in zip(workers, logs, strict=True):
                if worker.poll() is not None:
                    pytest.fail(f"{log.stem} exited with {worker.returncode}:\n{log.read_text()}")
            return all(" ready." in log.read_text(errors="replace") for log in logs)

        _wait_for("both workers to start", ready, logs)

        with app.app_context(), sessions_of(app)() as session:
            tenant_id = session.scalars(
                select(Tenant.id).where(Tenant.slug == app.config["DEFAULT_TENANT"])
            ).one()
            escalation = (ENGINE_DATA / "escalation.bpmn").read_text(encoding="utf-8")
            version = install_version(session, tenant_id, escalation, key="escalation")
            started = [
                runtime.start(session, version, data={"escalate_after": "PT1S"}, actor="kari")
                for _ in range(timers)
            ]
            escalated = [instance.id for instance in started]
            due = max(instance.next_timer_at for instance in started if instance.next_timer_at)

        app.config["BROKER_URL"] = REDIS_URL  # each application sends its letter job now
        kari = login_as("kari")
        case_nos = [_apply(kari) for _ in range(cases)]

        time.sleep(max(0.0, (due - utcnow()).total_seconds()) + 0.1)  # the timers are due
        producer = celery_worker.producer_of(app)
        for _ in range(ticks):
            producer.send_task("flytverk.tick")
        jobs_sent = 0
        for job_id in _job_ids(app) * 2:  # the same job twice: the workers compete for it
            producer.send_task("flytverk.run_job", args=[job_id])
            jobs_sent += 1

        def fired_and_paid() -> bool:
            with app.app_context():
                db.session.expire_all()
                fired = db.session.scalar(
                    select(func.count(func.distinct(Event.instance_id))).where(
                        Event.kind == "timer", Event.instance_id.in_(escalated)
                    )
                )
                completed = db.session.scalar(
                    select(func.count()).where(
                        Instance.case_no.in_(case_nos), Instance.status == "completed"
                    )
                )
                db.session.rollback()
            return fired == timers and completed == cases

        _wait_for("every timer to fire and every case to be paid", fired_and_paid, logs)
        # Every task sent: a letter per application (web), a payment per letter (a worker),
        # and ours. Wait until both workers have finished all of them, so late ones count too.
        sent = cases + cases + ticks + jobs_sent
        _wait_for(
            f"the workers to finish all {sent} tasks",
            lambda: sum(len(_successes(log)) for log in logs) == sent and broker.llen(QUEUE) == 0,
            logs,
        )
    finally:
        _stop(workers)

    with app.app_context():
        db.session.expire_all()
        for instance_id in escalated:
            kinds = db.session.scalars(select(Event.kind).where(Event.instance_id == instance_id))
            assert list(kinds).count("timer") == 1, instance_id
            follow_ups = db.session.scalar(
                select(func.count()).where(
                    HumanTask.instance_id == instance_id, HumanTask.element_id == "follow_up"
                )
            )
            assert follow_ups == 1, instance_id
        for case_no in case_nos:
            instance = db.session.scalars(select(Instance).where(Instance.case_no == case_no)).one()
            assert (instance.status, instance.outcome) == ("completed", "granted"), case_no
            kinds = list(
                db.session.scalars(select(Event.kind).where(Event.instance_id == instance.id))
            )
            assert kinds.count("connector_succeeded") == 2, case_no
            orders = db.session.scalar(
                select(func.count()).where(PaymentOrder.instance_id == instance.id)
            )
            assert orders == 1, case_no
        jobs = db.session.execute(select(ConnectorJob.status, ConnectorJob.attempts)).all()
        assert len(jobs) == 2 * cases
        assert {tuple(job) for job in jobs} == {("done", 1)}  # each job claimed exactly once

    # The workers' own account agrees: together they did each piece of work once, and each
    # of them did some of it.
    done = [_work_done(_successes(log)) for log in logs]
    assert sum(done) == timers + 2 * cases, done
    assert all(count > 0 for count in done), done
