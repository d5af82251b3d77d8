"""The worker tick: timers, connector jobs with the configured lease, then the outbox."""

from __future__ import annotations

import ast
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from designer.extensions import db
from designer.models import OutboxMessage
from designer.notify.mail import enqueue
from designer.worker import connectors_of, sessions_of, work_once
from engine.models import ConnectorJob, Instance, Tenant, utcnow
from tests.notify.test_notify import smtp  # noqa: F401 - the real SMTP server fixture
from tests.processes.test_leisure_subsidy import _apply

WORKER = Path(__file__).resolve().parents[2] / "designer" / "worker"


class Watching:
    """The real letter connector, noting the lease its job holds while it runs."""

    def __init__(self, app: Flask, real: Any) -> None:
        self.app, self.real = app, real
        self.params, self.label_nb, self.label_en = real.params, real.label_nb, real.label_en
        self.seen: list[tuple[datetime, datetime | None]] = []

    def call(self, params: dict[str, Any], context: Any) -> Any:
        with sessions_of(self.app)() as session:
            job = session.get(ConnectorJob, context.job_id)
            assert job is not None
            self.seen.append((utcnow(), job.locked_until))
        return self.real.call(params, context)


def test_a_job_is_leased_for_job_lease_seconds_from_its_claim(app: Flask, login_as: Any) -> None:
    """Before: a fixed 5-minute lease, whatever JOB_LEASE_SECONDS said."""
    app.config["JOB_LEASE_SECONDS"] = 1800
    registry = connectors_of(app)
    watching = Watching(app, registry.get("letter"))
    registry.register("letter", watching)
    _apply(login_as("kari"))
    assert work_once(app) == 1
    [(running_at, locked_until)] = watching.seen
    assert locked_until is not None
    held = (locked_until - running_at).total_seconds()
    assert 1790 < held <= 1800, held


def test_the_tick_sends_the_outbox_after_commit(app: Flask, smtp: Any) -> None:  # noqa: F811
    """Before: notices waited in the outbox for ever unless a request sent them."""
    with app.app_context():
        tenant_id = db.session.scalars(select(Tenant.id).order_by(Tenant.id)).first()
        enqueue(
            db.session,
            "kari@example.no",
            "Vedtak",
            "decision",
            {
                "name": "Kari",
                "case_no": "2026-000001",
                "service": "Test",
                "outcome": "granted",
                "case_url": "https://kommune.example/cases/2026-000001",
            },
            tenant_id=tenant_id,
            instance_id=None,
        )
        db.session.commit()
    assert work_once(app) == 0  # notices are not counted as timers or jobs
    assert smtp.to("kari@example.no")
    with app.app_context():
        [message] = db.session.scalars(select(OutboxMessage)).all()
        assert message.sent_at is not None


def test_a_connector_decision_reaches_the_citizen_through_the_tick(
    app: Flask,
    login_as: Any,
    smtp: Any,  # noqa: F811
) -> None:
    """Kontingentkassa is decided by its payment job; the worker tells Kari and mails it."""
    case_no = _apply(login_as("kari"))
    assert work_once(app) == 1 and work_once(app) == 1  # the letter, then the payment
    work_once(app)  # notices written by the last job's transition go out on this tick at latest
    with app.app_context():
        instance = db.session.scalars(select(Instance).where(Instance.case_no == case_no)).one()
        assert instance.status == "completed"
    assert smtp.to("kari@example.no"), "the citizen was told of the decision"


def _module_imports(path: Path) -> set[str]:
    """designer.worker modules imported at module level (not inside functions)."""
    found = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom) and node.module:
            base = node.module if node.level == 0 else f"designer.worker.{node.module}"
            if base == "designer.worker":
                found |= {f"designer.worker.{alias.name}" for alias in node.names}
            elif base.startswith("designer.worker."):
                found.add(base)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("designer.worker.")}
    return found


def test_no_two_worker_modules_import_each_other() -> None:
    """Before: background imported celery_worker and celery_worker imported background."""
    graph = {
        f"designer.worker.{p.stem}": _module_imports(p)
        for p in WORKER.glob("*.py")
        if p.stem != "__init__"
    }

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in graph.get(start, set()):
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    assert not [m for m in graph if reaches(m, m, set())]
    # Celery is imported only where a broker is used, never by the tick or the thread.
    assert not [m for m, deps in graph.items() if "designer.worker.celery_app" in deps]
