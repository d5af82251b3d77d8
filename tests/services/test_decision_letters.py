"""Decision letters: recorded with each decision, in the applicant's language, as PDF/UA."""

from __future__ import annotations

import io

import lxml.html
import pytest
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select

from designer.extensions import db
from designer.models import User
from designer.services import decisions
from designer.worker.tick import work_once
from engine.models import Instance, ProcessModel
from tests.services.decision_cases import (
    REASON,
    decided_by_caseworker,
    letters_of,
    rejected_automatically,
    set_language,
)


def _words(html: str) -> str:
    return " ".join(" ".join(lxml.html.fromstring(html).itertext()).split())


def _settings(app: Flask, **changes: object) -> None:
    with app.app_context():
        model = db.session.scalars(
            select(ProcessModel).where(ProcessModel.key == "parking_permit")
        ).one()
        model.settings = {**(model.settings or {}), **changes}
        db.session.commit()


def test_an_automatic_rejection_gets_a_letter_with_everything_the_law_asks(app, login_as):
    case_no = rejected_automatically(login_as("kari"))
    (letter,) = letters_of(app, case_no)
    assert (letter["number"], letter["kind"], letter["language"]) == (1, "decision", "nb")
    assert letter["external_ref"] == f"flytverk:default:{case_no}:1"
    assert letter["title"] == "Vedtak: Parkeringstillatelse for forflytningshemmede"
    assert letter["decided_by_name"] == ""  # no person decided
    text = _words(letter["html"])
    # Outcome first, then the short reason, details, appeal, contact, law references last.
    order = [
        "Søknaden din er avslått.",
        "Begrunnelse",
        "Søknaden mangler legeerklæring.",
        "Vedtaket er gjort etter Forskrift om parkering for forflytningshemmede § 3.",
        "Opplysningene vi har brukt",
        "Vedtaket er gjort ved automatisert saksbehandling etter reglene for tjenesten.",
        "Du kan be om at en saksbehandler vurderer vedtaket på nytt.",
        "Klagefristen er 3 uker fra den dagen du mottok dette brevet.",
        "kommunens klagenemnd",
        "Du har rett til å se dokumentene i saken din.",
        "Kontakt",
        "Lovhenvisninger",
        "Forvaltningsloven § 28 og § 29 (klage og klagefrist)",
    ]
    places = [text.find(words) for words in order]
    assert -1 not in places, [w for w, p in zip(order, places, strict=True) if p < 0]
    assert places == sorted(places)
    assert "Legger du ved legeerklæring? Nei" in text  # the facts relied on, in words
    assert "Kari Nordmann Storgata 1 3674 Notodden" in text  # addressed to the applicant
    assert "/services/parking_permit/rules/1" in letter["html"]  # the rules documentation
    assert "Vedtaket er gjort av" not in text


def test_a_caseworker_decision_names_the_caseworker_and_the_unit(app, login_as):
    _settings(app, unit="Tildelingskontoret")
    case_no = decided_by_caseworker(login_as("kari"), login_as("saksbehandler"))
    (letter,) = letters_of(app, case_no)
    text = _words(letter["html"])
    assert letter["decided_by_name"] == "Sara Saksbehandler"
    assert "Vedtaket er gjort av Sara Saksbehandler, Tildelingskontoret." in text
    assert "Søknaden din er innvilget." in text and REASON in text
    assert "Gyldig fra 1. desember 2026" in text and "Gyldig til 30. november 2029" in text
    assert "automatisert saksbehandling" not in text and "/rules/" not in letter["html"]


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "nn",
            [
                "Søknaden din er avslått.",
                "Grunngjeving",
                "Søknaden manglar legeerklæring.",  # the service's own nynorsk reason
                "Klagefristen er 3 veker frå den dagen du fekk dette brevet.",
                "den kommunale klagenemnda",
                "automatisert saksbehandling etter reglane for tenesta",
                "Forskrift om parkering for forflytningshemma § 3",
            ],
        ),
        (
            "en",
            [
                "Your application is rejected.",
                "Reason",
                "The deadline for appealing is 3 weeks from the day you received this letter.",
                "the municipal appeals committee",
                "automated processing under the rules of the service",
            ],
        ),
    ],
)
def test_the_letter_is_in_the_applicants_language(app, login_as, lang, words):
    set_language(app, "kari", lang)
    case_no = rejected_automatically(login_as("kari"))
    (letter,) = letters_of(app, case_no)
    text = _words(letter["html"])
    assert letter["language"] == lang and f'lang="{lang}"' in letter["html"]
    assert [w for w in words if w not in text] == []
    assert "Søknaden din er avslått" not in text or lang == "nn"


