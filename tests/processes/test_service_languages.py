"""The shipped services in bokmål, nynorsk and English: every text has all three, and a
citizen reads a service in their language from the form to the decision."""

from __future__ import annotations

import json
import os
import re
from datetime import date
from typing import Any

import lxml.html
import pytest
from flask import Flask
from sqlalchemy import select

from designer import languages
from designer.extensions import db
from designer.services import text_table
from designer.services.catalog import read_folder, shipped_folders
from designer.services.service_texts import Texts, reason_text
from designer.worker import work_once
from engine.models import ProcessModel, Tenant
from tests.factories import PARKING_APPLICATION, Browser, add_api_token, text_of
from tests.processes.test_citizen_notice_languages import _approve, _second_citizen
from tests.processes.test_citizen_notices import _case_no, _leisure
from tests.processes.test_kindergarten import FORM as KINDERGARTEN
from tests.processes.test_leisure_subsidy import FORM as LEISURE
from tests.processes.test_proactive_kindergarten import _answer, _form_values, _offer, _task_url

FOLDERS = {os.path.basename(f): f for f in shipped_folders()}
STARTED_BY_FORM = ["kindergarten", "leisure_subsidy", "parking_permit"]
BOKMAL_ONLY = re.compile(  # tests/test_app.py's list, and a few more the services would use
    r"\b(ikke|jeg|hva|hvordan|hvem|hvor|fra|bare|hele|mye|tjeneste|oppgave|saksbehandler|"
    r"innbygger|veiledning|ble|hvis|noe|dere|tilbud|søker|søkeren|begrunnelse|beskrivelse)\b",
    re.IGNORECASE,
)


def _texts(key: str, lang: str) -> dict[str, str]:
    with open(os.path.join(FOLDERS[key], f"texts.{lang}.json"), encoding="utf-8") as handle:
        return dict(json.load(handle))


def _rows(app: Flask, key: str) -> list[text_table.Row]:
    with app.test_request_context():
        model = db.session.scalars(select(ProcessModel).where(ProcessModel.key == key)).one()
        return text_table.rows_of(model)


def _shown(texts: list[str], page: str) -> list[str]:
    """Those of `texts` the page shows as words of their own."""
    return [t for t in texts if re.search(rf"(?<!\w){re.escape(t)}(?!\w)", page)]


def _bokmal(rows: list[text_table.Row], lang: str) -> list[str]:
    """The service's bokmål texts that read differently in `lang`, as a page shows them (no
    **bold** marks). A missing text is the first test's business."""
    return [
        r.base.replace("**", "")
        for r in rows
        if r.base.strip() and r.values.get(lang, r.base) not in ("", r.base)
    ]


@pytest.fixture
def token(app: Flask) -> str:
    """A messages token for the population register (births start the offers)."""
    with app.app_context():
        return add_api_token("folkeregisteret")


def _citizen(login_as: Any, name: str, lang: str | None) -> Browser:
    browser = login_as(name)
    if lang:
        assert browser.set_language(lang).status_code == 302
    return browser


@pytest.mark.parametrize("key", sorted(FOLDERS))
def test_every_text_of_a_shipped_service_is_in_nynorsk_and_english(app: Flask, key: str) -> None:
    rows = _rows(app, key)
    lacking = {lang: [r.text_id for r in rows if r.missing(lang)] for lang in ("nn", "en")}
    assert lacking == {"nn": [], "en": []}
    assert text_table.missing(rows, ["nn", "en"], "nb") == {"nn": 0, "en": 0}
    # No id in a texts file that the service does not have (a typo hides a text).
    known = {r.text_id for r in rows if r.group != "reasons"}
    for lang in ("nn", "en"):
        stray = [i for i in _texts(key, lang) if i not in known and not i.startswith("reason/")]
        assert stray == [], lang
    meta = read_folder(FOLDERS[key]).meta
    nynorsk = [*_texts(key, "nn").values(), meta["name"]["nn"], meta["description"]["nn"]]
    assert [t for t in nynorsk if BOKMAL_ONLY.search(t)] == []


