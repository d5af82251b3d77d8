"""The app's connectors: plugged-in adapters, the mail connector, payment checks, the allowlist."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from designer.extensions import db
from designer.integrations import build_registry
from designer.integrations.letter import LetterMessage
from designer.models import OutboxMessage, PaymentOrder, User
from engine.api import CallContext, ConnectorFailed

SENT: list[LetterMessage] = []


class SvarUtLike:
    """A stand-in for a municipality's own letter client (the plug-in point under test)."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def send_letter(self, message: LetterMessage) -> dict[str, Any]:
        SENT.append(message)
        return {"status": "sent", "forsendelse": f"F-{message.external_ref}"}


def svarut_factory(app: Flask) -> SvarUtLike:
    """What `LETTER_ADAPTER = "tests.integrations.test_adapters:svarut_factory"` names."""
    return SvarUtLike(app)


def _context(app: Flask, owner: str | None = None, job_id: int = 7) -> CallContext:
    with app.app_context():
        kari = db.session.scalars(select(User).where(User.username == "kari")).one()
        return CallContext(
            tenant_id=kari.tenant_id,
            instance_id=_an_instance(app),
            case_no="2026-000001",
            owner=owner or kari.actor,
            job_id=job_id,
            attempt=1,
            element_id="send",
        )


def _an_instance(app: Flask) -> int:
    from designer.services import cases
    from tests.factories import PARKING_APPLICATION

    with app.test_request_context():
        kari = db.session.scalars(select(User).where(User.username == "kari")).one()
        _model, version = cases.published_version(kari.tenant_id, "parking_permit")
        instance = cases.apply(db.session, kari, version, dict(PARKING_APPLICATION))
        db.session.commit()
        return instance.id


def test_a_municipality_plugs_in_its_own_letter_adapter(app: Flask) -> None:
    SENT.clear()
    app.config["LETTER_ADAPTER"] = "tests.integrations.test_adapters:svarut_factory"
    letter = build_registry(app).get("letter")
    assert letter is not None
    context = _context(app)
    receipt = letter.call({"title": "Vedtak", "body": "Du får støtte."}, context)
    assert receipt == {"status": "sent", "forsendelse": f"F-{context.idempotency_key}"}
    sent = SENT[0]
    assert sent.recipient_id == "15818012001" and sent.case_no == "2026-000001"
    assert sent.recipient_name == "Kari Nordmann" and sent.postal_code == "3674"
    assert sent.external_ref == context.idempotency_key and sent.extra["body"] == "Du får støtte."
    (document,) = sent.documents
    assert document.media_type == "application/pdf" and document.content.startswith(b"%PDF-")


def test_the_default_letter_goes_to_the_case_outbox_once_per_job(app: Flask) -> None:
    letter = build_registry(app).get("letter")
    assert letter is not None
    context = _context(app)
    first = letter.call({"title": "Vedtak", "body": "Tekst"}, context)
    again = letter.call({"title": "Vedtak", "body": "Tekst"}, context)  # a retried attempt
    assert first == again and first["channel"] == "case"
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind.like("letter:%")))
        assert len(list(rows)) == 1


def test_mail_to_the_applicant_uses_their_address_and_empty_fields_are_permanent(
    app: Flask,
) -> None:
    mail = build_registry(app).get("mail")
    assert mail is not None
    context = _context(app)
    receipt = mail.call({"to": "applicant", "subject": "Hei", "body": "Tekst"}, context)
    assert receipt["status"] == "outbox"  # no SMTP server in the tests: kept in the outbox
    with pytest.raises(ConnectorFailed) as failed:
        mail.call({"to": "applicant", "subject": " ", "body": "Tekst"}, context)
    assert failed.value.retry is False


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"amount": "abc", "account": "12345678903"}, "not a number"),
        ({"amount": 0, "account": "12345678903"}, "between 0"),
        ({"amount": 2_000_000, "account": "12345678903"}, "between 0"),
        ({"amount": 100, "account": "12345678901"}, "not a valid Norwegian account"),
    ],
)
def test_payments_no_retry_can_fix_are_refused_before_the_adapter(
    app: Flask, params: dict[str, Any], words: str
) -> None:
    payment = build_registry(app).get("payment")
    assert payment is not None
    with pytest.raises(ConnectorFailed) as failed:
        payment.call(params, _context(app))
    assert failed.value.retry is False and words in failed.value.message
    with app.app_context():
        assert db.session.scalars(select(PaymentOrder)).all() == []


def test_the_http_connector_takes_its_allowlist_from_the_configuration(app: Flask) -> None:
    app.config["CONNECTOR_HTTP_ALLOWED_HOSTS"] = ["*.skien.kommune.no"]
    http = build_registry(app).get("http")
    assert http is not None
    with pytest.raises(ConnectorFailed) as failed:
        http.call({"url": "https://evil.example/"}, _context(app))
    assert "not on the list" in failed.value.message and failed.value.retry is False
