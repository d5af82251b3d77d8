"""The decision letter on the case pages and its PDF: for the applicant and the case's staff."""

from __future__ import annotations

import lxml.html
from flask import Flask
from sqlalchemy import select

from designer.extensions import db
from designer.models import AuditEvent, User
from designer.worker.tick import work_once
from engine.models import Tenant
from tests.factories import Browser, text_of
from tests.services.decision_cases import (
    decided_by_caseworker,
    letters_of,
    rejected_automatically,
)


def _person(app: Flask, username: str, roles: str, groups: str = "", tenant: str = "") -> None:
    with app.app_context():
        if tenant:
            place = Tenant(slug=tenant, name=tenant.capitalize())
            db.session.add(place)
            db.session.flush()
            tenant_id = place.id
        else:
            tenant_id = db.session.scalars(select(Tenant)).first().id
        user = User(tenant_id=tenant_id, username=username, name=username, roles=roles)
        user.groups = groups
        user.set_password("a long enough password 1")
        db.session.add(user)
        db.session.commit()


def _login(app: Flask, username: str) -> Browser:
    browser = Browser(app.test_client())
    browser.login(username, "a long enough password 1")
    return browser


def test_the_applicant_reads_the_letter_on_the_case_page_and_downloads_its_pdf(app, login_as):
    kari = login_as("kari")
    case_no = rejected_automatically(kari)
    page = kari.get(f"/cases/{case_no}")
    doc = lxml.html.fromstring(page.get_data(as_text=True))
    title = "Vedtak: Parkeringstillatelse for forflytningshemmede"
    (section,) = doc.xpath(f'//section[@aria-label="{title}"]')
    assert section.xpath(".//h2")[0].text_content() == title  # the letter's headings, nested
    assert [h.text_content() for h in section.xpath(".//h3")][:2] == ["Begrunnelse", "Detaljer"]
    assert "Klagefristen er 3 uker" in text_of(page)
    (link,) = doc.xpath('//a[starts-with(normalize-space(.), "Last ned brevet som PDF")]')
    assert link.get("href") == f"/cases/{case_no}/letters/1.pdf"
    pdf = kari.get(link.get("href"))  # before the worker made it: rendered on request
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF-") and letters_of(app, case_no)[0]["pdf"] is None
    assert f"vedtak-{case_no}-1.pdf" in pdf.headers["Content-Disposition"]
    assert kari.get(f"/cases/{case_no}/letters/2.pdf").status_code == 404
    work_once(app, daily=False)  # sent: the default adapter keeps a copy in the case's outbox
    doc = lxml.html.fromstring(kari.get(f"/cases/{case_no}").get_data(as_text=True))
    assert len(doc.xpath(f'//section[@aria-label="{title}"]')) == 1  # shown once, not twice
    assert "Brev: Vedtak" not in text_of(kari.get(f"/cases/{case_no}"))


def test_another_citizen_gets_not_found(app, login_as):
    case_no = rejected_automatically(login_as("kari"))
    _person(app, "nabo", "citizen")
    nabo = _login(app, "nabo")
    assert nabo.get(f"/cases/{case_no}/letters/1.pdf").status_code == 404


def test_the_caseworker_downloads_the_letter_and_the_read_is_audited(app, login_as):
    sara = login_as("saksbehandler")
    case_no = decided_by_caseworker(login_as("kari"), sara)
    (letter,) = letters_of(app, case_no)
    url = f"/casework/cases/{letter['instance_id']}/letters/1.pdf"
    page = sara.get(f"/casework/cases/{letter['instance_id']}")
    assert "Vedtaket er gjort av Sara Saksbehandler" in text_of(page)
    assert "Ikke sendt ennå" in text_of(page) and f'href="{url}"' in page.get_data(as_text=True)
    response = sara.get(url)
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    with app.app_context():
        audited = db.session.scalars(
            select(AuditEvent).where(AuditEvent.object_type == "decision_letter")
        ).all()
        assert [(a.action, a.case_no, a.object_id) for a in audited] == [
            ("letter.download", case_no, str(letter["id"]))
        ]


def test_staff_of_another_municipality_or_group_get_nothing(app, login_as):
    case_no = decided_by_caseworker(login_as("kari"), login_as("saksbehandler"))
    url = f"/casework/cases/{letters_of(app, case_no)[0]['instance_id']}/letters/1.pdf"
    _person(app, "nabo-sara", "caseworker", "Saksbehandler", tenant="nabokommune")
    _person(app, "annen", "caseworker", "Byggesak")
    for username, status in (("nabo-sara", 404), ("annen", 403)):
        assert _login(app, username).get(url).status_code == status, username
    assert login_as("kari").get(url).status_code == 403  # a citizen is no caseworker
    with app.app_context():
        denied = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action == "letter.download.denied")
        ).all()
        assert denied == ["letter.download.denied"]  # the same municipality's refusal