@pytest.mark.parametrize("key", STARTED_BY_FORM)
@pytest.mark.parametrize("lang", ["en", "nn"])
def test_the_apply_page_shows_no_bokmal_service_text(
    app: Flask, login_as: Any, key: str, lang: str
) -> None:
    rows = _rows(app, key)
    page = text_of(_citizen(login_as, "kari", lang).get(f"/services/{key}/apply"))
    card = next(r for r in rows if r.text_id == "card/name")
    assert (card.values.get(lang) or card.base) in page
    assert _texts(key, lang)["form/application.json/applicant_name/label"] in page
    assert _shown(_bokmal(rows, lang), page) == []


@pytest.mark.parametrize("lang", ["en", "nn"])
def test_the_offer_of_a_place_shows_no_bokmal_service_text(
    app: Flask, client: Any, token: str, login_as: Any, lang: str
) -> None:
    case_no = _offer(app, client, token)
    kari = _citizen(login_as, "kari", lang)
    page = text_of(kari.get(_task_url(kari, case_no)))
    texts = _texts("proactive_kindergarten", lang)
    assert texts["task/offer/name"] in page and texts["form/offer.json/offer_answer/label"] in page
    assert _shown(_bokmal(_rows(app, "proactive_kindergarten"), lang), page) == []


def test_a_parking_permit_refused_without_a_doctors_statement_in_nynorsk_and_english(
    app: Flask, login_as: Any
) -> None:
    _second_citizen(app)
    refused = {**PARKING_APPLICATION, "doctor_statement": "no"}
    rows = _rows(app, "parking_permit")
    for name, lang in (("kari", "nn"), ("nils", "en")):
        citizen = _citizen(login_as, name, lang)
        case_no = _case_no(citizen.submit("/services/parking_permit/apply", refused))
        page = text_of(citizen.get(f"/cases/{case_no}?received=1"))
        texts = _texts("parking_permit", lang)
        for text_id in (
            "reason/doctor_statement_required",
            "service/legal_basis",
            "service/appeal",
            "form/application.json/applicant_name/label",
            "form/application.json/doctor_statement/label",
            "form/application.json/role/option/driver",
            "form/application.json/period_years/option/2",
        ):
            assert texts[text_id] in page, (lang, text_id)
        assert _shown(_bokmal(rows, lang), page) == [], lang
        assert _lang_of(citizen, case_no, texts["reason/doctor_statement_required"]) == lang


def test_the_caseworkers_own_words_stay_as_written_for_an_english_reader(
    app: Flask, login_as: Any
) -> None:
    kari = _citizen(login_as, "kari", "en")
    case_no = _case_no(kari.submit("/services/parking_permit/apply", PARKING_APPLICATION))
    _approve(app, login_as("saksbehandler"), case_no)  # reason: "Dokumentert."
    page = text_of(kari.get(f"/cases/{case_no}"))
    assert "Dokumentert." in page and _texts("parking_permit", "en")["service/appeal"] in page
    # The caseworker's words are marked as the municipality's language on the English page.
    assert _lang_of(kari, case_no, "Dokumentert.") == "nb"


def _lang_of(citizen: Any, case_no: str, text: str) -> str | None:
    """The lang attribute of the decision part that shows `text` on the case page."""
    doc = lxml.html.fromstring(citizen.get(f"/cases/{case_no}").get_data(as_text=True))
    found = [
        e.get("lang")
        for e in doc.xpath("//section[contains(@class,'decision')]//*[@lang]")
        if e.text_content().strip() == text
    ]
    return found[0] if found else None


LEISURE_VALUES = {  # the parameters' values, as the reasons name them (parameters.json)
    lang: {
        "Laveste alder": "6",
        "Høyeste alder": "18",
        "Inntektsgrense (kr)": limit,
        "Høyeste støtte til kontingent (kr)": fee,
    }
    for lang, limit, fee in (("nn", "450 000", "3 000"), ("en", "450,000", "3,000"))
}


