"""Letters go out through the letter adapter after commit: once each, retried, never twice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select

from designer.extensions import db
from designer.integrations.letter import CaseOutboxLetters, LetterMessage, adapter_of
from designer.models import DecisionLetter, OutboxMessage
from designer.services.letters import delivery
from designer.worker import letters as letter_worker
from designer.worker.tick import sessions_of, work_once
from engine.api import ConnectorFailed
from engine.models import utcnow
from tests.services.decision_cases import letters_of, rejected_automatically


class FailingFirst:
    """A letter client that is down for the first `failures` calls (a real SvarUt outage)."""

    def __init__(self, app: Flask, failures: int = 1, retry: bool = True) -> None:
        self.inner, self.failures, self.retry = CaseOutboxLetters(app), failures, retry
        self.calls: list[LetterMessage] = []

    def send_letter(self, message: LetterMessage) -> dict[str, Any]:
        self.calls.append(message)
        if len(self.calls) <= self.failures:
            raise ConnectorFailed("The mailbox service did not answer.", retry=self.retry)
        return self.inner.send_letter(message)


def _deliver(app: Flask, adapter: Any, now: Any) -> int:
    with sessions_of(app)() as session, app.app_context():
        return letter_worker.deliver_pending(session, adapter, now=now)


def _outbox_letters(app: Flask) -> list[OutboxMessage]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind.like("letter:flytverk:%"))
            )
        )


def test_the_tick_sends_each_letter_once_however_often_it_runs(app, login_as):
    case_no = rejected_automatically(login_as("kari"))
    work_once(app, daily=False)
    work_once(app, daily=False)
    (letter,) = letters_of(app, case_no)
    assert (letter["status"], letter["attempts"], letter["error"]) == ("sent", 1, None)
    (kept,) = _outbox_letters(app)
    assert kept.kind == f"letter:flytverk:default:{case_no}:1" and kept.sent_at is not None
    assert letter["receipt"]["letter_id"] == kept.id and letter["receipt"]["channel"] == "case"
    assert letter["pdf"].startswith(b"%PDF-")


def test_a_failed_send_is_tried_again_later_and_arrives_once(app, login_as):
    case_no = rejected_automatically(login_as("kari"))
    adapter = FailingFirst(app)
    now = utcnow()
    assert _deliver(app, adapter, now) == 0
    (letter,) = letters_of(app, case_no)
    assert (letter["status"], letter["attempts"]) == ("rendered", 1)  # the PDF is kept
    assert "did not answer" in letter["error"] and letter["pdf"].startswith(b"%PDF-")
    assert _deliver(app, adapter, now + timedelta(seconds=30)) == 0  # not due yet
    assert len(adapter.calls) == 1
    assert _deliver(app, adapter, now + timedelta(minutes=2)) == 1
    assert _deliver(app, adapter, now + timedelta(minutes=20)) == 0
    (letter,) = letters_of(app, case_no)
    assert (letter["status"], letter["attempts"], letter["error"]) == ("sent", 2, None)
    assert len(adapter.calls) == 2 and len(_outbox_letters(app)) == 1
    message = adapter.calls[1]
    assert message.external_ref == letter["external_ref"] == adapter.calls[0].external_ref
    assert (message.recipient_id, message.recipient_name) == ("15818012001", "Kari Nordmann")
    assert (message.address, message.postal_code, message.city) == (
        "Storgata 1",
        "3674",
        "Notodden",
    )
    (document,) = message.documents
    assert (document.filename, document.media_type) == (
        f"vedtak-{case_no}-1.pdf",
        "application/pdf",
    )
    assert document.content == letter["pdf"] and message.title == letter["title"]


def test_a_refusal_that_cannot_pass_on_a_retry_gives_up_at_once(app, login_as):
    case_no = rejected_automatically(login_as("kari"))
    adapter = FailingFirst(app, failures=5, retry=False)
    now = utcnow()
    _deliver(app, adapter, now)
    _deliver(app, adapter, now + timedelta(hours=1))
    (letter,) = letters_of(app, case_no)
    assert (letter["status"], len(adapter.calls)) == ("failed", 1)


def test_a_letter_another_worker_holds_is_left_to_it(app, login_as):
    case_no = rejected_automatically(login_as("kari"))
    (letter,) = letters_of(app, case_no)
    now = utcnow()
    with sessions_of(app)() as session:
        assert letter_worker.claim(session, letter["id"], now) is True
        assert letter_worker.claim(session, letter["id"], now) is False  # a second worker
    assert _deliver(app, adapter_of(app), now) == 0
    assert _deliver(app, adapter_of(app), now + delivery.CLAIM_LEASE + timedelta(seconds=1)) == 1


def test_the_worker_writes_a_letter_whose_body_could_not_be_made_at_once(app, login_as):
    case_no = rejected_automatically(login_as("kari"))
    with app.app_context():
        row = db.session.get(DecisionLetter, letters_of(app, case_no)[0]["id"])
        row.html, row.title = "", ""
        db.session.commit()
    work_once(app, daily=False)
    (letter,) = letters_of(app, case_no)
    assert letter["status"] == "sent" and "Søknaden din er avslått." in letter["html"]


def test_the_default_adapter_keeps_one_copy_per_reference(app, login_as):
    case_no = rejected_automatically(login_as("kari"))
    work_once(app, daily=False)
    (letter,) = letters_of(app, case_no)
    message = LetterMessage(
        external_ref=letter["external_ref"],
        tenant_id=1,
        instance_id=letter["instance_id"],
        case_no=case_no,
        recipient_id="15818012001",
        recipient_name="Kari Nordmann",
        address="",
        postal_code="",
        city="",
        title="Vedtak",
        documents=(),
    )
    again = CaseOutboxLetters(app).send_letter(message)  # e.g. a worker that died after sending
    assert again["letter_id"] == letter["receipt"]["letter_id"]
    assert len(_outbox_letters(app)) == 1
