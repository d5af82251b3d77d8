"""Every page in nynorsk and in English carries no text of another language's catalogue.

Each role opens the pages it can reach (every GET route without arguments, and the pages of
a case, a task and a service) in nn and in en. A bokmål text of the catalogue that differs
from the page language's own translation must not appear: it would be an untranslated text
(a hand-written Norwegian string, or a text that bypasses the catalogue).
"""

from __future__ import annotations

import os
import re
from typing import Any

import lxml.html
import pytest
from babel.messages.pofile import read_po
from flask import Flask
from sqlalchemy import select

from designer import ROOT
from designer.extensions import db
from designer.models import User
from engine import api as engine
from engine.models import HumanTask, ProcessModel
from tests.factories import PARKING_APPLICATION

ROLES = ("anonymous", "kari", "saksbehandler", "leder", "eier", "admin", "kokk")
MIN_LENGTH = 14  # shorter texts ("Søknad", "Avslått") are often the same words in two languages
SKIP_ROUTES = {"/logout", "/dev-idp/authorize", "/oidc/login", "/oidc/callback", "/my-data"}


def _catalogue(lang: str) -> dict[str, str]:
    path = os.path.join(ROOT, "designer", "translations", lang, "LC_MESSAGES", "messages.po")
    with open(path, "rb") as handle:
        return {m.id: m.string for m in read_po(handle) if isinstance(m.id, str) and m.id}


def _foreign(lang: str) -> dict[str, str]:
    """Bokmål texts (without placeholders) that the page language says otherwise."""
    nb, own = _catalogue("nb"), _catalogue(lang)
    return {
        text: msgid
        for msgid, text in nb.items()
        if len(text) >= MIN_LENGTH
        and "%(" not in text
        and "{" not in text
        and text != own.get(msgid)
        and text not in own.values()
    }


def _text(html: str) -> str:
    doc = lxml.html.fromstring(html)
    for node in doc.xpath("//script | //style | //*[@lang and @lang!=$lang]", lang=doc.get("lang")):
        node.drop_tree()  # parts marked as another language are allowed to be in it
    return " ".join(" ".join(doc.itertext()).split())


def _pages(app: Flask) -> list[str]:
    urls = sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ())
        and not rule.arguments
        and rule.rule not in SKIP_ROUTES
        and not rule.rule.startswith(("/static", "/api", "/dev-idp", "/oidc"))
    )
    with app.app_context():
        kari = db.session.scalars(select(User).where(User.username == "kari")).one()
        model = db.session.scalars(
            select(ProcessModel).where(ProcessModel.key == "parking_permit")
        ).one()
        version = model.versions[-1]
        instance = engine.start(
            db.session,
            version,
            data={**PARKING_APPLICATION, "doctor_statement": "yes"},
            actor=kari.actor,
            owner=kari.actor,
            subject="Kari",
        )
        task = db.session.scalars(
            select(HumanTask).where(HumanTask.instance_id == instance.id)
        ).first()
        assert task is not None
        urls += [
            f"/cases/{instance.case_no}",
            f"/casework/tasks/{task.id}",
            f"/services/{model.key}/apply",
            f"/modeler/{model.id}/catalogue",
            f"/modeler/{model.id}/texts",
            f"/modeler/{model.id}/versions",
            f"/modeler/{model.id}/publish",
        ]
    return urls


@pytest.mark.parametrize("lang", ["nn", "en"])
def test_no_page_shows_a_text_of_another_language(app: Flask, login_as: Any, lang: str) -> None:
    foreign = _foreign(lang)
    assert len(foreign) > 200  # the check has something to look for
    pages = _pages(app)
    found: dict[str, set[str]] = {}
    seen = 0
    for role in ROLES:
        browser = login_as(role) if role != "anonymous" else None
        client = browser.client if browser else app.test_client()
        if browser:
            browser.set_language(lang)
        else:
            client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
        for url in pages:
            response = client.get(url)
            html = response.get_data(as_text=True)  # read (and close) streamed answers too
            if response.status_code != 200 or not response.mimetype == "text/html":
                continue
            seen += 1
            text = _text(html)
            assert re.search(rf'<html lang="{lang}"', html), url
            for sentence, msgid in foreign.items():
                if sentence in text:
                    found.setdefault(f"{role} {url}", set()).add(msgid)
    assert seen > 40
    assert found == {}
