"""The shipped kindergarten service: an instant, explained price by the year's rates, an offer
of a place the parents accept or decline by a deadline, and a decision naming the place."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from designer.extensions import db
from designer.services.catalog import check, read_folder
from engine import runtime, steps
from engine.models import Instance
from engine.scripting import SCRIPT_ENGINE
from tests.factories import Browser, text_of
from tests.processes.test_proactive_kindergarten import _answer, _form_values

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
OFFER = {
    "_hidden": "",
    "admission": "offer",
    "offered_kindergarten": "Lia barnehage",
    "offered_start_date": "2027-08-15",
    "admission_reason": "Emma får plass i sin førsteprioritet.",
}


def _hidden(browser: Browser, url: str) -> dict[str, str]:
    return browser.hidden_fields(url)


def _priced(**answers: Any) -> dict[str, Any]:
    """The case data when the caseworker's admission task opens (the shipped process)."""
    parsed = check(read_folder("processes/kindergarten"))
    workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=SCRIPT_ENGINE)
    data = {
        "household_income": 420000,
        "child_birth_date": "2023-03-01",
        "sibling_no": "1",
        "start_date": "2027-08-15",
        "wishes": [{"kindergarten": "Lia barnehage"}],
        **answers,
    }
    workflow.get_next_task(state=TaskState.READY).data.update(data)
    steps.advance(workflow)
    [task] = workflow.get_tasks(state=TaskState.READY, manual=True)
    assert task.task_spec.bpmn_id == "admission"
    return dict(task.data)


@pytest.mark.parametrize(
    ("income", "born", "sibling", "price", "reduction"),
    [
        # 420 000 x 6 % / 11 = 2 291 > 2 000: the maximum price; 30 % off for the second
        # child = 1 400; a 4-year-old below 642 700: 1 400 x 20 / 41 = 683 off.
        (420000, "2023-03-01", "2", 717, 683),
        (300000, "2023-03-01", "1", 838, 798),  # 300 000 x 6 % / 11 = 1 636, then 798 off
        (300000, "2023-03-01", "2", 586, 559),  # 1 636 x 70 % = 1 145, then 559 off
        (300000, "2026-01-10", "1", 1636, 0),  # one year old at the start: no free hours
        (642699, "2023-03-01", "1", 1024, 976),  # just below the income limit
        (642700, "2023-03-01", "1", 2000, 0),  # at the limit: the maximum price in full
        (700000, "2023-03-01", "3", 0, 0),  # the third child is free
    ],
)
def test_the_price_follows_the_rates_of_the_start_date(
    income: int, born: str, sibling: str, price: int, reduction: int
) -> None:
    data = _priced(household_income=income, child_birth_date=born, sibling_no=sibling)
    assert data["rates_period"] == "2024/25" and data["max_price"] == 2000
    assert (data["monthly_price"], data["core_reduction"]) == (price, reduction)
    assert data["price"]["monthly_price"] == price
    assert data["offered_start_date"] == "2027-08-15"  # the caseworker's form starts there


def _apply(kari: Browser, **changes: str) -> str:
    sent = kari.client.post(APPLY, data={**_hidden(kari, APPLY), **FORM, **changes})
    assert sent.status_code == 302, text_of(sent)
    found = re.search(r"/cases/(\d{4}-\d{6})", sent.headers["Location"])
    assert found
    return found.group(1)


def _admit(sara: Browser, case_no: str, **changes: str) -> None:
    inbox = sara.get(f"/casework/?q={case_no}").get_data(as_text=True)
    task = re.search(r'href="(/casework/tasks/\d+)"', inbox)
    assert task
    page = sara.get(task.group(1)).get_data(as_text=True)
    assert 'value="Lia barnehage"' in page  # options from the application
    assert 'value="2027-08-15"' in page  # the wished start date, to keep or change
    assert sara.submit(task.group(1), {**OFFER, **changes}).status_code == 302


def _offer_url(kari: Browser, case_no: str) -> str:
    found = re.search(
        rf'href="(/cases/{case_no}/tasks/\d+)"', kari.get("/cases").get_data(as_text=True)
    )
    assert found, "no offer to answer on My cases"
    return found.group(1)


def _instance(app: Any, case_no: str) -> Instance:
    with app.app_context():
        found = db.session.scalar(select(Instance).where(Instance.case_no == case_no))
        assert found is not None
        return found


