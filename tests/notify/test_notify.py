"""E-mail notifications: real SMTP to a local server, the outbox, the timeline, the digest."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import select

from designer.extensions import db
from designer.models import OutboxMessage, User
from designer.notify import (
    mask,
    notify_assignment,
    notify_decision,
    notify_more_information,
    send,
    send_daily_digest,
)
from designer.worker.outbox import deliver_pending
from engine.models import Event, HumanTask, Instance, Tenant, utcnow
from tests.factories import PARKING_APPLICATION, text_of

APPLY = "/services/parking_permit/apply"


class Collector:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        """Messages delivered to `address`."""
        return [m for rcpts, m in self.messages if address in rcpts]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp(app: Flask) -> Iterator[Collector]:
    """A real SMTP server on 127.0.0.1, and the app configured to use it."""
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=_free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    try:
        yield collector
    finally:
        controller.stop()


def _case(app: Flask, login_as: Any, **answers: str) -> int:
    """Kari applies for a parking permit; the new case's id."""
    response = login_as("kari").submit(APPLY, {**PARKING_APPLICATION, **answers})
    assert response.status_code == 302
    case_no = re.search(r"/cases/(\d{4}-\d{6})", response.headers["Location"]).group(1)
    with app.app_context():
        return int(db.session.scalar(select(Instance.id).where(Instance.case_no == case_no)))


def _user(username: str) -> User:
    return db.session.scalars(select(User).where(User.username == username)).one()


def _last_notification(instance_id: int) -> Event:
    where = (Event.instance_id == instance_id, Event.kind == "notification")
    return db.session.scalars(select(Event).where(*where).order_by(Event.id.desc())).first()


def _deliver(app: Flask, **kwargs: Any) -> int:
    """What the worker tick does after commit: send the outbox."""
    with app.app_context():
        return deliver_pending(db.session, app.config, **kwargs)


def _body(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


@pytest.mark.parametrize(
    ("address", "masked"),
    [("kari@example.no", "k***@example.no"), (" s@x.no ", "s***@x.no"), ("nobody", "***")],
)
def test_addresses_are_masked_for_the_timeline(address: str, masked: str) -> None:
    assert mask(address) == masked


def test_decision_is_mailed_over_smtp_and_recorded(app, login_as, smtp):
    instance_id = _case(app, login_as, doctor_statement="no")  # rejected at once
    with app.app_context():  # the request only wrote it into the outbox
        message = db.session.query(OutboxMessage).filter_by(instance_id=instance_id).one()
        assert message.status == "outbox" and smtp.messages == []
    assert _deliver(app) == 1
    assert _deliver(app) == 0  # sent once, never again
    with app.test_request_context():
        instance = db.session.get(Instance, instance_id)
        case_no = instance.case_no
        message = db.session.query(OutboxMessage).filter_by(instance_id=instance_id).one()
        assert message.status == "sent" and message.error is None and message.attempts == 1

        [mail] = smtp.to("kari@example.no")
        assert mail["To"] == "kari@example.no"
        assert mail["Subject"] == f"Saken din {case_no} har fått vedtak"
        assert mail["From"] == "Flytverk <noreply@flytverk.local>"
        assert mail.get_content_type() == "multipart/alternative"
        body = _body(mail)
        assert case_no in body and f"http://localhost/cases/{case_no}" in body
        html = mail.get_body(preferencelist=("html",)).get_content()
        assert f'href="http://localhost/cases/{case_no}"' in html
        # Nothing sensitive travels by e-mail: no national id, no reasons, no outcome.
        for secret in ("15818012001", "legeerklæring", "avslått", "Parkering"):
            assert secret not in body and secret not in html

        row = db.session.get(OutboxMessage, message.id)
        assert row.sent_at is not None and row.recipient == "kari@example.no"
        event = _last_notification(instance_id)
        assert event.summary == {
            "to": "k***@example.no",
            "subject": f"Saken din {case_no} har fått vedtak",
            "template": "decision",
            "status": "outbox",  # written with the decision; the outbox row says "sent"
        }
        assert event.actor == "system"


def test_english_e_mails_when_asked(app, login_as, smtp):
    instance_id = _case(app, login_as)
    with app.test_request_context():
        instance = db.session.get(Instance, instance_id)
        message = notify_more_information(
            instance, _user("kari"), "Send oss legeerklæringen.", locale="en"
        )
        assert message is not None and message.status == "outbox"
        db.session.commit()
    assert _deliver(app) == 1
    with app.test_request_context():
        instance = db.session.get(Instance, instance_id)
        [mail] = smtp.to("kari@example.no")
        assert mail["Subject"] == f"We need more information in case {instance.case_no}"
        assert "we need more information from you" in _body(mail)
        # The caseworker's free text stays in the portal.
        assert "legeerklæringen" not in _body(mail)
        kari = _user("kari")
        kari.email = ""  # nobody to write to: nothing is sent or recorded
        assert notify_decision(instance, kari) is None


def test_smtp_down_records_the_error_and_raises_nothing(app, login_as):
    instance_id = _case(app, login_as)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_free_port(), MAIL_TIMEOUT=5)
    with app.test_request_context():
        instance = db.session.get(Instance, instance_id)
        message = notify_more_information(instance, _user("kari"), "Vi mangler et vedlegg.")
        assert message is not None
        message_id = message.id
        db.session.commit()
    assert _deliver(app) == 0
    with app.app_context():
        message = db.session.get(OutboxMessage, message_id)
        assert message.status == "failed" and message.sent_at is None
        assert "ConnectionRefusedError" in message.error
        assert message.attempts == 1 and message.next_attempt_at is not None  # retried later
        assert db.session.get(Instance, instance_id).status == "running"  # case untouched


