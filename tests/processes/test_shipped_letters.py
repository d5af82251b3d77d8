"""The shipped services' own decision letters: a real decision of each service, in bokmål,
nynorsk and English, gives a letter with the service's unit and paragraphs in that language
and no text of another."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import lxml.html
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from designer.extensions import db
from designer.models import User
from designer.services.catalog import read_folder, shipped_folders
from designer.worker import work_once
from engine.models import ProcessModel, Tenant
from tests.factories import Browser, add_api_token
from tests.processes.test_kindergarten import _admit, _offer_url
from tests.processes.test_kindergarten import _apply as _apply_kindergarten
from tests.processes.test_leisure_subsidy import _apply as _apply_leisure
from tests.processes.test_proactive_kindergarten import _answer, _form_values, _offer, _task_url
from tests.processes.test_service_languages import BOKMAL_ONLY
from tests.services.decision_cases import (
    case_no_of,
    decided_by_caseworker,
    letters_of,
    rejected_automatically,
    set_language,
)

FOLDERS = {os.path.basename(f): f for f in shipped_folders()}
LANGUAGES = ("nb", "nn", "en")
PARTS = ("intro", "approved", "rejected", "contact")
OWN = (*PARTS, "unit")
# Fixed texts of the letter (catalogue texts), each language's its own. The appeal body is
# the platform's: the shipped services' appeals go to the municipal appeals committee in
# 3 weeks (forvaltningsloven §§ 28-29), except the health and care services' (4 weeks, to
# Statsforvalteren: pasient- og brukerrettighetsloven § 7-5).
TEMPLATE = ("Reason", "Details", "You can appeal", "Contact", "Legal references")
APPEAL_BODY = "the municipal appeals committee"
HEALTH_CARE = {"meal_delivery": "Statsforvalteren"}  # service -> its appeal body


@dataclass
class Run:
    """What a decision needs: the app, a logged-in browser per user, the register's token."""

    app: Flask
    login_as: Callable[[str], Browser]
    client: FlaskClient
    token: str


def _parking_approved(run: Run) -> str:
    return decided_by_caseworker(run.login_as("kari"), run.login_as("saksbehandler"))


def _parking_rejected(run: Run) -> str:
    return rejected_automatically(run.login_as("kari"))


def _leisure_approved(run: Run) -> str:
    case_no = _apply_leisure(run.login_as("kari"))
    assert work_once(run.app) == 1 and work_once(run.app) == 1  # the notice, the payment
    return case_no


def _leisure_rejected(run: Run) -> str:
    return _apply_leisure(run.login_as("kari"), household_income="800000")


def _staff_task(sara: Browser, case_no: str) -> str:
    inbox = sara.get(f"/casework/?q={case_no}").get_data(as_text=True)
    task = re.search(r'href="(/casework/tasks/\d+)"', inbox)
    assert task, "the case must reach the caseworker"
    return task.group(1)


def _kindergarten_approved(run: Run) -> str:
    kari = run.login_as("kari")
    case_no = _apply_kindergarten(kari)
    _admit(run.login_as("saksbehandler"), case_no)
    assert _answer(kari, _offer_url(kari, case_no), "yes").status_code == 302
    return case_no


def _kindergarten_rejected(run: Run) -> str:
    case_no = _apply_kindergarten(run.login_as("kari"))
    sara = run.login_as("saksbehandler")
    waitlist = {
        "_hidden": "",
        "admission": "waitlist",
        "admission_reason": "Alle plassane er fylte.",
    }
    assert sara.submit(_staff_task(sara, case_no), waitlist).status_code == 302
    return case_no


def _proactive_approved(run: Run) -> str:
    case_no = _offer(run.app, run.client, run.token)
    kari = run.login_as("kari")
    assert _answer(kari, _task_url(kari, case_no), "yes").status_code == 302
    sara = run.login_as("saksbehandler")
    task = _staff_task(sara, case_no)
    assert sara.client.post(task, data=_form_values(sara, task)).status_code == 302
    return case_no


