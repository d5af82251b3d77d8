"""The public rules documentation of each published version (portal.rules), without login."""

from __future__ import annotations

import json
import os
import re

import lxml.html
import pytest
from lxml import etree
from sqlalchemy import select

from designer.extensions import db
from designer.services import publishing
from designer.services.catalog import install, read_folder, shipped_folders
from engine.models import ProcessModel, ProcessVersion, Tenant
from tests.factories import PARKING_APPLICATION, Browser

SERVICES = [os.path.basename(folder) for folder in shipped_folders()]
LANGUAGES = ("nb", "nn", "en")
NBSP = "\u00a0"


def _page(client, key: str, lang: str):  # type: ignore[no-untyped-def]
    found = client.get(f"/services/{key}/rules", headers={"Accept-Language": lang})
    assert found.status_code == 302, found.status_code
    assert re.search(rf"/services/{key}/rules/\d+$", found.headers["Location"])
    page = client.get(found.headers["Location"], headers={"Accept-Language": lang})
    assert page.status_code == 200
    return lxml.html.fromstring(page.get_data(as_text=True))


def _text(node) -> str:  # type: ignore[no-untyped-def]
    return " ".join(" ".join(node.itertext()).split())


def _reasons(key: str, lang: str) -> list[str]:
    """Every rule annotation of the service in `lang` (as the files have it), up to a `{`."""
    folder = os.path.join("processes", key)
    texts: dict[str, str] = {}
    own = os.path.join(folder, f"texts.{lang}.json")
    if os.path.exists(own):
        with open(own, encoding="utf-8") as handle:
            texts = json.load(handle)
    found = []
    for name in (
        sorted(os.listdir(os.path.join(folder, "decisions")))
        if os.path.isdir(os.path.join(folder, "decisions"))
        else []
    ):
        root = etree.parse(os.path.join(folder, "decisions", name)).getroot()
        for decision in root.iter("{*}decision"):
            for rule in decision.iter("{*}rule"):
                written = next((d.text or "" for d in rule.iter("{*}description")), "").strip()
                if written:
                    text = texts.get(f"decision/{decision.get('id')}/{rule.get('id')}", written)
                    found.append(" ".join(text.split("{")[0].split()))
    return found


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("key", SERVICES)
def test_every_shipped_service_documents_its_rules_without_login(client, key, lang):
    doc = _page(client, key, lang)
    assert doc.get("lang") == lang
    main = _text(doc.xpath("//main")[0])
    assert len(doc.xpath("//h1")) == 1
    for reason in _reasons(key, lang):
        assert reason in main, reason
    # Every table is named and its headers say what they head.
    for table in doc.xpath("//main//table"):
        assert _text(table.xpath("caption")[0])
        assert table.xpath("thead//th") and all(
            th.get("scope") == "col" for th in table.xpath("thead//th")
        )
        assert all(th.get("scope") == "row" for th in table.xpath("tbody//th"))
        assert all(row.xpath("th") for row in table.xpath("tbody/tr"))
    # Each decision table under its own heading.
    assert len(doc.xpath("//main//h3[starts-with(@id, 'decision-')]")) == len(_decisions(key))


def _decisions(key: str) -> list[str]:
    folder = os.path.join("processes", key, "decisions")
    if not os.path.isdir(folder):
        return []
    return [
        str(d.get("id"))
        for name in sorted(os.listdir(folder))
        for d in etree.parse(os.path.join(folder, name)).getroot().iter("{*}decision")
    ]


@pytest.mark.parametrize("key", SERVICES)
def test_gateway_conditions_of_the_shipped_services_are_in_words(client, key):
    doc = _page(client, key, "en")
    assert "the condition is shown as written" not in _text(doc)
    shown = [_text(code) for code in doc.xpath("//main//code")]
    diagram = etree.parse(os.path.join("processes", key, "process.bpmn")).getroot()
    for condition in diagram.iter("{*}conditionExpression"):
        expression = " ".join((condition.text or "").split())
        assert expression.isidentifier() or expression not in shown  # a bare name is a name


def test_conditions_thresholds_and_options_read_as_words(client):
    nb = _page(client, "leisure_subsidy", "nb")
    en = _page(client, "leisure_subsidy", "en")
    nb_text, en_text = _text(nb), _text(en)
    assert "Behandling er «grant»" in nb_text  # the decision output's label, the value quoted
    assert "Behandling is “grant”" in en_text
    tests = [_text(row.xpath("td")[0]) for row in nb.xpath("//table[.//th='Hvis']/tbody/tr")]
    # A threshold is the municipality's parameter: its label and the version's value.
    # (_text folds the no-break spaces.)
    limit = "Inntektsgrense for automatisk innvilgelse (450 000 kr)"
    assert f"Husholdningsinntekt er under {limit}" in tests
    assert f"450{NBSP}000{NBSP}kr" in "".join(nb.xpath("//table//td//text()"))
    assert any(
        "is less than Upper income limit (NOK 550,000)" in _text(td) for td in en.xpath("//td")
    )
    assert "Hva det søkes om omfatter «Kontingent»" in tests  # the form's option label
    assert "includes “Membership fee”" in en_text
    assert "Alle andre saker" in tests  # the last rule, all "-"
    assert "Reglene leses ovenfra: den første regelen som passer, avgjør." in nb_text


