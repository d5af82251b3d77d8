"""The caseworker inbox: views, filters, search, pages; claiming, assigning, absence; timeline."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from designer.extensions import db
from designer.models import User
from engine.models import HumanTask, utcnow
from tests.factories import PARKING_APPLICATION, text_of

APPLY = "/services/parking_permit/apply"
REVIEW = {"review_decision": "approved", "review_reason": "Dokumentert behov for parkering."}


def _apply(kari, name: str = "Kari Nordmann") -> str:  # type: ignore[no-untyped-def]
    response = kari.submit(APPLY, {**PARKING_APPLICATION, "applicant_name": name})
    return re.search(r"/cases/(\d{4}-\d{6})", response.headers["Location"]).group(1)


def _task_url(browser, case_no: str) -> str:  # type: ignore[no-untyped-def]
    html = browser.get(f"/casework/?q={case_no}").get_data(as_text=True)
    return re.search(r'href="(/casework/tasks/\d+)"', html).group(1)


def test_views_filters_search_and_pages(app, login_as):
    kari = login_as("kari")
    cases = [_apply(kari, f"Søker {i:02d}") for i in range(27)]
    sara = login_as("saksbehandler")
    first = text_of(sara.get("/casework/"))
    assert "27 oppgaver" in first and "Side 1 av 2" in first
    second = text_of(sara.get("/casework/?page=2"))
    assert "Søker 26" in second and "Søker 00" not in second
    assert "1 oppgaver" in text_of(sara.get(f"/casework/?q={cases[3]}"))
    assert "Søker 07" in text_of(sara.get("/casework/?q=søker 07"))
    assert "0 oppgaver" in text_of(sara.get("/casework/?q=%25"))  # LIKE wildcards are literal
    assert "0 oppgaver" in text_of(sara.get("/casework/?view=mine"))
    sara.submit(_task_url(sara, cases[0]), {}, action="/claim")
    assert "1 oppgaver" in text_of(sara.get("/casework/?view=mine"))
    assert "26 oppgaver" in text_of(sara.get("/casework/?view=unassigned"))
    assert "1 oppgaver" in text_of(sara.get("/casework/?status=assigned"))
    with app.app_context():
        task = db.session.query(HumanTask).filter_by(case_no=cases[5]).one()
        task.due_at = utcnow() - timedelta(days=1)
        db.session.commit()
    overdue = text_of(sara.get("/casework/?view=overdue"))
    assert "1 oppgaver" in overdue and "Over fristen" in overdue
    by_due = sara.get("/casework/?sort=due").get_data(as_text=True)
    assert by_due.index(cases[5]) < by_due.index(cases[1])
    assert "0 oppgaver" in text_of(sara.get("/casework/?service=999999"))
    assert sara.get("/casework/?page=abc&view=evil&sort=drop").status_code == 200


def test_claim_release_assign_and_completion_rules(app, login_as):
    case_no = _apply(login_as("kari"))
    sara, ola, lise = login_as("saksbehandler"), login_as("ola"), login_as("leder")
    url = _task_url(sara, case_no)
    assert sara.submit(url, {}, action="/claim").status_code == 302
    taken = ola.client.post(url + "/claim", data={"csrf_token": ola.csrf(url)})
    assert taken.status_code == 303
    assert "Noen andre har allerede tatt denne oppgaven." in text_of(ola.get(url))
    token = ola.csrf(url)
    assert ola.client.post(url + "/release", data={"csrf_token": token}).status_code == 403
    refused = ola.submit(url, REVIEW)
    assert refused.status_code == 409
    assert "Denne oppgaven er tildelt en kollega." in text_of(refused)
    # The team lead moves it to Ola, who completes it.
    ola_id = re.search(r'<option value="(\d+)">Ola Olsen', lise.get(url).get_data(as_text=True))
    moved = lise.client.post(
        url + "/assign", data={"csrf_token": lise.csrf(url), "assignee": ola_id.group(1)}
    )
    assert moved.status_code == 302
    assert ola.submit(url, REVIEW).status_code == 302
    timeline = text_of(sara.get(_case_url(sara, case_no)))
    for entry in (
        "Søknad mottatt",
        "Automatisk steg",
        "Oppgave opprettet",
        "Oppgaven er tatt",
        "Oppgaven er tildelt",
        "Oppgave fullført",
        "Saken er avgjort",
    ):
        assert entry in timeline, entry
    assert "Ola Olsen" in timeline and "Sara Saksbehandler" in timeline


def _case_url(browser, case_no: str) -> str:  # type: ignore[no-untyped-def]
    with browser.client.application.app_context():
        task = db.session.query(HumanTask).filter_by(case_no=case_no).first()
        return f"/casework/cases/{task.instance_id}"


def test_absence_returns_tasks_to_the_group(app, login_as):
    case_no = _apply(login_as("kari"))
    ola, lise = login_as("ola"), login_as("leder")
    url = _task_url(ola, case_no)
    ola.submit(url, {}, action="/claim")
    team = text_of(lise.get("/casework/team"))
    assert "Ola Olsen" in team
    with app.app_context():
        ola_id = str(db.session.query(User).filter_by(username="ola").one().id)
    commits: list[int] = []
    count = lambda _session: commits.append(1)  # noqa: E731
    sa_event.listen(Session, "after_commit", count)
    try:
        marked = lise.submit(
            "/casework/team",
            {"user_id": ola_id, "absent": "1"},
            action="/casework/absence",
            form_index=-1,
        )
    finally:
        sa_event.remove(Session, "after_commit", count)
    assert marked.status_code == 302
    assert len(commits) == 1  # the absence commits with the tasks it frees, or not at all
    assert "1 oppgaver" in text_of(lise.get("/casework/?view=unassigned"))
    assert "På grunn av fravær" in text_of(lise.get(_case_url(lise, case_no)))
    assign = lise.client.post(
        url + "/assign", data={"csrf_token": lise.csrf(url), "assignee": ola_id}
    )
    assert assign.status_code == 303  # nobody gets work while absent


def test_comments_and_access_to_the_case_page(app, login_as):
    case_no = _apply(login_as("kari"))
    sara = login_as("saksbehandler")
    case_url = _case_url(sara, case_no)
    added = sara.submit(
        case_url, {"text": "Ringte søker, legeerklæring kommer i posten."}, action="/comments"
    )
    assert added.status_code == 302
    assert "Ringte søker" in text_of(sara.get(case_url))
    assert sara.submit(case_url, {"text": ""}, action="/comments").status_code == 303
    assert "Ringte søker" not in text_of(login_as("kari").get(f"/cases/{case_no}"))
    assert login_as("kari").get(case_url).status_code == 403
    assert login_as("leder").get("/casework/team").status_code == 200
    assert sara.get("/casework/team").status_code == 403


def test_asking_the_applicant_for_more_information(app, login_as):
    from designer.models import OutboxMessage

    case_no = _apply(login_as("kari"))
    sara = login_as("saksbehandler")
    case_url = _case_url(sara, case_no)
    asked = sara.submit(
        case_url, {"text": "Send oss legeerklæringen som vedlegg."}, action="/information-request"
    )
    assert asked.status_code == 302
    assert "Bedt om mer informasjon" in text_of(sara.get(case_url))
    citizen = text_of(login_as("kari").get(f"/cases/{case_no}"))
    assert "Kommunen trenger mer informasjon" in citizen
    assert "Send oss legeerklæringen som vedlegg." in citizen
    with app.app_context():
        [mail] = db.session.query(OutboxMessage).filter_by(kind="more_information").all()
        assert mail.recipient == "kari@example.no"
        assert "legeerklæringen" not in mail.body_text  # free text stays behind the login
