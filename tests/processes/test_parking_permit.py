"""The parking-permit journey through the Flask test client, as citizen and caseworker."""

from __future__ import annotations

import re
from datetime import date, timedelta

import babel.dates

from tests.factories import DOCTOR_STATEMENT, PARKING_APPLICATION, text_of

APPLY = "/services/parking_permit/apply"


def _case_no(response) -> str:  # type: ignore[no-untyped-def]
    match = re.search(r"/cases/(\d{4}-\d{6})", response.headers["Location"])
    assert match, response.headers.get("Location")
    return match.group(1)


def test_catalogue_lists_the_published_service(client):
    page = client.get("/")
    assert page.status_code == 200
    assert "Parkeringstillatelse for forflytningshemmede" in text_of(page)


def test_apply_form_is_prefilled_from_the_profile(login_as):
    kari = login_as("kari")
    page = kari.get(APPLY)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'value="Kari Nordmann"' in html
    assert 'value="15818012001"' in html


def test_missing_doctor_statement_is_rejected_at_once_with_the_reason(login_as):
    kari = login_as("kari")
    response = kari.submit(APPLY, {**PARKING_APPLICATION, "doctor_statement": "no"})
    assert response.status_code == 302
    case_no = _case_no(response)
    case_page = kari.get(f"/cases/{case_no}")
    text = text_of(case_page)
    assert "Søknaden mangler legeerklæring" in text
    assert "avslått" in text.lower()
    assert "klage" in text.lower()
    # Nothing reaches the caseworker for an automatic rejection.
    sara = login_as("saksbehandler")
    assert case_no not in text_of(sara.get("/casework/"))


def test_complete_application_is_approved_by_a_caseworker(login_as):
    kari = login_as("kari")
    response = kari.submit(APPLY, PARKING_APPLICATION)
    case_no = _case_no(response)
    receipt = text_of(kari.get(f"/cases/{case_no}?received=1"))
    assert case_no in receipt and "Under behandling" in receipt

    sara = login_as("saksbehandler")
    inbox = sara.get("/casework/")
    match = re.search(r'href="/casework/tasks/(\d+)"', inbox.get_data(as_text=True))
    assert match and case_no in text_of(inbox)
    task_url = f"/casework/tasks/{match.group(1)}"
    task_page = text_of(sara.get(task_url))
    assert "Jeg kan bare gå noen få meter uten hjelp." in task_page
    assert "vesentlig nedsatt gangevne" in task_page

    done = sara.submit(
        task_url,
        {
            "review_decision": "approved",
            "valid_from": "2026-12-01",
            "valid_to": "2029-11-30",
            "review_reason": "Legeerklæringen dokumenterer vesentlig nedsatt gangevne.",
        },
    )
    assert done.status_code == 302
    assert case_no not in text_of(sara.get("/casework/"))

    decision = text_of(kari.get(f"/cases/{case_no}"))
    assert "innvilget" in decision.lower()
    assert "Legeerklæringen dokumenterer vesentlig nedsatt gangevne." in decision
    assert "30. november 2029" in decision
    assert "Forskrift om parkering for forflytningshemmede" in decision


def test_invalid_application_gets_field_errors_and_starts_nothing(login_as):
    kari = login_as("kari")
    response = kari.submit(
        APPLY, {**PARKING_APPLICATION, "national_id": "15818012002", "need_description": ""}
    )
    assert response.status_code == 422
    text = text_of(response)
    assert "Fødselsnummeret er ikke gyldig" in text
    assert "Du har ingen saker ennå" in text_of(kari.get("/cases"))


def test_english_interface_via_the_language_switch(login_as):
    kari = login_as("kari")
    assert kari.set_language("en").status_code == 302
    page = text_of(kari.get(APPLY))
    assert "Send application" in page and "Full name" in page


def _review_task(sara) -> str:  # type: ignore[no-untyped-def]
    match = re.search(
        r'href="/casework/tasks/(\d+)"', sara.get("/casework/").get_data(as_text=True)
    )
    assert match
    return f"/casework/tasks/{match.group(1)}"


def test_the_doctors_statement_is_uploaded_and_shown_to_the_caseworker(login_as):
    kari = login_as("kari")
    case_no = _case_no(kari.submit(APPLY, PARKING_APPLICATION))
    assert "legeerklaering.pdf" in text_of(kari.get(f"/cases/{case_no}"))  # her own copy
    sara = login_as("saksbehandler")
    task_page = sara.get(_review_task(sara)).get_data(as_text=True)
    assert "Åpne legeerklæringen under <strong>Vedlegg</strong>" in task_page
    link = re.search(r'href="(/attachments/\d+)">legeerklaering.pdf</a>', task_page)
    assert link, "the caseworker sees the statement the instructions name"
    download = sara.get(link.group(1))
    assert download.status_code == 200 and download.data == DOCTOR_STATEMENT.read()
    download.close()


def test_answering_yes_without_the_statement_asks_for_the_file(login_as):
    kari = login_as("kari")
    without = {k: v for k, v in PARKING_APPLICATION.items() if k != "doctor_statement_file"}
    response = kari.submit(APPLY, without)
    assert response.status_code == 422
    assert "Velg en fil for «Legeerklæring»." in text_of(response)
    assert "Du har ingen saker ennå" in text_of(kari.get("/cases"))


def test_answering_no_needs_no_file_and_is_refused_at_once(login_as):
    kari = login_as("kari")
    without = {k: v for k, v in PARKING_APPLICATION.items() if k != "doctor_statement_file"}
    case_no = _case_no(kari.submit(APPLY, {**without, "doctor_statement": "no"}))
    page = text_of(kari.get(f"/cases/{case_no}"))
    assert "Søknaden mangler legeerklæring" in page and "legeerklaering.pdf" not in page


def test_a_permit_cannot_be_approved_to_end_before_it_begins(login_as):
    kari = login_as("kari")
    case_no = _case_no(kari.submit(APPLY, PARKING_APPLICATION))
    sara = login_as("saksbehandler")
    task_url = _review_task(sara)
    begins = date.today() + timedelta(days=30)
    approval = {
        "review_decision": "approved",
        "valid_from": begins.isoformat(),
        "valid_to": (begins - timedelta(days=1)).isoformat(),
        "review_reason": "Legeerklæringen dokumenterer vesentlig nedsatt gangevne.",
    }
    refused = sara.submit(task_url, approval)
    assert refused.status_code == 422
    shown = begins.strftime("%d.%m.%Y")
    assert f"«Gyldig til» kan ikke være før «Gyldig fra» ({shown})." in text_of(refused)
    assert case_no in text_of(sara.get("/casework/"))  # the task is still open
    past = sara.submit(task_url, {**approval, "valid_from": "", "valid_to": "2020-01-01"})
    assert past.status_code == 422 and "Datoen kan ikke være tilbake i tid." in text_of(past)
    done = sara.submit(task_url, {**approval, "valid_to": begins.isoformat()})  # one day
    assert done.status_code == 302
    long_date = babel.dates.format_date(begins, "long", locale="nb")
    decision = text_of(kari.get(f"/cases/{case_no}"))
    assert f"Gyldig fra{long_date}" in decision and f"Gyldig til{long_date}" in decision
