"""Case list pages: who sees which list, the page, its CSV and PDF, and the owner's editor."""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

import lxml.html
import pytest
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select

from designer.extensions import db
from designer.models import AuditEvent, User
from designer.services.caselists import sources
from engine.models import ProcessModel, Tenant
from tests.factories import Browser
from tests.services.decision_cases import rejected_automatically

PASSWORD = "a long enough password"
ROWS = [
    {"route": "Nord", "stop": 2, "name": "Anna", "quantity": 1, "day": None},
    {"route": "Nord", "stop": 1, "name": "Bjørn", "quantity": 2, "day": None},
    {"route": "Sør", "stop": 1, "name": "Cecilie", "quantity": 3, "day": None},
]
FIELDS = {
    "route": ("Route", "text"),
    "stop": ("Stop", "int"),
    "name": ("Name", "text"),
    "quantity": ("Quantity", "int"),
    "day": ("Day", "date"),
}
DRIVING = {
    "key": "driving",
    "name": {"nb": "Kjøreliste", "en": "Driving list"},
    "source": "test_meals",
    "groups": ["Sjåfører"],
    "columns": [
        {"field": "stop"},
        {"field": "name", "label": {"nb": "Navn", "en": "Who"}},
        {"field": "quantity", "sum": True},
    ],
    "section_by": "route",
    "sort": ["route", "stop"],
    "ask": ["route"],
    "orientation": "landscape",
}
CASES = {
    "key": "cases",
    "name": {"nb": "Saker", "en": "Cases"},
    "source": "cases",
    "groups": ["Saksbehandler"],
    "columns": [{"field": "case_no"}, {"field": "status"}],
}


@pytest.fixture
def service(app: Flask) -> int:
    """The parking permit with two lists, a test source with a day, and staff users."""
    days: list[date | None] = []

    def rows(session: Any, model: Any, day: date | None, lang: str) -> list[dict[str, Any]]:
        days.append(day)
        return [{**r, "day": day} for r in ROWS]

    sources.register(sources.Source("test_meals", "Meals", FIELDS, True, rows))
    with app.app_context():
        model = db.session.scalar(select(ProcessModel).where(ProcessModel.key == "parking_permit"))
        assert model is not None
        model.settings = {**model.settings, "lists": [DRIVING, CASES]}
        tenant_id = model.tenant_id
        for username, roles, groups in (
            ("driver", "staff", "Sjåfører"),
            ("cook", "staff", "Kjøkkenet"),
        ):
            person = User(tenant_id=tenant_id, username=username, name=username, roles=roles)
            person.groups = groups
            person.set_password(PASSWORD)
            db.session.add(person)
        other = Tenant(slug="nabo", name="Nabokommunen")
        db.session.add(other)
        db.session.flush()
        stranger = User(tenant_id=other.id, username="nabo", name="Nabo", roles="team_lead")
        stranger.set_password(PASSWORD)
        db.session.add(stranger)
        db.session.commit()
        model_id = model.id
    yield model_id
    sources.unregister("test_meals")


def _login(app: Flask, username: str) -> Browser:
    browser = Browser(app.test_client())
    browser.login(username, PASSWORD)
    return browser


def _text(response: Any) -> str:
    return " ".join(lxml.html.fromstring(response.get_data(as_text=True)).text_content().split())


def test_staff_land_on_their_lists_and_see_only_them(app: Flask, service: int) -> None:
    browser = Browser(app.test_client())
    landing = browser.submit("/login", {"username": "driver", "password": PASSWORD})
    assert landing.headers["Location"].endswith("/lists/")
    page = browser.get("/lists/")
    assert page.status_code == 200
    doc = lxml.html.fromstring(page.get_data(as_text=True))
    links = doc.xpath("//main//a/@href")
    assert f"/lists/{service}/driving" in links and f"/lists/{service}/cases" not in links
    nav = doc.xpath("//nav[contains(@class, 'main-nav')]//a/@href")
    assert "/lists/" in nav
    assert not any(h.startswith(("/casework", "/modeler", "/admin")) for h in nav)