def test_without_mail_server_the_message_stays_in_the_outbox(app, login_as):
    instance_id = _case(app, login_as)
    assert not app.config["MAIL_SERVER"]
    with app.test_request_context():
        sara = _user("saksbehandler")
        task = db.session.scalars(
            select(HumanTask).where(HumanTask.instance_id == instance_id)
        ).one()
        message = notify_assignment(task, sara)
        assert message is not None and message.status == "outbox"
        assert message.recipient == "sara@example.no"
        assert message.body_html is None  # text only for staff mail
        assert task.instance.case_no in message.body_text
        assert task.name in message.body_text
        assert f"http://localhost/casework/tasks/{task.id}" in message.body_text
        summary = _last_notification(instance_id).summary
        assert summary["to"] == "s***@example.no" and summary["status"] == "outbox"
        assert summary["template"] == "assignment"


def _send(app: Flask, template: str, **context: str) -> tuple[int, str, str | None]:
    """send() without a case, to Sara; the message's id, status and error."""
    with app.app_context():
        where = {"tenant_id": db.session.scalar(select(Tenant.id)), "instance_id": None}
        sent = send("sara@example.no", "Ny oppgave", template, context, **where)
        return sent.id, sent.status, sent.error


def test_a_broken_template_is_recorded_not_raised(app):
    _, status, error = _send(app, "no_such_template")
    assert status == "failed" and error.startswith("Template")


def _digest_setup() -> int:
    """Add a second group (Barnehage) with a task and people; return the tenant id."""
    existing = db.session.scalars(select(HumanTask)).first()
    tenant_id = existing.tenant_id
    task = dict(task_uuid="00000000-0000-0000-0000-000000000001", element_id="other_task")
    task.update(name="Vurder plass", lane="Barnehage", due_at=utcnow() + timedelta(days=7))
    db.session.add(HumanTask(tenant_id=tenant_id, instance_id=existing.instance_id, **task))
    people = [
        ("bjorn", "caseworker", "Barnehage", True),
        ("inaktiv", "caseworker", "Saksbehandler", False),  # inactive: nothing
        ("eier2", "process_owner", "Saksbehandler", True),  # not a caseworker: nothing
    ]
    for name, roles, groups, active in people:
        fields = dict(username=name, name=name.title(), roles=roles, groups=groups)
        db.session.add(
            User(tenant_id=tenant_id, active=active, email=f"{name}@example.no", **fields)
        )
    db.session.commit()
    return tenant_id