def _meal_decided(run: Run, outcome: str) -> str:
    kari = run.login_as("kari")
    url = "/services/meal_delivery/apply"
    application = {
        "applicant_name": "Kari Nordmann",
        "address": "Storgata 1",
        "postal_code": "3674",
        "city": "Notodden",
        "phone": "91234567",
        "portion_size": "normal",
        "delivery_days": ["0", "3"],
        "portions": "2",
        "income_level": "low",
        "need_description": "Eg klarer ikkje å stå ved komfyren etter operasjonen.",
    }
    case_no = case_no_of(kari.submit(url, {**application, "_hidden": ""}))
    with run.app.app_context():  # the review task's lane is the allocation office
        sara = db.session.scalars(select(User).where(User.username == "saksbehandler")).one()
        sara.groups = [*sara.group_list, "Tildelingskontoret"]
        db.session.commit()
    caseworker = run.login_as("saksbehandler")
    review = {"_hidden": "", "outcome": outcome, "review_reason": "Vi har snakka med deg."}
    if outcome == "approved":
        review.update(start_date="2027-01-04", route="nord", stop="12", weekdays=["0", "3"])
        review.update(portions_per_day="2", size="normal", income_tier="low")
    done = caseworker.submit(_staff_task(caseworker, case_no), review)
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]
    for _attempt in range(5):  # the subscription's connector job (approved only)
        if not work_once(run.app):
            break
    return case_no


def _meal_approved(run: Run) -> str:
    return _meal_decided(run, "approved")


def _meal_rejected(run: Run) -> str:
    return _meal_decided(run, "rejected")


# Every outcome a shipped service's own run can give a letter for (the proactive offer
# is never refused: the parents say no, or do not answer, and no letter is written).
DECIDE: dict[tuple[str, str], Callable[[Run], str]] = {
    ("parking_permit", "approved"): _parking_approved,
    ("parking_permit", "rejected"): _parking_rejected,
    ("leisure_subsidy", "approved"): _leisure_approved,
    ("leisure_subsidy", "rejected"): _leisure_rejected,
    ("kindergarten", "approved"): _kindergarten_approved,
    ("kindergarten", "rejected"): _kindergarten_rejected,
    ("proactive_kindergarten", "approved"): _proactive_approved,
    ("meal_delivery", "approved"): _meal_approved,
    ("meal_delivery", "rejected"): _meal_rejected,
}


def _own_texts(key: str) -> dict[str, dict[str, str]]:
    """{language: {part or "unit": text}} as the service's files have them."""
    settings = read_folder(FOLDERS[key]).meta["settings"]
    found = {"nb": dict(settings["letter"])}
    for lang in ("nn", "en"):
        path = os.path.join(FOLDERS[key], f"texts.{lang}.json")
        with open(path, encoding="utf-8") as handle:
            texts = json.load(handle)
        found[lang] = {part: texts[f"letter/{part}"] for part in PARTS}
    for lang in LANGUAGES:
        found[lang]["unit"] = settings["unit"][lang]
    return found


def _sentences(text: str) -> list[str]:
    """A text's sentences without the `{field}` the letter fills in."""
    return [s for s in re.split(r"(?<=[.!?])\s+|\{\w+\}", text) if len(s.strip(" .")) > 3]


def _words(html: str, *, own_words: bool = True) -> str:
    """A letter's text; without `own_words`, without the applicant's answers (as written)."""
    doc = lxml.html.fromstring(html)
    for table in [] if own_words else doc.xpath('//table[contains(@class, "letter-facts")]'):
        table.getparent().remove(table)
    return " ".join(" ".join(doc.itertext()).split())


def _catalogue(app: Flask, lang: str, texts: tuple[str, ...] = TEMPLATE) -> set[str]:
    with app.test_request_context(), force_locale(lang):
        return {_(text) for text in texts}


@pytest.fixture
def token(app: Flask) -> str:
    """A messages token for the population register (a birth starts the offer)."""
    with app.app_context():
        return add_api_token("folkeregisteret")


