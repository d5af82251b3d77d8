"""The outbox is sent after commit by the worker: once per message, retried, then given up."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from designer.extensions import db
from designer.models import OutboxMessage
from designer.notify import enqueue
from designer.notify.outbox import MAX_ATTEMPTS
from designer.worker.outbox import deliver_pending
from engine.models import Tenant, utcnow
from tests.notify.test_notify import Collector, _free_port


@pytest.fixture
def smtp(app: Flask) -> Iterator[Collector]:
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=_free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    try:
        yield collector
    finally:
        controller.stop()


def _queue(app: Flask, count: int = 1, **kwargs: str) -> list[int]:
    with app.test_request_context():
        tenant_id = db.session.scalar(select(Tenant.id))
        ids = [
            enqueue(
                db.session,
                f"person{n}@example.no",
                f"Melding {n}",
                "assignment",
                {"name": "Sara", "task_url": kwargs.get("link", "")},
                tenant_id=tenant_id,
                instance_id=None,
                secret=kwargs.get("secret"),
            ).id
            for n in range(count)
        ]
        db.session.commit()
        return ids


def test_nothing_is_sent_inside_the_request_and_nothing_without_a_server(app: Flask) -> None:
    [message_id] = _queue(app)
    with app.app_context():
        assert deliver_pending(db.session, app.config) == 0  # no MAIL_SERVER: kept
        message = db.session.get(OutboxMessage, message_id)
        assert message.status == "outbox" and message.attempts == 0


def test_two_workers_never_send_one_message_twice(app: Flask, smtp: Collector) -> None:
    _queue(app, count=12)
    with app.app_context():
        engine = db.engine
    barrier = threading.Barrier(2)
    sent: list[int] = []

    def worker() -> None:
        with Session(engine) as session:
            barrier.wait()
            sent.append(deliver_pending(session, app.config))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(sent) == 12
    recipients = sorted(r for rcpts, _ in smtp.messages for r in rcpts)
    assert recipients == sorted(f"person{n}@example.no" for n in range(12))
    with app.app_context():
        assert db.session.scalar(select(func.sum(OutboxMessage.attempts))) == 12


def test_a_failure_is_retried_later_then_given_up(app: Flask) -> None:
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_free_port(), MAIL_TIMEOUT=2)
    [message_id] = _queue(app, link="https://x/reset/TOKEN123", secret="TOKEN123")
    now = utcnow()
    with app.app_context():
        assert deliver_pending(db.session, app.config, now=now) == 0
        message = db.session.get(OutboxMessage, message_id)
        assert message.attempts == 1 and "ConnectionRefusedError" in message.error
        retry_at = message.next_attempt_at
        assert retry_at is not None and retry_at > now
        assert "TOKEN123" in message.body_text  # a retry still needs the link
        deliver_pending(db.session, app.config, now=now)  # not due yet: not tried
        assert db.session.get(OutboxMessage, message_id).attempts == 1
        later = now
        for _ in range(MAX_ATTEMPTS):
            later += timedelta(hours=1)
            deliver_pending(db.session, app.config, now=later)
        message = db.session.get(OutboxMessage, message_id)
        assert message.attempts == MAX_ATTEMPTS and message.next_attempt_at is None
        assert message.status == "failed"
        assert "TOKEN123" not in message.body_text  # given up: no working key stays behind


def test_a_sent_message_keeps_no_secret(app: Flask, smtp: Collector) -> None:
    [message_id] = _queue(app, link="https://x/reset/TOKEN123", secret="TOKEN123")
    with app.app_context():
        assert deliver_pending(db.session, app.config) == 1
        message = db.session.get(OutboxMessage, message_id)
        assert message.status == "sent" and message.secret is None
        assert "TOKEN123" not in message.body_text
    [(_, mail)] = smtp.messages
    assert "TOKEN123" in mail.get_body(preferencelist=("plain",)).get_content()