def test_the_list_page_has_sections_sums_and_filters(app: Flask, service: int) -> None:
    browser = _login(app, "driver")
    page = browser.get(f"/lists/{service}/driving?day=2027-03-01")
    assert page.status_code == 200
    doc = lxml.html.fromstring(page.get_data(as_text=True))
    assert [h.text_content() for h in doc.xpath("//main//h2")] == ["Nord", "Sør"]
    first = doc.xpath("//main//table")[0]
    assert first.xpath(".//caption") and first.xpath(".//thead//th[@scope='col']")
    assert [td.text_content() for td in first.xpath(".//tbody/tr/td[2]")] == ["Bjørn", "Anna"]
    assert first.xpath(".//tfoot//td")[-1].text_content() == "3"
    assert doc.xpath("//input[@type='date' and @name='day']/@value") == ["2027-03-01"]
    assert doc.xpath("//select[@name='route']/option/@value") == ["", "Nord", "Sør"]
    assert doc.xpath("//form[@method='get']")
    only = lxml.html.fromstring(
        browser.get(f"/lists/{service}/driving?day=2027-03-01&route=S%C3%B8r").get_data(
            as_text=True
        )
    )
    assert [h.text_content() for h in only.xpath("//main//h2")] == ["Sør"]
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "list.view").order_by(AuditEvent.id)
        ).all()[-1]
        assert event.role == "staff" and event.detail["day"] == "2027-03-01"


def test_the_page_steps_to_the_day_before_and_after_keeping_the_filters(
    app: Flask, service: int
) -> None:
    browser = _login(app, "driver")
    page = browser.get(f"/lists/{service}/driving?day=2027-03-01&route=S%C3%B8r")
    doc = lxml.html.fromstring(page.get_data(as_text=True))
    links = doc.xpath("//nav[contains(@class, 'day-steps')]//a")
    assert [a.text_content() for a in links] == [
        "Forrige dag (28.02.2027)",
        "Neste dag (02.03.2027)",
    ]
    hrefs = [a.get("href") for a in links]
    assert hrefs == [
        f"/lists/{service}/driving?day=2027-02-28&route=S%C3%B8r",
        f"/lists/{service}/driving?day=2027-03-02&route=S%C3%B8r",
    ]
    assert browser.get(hrefs[1]).status_code == 200
    # A bad day has no neighbours to step to.
    bad = browser.get(f"/lists/{service}/driving?day=x")
    assert bad.status_code == 400
    assert not lxml.html.fromstring(bad.get_data(as_text=True)).xpath(
        "//nav[contains(@class, 'day-steps')]"
    )


def test_the_day_defaults_to_tomorrow_and_a_bad_one_is_400(app: Flask, service: int) -> None:
    browser = _login(app, "driver")
    page = browser.get(f"/lists/{service}/driving")
    assert page.status_code == 200
    for bad in ("2027-13-01", "tomorrow", "20270301", "9" * 40):
        answer = browser.get(f"/lists/{service}/driving?day={bad}")
        assert answer.status_code == 400, bad
        assert "ÅÅÅÅ-MM-DD" in answer.get_data(as_text=True)
        assert browser.get(f"/lists/{service}/driving.csv?day={bad}").status_code == 400
    assert browser.get(f"/lists/{service}/driving?route=Vest").status_code == 400
    assert browser.get(f"/lists/{service}/driving.pdf?route=Vest").status_code == 400


def test_csv_download(app: Flask, service: int) -> None:
    browser = _login(app, "driver")
    answer = browser.get(f"/lists/{service}/driving.csv?day=2027-03-01")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert "parking_permit-driving-2027-03-01.csv" in answer.headers["Content-Disposition"]
    body = answer.get_data()
    assert body.startswith("\ufeff".encode())
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[1] == "Nord;1;Bjørn;2"
    assert lines[-1].endswith(";6") and len(lines) == 5
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action)).all()
        assert "list.download" in actions


def test_pdf_is_tagged_a4_with_language_and_title(app: Flask, service: int) -> None:
    browser = _login(app, "driver")
    answer = browser.get(f"/lists/{service}/driving.pdf?day=2027-03-01")
    assert answer.status_code == 200 and answer.data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(answer.data))
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"].value is True and "/StructTreeRoot" in root
    assert root["/Lang"] in ("nb", "nn", "en")
    assert reader.metadata.title.startswith(("Kjøreliste", "Driving list"))
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # landscape A4
    text = reader.pages[0].extract_text()
    assert "Bjørn" in text and "Cecilie" in text and "1 / 1" in text


