"""The proactive kindergarten offer: a birth message starts it, the parent answers yes or no."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import lxml.html
import pytest
from sqlalchemy import func, select

from designer.extensions import db
from designer.models import OutboxMessage, User, is_citizen_lane
from designer.services import inbox
from engine import runtime
from engine.models import HumanTask, Instance, Tenant
from tests.factories import Browser, add_api_token, text_of

KARI_ID = "15818012001"
TODAY = date.today()
BORN = (TODAY - timedelta(days=10)).isoformat()


@pytest.fixture
def token(app) -> str:  # type: ignore[no-untyped-def]
    """A messages token for the population register integration."""
    with app.app_context():
        return add_api_token("folkeregisteret")


def _birth(client, token: str, citizen: Any = KARI_ID, **payload: Any):  # type: ignore[no-untyped-def]
    body: dict[str, Any] = {
        "name": "child_born",
        "payload": {
            "child_national_id": "01012612345",
            "child_first_name": "Emma",
            "child_last_name": "Nordmann",
            "child_birth_date": BORN,
            "postal_code": "3724",
            **payload,
        },
    }
    if citizen is not None:
        body["citizen"] = citizen
    return client.post("/api/messages", json=body, headers={"Authorization": f"Bearer {token}"})


def _offer(app, client, token: str, **payload: Any) -> str:  # type: ignore[no-untyped-def]
    started = _birth(client, token, **payload)
    assert started.status_code == 201, started.get_json()
    return str(started.get_json()["started"])


def _task_url(browser: Browser, case_no: str) -> str:
    page = browser.get("/cases").get_data(as_text=True)
    found = re.search(rf'href="(/cases/{case_no}/tasks/\d+)"', page)
    assert found, "no call to answer on My cases"
    return found.group(1)


def _form_values(browser: Browser, url: str) -> dict[str, str]:
    """Every value the form would send as it stands (prefilled fields, hidden fields)."""
    doc = lxml.html.fromstring(browser.get(url).get_data(as_text=True))
    form = next(f for f in doc.forms if f.get("data-forms") is not None)
    return dict(form.form_values())


def _answer(browser: Browser, url: str, answer: str | None, **changes: str):  # type: ignore[no-untyped-def]
    fields = _form_values(browser, url)
    if answer is not None:
        fields["offer_answer"] = answer
    fields.update(changes)
    return browser.client.post(url, data=fields)


def _instance(app, case_no: str) -> Instance:  # type: ignore[no-untyped-def]
    with app.app_context():
        instance = db.session.scalar(select(Instance).where(Instance.case_no == case_no))
        assert instance is not None
        db.session.expunge(instance)
        return instance


def _case_count(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Instance)) or 0


def test_a_birth_starts_an_offer_kari_finds_prefilled_under_my_cases(app, client, token, login_as):
    case_no = _offer(app, client, token)
    with app.app_context():
        kari = db.session.scalar(select(User).where(User.username == "kari"))
        instance = db.session.scalar(select(Instance).where(Instance.case_no == case_no))
        assert instance.owner == kari.actor
        assert instance.subject == "Tilbud om barnehageplass – Emma"
        data = runtime.current_data(db.session, instance)
        mails = db.session.scalars(select(OutboxMessage)).all()
    assert data["child_name"] == "Emma Nordmann"
    assert data["kindergarten"] == "Lia barnehage"  # the nearest to postal code 3724
    assert [(m.kind, m.recipient) for m in mails] == [("answer_needed", "kari@example.no")]
    body = mails[0].body_text
    assert case_no in body and f"/cases/{case_no}/tasks/" in body
    assert "barnehage" not in body.lower() and "Emma" not in body  # no details by e-mail

    kari_browser = login_as("kari")
    cases_page = text_of(kari_browser.get("/cases"))
    assert "Venter på svaret ditt" in cases_page and "Tilbud om barnehageplass" in cases_page
    url = _task_url(kari_browser, case_no)
    assert url.endswith(f"/tasks/{instance_task_id(app, case_no)}")
    page = kari_browser.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'value="Emma Nordmann"' in html
    assert f'value="{data["offer_from"]}"' in html  # the start date is the offer's first day
    prefilled = _form_values(kari_browser, url)
    assert prefilled["kindergarten"] == "Lia barnehage" and prefilled["hours"] == "100"
    assert "offer_answer" not in prefilled  # the one thing she must answer herself
    assert 'name="csrf_token"' in html and 'name="expected_version"' in html
    case_page = text_of(kari_browser.get(f"/cases/{case_no}"))
    assert "Venter på svaret ditt" in case_page
    # Nobody applies for an offer: it is not in the catalogue.
    assert "Tilbud om barnehageplass" not in text_of(kari_browser.get("/"))
    assert kari_browser.get("/services/proactive_kindergarten/apply").status_code == 404


def instance_task_id(app, case_no: str) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        task = db.session.scalar(
            select(HumanTask).where(HumanTask.case_no == case_no, HumanTask.status == "open")
        )
        assert task is not None
        return task.id


def test_yes_goes_to_a_caseworker_who_allocates_the_place(app, client, token, login_as):
    case_no = _offer(app, client, token)
    kari = login_as("kari")
    url = _task_url(kari, case_no)
    sent = _answer(kari, url, "yes", kindergarten="Skogly barnehage")
    assert sent.status_code == 302 and sent.headers["Location"].endswith(
        f"/cases/{case_no}?answered=1"
    )
    receipt = text_of(kari.get(sent.headers["Location"]))
    assert "Vi har mottatt svaret ditt" in receipt and "Under behandling" in receipt
    assert "Skogly barnehage" in receipt  # her answer, read-only
    assert kari.get(url).status_code == 200  # the answered task shows it is closed
    assert "ikke lenger åpen" in text_of(kari.get(url))

    sara = login_as("saksbehandler")
    inbox = sara.get(f"/casework/?q={case_no}").get_data(as_text=True)
    task = re.search(r'href="(/casework/tasks/\d+)"', inbox).group(1)
    assert "Tildel barnehageplass" in text_of(sara.get(task))
    fields = _form_values(sara, task)
    assert fields["offered_kindergarten"] == "Skogly barnehage"  # prefilled from her answer
    done = sara.client.post(task, data=fields)
    assert done.status_code == 302
    instance = _instance(app, case_no)
    assert instance.status == "completed" and instance.outcome == "accepted"
    assert instance.result["outcome"] == "approved"
    decision = text_of(kari.get(f"/cases/{case_no}"))
    assert "innvilget" in decision and "Skogly barnehage" in decision


def test_no_declines_the_offer_without_a_caseworker(app, client, token, login_as):
    case_no = _offer(app, client, token)
    kari = login_as("kari")
    url = _task_url(kari, case_no)
    # Saying no needs nothing else: the pre-filled fields are hidden and not checked.
    assert _answer(kari, url, "no", child_name="").status_code == 302
    instance = _instance(app, case_no)
    assert instance.status == "completed" and instance.outcome == "declined"
    page = text_of(kari.get(f"/cases/{case_no}"))
    assert "Du takket nei til tilbudet" in page and "Takket nei til tilbudet" in page
    assert "Venter på svaret ditt" not in text_of(kari.get("/cases"))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(HumanTask)) == 1
        kinds = db.session.scalars(select(OutboxMessage.kind)).all()
    assert kinds == ["answer_needed"]  # she declined herself: no "decision" e-mail


def test_no_answer_in_30_days_lets_the_offer_expire(app, client, token, login_as):
    case_no = _offer(app, client, token)
    instance = _instance(app, case_no)
    assert instance.next_timer_at is not None
    assert instance.next_timer_at - instance.created_at >= timedelta(days=30)
    with app.app_context():
        runtime.wake(
            db.session, instance.tenant_id, instance.id, instance.next_timer_at + timedelta(1)
        )
    assert _instance(app, case_no).outcome == "expired"
    page = text_of(login_as("kari").get(f"/cases/{case_no}"))
    assert "Tilbudet har gått ut" in page and "innen fristen" in page


def test_another_citizen_gets_404_for_the_case_and_the_task(app, client, token, login_as):
    case_no = _offer(app, client, token)
    url = _task_url(login_as("kari"), case_no)
    with app.app_context():
        tenant = db.session.query(Tenant).one()
        other = User(tenant_id=tenant.id, username="nina", name="Nina Nabo", roles="citizen")
        other.set_password("demo")
        db.session.add(other)
        db.session.commit()
    nina = login_as("nina")
    assert nina.get(f"/cases/{case_no}").status_code == 404
    assert nina.get(url).status_code == 404
    posted = nina.client.post(url, data={"csrf_token": nina.csrf("/cases"), "offer_answer": "no"})
    assert posted.status_code == 404
    assert _instance(app, case_no).status == "running"
    assert case_no not in text_of(nina.get("/cases"))


def test_caseworkers_never_see_or_open_the_citizens_task(app, client, token, login_as):
    case_no = _offer(app, client, token)
    task_id = instance_task_id(app, case_no)
    with app.app_context():
        tenant = db.session.query(Tenant).one()
        # Even a caseworker whose groups name the citizen lane gets nothing.
        odd = User(
            tenant_id=tenant.id,
            username="ivar",
            name="Ivar Innbygger",
            roles="caseworker,team_lead",
            groups="Innbygger,søker,Saksbehandler",
        )
        odd.set_password("demo")
        db.session.add(odd)
        db.session.commit()
    for name in ("saksbehandler", "leder", "ivar"):
        browser = login_as(name)
        for view in ("all", "unassigned", "overdue"):
            assert case_no not in text_of(browser.get(f"/casework/?view={view}&q={case_no}"))
        assert case_no not in text_of(browser.get("/casework/"))
        assert browser.get(f"/casework/tasks/{task_id}").status_code == 403
        refused = browser.client.post(
            f"/casework/tasks/{task_id}/claim", data={"csrf_token": browser.csrf("/casework/")}
        )
        assert refused.status_code == 403
        assert browser.get(f"/cases/{case_no}/tasks/{task_id}").status_code == 403
    assert case_no not in text_of(login_as("ivar").get("/casework/team"))
    with app.app_context():
        ivar = db.session.scalar(select(User).where(User.username == "ivar"))
        assert ivar.group_list == ["Saksbehandler"]
        load = inbox.team_workload(db.session, ivar)
        assert load["unassigned"] == {} and load["oldest"] is None and load["overdue"] == 0
        assert inbox.page(db.session, ivar, inbox.InboxQuery()).total == 0
        assert db.session.get(HumanTask, task_id).assignee is None


def test_a_bad_answer_gets_field_errors_and_no_500(app, client, token, login_as):
    case_no = _offer(app, client, token)
    kari = login_as("kari")
    url = _task_url(kari, case_no)
    missing = _answer(kari, url, None)
    assert missing.status_code == 422
    assert "error-summary" in missing.get_data(as_text=True)
    wrong = _answer(kari, url, "maybe")
    assert wrong.status_code == 422
    bad_date = _answer(kari, url, "yes", start_date="31.02.2027")
    assert bad_date.status_code == 422
    assert _instance(app, case_no).status == "running"
    garbage = kari.client.post(url, data={"csrf_token": kari.csrf(url), "expected_version": "x"})
    assert garbage.status_code == 422
    assert kari.client.post(url, data={"offer_answer": "yes"}).status_code == 400  # no CSRF


def test_a_stale_version_is_a_conflict(app, client, token, login_as):
    case_no = _offer(app, client, token)
    kari = login_as("kari")
    url = _task_url(kari, case_no)
    stale = _answer(kari, url, "yes", expected_version="0")
    assert stale.status_code == 409
    assert "endret" in text_of(stale)
    assert _instance(app, case_no).status == "running"
    fields = _form_values(kari, url)
    assert kari.client.post(url, data={**fields, "offer_answer": "yes"}).status_code == 302
    # The same form sent twice (a double click, a lost response): the first receipt again.
    again = kari.client.post(url, data={**fields, "offer_answer": "no"})
    assert again.status_code == 302 and "answered=1" in again.headers["Location"]
    assert _instance(app, case_no).outcome is None
    # A fresh form for the answered task (another tab) is refused, not repeated.
    fields["submission_key"] = "another-tab"
    other = kari.client.post(url, data={**fields, "offer_answer": "no"})
    assert other.status_code == 409 and "allerede besvart" in text_of(other)
    assert _instance(app, case_no).outcome is None


def test_unknown_or_malformed_national_ids_start_no_case(app, client, token):
    before = _case_count(app)
    unknown = _birth(client, token, citizen="01010100050")
    assert unknown.status_code == 422 and "national id" in unknown.get_json()["error"]
    for malformed in ("1581801200", "15818012002", "1581801200x", 15818012001, "158180 12001"):
        assert _birth(client, token, citizen=malformed).status_code == 400, malformed
    assert _case_count(app) == before


def test_a_caseworker_national_id_is_not_a_household(app, client, token):
    with app.app_context():
        sara = db.session.scalar(select(User).where(User.username == "saksbehandler"))
        sara.national_id = "01010100050"
        db.session.commit()
    assert _birth(client, token, citizen="01010100050").status_code == 422


@pytest.mark.parametrize(
    ("born", "offer_from"),
    [
        # Turns one by the end of August: from 1 August that year.
        (date(TODAY.year, 3, 10), date(TODAY.year + 1, 8, 1)),
        (date(TODAY.year, 8, 31), date(TODAY.year + 1, 8, 1)),
        # Turns one in September to November: from the first birthday.
        (date(TODAY.year, 9, 15), date(TODAY.year + 1, 9, 15)),
        (date(TODAY.year, 11, 30), date(TODAY.year + 1, 11, 30)),
        # Turns one in December: from August the year after.
        (date(TODAY.year, 12, 1), date(TODAY.year + 2, 8, 1)),
        # A right that began in the past begins today.
        (date(2020, 1, 1), TODAY),
    ],
)
def test_the_offer_follows_the_statutory_right(app, client, token, born, offer_from):
    case_no = _offer(app, client, token, child_birth_date=born.isoformat())
    with app.app_context():
        instance = db.session.scalar(select(Instance).where(Instance.case_no == case_no))
        data = runtime.current_data(db.session, instance)
    assert data["offer_from"] == data["start_date"] == offer_from.isoformat()


def test_a_birth_without_a_name_still_makes_an_offer(app, client, token):
    payload = {"child_first_name": None, "child_last_name": None, "postal_code": None}
    case_no = _offer(app, client, token, **payload)
    instance = _instance(app, case_no)
    assert instance.status == "running" and instance.subject == "Tilbud om barnehageplass"


@pytest.mark.parametrize(
    ("lane", "citizen"),
    [
        ("Søker", True),
        ("SØKER", True),
        (" innbygger ", True),
        ("Citizen", True),
        ("applicant", True),
        ("Saksbehandler", False),
        ("Innbyggerservice", False),
        (None, False),
        ("", False),
    ],
)
def test_citizen_lanes_are_known_by_name_in_any_case(lane, citizen):
    assert is_citizen_lane(lane) is citizen


def test_an_offer_started_by_a_message_cannot_be_handled_again_on_appeal(
    app, client, token, login_as
):
    """The offer has no application to handle again: the unit that tries is told so on
    the task (422), the task stays open and no case is started."""
    from designer.models import Appeal

    case_no = _offer(app, client, token)
    kari = login_as("kari")
    _answer(kari, _task_url(kari, case_no), "yes", kindergarten="Skogly barnehage")
    sara = login_as("saksbehandler")
    inbox = sara.get(f"/casework/?q={case_no}").get_data(as_text=True)
    task = re.search(r'href="(/casework/tasks/\d+)"', inbox).group(1)
    assert sara.client.post(task, data=_form_values(sara, task)).status_code == 302
    sent = kari.submit(f"/cases/{case_no}/appeal", {"appeal_text": "Vi ønsket en annen barnehage."})
    assert sent.status_code == 303
    inbox = sara.get(f"/casework/?q={case_no}").get_data(as_text=True)
    appeal_task = re.search(r'href="(/casework/tasks/\d+)"', inbox).group(1)
    before = _case_count(app)
    tried = sara.submit(
        appeal_task,
        {
            "appeal_action": "reassess",
            "decision_reason": "Vi ser på søknaden på nytt.",
            "_hidden": "",
        },
    )
    assert tried.status_code == 422
    assert "kan ikke behandles på nytt" in text_of(tried)
    with app.app_context():
        [appeal] = db.session.scalars(select(Appeal)).all()
        assert appeal.status == "in_review"
        assert db.session.get(HumanTask, int(appeal_task.rsplit("/", 1)[1])).status == "open"
    assert _case_count(app) == before
