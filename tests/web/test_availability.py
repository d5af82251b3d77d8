"""While two scripts loop in C code, the server answers other requests within a second.

The scripts run through the real engine path (starting cases of a service whose script
task backtracks catastrophically); the request is real HTTP to the app on loopback.
"""

from __future__ import annotations

import dataclasses
import http.client
import threading
import time
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

import designer.models  # noqa: F401 - the app's tables, for the PostgreSQL schema fixture
from designer.extensions import db
from engine import api
from engine.errors import StepFailed
from engine.models import Instance, ProcessVersion, Tenant
from engine.sandbox import LIMITS, Limits
from tests.engine.conftest import install_version
from tests.engine.helpers import process_xml

LOOPS_IN_C = process_xml("""
<bpmn:startEvent id="start" />
<bpmn:scriptTask id="work" name="Work">
  <bpmn:script>import re
m = re.match('(a+)+$', 'a' * 27 + 'b')</bpmn:script>
</bpmn:scriptTask>
<bpmn:endEvent id="end" />
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />
<bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end" />
""")


@pytest.fixture
def limits() -> Iterator[Limits]:
    saved = dataclasses.replace(LIMITS)
    api.configure_sandbox(cpu_seconds=2, wall_seconds=3)
    yield LIMITS
    for field in dataclasses.fields(Limits):
        setattr(LIMITS, field.name, getattr(saved, field.name))


@pytest.fixture
def port(app: Flask) -> Iterator[int]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    thread.join(timeout=5)


def _timed_get(port: int) -> tuple[int, float]:
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", "/")
        status = connection.getresponse().status
    finally:
        connection.close()
    return status, time.monotonic() - started


def test_the_server_answers_while_two_scripts_loop_in_c(
    app: Flask, port: int, limits: Limits
) -> None:
    with app.app_context():
        tenant_id = db.session.scalars(select(Tenant.id).order_by(Tenant.id)).first()
        assert tenant_id is not None
        version_id = install_version(db.session, tenant_id, LOOPS_IN_C, key="loops").id
    _timed_get(port)  # the first request pays for templates and caches
    failed: list[StepFailed] = []

    def start_case() -> None:
        with app.app_context():
            version = db.session.get(ProcessVersion, version_id)
            try:
                api.start(db.session, version, data={"n": 1}, actor="kari")
            except StepFailed as err:
                failed.append(err)

    starters = [threading.Thread(target=start_case) for _ in range(2)]
    began = time.monotonic()
    for starter in starters:
        starter.start()
    times = []
    time.sleep(0.3)
    while any(s.is_alive() for s in starters) and time.monotonic() - began < 15:
        status, seconds = _timed_get(port)
        assert status == 200
        times.append(seconds)
        time.sleep(0.1)
    for starter in starters:
        starter.join(timeout=30)
    assert times, "the scripts ended before any request was made"
    assert max(times) < 1.0, times
    assert len(failed) == 2 and all("longer than" in f.message for f in failed)
    with app.app_context():
        statuses = db.session.scalars(
            select(Instance.status).where(Instance.version_id == version_id)
        ).all()
    assert statuses == ["incident", "incident"]