@pytest.mark.parametrize("lang", ["nn", "en"])
def test_leisure_fund_rules_give_their_reasons_in_the_readers_language(
    app: Flask, login_as: Any, lang: str
) -> None:
    kari = _citizen(login_as, "kari", lang)
    granted = _leisure(kari)
    assert work_once(app) == 1 and work_once(app) == 1  # the letter, then the payment
    texts = _texts("leisure_subsidy", lang)
    page = text_of(kari.get(f"/cases/{granted}"))
    for rule in ("leisure_eligibility/low_income", "leisure_support/fee"):
        assert _filled(texts[f"decision/{rule}"], LEISURE_VALUES[lang]) in page, rule
    assert _texts("leisure_subsidy", lang)["service/legal_basis"] in page
    url = "/services/leisure_subsidy/apply"
    four = date(date.today().year - 4, 1, 1).isoformat()
    fields = {**kari.hidden_fields(url), **LEISURE, "child_birth_date": four, "_hidden": ""}
    too_young = _case_no(kari.client.post(url, data=fields))
    page = text_of(kari.get(f"/cases/{too_young}"))
    values = {**LEISURE_VALUES[lang], "Barnets alder": "4"}
    expected = _filled(texts["decision/leisure_eligibility/too_young"], values)
    assert expected in page and "Barnets alder" not in page and "{" not in expected
    assert _shown(_bokmal(_rows(app, "leisure_subsidy"), lang), page) == []


KINDERGARTEN_VALUES = {  # 420 000 kr, the second child, 4 years old at the start
    "nn": {"Inntektsgrense (kr)": "642 700", "core_reduction": "683", "monthly_price": "717"},
    "en": {"Inntektsgrense (kr)": "642,700", "core_reduction": "683", "monthly_price": "717"},
}
KINDERGARTEN_COMMON = {
    "Gratis timer i uka": "20",
    "Timer i en heltidsplass": "41",
    "sibling_discount": "30",
    "rates_period": "2024/25",
    "income_share": "6",
    "months_paid": "11",
    "Inntektsandel (%)": "6",
}