def test_access_by_role_and_group(app: Flask, service: int, login_as: Any) -> None:
    assert _login(app, "cook").get(f"/lists/{service}/driving").status_code == 403
    assert _login(app, "cook").get(f"/lists/{service}/driving.csv").status_code == 403
    caseworker = login_as("saksbehandler")
    assert caseworker.get(f"/lists/{service}/driving").status_code == 403
    assert caseworker.get(f"/lists/{service}/cases").status_code == 200
    assert caseworker.get(f"/lists/{service}/nosuch").status_code == 404
    for lead in ("leder", "eier", "admin"):
        assert login_as(lead).get(f"/lists/{service}/driving").status_code == 200, lead
    assert login_as("kari").get("/lists/").status_code == 403
    assert login_as("kari").get(f"/lists/{service}/cases").status_code == 403
    assert _login(app, "nabo").get(f"/lists/{service}/cases").status_code == 404
    assert _login(app, "nabo").get(f"/lists/{service}/cases.pdf").status_code == 404
    assert Browser(app.test_client()).get("/lists/").status_code in (302, 401)
    assert _login(app, "cook").get("/lists/").status_code == 200


def test_the_cases_list_shows_the_services_cases(app: Flask, service: int, login_as: Any) -> None:
    case_no = rejected_automatically(login_as("kari"))
    page = login_as("saksbehandler").get(f"/lists/{service}/cases")
    assert case_no in _text(page)
    assert 'type="date"' not in page.get_data(as_text=True)  # cases need no day


def _editor(app: Flask, login_as: Any, service: int) -> tuple[Browser, str]:
    owner = login_as("eier")
    return owner, f"/modeler/{service}/lists"


def _typed(owner: Browser, url: str) -> dict[str, str]:
    """What the editor's text areas hold (a browser sends them; Browser.submit does not)."""
    doc = lxml.html.fromstring(owner.get(url).get_data(as_text=True))
    return {t.get("name"): t.text_content() for t in doc.xpath("//textarea")}


def _stored(app: Flask, service: int) -> list[dict[str, Any]]:
    with app.app_context():
        model = db.session.get(ProcessModel, service)
        assert model is not None
        return list(model.settings.get("lists", []))


def test_the_editor_saves_adds_and_deletes(app: Flask, service: int, login_as: Any) -> None:
    owner, url = _editor(app, login_as, service)
    page = owner.get(url)
    assert page.status_code == 200 and f"/lists/{service}/driving" in page.get_data(as_text=True)
    assert login_as("saksbehandler").get(url).status_code == 403
    new = {**CASES, "key": "more", "name": {"nb": "Flere"}}
    answer = owner.submit(url, {**_typed(owner, url), "list-new": json.dumps(new)}, form_index=0)
    assert answer.status_code == 303
    assert [d["key"] for d in _stored(app, service)] == ["driving", "cases", "more"]
    deleted = owner.submit(url, {"index": "1"}, form_index=2)
    assert deleted.status_code == 303
    assert [d["key"] for d in _stored(app, service)] == ["driving", "more"]
    with app.app_context():
        assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "lists.save")).all()


def test_the_editor_refuses_problems_and_keeps_what_was_typed(
    app: Flask, service: int, login_as: Any
) -> None:
    owner, url = _editor(app, login_as, service)
    wrong = {**DRIVING, "columns": [{"field": "name", "sum": True}]}
    answer = owner.submit(url, {**_typed(owner, url), "list-0": json.dumps(wrong)}, form_index=0)
    assert answer.status_code == 400
    doc = lxml.html.fromstring(answer.get_data(as_text=True))
    assert "bare tall kan summeres" in doc.xpath("string(//*[@id='list-0-error'])")
    assert doc.xpath("//textarea[@id='list-0']/@aria-invalid") == ["true"]
    assert '"sum": true' in doc.xpath("string(//textarea[@id='list-0'])")
    broken = owner.submit(url, {**_typed(owner, url), "list-new": "{not json"}, form_index=0)
    assert broken.status_code == 400 and "ikke gyldig JSON" in broken.get_data(as_text=True)
    assert _stored(app, service) == [DRIVING, CASES]


def test_the_editor_refuses_a_stale_page(app: Flask, service: int, login_as: Any) -> None:
    owner, url = _editor(app, login_as, service)
    fields = owner.hidden_fields(url, form_index=0)
    typed = _typed(owner, url)
    with app.app_context():
        model = db.session.get(ProcessModel, service)
        assert model is not None
        model.settings = {**model.settings, "lists": [CASES]}
        db.session.commit()
    answer = owner.client.post(url, data={**fields, **typed, "list-0": json.dumps(DRIVING)})
    assert answer.status_code == 409
    assert "etter at du åpnet denne siden" in answer.get_data(as_text=True)
    assert _stored(app, service) == [CASES]
