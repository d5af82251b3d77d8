"""Caseworker task page: validation, stale views and completed tasks."""

from __future__ import annotations

import re

import lxml.html

from tests.factories import PARKING_APPLICATION, text_of

APPLY = "/services/parking_permit/apply"
REVIEW = {
    "review_decision": "rejected",
    "review_reason": "Legeerklæringen viser ikke nedsatt gangevne.",
}


def _open_task(login_as) -> tuple[object, str]:  # type: ignore[no-untyped-def]
    login_as("kari").submit(APPLY, PARKING_APPLICATION)
    sara = login_as("saksbehandler")
    match = re.search(
        r'href="(/casework/tasks/\d+)"', sara.get("/casework/").get_data(as_text=True)
    )
    assert match
    return sara, match.group(1)


def test_task_form_errors_keep_the_task_open(login_as):
    sara, url = _open_task(login_as)
    response = sara.submit(url, {"review_decision": "approved", "review_reason": ""})
    assert response.status_code == 422
    assert "Begrunnelse" in text_of(response)
    assert url in sara.get("/casework/").get_data(as_text=True)


def test_stale_form_gets_a_conflict_and_the_current_state(login_as):
    sara, url = _open_task(login_as)
    fields = sara.hidden_fields(url)
    assert sara.submit(url, REVIEW).status_code == 302
    again = sara.client.post(url, data={**fields, **REVIEW})
    assert again.status_code == 409  # was 200: a POST to a completed task is a conflict
    assert "Denne oppgaven er ikke lenger åpen" in text_of(again)


def test_outdated_expected_version_is_a_conflict(app, login_as):
    sara, url = _open_task(login_as)
    fields = sara.hidden_fields(url)
    fields["expected_version"] = str(int(fields["expected_version"]) - 1)
    response = sara.client.post(url, data={**fields, **REVIEW})
    assert response.status_code == 409
    assert "Siden viser saken slik den er nå" in text_of(response)
    assert url in sara.get("/casework/").get_data(as_text=True)


def test_rejection_by_caseworker_reaches_the_citizen(login_as):
    sara, url = _open_task(login_as)
    assert sara.submit(url, REVIEW).status_code == 302
    kari = login_as("kari")
    case_url = re.search(r'href="(/cases/\d{4}-\d{6})"', kari.get("/cases").get_data(as_text=True))
    assert case_url
    text = text_of(kari.get(case_url.group(1)))
    assert "Vedtak: søknaden er avslått" in text
    assert "Legeerklæringen viser ikke nedsatt gangevne." in text
    assert "Gyldig til" not in text


def test_diagram_endpoint_serves_the_bpmn_of_the_case(login_as):
    sara, url = _open_task(login_as)
    page = sara.get(url).get_data(as_text=True)
    diagram = re.search(r'data-diagram-url="([^"]+)"', page)
    assert diagram
    response = sara.get(diagram.group(1))
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert b'id="review"' in response.data


def test_save_without_completing_keeps_the_input_and_the_task_open(login_as):
    sara, url = _open_task(login_as)
    saved = sara.submit(
        url, {"review_decision": "rejected", "review_reason": "Halvferdig", "save_only": "1"}
    )
    assert saved.status_code == 302
    doc = lxml.html.fromstring(sara.get(url).get_data(as_text=True))
    assert doc.xpath('string(//textarea[@name="review_reason"])').strip() == "Halvferdig"
    assert doc.xpath('//input[@name="review_decision" and @value="rejected"]/@checked')
    assert url in sara.get("/casework/").get_data(as_text=True)