def _filled(text: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return text


@pytest.mark.parametrize("lang", ["nn", "en"])
def test_the_kindergarten_price_is_explained_in_the_readers_language(
    app: Flask, login_as: Any, lang: str
) -> None:
    kari = _citizen(login_as, "kari", lang)
    url = "/services/kindergarten/apply"
    case_no = _case_no(kari.client.post(url, data={**kari.hidden_fields(url), **KINDERGARTEN}))
    page = text_of(kari.get(f"/cases/{case_no}"))
    texts = _texts("kindergarten", lang)
    thousands = {"nn": "1 400", "en": "1,400"}[lang]
    values = {
        **KINDERGARTEN_COMMON,
        **KINDERGARTEN_VALUES[lang],
        "price_before_core": thousands,
        "max_price": {"nn": "2 000", "en": "2,000"}[lang],
        "full_price": {"nn": "2 000", "en": "2,000"}[lang],
    }
    for text_id in (
        "decision/kindergarten_rates/from_2024_08",
        "decision/kindergarten_price/max_second",
        "decision/kindergarten_core_hours/core_hours",
    ):
        assert _filled(texts[text_id], values) in page, text_id
    assert _shown(_bokmal(_rows(app, "kindergarten"), lang), page) == []


@pytest.mark.parametrize(
    ("lang", "place"),
    [
        ("nn", "Barnet har fått plass i Lia barnehage frå 15.08.2027."),
        ("en", "The child has been given a place at Lia barnehage from 2027-08-15."),
    ],
)
def test_the_kindergarten_offer_and_decision_name_the_place_in_the_readers_language(
    app: Flask, login_as: Any, lang: str, place: str
) -> None:
    kari = _citizen(login_as, "kari", lang)
    url = "/services/kindergarten/apply"
    case_no = _case_no(kari.client.post(url, data={**kari.hidden_fields(url), **KINDERGARTEN}))
    sara = login_as("saksbehandler")
    inbox = sara.get(f"/casework/?q={case_no}").get_data(as_text=True)
    task = re.search(r'href="(/casework/tasks/\d+)"', inbox)
    assert task
    offer = {
        "_hidden": "",
        "admission": "offer",
        "offered_kindergarten": "Lia barnehage",
        "offered_start_date": "2027-08-15",
        "admission_reason": "Emma får plass i sin førsteprioritet.",
    }
    assert sara.submit(task.group(1), offer).status_code == 302
    texts, rows = _texts("kindergarten", lang), _rows(app, "kindergarten")
    answer_url = _task_url(kari, case_no)
    page = text_of(kari.get(answer_url))
    assert texts["task/offer/name"] in page and texts["form/offer.json/place/label"] in page
    assert _shown(_bokmal(rows, lang), page) == []
    assert _answer(kari, answer_url, "yes").status_code == 302
    page = text_of(kari.get(f"/cases/{case_no}"))
    assert place + " Emma får plass i sin førsteprioritet." in page  # her own words as written
    assert _shown(_bokmal(rows, lang), page) == []


def test_a_nynorsk_municipality_shows_its_citizens_nynorsk(app: Flask, login_as: Any) -> None:
    with app.app_context():
        languages.set_tenant_language(db.session.query(Tenant).one(), "nn")
        db.session.commit()
    kari = login_as("kari")  # no choice of her own: the målform
    catalogue = text_of(kari.get("/"))
    for key in STARTED_BY_FORM:
        assert read_folder(FOLDERS[key]).meta["name"]["nn"] in catalogue
    assert "Parkeringstillatelse" not in catalogue
    apply = text_of(kari.get("/services/kindergarten/apply"))
    assert _shown(_bokmal(_rows(app, "kindergarten"), "nn"), apply) == []
    refused = {**PARKING_APPLICATION, "doctor_statement": "no"}
    case_no = _case_no(kari.submit("/services/parking_permit/apply", refused))
    page = text_of(kari.get(f"/cases/{case_no}"))
    assert _texts("parking_permit", "nn")["reason/doctor_statement_required"] in page
    assert "Søknaden mangler legeerklæring" not in page


@pytest.mark.parametrize("own_words", [False, True])
def test_an_allocated_place_is_explained_in_english_with_the_places_name(
    app: Flask, client: Any, token: str, login_as: Any, own_words: bool
) -> None:
    case_no = _offer(app, client, token)
    kari = _citizen(login_as, "kari", "en")
    assert _answer(kari, _task_url(kari, case_no), "yes").status_code == 302
    sara = login_as("saksbehandler")
    inbox = sara.get(f"/casework/?q={case_no}").get_data(as_text=True)
    task = re.search(r'href="(/casework/tasks/\d+)"', inbox)
    assert task
    fields = _form_values(sara, task.group(1))  # the suggested reason, as the caseworker sees it
    note = "Vi fant plass i barnehagen dere ønsket." if own_words else fields["admission_reason"]
    sent = sara.client.post(task.group(1), data={**fields, "admission_reason": note})
    assert sent.status_code == 302
    page = text_of(kari.get(f"/cases/{case_no}"))
    english = _texts("proactive_kindergarten", "en")
    rule = "place_allocated_note" if own_words else "place_allocated"
    expected = english[f"reason/{rule}"].format(kindergarten="Lia barnehage", note=note)
    assert expected in page
    assert "Barnet har fått plass" not in page and "Barnet har rett til plass" not in page


def test_a_translated_reason_fills_in_the_decisions_values_once() -> None:
    texts = Texts("en", "nb", {"reason/placed": "A place at {kindergarten}. {note} {missing}"})
    decision = {
        "rule": "placed",
        "reason": "Plass i Lia barnehage.",
        "kindergarten": "Lia barnehage",
        "note": "We kept {kindergarten} for you.",  # a caseworker's words are not read again
    }
    assert reason_text(decision, texts) == (
        "A place at Lia barnehage. We kept {kindergarten} for you. {missing}"
    )
    assert reason_text(decision, Texts("nb", "nb")) == "Plass i Lia barnehage."


def test_a_declined_offer_shows_no_bokmal_to_an_english_reader(
    app: Flask, client: Any, token: str, login_as: Any
) -> None:
    case_no = _offer(app, client, token)
    kari = _citizen(login_as, "kari", "en")
    assert _answer(kari, _task_url(kari, case_no), "no", child_name="").status_code == 302
    page = text_of(kari.get(f"/cases/{case_no}"))
    assert _texts("proactive_kindergarten", "en")["reason/offer_declined"] in page
    assert _shown(_bokmal(_rows(app, "proactive_kindergarten"), "en"), page) == []
    assert "Du takket nei" not in page


def test_a_bokmal_reader_in_a_nynorsk_municipality_reads_bokmal(app: Flask, login_as: Any) -> None:
    with app.app_context():
        languages.set_tenant_language(db.session.query(Tenant).one(), "nn")
        db.session.commit()
    page = text_of(_citizen(login_as, "kari", "nb").get("/services/parking_permit/apply"))
    assert "Parkeringstillatelse for forflytningshemmede" in page and "Fullt navn" in page
    rows = _rows(app, "parking_permit")
    nynorsk = [r.values["nn"] for r in rows if r.values.get("nn") not in (None, "", r.base)]
    assert _shown(nynorsk, page) == []
