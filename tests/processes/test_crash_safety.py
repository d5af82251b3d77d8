"""Crash safety: kill -9 of the web server and the worker under load loses and doubles nothing.

About 100 leisure-fund applications (the clear-grant path: a letter job, then a payment job)
come from several client processes, each a logged-in citizen session on loopback, against
gunicorn and a separate `flask worker`. Mid-load the server is killed with SIGKILL twice and
the worker once, and each is started again. A client whose answer was lost (connection
error, timeout, 5xx) sends the same application again with the same one-time
`submission_key`, until it gets the redirect to its receipt. After the load the worker
drains what is due. Then: every application is one case, each granted case has exactly one
payment order and one letter, and no instance is left running, waiting on a due job or in
incident.

Real processes on one PostgreSQL database (the test's DATABASE_URL): skipped on SQLite, a
failure instead when FLYTVERK_REQUIRE_SERVICES=1 (as on CI's PostgreSQL pass).
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from designer.extensions import db
from designer.integrations.letter import DECISION_KIND_PREFIX
from designer.models import DecisionLetter, OutboxMessage, PaymentOrder, SubmissionKey
from engine.models import ConnectorJob, Instance, ProcessModel, ProcessVersion
from tests.processes import crashload
from tests.processes.crashload import Service

REQUIRED = os.environ.get("FLYTVERK_REQUIRE_SERVICES") == "1"
CLIENTS, PER_CLIENT = 4, 25  # 100 applications
LOAD_SECONDS = 120.0  # the clients' budget; the whole test stays within ~3 minutes
DRAIN_SECONDS = 60.0
# Kill when this many applications are done: server, worker, server.
KILLS = ((15, "server"), (40, "worker"), (65, "server"))


@pytest.fixture
def postgres_url() -> str:
    """The test database's URL: server, worker and test must share one PostgreSQL server."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgresql:", "postgresql+", "postgres:")):
        reason = "needs DATABASE_URL=postgresql://... (server and worker processes share it)"
        if REQUIRED:
            pytest.fail(f"{reason} (FLYTVERK_REQUIRE_SERVICES=1, so this is a failure)")
        pytest.skip(reason)
    return url