def test_daily_digest_goes_to_the_caseworkers_of_each_group(app, login_as, smtp):
    instance_id = _case(app, login_as)
    with app.app_context():
        case_no = db.session.get(Instance, instance_id).case_no
        tenant_id = _digest_setup()
        in_group = {
            u.email
            for u in db.session.scalars(select(User).where(User.active.is_(True)))
            if u.has_role("caseworker") and "Saksbehandler" in u.group_list
        }
        assert "sara@example.no" in in_group

        count = send_daily_digest(tenant_id, utcnow() - timedelta(hours=24))
        db.session.commit()

    assert count == len(in_group) + 1
    assert _deliver(app) == count
    recipients = {r for rcpts, _ in smtp.messages for r in rcpts}
    assert recipients == in_group | {"bjorn@example.no"}
    [sara_mail] = smtp.to("sara@example.no")
    assert sara_mail["Subject"] == "Nye oppgaver i innboksen: 1"
    body = _body(sara_mail)
    assert "Saksbehandler (1)" in body and case_no in body
    assert "Parkeringstillatelse for forflytningshemmede" in body
    assert "Barnehage" not in body and "Kari" not in body
    [bjorn_mail] = smtp.to("bjorn@example.no")
    bjorn_body = _body(bjorn_mail)
    assert "Barnehage (1)" in bjorn_body and "Vurder plass" in bjorn_body
    assert "frist" in bjorn_body and "Saksbehandler" not in bjorn_body


def test_digest_command(app, login_as):
    _case(app, login_as)
    with app.app_context():  # only tasks created since `since` count
        assert send_daily_digest(db.session.scalar(select(Tenant.id)), utcnow()) == 0
    result = app.test_cli_runner().invoke(args=["notify", "digest", "--since-hours", "1"])
    assert result.exit_code == 0, result.output
    match = re.search(r"default: (\d+) digest e-mail\(s\)", result.output)
    assert match and int(match.group(1)) >= 1
    with app.app_context():
        kinds = set(db.session.scalars(select(OutboxMessage.kind)))
        assert "digest" in kinds
    unknown = app.test_cli_runner().invoke(args=["notify", "digest", "--tenant", "nowhere"])
    assert unknown.exit_code != 0 and "nowhere" in unknown.output


def test_admin_sees_the_outbox_with_bodies_escaped(app, login_as):
    message_id, _, _ = _send(app, "assignment", name="<script>alert(1)</script>")
    anne = login_as("admin")
    page = anne.get("/outbox")
    assert page.status_code == 200
    text = text_of(page)
    assert "Ny oppgave" in text and "sara@example.no" in text and "assignment" in text
    detail = anne.get(f"/outbox/{message_id}")
    assert detail.status_code == 200
    html = detail.get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert anne.get(f"/outbox/{message_id + 1000}").status_code == 404


def test_the_outbox_is_closed_to_others(app, login_as):
    message_id, _, _ = _send(app, "assignment")
    for username in ("kari", "saksbehandler", "eier"):
        browser = login_as(username)
        assert browser.get("/outbox").status_code == 403, username
        assert browser.get(f"/outbox/{message_id}").status_code == 403, username
    assert app.test_client().get("/outbox").status_code == 302  # to the login page
    app.config["DEMO"] = True  # process owners test services end to end in the demo
    assert login_as("eier").get(f"/outbox/{message_id}").status_code == 200
    assert login_as("kari").get("/outbox").status_code == 403


def test_another_municipality_cannot_read_the_message(app, login_as):
    message_id, _, _ = _send(app, "assignment")
    with app.app_context():
        other = Tenant(slug="skien", name="Skien kommune")
        db.session.add(other)
        db.session.flush()
        admin = User(tenant_id=other.id, username="skien_admin", name="S", roles="admin")
        admin.set_password("demo")
        db.session.add(admin)
        db.session.commit()
    browser = login_as("skien_admin")
    assert browser.get(f"/outbox/{message_id}").status_code == 404
    assert "Ny oppgave" not in text_of(browser.get("/outbox"))