def test_names_the_service_has_only_as_written_are_marked_with_their_language(client):
    en = _page(client, "leisure_subsidy", "en")
    assert en.xpath("//h3/span[@lang='nb' and normalize-space()='Støtte fra kontingentkassa']")
    assert "Assess the application" in _text(en)  # the task's own English name
    nn = _page(client, "parking_permit", "nn")
    assert "Automatisk avgjerd: Avslått" in _text(nn)
    assert "Søknaden manglar legeerklæring" in _text(nn)  # the script's reason, in nynorsk


def test_unknown_and_test_versions_and_unknown_services_are_not_found(app, client):
    assert client.get("/services/leisure_subsidy/rules/99").status_code == 404
    assert client.get("/services/nothing/rules/1").status_code == 404
    assert client.get("/services/nothing/rules").status_code == 404
    with app.app_context():
        model = db.session.scalars(select(ProcessModel).filter_by(key="leisure_subsidy")).one()
        snapshot = publishing.test_snapshot(db.session, model, "user:1")
        snapshot.number = 2  # even a test snapshot with a number is no published version
        db.session.commit()
    assert client.get("/services/leisure_subsidy/rules/2").status_code == 404


def test_another_municipalitys_service_is_not_found(app, client):
    with app.app_context():
        tenant = Tenant(slug="nabokommune", name="Nabokommune")
        db.session.add(tenant)
        db.session.flush()
        bundle = read_folder("processes/leisure_subsidy")
        bundle.key = "nabo_kontingent"
        version = install(db.session, tenant, bundle)
        db.session.commit()
        number = version.number
    assert client.get(f"/services/nabo_kontingent/rules/{number}").status_code == 404
    assert client.get("/services/nabo_kontingent/rules").status_code == 404


def test_an_earlier_version_keeps_its_page_and_points_to_the_rules_in_force(app, client):
    with app.app_context():
        model = db.session.scalars(select(ProcessModel).filter_by(key="parking_permit")).one()
        first = db.session.get(ProcessVersion, model.published_version_id)
        assert first is not None
        earlier = first.number
        newer = publishing.publish(db.session, model, "user:1", "the same again").number
        db.session.commit()
    page = client.get(f"/services/parking_permit/rules/{earlier}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "tidligere versjon" in html
    assert 'href="/services/parking_permit/rules"' in html
    assert (
        client.get("/services/parking_permit/rules").headers["Location"].endswith(f"/rules/{newer}")
    )
    assert "tidligere versjon" not in client.get(f"/services/parking_permit/rules/{newer}").text


def test_an_automatic_decision_links_to_the_rules_that_made_it(login_as):
    kari = login_as("kari")
    sent = kari.submit(
        "/services/parking_permit/apply", {**PARKING_APPLICATION, "doctor_statement": "no"}
    )
    case_url = sent.headers["Location"].split("?")[0]
    page = kari.get(case_url).get_data(as_text=True)
    link = re.search(r'href="(/services/parking_permit/rules/\d+)"', page)
    assert link, "the automatic rejection links to the rules documentation"
    assert "Slik avgjør reglene" in page
    assert Browser(kari.client.application.test_client()).get(link.group(1)).status_code == 200


def test_a_decision_by_a_caseworker_has_no_rules_link(login_as):
    kari = login_as("kari")
    sent = kari.submit("/services/parking_permit/apply", PARKING_APPLICATION)
    assert sent.status_code == 302
    case_url = sent.headers["Location"].split("?")[0]
    sara = login_as("saksbehandler")
    task = re.search(r'href="(/casework/tasks/\d+)"', sara.get("/casework/").text)
    assert task
    done = sara.submit(
        task.group(1),
        {
            "review_decision": "approved",
            "valid_from": "2026-12-01",
            "valid_to": "2029-11-30",
            "review_reason": "Legeerklæringen dokumenterer vesentlig nedsatt gangevne.",
        },
    )
    assert done.status_code == 302
    page = kari.get(case_url).text
    assert "vesentlig nedsatt gangevne" in page  # decided
    assert "/rules/" not in page


def test_the_designer_links_each_version_and_the_live_card_to_its_rules(app, login_as):
    eier = login_as("eier")
    with app.app_context():
        model = db.session.scalars(select(ProcessModel).filter_by(key="kindergarten")).one()
        model_id, number = model.id, db.session.get(ProcessVersion, model.published_version_id)
        assert number is not None
        number = number.number
    versions = eier.get(f"/modeler/{model_id}/versions").get_data(as_text=True)
    assert f'href="/services/kindergarten/rules/{number}"' in versions
    card = eier.get(f"/modeler/{model_id}/catalogue").get_data(as_text=True)
    assert 'href="/services/kindergarten/rules"' in card