@pytest.fixture
def services(postgres_url: str, app: Flask, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """The web server and the worker on the freshly seeded database; killed at the end."""
    env = {
        **os.environ,
        "DATABASE_URL": postgres_url,
        "FLYTVERK_SECRET_KEY": "crash-test-secret",  # sessions outlive a restart
        "FLYTVERK_SCHEDULER": "off",  # the separate worker does the background work
        "FLYTVERK_SCHEDULER_INTERVAL": "0.3",
        "FLYTVERK_JOB_LEASE_SECONDS": "5",  # a job the killed worker held is taken over soon
        "FLYTVERK_SESSION_COOKIE_SECURE": "false",
        # The method of the seeded hashes: a login that rehashes would end the sessions of
        # concurrent logins of the same user (a fault of its own, not what is tested here).
        "FLYTVERK_PASSWORD_METHOD": app.config["PASSWORD_METHOD"],
        "FLYTVERK_BROKER_URL": "",
        "FLASK_APP": "designer",
    }
    env.pop("FLYTVERK_TESTING", None)
    port = crashload.free_port()
    server = Service("server", crashload.gunicorn(port), env, tmp_path)
    worker = Service("worker", crashload.flask_worker(), env, tmp_path)
    try:
        server.start()
        worker.start()
        crashload.wait_until_serving(port, server)
        yield {"port": port, "server": server, "worker": worker}
    finally:
        server.kill()
        worker.kill()


def _job_running(app: Flask) -> bool:
    with app.app_context():
        found = db.session.scalar(
            select(ConnectorJob.id).where(ConnectorJob.status == "running").limit(1)
        )
        db.session.rollback()
    return found is not None


def _last_case(app: Flask) -> int:
    with app.app_context():
        found = db.session.scalar(select(func.max(Instance.id)))
        db.session.rollback()
    return found or 0


def _restart(service: Service, port: int, app: Flask, posting: Any, hold: Any | None) -> None:
    """kill -9 and start again, at a moment that hurts (waiting for it up to 5 s).

    The server dies just after a case has committed while a client's POST awaits its answer
    (the client must post again and get its first case, or the case its post now makes) —
    or, with `hold`, while a client's POST is surely in its hands (the client holds the
    body's last byte until the kill); the worker while it holds a job (the job is taken over
    when its lease runs out, and must not send twice).
    """
    deadline = time.monotonic() + 5
    if service.name == "worker":
        while not _job_running(app) and time.monotonic() < deadline:
            time.sleep(0.002)
    elif hold is not None:
        with hold.get_lock():  # the next client to post holds its request in the server's hands
            hold.value = 1
        while hold.value != 2 and time.monotonic() < deadline:
            time.sleep(0.002)
    else:
        last = _last_case(app)
        while _last_case(app) == last and time.monotonic() < deadline:
            pass
        while posting.value == 0 and time.monotonic() < deadline:  # a POST in flight
            time.sleep(0.0002)
    service.kill()
    if hold is not None:
        with hold.get_lock():  # the held client's last byte goes to a dead server: lost
            hold.value = 0
    time.sleep(0.3)  # the clients meet a dead port for a moment
    service.start()
    if service.name == "server":
        crashload.wait_until_serving(port, service)


def _load(app: Flask, services: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """Run the clients, killing per KILLS as they progress; (outcomes, client failures)."""
    context = multiprocessing.get_context("spawn")  # no fork of the test process
    progress = context.Value("i", 0)
    posting = context.Value("i", 0)  # clients whose POST awaits its answer
    hold = context.Value("i", 0)  # 1: a client should hold its POST; 2: one does (_restart)
    results = context.Queue()
    port = services["port"]
    clients = [
        context.Process(
            target=crashload.run_client,
            args=(port, number, PER_CLIENT, progress, results, LOAD_SECONDS, posting, hold),
            daemon=True,
        )
        for number in range(CLIENTS)
    ]
    outcomes: list[dict[str, Any]] = []
    failures: list[str] = []
    try:
        for client in clients:
            client.start()
        kills = list(KILLS)
        server_killed = False
        reported = 0
        deadline = time.monotonic() + LOAD_SECONDS + 30
        while reported < CLIENTS and time.monotonic() < deadline:
            if kills and progress.value >= kills[0][0]:
                name = kills.pop(0)[1]
                # The first server kill meets a held POST for sure; the later one the
                # moment just after a commit.
                first = name == "server" and not server_killed
                server_killed = server_killed or name == "server"
                _restart(services[name], port, app, posting, hold if first else None)
            try:
                number, found, failure = results.get(timeout=0.1)
            except queue.Empty:  # nobody finished yet
                continue
            reported += 1
            outcomes.extend(found)
            if failure:
                failures.append(f"client {number}: {failure}")
        if reported < CLIENTS:
            failures.append(f"only {reported} of {CLIENTS} clients finished in time")
        if kills:
            failures.append(f"the load ended before the kills {kills}")
    finally:
        for client in clients:
            client.join(timeout=5)
            if client.is_alive():
                client.kill()
                client.join(timeout=5)
    return outcomes, failures


def _drained(app: Flask) -> bool:
    """Every job done and every case of the service finished."""
    with app.app_context():
        open_jobs = db.session.scalar(
            select(func.count()).where(ConnectorJob.status.in_(("queued", "running")))
        )
        unfinished = db.session.scalar(select(func.count()).where(Instance.status != "completed"))
        db.session.rollback()
    return open_jobs == 0 and unfinished == 0


def _drain(app: Flask, services: dict[str, Any]) -> None:
    deadline = time.monotonic() + DRAIN_SECONDS
    worker: Service = services["worker"]
    while not _drained(app):
        if not worker.alive():
            pytest.fail(f"the worker exited\n{worker.tail()}")
        if time.monotonic() > deadline:
            pytest.fail(f"not drained within {DRAIN_SECONDS:.0f} s\n{worker.tail()}")
        time.sleep(0.3)


@pytest.mark.postgres
def test_kill_9_of_server_and_worker_under_load_loses_and_doubles_nothing(
    app: Flask, services: dict[str, Any]
) -> None:
    outcomes, failures = _load(app, services)
    logs = "\n".join(services[name].tail() for name in ("server", "worker"))
    errors = [o for o in outcomes if o["error"] or not o["case_no"]]
    seen = [f"{o['tag']}: {o['error']} (answers {o['answers']})" for o in errors[:5]]
    assert not failures and not errors, "\n".join([*failures, *seen, logs])
    assert len(outcomes) == CLIENTS * PER_CLIENT
    assert services["server"].starts == 3 and services["worker"].starts == 2
    # The kills hit the load: some application lost its answer and was posted again.
    assert any(o["posts_lost"] for o in outcomes), "no POST was in flight at a kill"
    _drain(app, services)

    with app.app_context():
        service_cases = (
            select(Instance)
            .join(ProcessVersion, Instance.version_id == ProcessVersion.id)
            .join(ProcessModel, ProcessVersion.model_id == ProcessModel.id)
            .where(ProcessModel.key == "leisure_subsidy")
        )
        instances = list(db.session.scalars(service_cases))
        by_tag = Counter(instance.subject for instance in instances)
        # 0 duplicated: one case per application (and per submission key), nothing else.
        doubled = {tag: n for tag, n in by_tag.items() if n > 1}
        assert not doubled, doubled
        assert len(instances) == len(outcomes)
        # 0 lost: each receipt the client was sent to is its own application's case.
        case_of = {instance.subject: instance.case_no for instance in instances}
        lost = [o for o in outcomes if case_of.get(o["tag"]) != o["case_no"]]
        assert not lost, lost[:10]
        keys = {
            key: instance_id
            for key, instance_id in db.session.execute(
                select(SubmissionKey.key, SubmissionKey.instance_id)
            )
        }
        ids = {instance.case_no: instance.id for instance in instances}
        assert all(keys.get(o["key"]) == ids[o["case_no"]] for o in outcomes)

        # No stuck instance: all granted and completed, no job open or failed, no timer.
        states = Counter((i.status, i.outcome, i.next_timer_at) for i in instances)
        assert states == {("completed", "granted", None): len(instances)}, states
        jobs = Counter(db.session.scalars(select(ConnectorJob.status)))
        assert jobs == {"done": 2 * len(instances)}, jobs

        # Exactly one payment order, one payment notice (the service's letter task) and one
        # decision letter per granted case; a decision letter the worker has sent is in the
        # outbox once (its adapter is idempotent by the letter's reference).
        orders = Counter(db.session.scalars(select(PaymentOrder.instance_id)))
        kinds = OutboxMessage.kind
        notices = Counter(
            db.session.scalars(
                select(OutboxMessage.instance_id).where(
                    kinds.like("letter:%"), ~kinds.like(f"{DECISION_KIND_PREFIX}%")
                )
            )
        )
        decisions = Counter(
            db.session.scalars(
                select(DecisionLetter.instance_id).where(DecisionLetter.kind == "decision")
            )
        )
        sent = Counter(
            db.session.scalars(
                select(OutboxMessage.instance_id).where(kinds.like(f"{DECISION_KIND_PREFIX}%"))
            )
        )
        for instance in instances:
            assert orders[instance.id] == 1, (instance.case_no, orders[instance.id])
            assert notices[instance.id] == 1, (instance.case_no, notices[instance.id])
            assert decisions[instance.id] == 1, (instance.case_no, decisions[instance.id])
            assert sent[instance.id] <= 1, (instance.case_no, sent[instance.id])
        assert sum(orders.values()) == sum(notices.values()) == len(instances)

        retaken = db.session.scalar(select(func.count()).where(ConnectorJob.attempts > 1))
    lost_answers = sum(o["lost"] for o in outcomes)
    posts = sum(o["posts_lost"] > 0 for o in outcomes)
    receipts = Counter(o["receipt"] or "unread" for o in outcomes)
    print(
        f"crash test: {len(outcomes)} applications, {lost_answers} lost answers retried, "
        f"{posts} applications posted again, receipts {dict(receipts)}, "
        f"{retaken} job(s) run again after the worker's death"
    )
