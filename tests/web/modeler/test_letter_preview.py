"""The designer's decision letter page: preview per language, PDF, the letter's own texts."""

from __future__ import annotations

import io
import json

import lxml.html
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select

from designer.extensions import db
from designer.models import User
from designer.services import cases
from engine import api as engine
from engine.models import ProcessModel
from tests.factories import PARKING_APPLICATION


def _model(app: Flask) -> ProcessModel:
    with app.app_context():
        model = db.session.scalars(
            select(ProcessModel).where(ProcessModel.key == "parking_permit")
        ).one()
        db.session.expunge(model)
        return model


def _preview(response) -> str:  # type: ignore[no-untyped-def]
    doc = lxml.html.fromstring(response.get_data(as_text=True))
    (section,) = doc.xpath('//section[@aria-labelledby="preview-title"]')
    return " ".join(" ".join(section.itertext()).split())


def test_the_process_owner_previews_the_letter_in_each_language(app, login_as):
    eier, model = login_as("eier"), _model(app)
    url = f"/modeler/{model.id}/letter"
    nb = eier.get(url)
    assert nb.status_code == 200
    text = _preview(nb)
    assert "Vedtak: Parkeringstillatelse for forflytningshemmede" in text
    assert "Søknaden din er avslått." in text and "Klagefristen er 3 uker" in text
    assert "Fullt navn Eksempel" in text  # sample data from the start form
    assert "automatisert saksbehandling" in text
    nn = _preview(
        eier.get(url, query_string={"lang": "nn", "outcome": "approved", "by": "caseworker"})
    )
    assert "Søknaden din er innvilga." in nn and "Fullt namn Døme" in nn
    assert "Vedtaket er gjort av Per Prosesseier" in nn and "Klagefristen er 3 veker" in nn
    en = _preview(eier.get(url, query_string={"lang": "en"}))
    assert "Your application is rejected." in en and "Full name" in en
    pdf = eier.get(f"/modeler/{model.id}/letter.pdf", query_string={"lang": "nn"})
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.data))
    assert reader.trailer["/Root"]["/Lang"] == "nn"
    assert reader.metadata.title == "Vedtak: Parkeringsløyve for forflytningshemma"
    assert login_as("saksbehandler").get(url).status_code == 403


def test_the_preview_uses_a_test_runs_data(app, login_as):
    model = _model(app)
    with app.test_request_context():
        kari = db.session.scalars(select(User).where(User.username == "kari")).one()
        _model_row, version = cases.published_version(kari.tenant_id, "parking_permit")
        data = {k: v for k, v in PARKING_APPLICATION.items() if k != "doctor_statement_file"}
        run = engine.start(
            db.session,
            version,
            data={**data, "doctor_statement": "no", "applicant_name": "Testa Testesen"},
            actor="user:1",
            owner=kari.actor,
            is_test=True,
        )
        run_id, run_case = run.id, run.case_no
    page = login_as("eier").get(f"/modeler/{model.id}/letter")
    assert f"Testkjøring {run_case}" in page.get_data(as_text=True)
    text = _preview(
        login_as("eier").get(f"/modeler/{model.id}/letter", query_string={"run": run_id})
    )
    assert "Fullt navn Testa Testesen" in text
    assert "Søknaden mangler legeerklæring." in text  # the run's own decision and reason


def test_the_letter_texts_are_saved_in_the_draft_in_every_language(app, login_as):
    eier, model = login_as("eier"), _model(app)
    url = f"/modeler/{model.id}/letter"
    saved = eier.submit(
        url,
        {
            "nb:intro": "Vi viser til søknaden din om parkeringstillatelse, sak {case_no}.",
            "nn:intro": "Vi viser til søknaden din om parkeringsløyve, sak {case_no}.",
            "nb:contact": "Ring servicetorget på 35 01 50 00.",
        },
    )
    assert saved.status_code == 303
    with app.app_context():
        files = db.session.get(ProcessModel, model.id).draft_files
        assert json.loads(files["texts.nb.json"])["letter/intro"].startswith("Vi viser til")
        assert json.loads(files["texts.nn.json"])["letter/intro"].endswith("sak {case_no}.")
        # English was not sent: the shipped English paragraph is kept as it was.
        assert json.loads(files["texts.en.json"])["letter/intro"].startswith("We have assessed")
    text = _preview(eier.get(url))
    assert "Vi viser til søknaden din om parkeringstillatelse, sak TEST-0000-000000." in text
    assert "Ring servicetorget på 35 01 50 00." in text
    assert "Har du spørsmål" not in text  # the service's own contact paragraph replaces it
    assert "sak TEST-0000-000000" in _preview(eier.get(url, query_string={"lang": "nn"}))
    # The Tekster view lists them too, the service's own wording beside the others.
    texts = lxml.html.fromstring(eier.get(f"/modeler/{model.id}/texts").get_data(as_text=True))
    (group,) = texts.xpath('//section[@aria-labelledby="group-letters"]')
    assert group.xpath(".//h2")[0].text_content() == "Vedtaksbrev"
    row = group.xpath('.//tr[th[normalize-space(.)="Brev: innledning"]]')[0]
    assert "Vi viser til søknaden din om parkeringstillatelse" in row.text_content()
    assert "parkeringsløyve" in row.xpath('.//textarea[@lang="nn"]')[0].text_content()
