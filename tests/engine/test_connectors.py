"""Service tasks: a queued job, a worker's call outside the lock, retries, incidents, actions."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine import jobs, runtime
from engine.connectors import CallContext, ConnectorFailed, HttpConnector, Param, Registry
from engine.errors import Conflict
from engine.models import ConnectorJob, Instance, utcnow
from tests.engine.conftest import Install
from tests.engine.helpers import bpmn_text, events_of, open_tasks
from tests.factories import call_context

SERVICE = bpmn_text("service_task.bpmn")


class Ledger:
    """A payment connector that records orders and fails as often as it is told to."""

    label_nb, label_en = "Hovedbok", "Ledger"
    params = (Param("amount", "Beløp", "Amount"), Param("reference", "Referanse", "Reference"))

    def __init__(self, failures: int = 0, retry: bool = True) -> None:
        self.failures, self.retry = failures, retry
        self.calls: list[tuple[dict[str, Any], CallContext]] = []

    def call(self, params: dict[str, Any], context: CallContext) -> Any:
        self.calls.append((params, context))
        if self.failures:
            self.failures -= 1
            raise ConnectorFailed("the ledger is down", retry=self.retry)
        return {"status": "ordered", "order": len(self.calls)}


def _registry(ledger: Ledger) -> Registry:
    registry = Registry()
    registry.register("ledger", ledger)
    return registry


def _job(session: Session, instance_id: int) -> ConnectorJob:
    session.expire_all()
    return session.scalars(
        select(ConnectorJob).where(ConnectorJob.instance_id == instance_id)
    ).one()


def _start(session: Session, install: Install) -> Instance:
    version = install(SERVICE, key="service")
    return runtime.start(session, version, data={"amount": 150, "who": "kari"}, actor="kari")


def test_a_service_task_waits_for_a_worker_that_calls_its_connector(
    session: Session, sessions: sessionmaker[Session], install: Install, tenant_id: int
) -> None:
    instance = _start(session, install)
    assert instance.status == "running"
    assert open_tasks(session, instance.id) == []  # waiting for the connector, not for people
    job = _job(session, instance.id)
    assert (job.status, job.connector, job.params) == (
        "queued",
        "ledger",
        {"amount": 300, "reference": "REF-kari"},
    )
    ledger = Ledger()
    assert jobs.run_due(sessions, _registry(ledger)) == 1
    params, context = ledger.calls[0]
    assert params == {"amount": 300, "reference": "REF-kari"}
    assert context.case_no == instance.case_no and context.attempt == 1
    assert context.idempotency_key == f"flytverk-{tenant_id}-job-{job.id}"
    assert [t.element_id for t in open_tasks(session, instance.id)] == ["check"]
    data = runtime.current_data(session, session.get(Instance, instance.id))  # type: ignore[arg-type]
    assert data["payment"] == {"status": "ordered", "order": 1} and data["paid"] is True
    assert _job(session, instance.id).status == "done"
    kinds = [kind for kind, _, _ in events_of(session, instance.id)]
    assert kinds.index("connector_queued") < kinds.index("connector_succeeded")
    assert jobs.run_due(sessions, _registry(ledger)) == 0  # nothing runs twice


def test_failures_are_retried_with_backoff_and_every_attempt_is_on_the_case(
    session: Session, sessions: sessionmaker[Session], install: Install, tenant_id: int
) -> None:
    instance = _start(session, install)
    ledger, now = Ledger(failures=2), utcnow()
    registry = _registry(ledger)
    assert jobs.run_due(sessions, registry, now) == 1
    job = _job(session, instance.id)
    assert job.status == "queued" and job.attempts == 1
    assert job.next_attempt_at == now + timedelta(seconds=10)
    assert jobs.run_due(sessions, registry, now + timedelta(seconds=5)) == 0  # backing off
    assert jobs.run_due(sessions, registry, now + timedelta(seconds=10)) == 1
    job = _job(session, instance.id)
    assert job.attempts == 2 and job.next_attempt_at == now + timedelta(seconds=30)
    assert jobs.run_due(sessions, registry, now + timedelta(seconds=30)) == 1
    assert _job(session, instance.id).status == "done"
    failed = [s for kind, _, s in events_of(session, instance.id) if kind == "connector_failed"]
    assert [(s["attempt"], s["of"], s["error"]) for s in failed] == [
        (1, 3, "the ledger is down"),
        (2, 3, "the ledger is down"),
    ]
    assert session.get(Instance, instance.id).status == "running"  # type: ignore[union-attr]


def test_exhausted_attempts_become_an_incident_that_a_retry_ends(
    session: Session, sessions: sessionmaker[Session], install: Install, tenant_id: int
) -> None:
    instance = _start(session, install)
    ledger, now = Ledger(failures=3), utcnow()
    registry = _registry(ledger)
    for seconds in (0, 10, 30):
        assert jobs.run_due(sessions, registry, now + timedelta(seconds=seconds)) == 1
    job = _job(session, instance.id)
    assert (job.status, job.attempts, job.last_error) == ("failed", 3, "the ledger is down")
    row = session.get(Instance, instance.id)
    assert row is not None and row.status == "incident" and "Bestill utbetaling" in row.error
    assert jobs.run_due(sessions, registry, now + timedelta(days=1)) == 0  # waits for people
    jobs.retry(session, tenant_id, job.id, "user:1", now + timedelta(days=1))
    assert session.get(Instance, instance.id).status == "running"  # type: ignore[union-attr]
    assert jobs.run_due(sessions, registry, now + timedelta(days=1)) == 1
    assert [t.element_id for t in open_tasks(session, instance.id)] == ["check"]
    with pytest.raises(Conflict):
        jobs.retry(session, tenant_id, job.id, "user:1")  # done: nothing to retry


def test_a_permanent_failure_is_an_incident_at_once_and_can_continue_with_data(
    session: Session, sessions: sessionmaker[Session], install: Install, tenant_id: int
) -> None:
    instance = _start(session, install)
    assert jobs.run_due(sessions, _registry(Ledger(failures=1, retry=False))) == 1
    job = _job(session, instance.id)
    assert job.status == "failed" and job.attempts == 1
    done = jobs.continue_with(
        session, tenant_id, job.id, {"status": "ordered", "order": "manual-7"}, "user:5"
    )
    assert done is not None and done.status == "running" and done.error is None
    data = runtime.current_data(session, done)
    assert data["payment"]["order"] == "manual-7" and data["paid"] is True
    replaced = [(k, s) for k, _, s in events_of(session, instance.id) if k == "connector_replaced"]
    assert replaced and replaced[0][1]["fields"] == ["order", "status"]
    with pytest.raises(Conflict):
        jobs.continue_with(session, tenant_id, job.id, {}, "user:5")


def test_an_unknown_connector_is_an_incident_not_a_crash(
    session: Session, sessions: sessionmaker[Session], install: Install, tenant_id: int
) -> None:
    instance = _start(session, install)
    assert jobs.run_due(sessions, Registry()) == 1
    # The worker's session changed the row: this session keeps what it committed itself
    # until its next statement (engine.rows.commit_keeping), so read the row as it is now.
    row = session.get(Instance, instance.id, populate_existing=True)
    assert row is not None and row.status == "incident"
    assert "no connector called 'ledger'" in (row.error or "")


def test_two_workers_run_a_job_exactly_once(
    session: Session, sessions: sessionmaker[Session], install: Install, tenant_id: int
) -> None:
    instance = _start(session, install)
    ledger = Ledger()
    registry = _registry(ledger)
    barrier = threading.Barrier(2)
    ran: list[int] = []

    def worker() -> None:
        barrier.wait()
        ran.append(jobs.run_due(sessions, registry))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(ran) == [0, 1] and len(ledger.calls) == 1
    assert [t.element_id for t in open_tasks(session, instance.id)] == ["check"]


def test_a_worker_that_died_mid_call_is_taken_over_after_its_lease(
    session: Session, sessions: sessionmaker[Session], install: Install, tenant_id: int
) -> None:
    instance = _start(session, install)
    job = _job(session, instance.id)
    now = utcnow()
    with sessions() as other:
        assert jobs._claim(other, job.id, now) is not None  # claimed, then the worker died
    ledger = Ledger()
    assert jobs.run_one(sessions, _registry(ledger), job.id, now + timedelta(minutes=1)) is False
    assert jobs.run_due(sessions, _registry(ledger), now + jobs.LEASE + timedelta(seconds=1)) == 1
    assert ledger.calls[0][1].attempt == 2
    assert [t.element_id for t in open_tasks(session, instance.id)] == ["check"]


def test_cancelling_a_case_cancels_its_waiting_job(
    session: Session, sessions: sessionmaker[Session], install: Install, tenant_id: int
) -> None:
    instance = _start(session, install)
    runtime.cancel(session, tenant_id, instance.id, "user:1", "withdrawn")
    assert _job(session, instance.id).status == "cancelled"
    assert jobs.run_due(sessions, _registry(Ledger())) == 0


def test_a_case_in_incident_for_a_script_is_retried_from_its_last_committed_state(
    session: Session, sessions: sessionmaker[Session], install: Install, tenant_id: int
) -> None:
    instance = _start(session, install)
    ledger = Ledger()
    # The post-script fails on an answer without "status": the step is rolled back.
    with sessions() as worker_session:
        job = _job(worker_session, instance.id)
    registry = Registry()

    class Odd(Ledger):
        def call(self, params: dict[str, Any], context: CallContext) -> Any:
            return {"unexpected": True}

    registry.register("ledger", Odd())
    assert jobs.run_due(sessions, registry) == 1
    session.expire_all()
    row = session.get(Instance, instance.id)
    assert row is not None and row.status == "incident" and "KeyError" in (row.error or "")
    assert _job(session, instance.id).status == "failed"
    jobs.retry_incident(session, tenant_id, instance.id, "user:1")
    assert jobs.run_due(sessions, _registry(ledger)) == 1
    assert [t.element_id for t in open_tasks(session, instance.id)] == ["check"]
    assert job.id == _job(session, instance.id).id


class _Handler(BaseHTTPRequestHandler):
    answers: list[tuple[int, bytes]] = []
    seen: list[dict[str, Any]] = []

    def log_message(self, *args: Any) -> None:
        return None

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.seen.append(
            {
                "method": self.command,
                "path": self.path,
                "key": self.headers.get("Idempotency-Key"),
                "body": json.loads(body) if body else None,
            }
        )
        status, payload = self.answers.pop(0) if self.answers else (200, b"{}")
        self.send_response(status)
        if status in (301, 302):
            self.send_header("Location", "http://example.org/elsewhere")
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _answer


@pytest.fixture
def http_server() -> Iterator[str]:
    _Handler.answers, _Handler.seen = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


CONTEXT = call_context(instance_id=2, job_id=3, element_id="pay")


def test_http_connector_posts_json_with_an_idempotency_key(http_server: str) -> None:
    _Handler.answers = [(200, b'{"granted": true}')]
    connector = HttpConnector(["127.0.0.1"], timeout=2, allowed_ports=[_port(http_server)])
    answer = connector.call({"url": http_server + "/check", "body": {"income": 1}}, CONTEXT)
    assert answer == {"granted": True}
    assert _Handler.seen == [
        {"method": "POST", "path": "/check", "key": "flytverk-1-job-3", "body": {"income": 1}}
    ]


@pytest.mark.parametrize(
    ("status", "payload", "retry", "words"),
    [
        (503, b"{}", True, "answered 503"),
        (429, b"{}", True, "answered 429"),
        (404, b"{}", False, "answered 404"),
        (200, b"<html>", False, "did not answer with JSON"),
        (302, b"", False, "answered 302"),
    ],
)
def test_http_connector_failures_say_whether_a_retry_can_help(
    http_server: str, status: int, payload: bytes, retry: bool, words: str
) -> None:
    _Handler.answers = [(status, payload)]
    with pytest.raises(ConnectorFailed) as failed:
        HttpConnector(["127.0.0.1"], timeout=2, allowed_ports=[_port(http_server)]).call(
            {"url": http_server + "/x"}, CONTEXT
        )
    assert failed.value.retry is retry and words in failed.value.message


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org/x",
        "file:///etc/passwd",
        "http://user:pw@127.0.0.1/x",
        "http://127.0.0.1.evil.example/x",
        "gopher://127.0.0.1/x",
        42,
    ],
)
def test_http_connector_calls_only_allowed_hosts(url: Any) -> None:
    with pytest.raises(ConnectorFailed) as failed:
        HttpConnector(["127.0.0.1", "*.kommune.no"]).call({"url": url}, CONTEXT)
    assert failed.value.retry is False


def test_an_unreachable_host_is_retried() -> None:
    with pytest.raises(ConnectorFailed) as failed:
        HttpConnector(["127.0.0.1"], timeout=1, allowed_ports=[9]).call(
            {"url": "http://127.0.0.1:9/x"}, CONTEXT
        )
    assert failed.value.retry is True and "could not be reached" in failed.value.message


def test_wildcard_hosts_match_subdomains_only() -> None:
    from engine.connectors import host_allowed

    assert host_allowed("api.skien.kommune.no", ["*.kommune.no"])
    assert not host_allowed("kommune.no", ["*.kommune.no"])
    assert not host_allowed("evilkommune.no", ["*.kommune.no"])
    assert host_allowed("API.Example.no.", ["api.example.no"])
