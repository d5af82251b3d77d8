"""The shipped kindergarten service: an instant, explained price, then admission by a caseworker."""

from __future__ import annotations

import re

from tests.factories import text_of

APPLY = "/services/kindergarten/apply"
FORM = {
    "applicant_name": "Kari Nordmann",
    "national_id": "15818012001",
    "household_income": "420000",
    "child_name": "Emma",
    "child_birth_date": "2023-03-01",
    "sibling_no": "2",
    "start_date": "2027-08-15",
    "wishes-0-kindergarten": "Lia barnehage",
}


def _hidden(browser, url: str) -> dict:  # type: ignore[type-arg]
    return browser.hidden_fields(url)


def test_price_is_decided_and_explained_at_once_then_a_caseworker_offers_a_place(login_as):
    kari = login_as("kari")
    sent = kari.client.post(APPLY, data={**_hidden(kari, APPLY), **FORM})
    assert sent.status_code == 302, text_of(sent)
    case_no = re.search(r"/cases/(\d{4}-\d{6})", sent.headers["Location"]).group(1)
    page = text_of(kari.get(f"/cases/{case_no}"))
    assert "Avgjort automatisk etter reglene for tjenesten" in page
    assert "gratis kjernetid" in page and "30 % søskenmoderasjon" in page
    assert "Prisen blir 1 470 kr i måneden." in page  # 420 000 * 6 % / 12 * 0,7

    sara = login_as("saksbehandler")
    task = re.search(
        r'href="(/casework/tasks/\d+)"', sara.get(f"/casework/?q={case_no}").get_data(as_text=True)
    ).group(1)
    form_page = sara.get(task).get_data(as_text=True)
    assert 'value="Lia barnehage"' in form_page  # options from the application
    done = sara.submit(
        task,
        {
            "_hidden": "",
            "admission": "offer",
            "offered_kindergarten": "Lia barnehage",
            "admission_reason": "Emma får plass i sin førsteprioritet.",
        },
    )
    assert done.status_code == 302
    decision = text_of(kari.get(f"/cases/{case_no}"))
    assert "innvilget" in decision and "Emma får plass i sin førsteprioritet." in decision