def test_every_shipped_service_has_its_letter_in_every_language() -> None:
    assert {key for key, _outcome in DECIDE} == set(FOLDERS)
    for key in FOLDERS:
        settings = read_folder(FOLDERS[key]).meta["settings"]
        appeal = ("appeal_weeks", "appeal_body", "health_care")
        health = ["health_care"] if key in HEALTH_CARE else []
        assert [name for name in appeal if name in settings] == health, key
        assert settings.get("health_care", False) is bool(health), key
        texts = _own_texts(key)
        assert [(lang, n) for lang in LANGUAGES for n in OWN if not texts[lang][n].strip()] == []
        for part in ("intro", "approved", "rejected"):  # each language says it its own way
            assert len({texts[lang][part] for lang in LANGUAGES}) == 3, (key, part)
        assert [t for t in texts["nn"].values() if BOKMAL_ONLY.search(t)] == [], key


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(("key", "outcome"), sorted(DECIDE))
def test_a_decision_letter_has_the_services_own_texts_in_the_applicants_language(
    app: Flask, login_as: Any, client: FlaskClient, token: str, key: str, outcome: str, lang: str
) -> None:
    set_language(app, "kari", lang)
    case_no = DECIDE[(key, outcome)](Run(app, login_as, client, token))
    (letter,) = letters_of(app, case_no)
    assert letter["language"] == lang and f'lang="{lang}"' in letter["html"]
    text = _words(letter["html"])
    with app.app_context():
        municipality = db.session.scalars(select(Tenant.name)).one()
    texts = _own_texts(key)
    own = texts[lang]
    contact = own["contact"].format(municipality=municipality, case_no=case_no)
    for part in ("intro", outcome):
        assert own[part] in text, (part, own[part])
    assert contact in text and own["unit"] in text
    assert _catalogue(app, lang, (HEALTH_CARE.get(key, APPEAL_BODY),)).pop() in text
    # Said once: no other part of the letter says the service's own sentences again.
    said = _sentences(own["intro"]) + _sentences(own[outcome])
    assert [s for s in said if text.count(s) != 1] == []
    # The other outcome's paragraph is not there, nor any text of another language.
    not_this = "rejected" if outcome == "approved" else "approved"
    assert [s for s in _sentences(own[not_this]) if s in text] == []
    foreign = {
        sentence
        for other in LANGUAGES
        if other != lang
        for name in OWN
        if texts[other][name] != own[name]
        for sentence in _sentences(texts[other][name])
    }
    catalogue = (*TEMPLATE, APPEAL_BODY)
    foreign |= {
        t for other in LANGUAGES if other != lang for t in _catalogue(app, other, catalogue)
    }
    foreign -= _catalogue(app, lang, catalogue) | {s for v in own.values() for s in _sentences(v)}
    assert [s for s in sorted(foreign) if re.search(rf"(?<!\w){re.escape(s)}(?!\w)", text)] == []
    if lang == "nn":  # the applicant's answers and the caseworker's name are as written
        written = _words(letter["html"], own_words=False).replace(letter["decided_by_name"], "")
        assert BOKMAL_ONLY.findall(written) == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_preview_shows_the_proactive_offers_refusal_paragraph(
    app: Flask, login_as: Any, lang: str
) -> None:
    with app.app_context():
        model_id = db.session.scalars(
            select(ProcessModel.id).where(ProcessModel.key == "proactive_kindergarten")
        ).one()
    page = login_as("eier").get(
        f"/modeler/{model_id}/letter", query_string={"lang": lang, "outcome": "rejected"}
    )
    assert page.status_code == 200
    doc = lxml.html.fromstring(page.get_data(as_text=True))
    (preview,) = doc.xpath('//section[@aria-labelledby="preview-title"]')
    text = " ".join(" ".join(preview.itertext()).split())
    own = _own_texts("proactive_kindergarten")[lang]
    for sentence in _sentences(own["rejected"]) + _sentences(own["intro"]):
        assert sentence in text, sentence
    assert own["unit"] in text and own["contact"].split("{")[0] in text