def test_health_and_care_services_give_four_weeks_to_statsforvalteren(app, login_as):
    _settings(app, health_care=True, appeal_body=None, appeal_weeks=None)  # its defaults
    text = _words(letters_of(app, rejected_automatically(login_as("kari")))[0]["html"])
    assert "Klagefristen er 4 uker" in text and "klagen din til Statsforvalteren" in text
    assert "Pasient- og brukerrettighetsloven § 7-2 og § 7-5" in text
    _settings(app, health_care=False, appeal_weeks=6, appeal_body="formannskapet")
    text = _words(letters_of(app, rejected_automatically(login_as("kari")))[0]["html"])
    assert "Klagefristen er 6 uker" in text and "klagen din til formannskapet" in text


def test_the_pdf_is_tagged_with_language_and_title(app, login_as):
    set_language(app, "kari", "nn")
    case_no = rejected_automatically(login_as("kari"))
    assert letters_of(app, case_no)[0]["pdf"] is None  # rendered by the worker, after commit
    work_once(app, daily=False)
    (letter,) = letters_of(app, case_no)
    reader = PdfReader(io.BytesIO(letter["pdf"]))
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"].value is True  # tagged
    assert "/StructTreeRoot" in root and root["/Lang"] == "nn"
    assert root["/ViewerPreferences"]["/DisplayDocTitle"].value is True
    assert (
        reader.metadata.title == letter["title"] == "Vedtak: Parkeringsløyve for forflytningshemma"
    )
    assert reader.xmp_metadata is not None
    assert reader.xmp_metadata.dc_title == {"x-default": letter["title"]}
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Søknaden din er avslått." in text and "Klagefristen er 3 veker" in text
    assert {"/H1", "/H2", "/H3", "/P", "/Table", "/Caption", "/TH", "/TD", "/L"} <= _tags(
        root["/StructTreeRoot"]
    )


def _tags(node: object) -> set[str]:
    """Every structure type in a PDF's structure tree."""
    found: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        item = item.get_object() if hasattr(item, "get_object") else item
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if "/S" in item:
                found.add(str(item["/S"]))
            if "/K" in item:
                stack.append(item["/K"])
    return found


def test_a_caseworkers_words_are_text_never_markup(app, login_as):
    reason = '<script>alert("x")</script> <b>Innvilget</b>'
    case_no = decided_by_caseworker(login_as("kari"), login_as("saksbehandler"), reason=reason)
    html = letters_of(app, case_no)[0]["html"]
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html


def test_record_decision_numbers_the_letters_and_checks_its_input(app, login_as):
    case_no = rejected_automatically(login_as("kari"))
    with app.test_request_context():
        instance = db.session.scalars(select(Instance).where(Instance.case_no == case_no)).one()
        sara = db.session.scalars(select(User).where(User.username == "saksbehandler")).one()
        with pytest.raises(ValueError):
            decisions.record_decision(
                db.session, instance, {"outcome": "maybe"}, kind="review", decided_by=sara
            )
        with pytest.raises(ValueError):
            decisions.record_decision(
                db.session, instance, {"outcome": "approved"}, kind="guess", decided_by=sara
            )
        letter = decisions.record_decision(
            db.session,
            instance,
            {"outcome": "approved", "reason": "Legeerklæringen kom i posten."},
            kind="review",
            decided_by=sara,
        )
        assert letter.number == 2 and letter.external_ref.endswith(f"{case_no}:2")
        assert (
            letter.title
            == "Nytt vedtak etter ny vurdering: Parkeringstillatelse for forflytningshemmede"
        )
        text = _words(letter.html)
        assert "En saksbehandler har vurdert saken din på nytt" in text
        assert "Vedtaket er gjort av Sara Saksbehandler" in text
        db.session.commit()
        assert [x.number for x in decisions.letters_of(db.session, instance.id)] == [1, 2]
        assert decisions.decided_by_of(db.session, instance) is None  # "automatic" in the result


def test_test_runs_and_cases_without_a_decision_get_no_letter(app, login_as):
    from designer.services import cases
    from engine import api as engine
    from tests.factories import PARKING_APPLICATION
    from tests.services.decision_cases import APPLY, case_no_of

    case_no = case_no_of(login_as("kari").submit(APPLY, PARKING_APPLICATION))
    assert letters_of(app, case_no) == []  # waiting for a caseworker
    with app.test_request_context():
        kari = db.session.scalars(select(User).where(User.username == "kari")).one()
        _model, version = cases.published_version(kari.tenant_id, "parking_permit")
        data = {k: v for k, v in PARKING_APPLICATION.items() if k != "doctor_statement_file"}
        run = engine.start(
            db.session,
            version,
            data={**data, "doctor_statement": "no"},
            actor=kari.actor,
            owner=kari.actor,
            is_test=True,
        )
        assert (run.status, run.result["outcome"]) == ("completed", "rejected")
        assert decisions.letters_of(db.session, run.id) == []