def test_price_at_once_then_an_offer_the_parents_accept_names_the_place_and_the_start(
    login_as: Any,
) -> None:
    kari = login_as("kari")
    case_no = _apply(kari)
    page = text_of(kari.get(f"/cases/{case_no}"))
    assert "Avgjort automatisk etter reglene for tjenesten" in page
    assert "barnehageåret 2024/25, som gjelder fra 1. august 2024: makspris 2 000 kr" in page
    assert "Du betaler for 11 måneder i året." in page
    assert "30 % søskenmoderasjon for barn nummer to, så prisen blir 1 400 kr." in page
    assert "20 av 41 timer i en heltidsplass, så 683 kr trekkes fra." in page
    assert "Prisen blir 717 kr i måneden." in page

    _admit(login_as("saksbehandler"), case_no)
    waiting = text_of(kari.get(f"/cases/{case_no}"))
    assert "Venter på svaret ditt: Svar på tilbudet om barnehageplass" in waiting
    url = _offer_url(kari, case_no)
    offer = kari.get(url).get_data(as_text=True)
    assert "Lia barnehage, 15.08.2027" in offer and "Svar innen fristen" in text_of(kari.get(url))
    assert _answer(kari, url, "yes").status_code == 302

    decision = text_of(kari.get(f"/cases/{case_no}"))
    assert "innvilget" in decision
    assert (
        "Barnet har fått plass i Lia barnehage fra 15.08.2027. "
        "Emma får plass i sin førsteprioritet." in decision
    )
    assert "15. august 2027" in decision  # valid from


def test_the_caseworker_may_offer_a_later_start(app: Any, login_as: Any) -> None:
    kari = login_as("kari")
    case_no = _apply(kari)
    _admit(login_as("saksbehandler"), case_no, offered_start_date="2027-09-01")
    assert _answer(kari, _offer_url(kari, case_no), "yes").status_code == 302
    result = _instance(app, case_no).result or {}
    assert result["kindergarten"] == "Lia barnehage" and result["valid_from"] == "2027-09-01"
    assert result["decided_by"] == "caseworker" and result["monthly_price"] == 717


def test_parents_who_decline_get_no_place_and_are_told_which_place_they_declined(
    app: Any, login_as: Any
) -> None:
    kari = login_as("kari")
    case_no = _apply(kari)
    _admit(login_as("saksbehandler"), case_no)
    assert _answer(kari, _offer_url(kari, case_no), "no").status_code == 302
    assert _instance(app, case_no).outcome == "declined"
    page = text_of(kari.get(f"/cases/{case_no}"))
    assert "Du takket nei til plassen i Lia barnehage." in page


def test_an_offer_without_an_answer_in_14_days_expires(app: Any, login_as: Any) -> None:
    kari = login_as("kari")
    case_no = _apply(kari)
    _admit(login_as("saksbehandler"), case_no)
    instance = _instance(app, case_no)
    assert instance.next_timer_at is not None
    with app.app_context():
        runtime.wake(
            db.session, instance.tenant_id, instance.id, instance.next_timer_at - timedelta(1)
        )
    assert _instance(app, case_no).status == "running"  # not yet
    with app.app_context():
        runtime.wake(
            db.session, instance.tenant_id, instance.id, instance.next_timer_at + timedelta(1)
        )
    assert _instance(app, case_no).outcome == "expired"
    page = text_of(kari.get(f"/cases/{case_no}"))
    assert "Tilbudet om plass i Lia barnehage gikk ut" in page


def test_a_waiting_list_decision_gives_the_caseworkers_reason(app: Any, login_as: Any) -> None:
    kari = login_as("kari")
    case_no = _apply(kari)
    sara = login_as("saksbehandler")
    inbox = sara.get(f"/casework/?q={case_no}").get_data(as_text=True)
    task = re.search(r'href="(/casework/tasks/\d+)"', inbox)
    assert task
    fields = {"_hidden": "", "admission": "waitlist", "admission_reason": "Alle plasser er fylt."}
    assert sara.submit(task.group(1), fields).status_code == 302
    page = text_of(kari.get(f"/cases/{case_no}"))
    assert "avslått" in page.lower()
    assert "Barnet har ikke fått plass nå og står på venteliste. Alle plasser er fylt." in page


def test_the_offer_form_shows_the_place_the_caseworker_chose(login_as: Any) -> None:
    kari = login_as("kari")
    case_no = _apply(kari, **{"wishes-1-kindergarten": "Skogly barnehage"})
    _admit(login_as("saksbehandler"), case_no)
    values = _form_values(kari, _offer_url(kari, case_no))
    assert values["place"] == "Lia barnehage"
