"""Every e-mail in its recipient's language from the one catalogue per language: staff
notices, the daily digest, the password reset; the HTML body says its language."""

from __future__ import annotations

import os
from datetime import datetime, timedelta

import lxml.html
import pytest
from babel.messages.extract import extract_from_dir
from flask import Flask
from sqlalchemy import select

from designer.cli import KEYWORDS, extract_texts
from designer.extensions import db
from designer.models import OutboxMessage, User
from designer.notify import notify_assignment, render, send_daily_digest
from engine.models import HumanTask, Tenant, utcnow
from tests.factories import Browser, text_of
from tests.notify.test_notify import _case

EMAIL = os.path.join(os.path.dirname(__file__), "..", "..", "designer", "templates", "email")


def _speaks(username: str, language: str | None) -> User:
    user = db.session.scalars(select(User).where(User.username == username)).one()
    user.language = language
    return user


def _outbox(kind: str) -> dict[str, OutboxMessage]:
    """The messages of one kind by recipient, readable after the session ends."""
    rows = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))
    for row in rows:
        db.session.expunge(row)
    return {row.recipient: row for row in rows}


def test_every_text_of_the_e_mail_templates_is_in_the_catalogue() -> None:
    found = {
        message
        for _, _, message, _, _ in extract_from_dir(
            EMAIL, [("**.txt", "jinja2"), ("**.html", "jinja2")], keywords=KEYWORDS
        )
    }
    assert len(found) > 25  # the templates' texts are catalogue entries
    catalogue = {m.id for m in extract_texts() if m.id}
    assert sorted(found - catalogue) == []  # tests/test_app.py: each translated in nb/nn/en


@pytest.mark.parametrize(
    ("locale", "lang", "greeting"),
    [("nn", "nn", "Hei Kari,"), ("en", "en", "Hello Kari,"), ("nb", "nb", "Hei Kari,")],
)
def test_a_message_renders_in_its_language_with_lang_set(
    app: Flask, locale: str, lang: str, greeting: str
) -> None:
    context = {"name": "Kari", "case_no": "2026-000001", "case_url": ""}
    with app.test_request_context(headers={"Accept-Language": "en"}):  # the UI is not asked
        text, html = render("more_information", context, locale)
    assert text.startswith(greeting) and greeting in html
    assert lxml.html.fromstring(html).get("lang") == lang


def test_an_unknown_language_falls_back_to_bokmal(app: Flask) -> None:
    with app.app_context():
        text, html = render("decision", {"name": "Kari", "case_no": "1"}, "de")
    assert "saken din 1 har fått et vedtak." in text
    assert lxml.html.fromstring(html).get("lang") == "nb"


def test_the_assignment_is_in_the_caseworkers_language(app: Flask, login_as) -> None:
    instance_id = _case(app, login_as)
    with app.test_request_context():
        task = db.session.scalars(
            select(HumanTask).where(HumanTask.instance_id == instance_id)
        ).one()
        task.due_at = datetime(2026, 12, 1, 12)
        message = notify_assignment(task, _speaks("saksbehandler", "nn"))
        assert message is not None and message.body_html is None
        assert message.subject == f"Du har fått ei oppgåve i sak {task.instance.case_no}"
        for line in ("du har fått ei oppgåve i Flytverk.", "Frist: 1. desember 2026"):
            assert line in message.body_text
        english = notify_assignment(task, _speaks("ola", "en"))
        assert english is not None
        assert english.subject == f"You have been given a task in case {task.instance.case_no}"
        assert "Deadline: December 1, 2026" in english.body_text
        assert "Task: Assess the application" in english.body_text  # the service's texts


def test_the_digest_is_in_each_caseworkers_language(app: Flask, login_as) -> None:
    instance_id = _case(app, login_as)
    with app.app_context():
        task = db.session.scalars(
            select(HumanTask).where(HumanTask.instance_id == instance_id)
        ).one()
        task.due_at = datetime(2026, 12, 1, 12)
        _speaks("saksbehandler", "nn")
        _speaks("ola", "en")
        _speaks("leder", None)  # no choice: the municipality's målform (bokmål)
        tenant_id = db.session.scalar(select(Tenant.id))
        assert send_daily_digest(tenant_id, utcnow() - timedelta(hours=1)) == 3
        db.session.commit()
        mails = _outbox("digest")
    expected = {
        "sara@example.no": (
            "Nye oppgåver i innboksen: 1",
            "det har kome 1 ny oppgåve i gruppene dine.",
            "(frist 1. desember 2026)",
        ),
        "ola@example.no": (
            "New tasks in your inbox: 1",
            "there is 1 new task in your groups.",
            "Assess the application",
            "(deadline December 1, 2026)",
        ),
        "lise@example.no": (
            "Nye oppgaver i innboksen: 1",
            "det har kommet 1 ny oppgave i gruppene dine.",
            "(frist 1. desember 2026)",
        ),
    }
    assert set(mails) == set(expected)
    for to, (subject, *lines) in expected.items():
        assert mails[to].subject == subject
        for line in lines:
            assert line in mails[to].body_text, (to, line)


def _forgot(client, login: str):  # type: ignore[no-untyped-def]
    return Browser(client).submit("/password/forgot", {"login": login})


def test_the_reset_mail_is_in_the_persons_language_not_the_askers(app: Flask, client) -> None:
    browser = Browser(client)
    browser.set_language("en")  # whoever asks reads English
    with app.app_context():
        _speaks("kari", "nn")
        db.session.commit()
    assert _forgot(client, "kari").status_code == 302
    known_page = text_of(client.get("/login"))
    assert _forgot(client, "nobody-here").status_code == 302
    assert text_of(client.get("/login")) == known_page  # nothing tells who exists
    assert "If the account exists" in known_page
    assert _forgot(client, "saksbehandler").status_code == 302  # no choice: the asker's
    with app.app_context():
        mails = _outbox("password_reset")
    kari, sara = mails["kari@example.no"], mails["sara@example.no"]
    assert kari.subject == "Tilbakestill passordet ditt"
    assert "nokon har bede om å få velje eit nytt passord" in kari.body_text
    assert lxml.html.fromstring(kari.body_html).get("lang") == "nn"
    assert sara.subject == "Reset your password"
    assert "someone asked to choose a new password" in sara.body_text
    assert lxml.html.fromstring(sara.body_html).get("lang") == "en"
