"""The meal service's whole life through the test client, on a controlled clock.

Apply, a caseworker's decision, a subscription that lives for a month: the kitchen's menu,
orders changed before and after the cut-off, a pause, the kitchen and driving lists of given
days, a late cancellation by staff, the monthly invoice (exact amount, made once) and an
appeal of the decision to Statsforvalteren.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from designer.extensions import db
from designer.models import (
    Appeal,
    Invoice,
    OutboxMessage,
    RecurringRun,
    Subscription,
    SubscriptionDay,
)
from designer.services.subscriptions import core
from designer.worker import work_once
from engine.models import Event, Instance, ProcessModel
from tests.factories import Browser, text_of
from tests.services.decision_cases import case_no_of

APPLICATION = {
    "applicant_name": "Kari Nordmann",
    "address": "Storgata 1",
    "postal_code": "3674",
    "city": "Notodden",
    "phone": "91234567",
    "portion_size": "normal",
    "diets": ["gluten_free"],
    "allergies": "Nøtter",
    "access_notes": "Nøkkelboks ved døra, kode 1234",
    "delivery_days": ["0", "3"],
    "portions": "2",
    "income_level": "low",
    "need_description": "Jeg klarer ikke å lage mat etter operasjonen.",
    "_hidden": "",
}
REVIEW = {
    "outcome": "approved",
    "review_reason": "Du har behov for praktisk bistand med middag.",
    "start_date": "2027-01-04",
    "route": "nord",
    "stop": "12",
    "weekdays": ["0", "3"],
    "portions_per_day": "2",
    "size": "normal",
    "income_tier": "low",
    "_hidden": "",
}


def utc(text: str) -> datetime:
    """A naive UTC moment from 'YYYY-MM-DD HH:MM' (Oslo is UTC+1 in January)."""
    return datetime.fromisoformat(text)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> dict[str, datetime]:
    """The subscription clock: set `clock["now"]`."""
    moment = {"now": utc("2026-12-28 09:00")}
    monkeypatch.setattr(core, "now", lambda: moment["now"])
    return moment


def _staff_task(sara: Browser, case_no: str) -> str:
    inbox = sara.get(f"/casework/?q={case_no}").get_data(as_text=True)
    task = re.search(r'href="(/casework/tasks/\d+)"', inbox)
    assert task, "the case must reach the allocation office"
    return task.group(1)


def granted(app: Flask, login_as: Any, review: dict[str, Any] | None = None) -> tuple[str, int]:
    """Kari applies, Sara grants; the worker starts the subscription. (case_no, sub id)"""
    kari, sara = login_as("kari"), login_as("saksbehandler")
    case_no = case_no_of(kari.submit("/services/meal_delivery/apply", APPLICATION))
    done = sara.submit(_staff_task(sara, case_no), {**REVIEW, **(review or {})})
    assert done.status_code == 302, text_of(done)[:2000]
    for _attempt in range(5):
        if not work_once(app):
            break
    with app.app_context():
        case = db.session.scalars(select(Instance).where(Instance.case_no == case_no)).one()
        assert case.status == "completed" and case.result["outcome"] == "approved"
        sub = db.session.scalars(
            select(Subscription).where(Subscription.instance_id == case.id)
        ).one()
        return case_no, sub.id


def _model_id(app: Flask) -> int:
    with app.app_context():
        return db.session.scalars(
            select(ProcessModel.id).where(ProcessModel.key == "meal_delivery")
        ).one()


def _csv_rows(browser: Browser, url: str) -> list[list[str]]:
    response = browser.get(url)
    assert response.status_code == 200, (url, response.status_code)
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return [line.split(";") for line in text.strip().splitlines()]


def _order(kari: Browser, sub_id: int, week: str, days: dict[str, tuple[int, str]]) -> Any:
    data = {"action": "order", "week": week}
    for day, (quantity, choice) in days.items():
        data[f"q-{day}"], data[f"c-{day}"] = str(quantity), choice
    return kari.client.post(
        f"/my/subscriptions/{sub_id}",
        data={**kari.hidden_fields(f"/my/subscriptions/{sub_id}?week={week}"), **data},
    )


def _pause(browser: Browser, url: str, first: str, last: str) -> Any:
    fields = {"action": "pause", "first": first, "last": last}
    return browser.client.post(url, data={**browser.hidden_fields(url), **fields})


def test_a_subscription_from_application_to_the_first_invoice(
    app: Flask, login_as: Any, clock: dict[str, datetime]
) -> None:
    case_no, sub_id = granted(app, login_as)
    kari, sara, kokk, sjafor = (login_as(n) for n in ("kari", "saksbehandler", "kokk", "sjafor"))
    model_id = _model_id(app)

    # The decision letter says where to order; Mine saker leads to the subscription.
    assert f"/my/subscriptions/{sub_id}" in kari.get("/cases").get_data(as_text=True)
    page = text_of(kari.get(f"/my/subscriptions/{sub_id}?week=2027-01-04"))
    assert "mandag 4. januar" in page and "torsdag 7. januar" in page

    # The kitchen enters the menu of the first two weeks.
    menu = {f"A-2027-01-{d:02d}": "Kjøttkaker" for d in (4, 5, 6, 7, 8, 11, 12, 13, 14, 15)}
    menu |= {f"B-2027-01-{d:02d}": "Fiskegrateng" for d in (4, 5, 6, 7, 8, 11, 12, 13, 14, 15)}
    saved = kokk.submit(f"/menu/{model_id}?week=2027-01-04", menu)
    assert saved.status_code == 302
    assert "Kjøttkaker" in text_of(kari.get(f"/my/subscriptions/{sub_id}?week=2027-01-11"))

    # Tuesday 5 January: next week's Monday becomes one portion of dish 2 (open until Fri 12:00).
    clock["now"] = utc("2027-01-05 10:00")
    changed = _order(kari, sub_id, "2027-01-11", {"2027-01-11": (1, "B"), "2027-01-14": (2, "A")})
    assert changed.status_code == 302, text_of(changed)[:1500]
    # Wednesday 6 January 12:00 local: Thursday 7's deadline has passed — refused, nothing kept.
    clock["now"] = utc("2027-01-06 11:30")
    late = _order(kari, sub_id, "2027-01-04", {"2027-01-07": (0, "A")})
    assert late.status_code == 400
    assert "closed" in text_of(late).lower() or "stengt" in text_of(late).lower()
    # Below the minimum of three portions a week: refused.
    short = _order(kari, sub_id, "2027-01-25", {"2027-01-25": (1, "A"), "2027-01-28": (1, "A")})
    assert short.status_code == 400
    # A pause over week 3 (two delivery days).
    paused = _pause(kari, f"/my/subscriptions/{sub_id}", "2027-01-18", "2027-01-24")
    assert paused.status_code == 302, text_of(paused)[:1500]

    # The lists: the kitchen's counts per dish × size × diet, the drivers' stops.
    kitchen = _csv_rows(kokk, f"/lists/{model_id}/kitchen.csv?day=2027-01-11")
    assert ["Fiskegrateng", "Vanlig porsjon", "Glutenfri", "1"] in [r[:4] for r in kitchen]
    assert kokk.get(f"/lists/{model_id}/kitchen.pdf?day=2027-01-11").data.startswith(b"%PDF")
    assert kokk.get(f"/lists/{model_id}/driving?day=2027-01-14").status_code == 403
    driving = text_of(sjafor.get(f"/lists/{model_id}/driving?day=2027-01-14"))
    assert "Storgata 1, 3674 Notodden" in driving and "Nøkkelboks ved døra" in driving
    empty = _csv_rows(kokk, f"/lists/{model_id}/kitchen.csv?day=2027-01-18")  # paused
    assert not [r for r in empty[1:] if r and r[0] in ("Kjøttkaker", "Fiskegrateng")]

    # Thursday 28 January 09:00: hospital — staff cancel the day late (charged).
    clock["now"] = utc("2027-01-28 08:00")
    cancelled = _pause(sara, f"/subscriptions/{sub_id}", "2027-01-28", "2027-01-28")
    assert cancelled.status_code == 302, text_of(cancelled)[:1500]

    # 1 February 06:30 local: the monthly run. January: 4 (2), 7 (2), 11 (1), 14 (2),
    # 18 and 21 paused, 25 (2), 28 cancelled late (2, charged) = 11 portions × 98 kr.
    work_once(app, utc("2027-02-01 05:30"))
    work_once(app, utc("2027-02-01 05:40"))  # again: nothing more
    with app.app_context():
        [invoice] = db.session.scalars(select(Invoice)).all()
        assert (invoice.period, invoice.amount) == ("2027-01", Decimal("1078.00"))
        assert [(line["kind"], line["quantity"]) for line in invoice.lines] == [
            ("delivered", 9),
            ("late_cancel", 2),
        ]
        assert invoice.status == "sent" and invoice.reference == f"{case_no}-2027-01"
        runs = select(func.count(RecurringRun.id)).where(RecurringRun.period == "2027-01")
        assert db.session.scalar(runs) == 1
        days = db.session.scalars(select(SubscriptionDay).order_by(SubscriptionDay.day)).all()
        assert [(d.day, d.kind) for d in days] == [
            (date(2027, 1, 11), "order"),
            (date(2027, 1, 18), "pause"),
            (date(2027, 1, 21), "pause"),
            (date(2027, 1, 28), "late_cancel"),
        ]
        case = db.session.scalars(select(Instance).where(Instance.case_no == case_no)).one()
        kinds = [
            e.kind
            for e in db.session.scalars(
                select(Event).where(Event.instance_id == case.id).order_by(Event.id)
            )
            if e.kind
            in (
                "subscription_started",
                "order_changed",
                "subscription_paused",
                "late_cancelled",
                "invoiced",
            )
        ]
        assert kinds == [
            "subscription_started",
            "order_changed",
            "subscription_paused",
            "late_cancelled",
            "invoiced",
        ]
    page = text_of(kari.get(f"/my/subscriptions/{sub_id}"))
    assert "2027-01" in page and "1 078" in page  # the invoice, and the timeline
    staff_page = text_of(sara.get(f"/casework/cases/{_case_id(app, case_no)}"))
    assert "Invoice made" in staff_page or "Faktura laget" in staff_page

    # The appeal: four weeks, to Statsforvalteren, from the case page.
    sent = kari.submit(f"/cases/{case_no}/appeal", {"appeal_text": "Jeg trenger mat tre dager."})
    assert sent.status_code == 303, text_of(sent)[:1500]
    assert "Statsforvalteren" in text_of(kari.get(f"/cases/{case_no}"))


def _case_id(app: Flask, case_no: str) -> int:
    with app.app_context():
        return db.session.scalars(select(Instance.id).where(Instance.case_no == case_no)).one()


def test_others_cannot_see_or_change_a_subscription(
    app: Flask, login_as: Any, clock: dict[str, datetime]
) -> None:
    _case_no, sub_id = granted(app, login_as)
    assert login_as("ola").get(f"/my/subscriptions/{sub_id}").status_code == 404
    assert login_as("kokk").get(f"/subscriptions/{sub_id}").status_code == 403
    assert login_as("ola").get(f"/subscriptions/{sub_id}").status_code == 403  # not his group
    assert login_as("kari").get(f"/subscriptions/{sub_id}").status_code == 403
    assert login_as("kari").get(f"/menu/{_model_id(app)}").status_code == 403
    bad = login_as("kari").get(f"/my/subscriptions/{sub_id}?week=not-a-date")
    assert bad.status_code == 400


def _upheld_for_new_handling(app: Flask, kari: Browser, sara: Browser) -> str:
    """Sara refuses Kari's application, Kari appeals, the unit has it handled again."""
    case_no = case_no_of(kari.submit("/services/meal_delivery/apply", APPLICATION))
    refused = {"outcome": "rejected", "review_reason": "Du klarer å lage mat selv.", "_hidden": ""}
    assert sara.submit(_staff_task(sara, case_no), refused).status_code == 302
    while work_once(app):
        pass
    sent = kari.submit(f"/cases/{case_no}/appeal", {"appeal_text": "Jeg klarer ikke å stå."})
    assert sent.status_code == 303, text_of(sent)[:1500]
    answer = {
        "appeal_action": "reassess",
        "decision_reason": "Legeerklæringen viser at du ikke kan stå lenge.",
        "_hidden": "",
    }
    assert sara.submit(_staff_task(sara, case_no), answer).status_code == 302
    return case_no


def test_a_refusal_upheld_on_appeal_is_handled_again_and_starts_the_subscription(
    app: Flask, login_as: Any
):
    """The unit upholds the appeal of a refusal and has the application handled again: the
    worker starts one new case with Kari's answers, the allocation office grants it with the
    days and route, and the subscription starts — the first case points to the new one."""
    kari, sara = login_as("kari"), login_as("saksbehandler")
    case_no = _upheld_for_new_handling(app, kari, sara)
    with app.app_context():
        first = db.session.scalars(select(Instance).where(Instance.case_no == case_no)).one()
        [appeal] = db.session.scalars(select(Appeal).where(Appeal.instance_id == first.id))
        assert appeal.status == "reassessing" and first.result["outcome"] == "rejected"
    page = text_of(kari.get(f"/cases/{case_no}"))
    assert "Klagen din er tatt til følge." in page and "Klag på vedtaket" not in page
    again = kari.client.get(f"/cases/{case_no}/appeal", follow_redirects=True)
    assert "søknaden din blir behandlet på nytt som en ny sak" in text_of(again)
    token = kari.csrf("/cases")
    crafted = kari.client.post(
        f"/cases/{case_no}/appeal", data={"csrf_token": token, "appeal_text": "Igjen, en gang."}
    )
    assert crafted.status_code == 303  # refused, with the reason on the case page
    with app.app_context():
        assert len(db.session.scalars(select(Appeal)).all()) == 1
    while work_once(app):
        pass
    while work_once(app):  # a second tick starts nothing more
        pass
    with app.app_context():
        db.session.expire_all()
        [appeal] = db.session.scalars(select(Appeal).where(Appeal.instance_id == first.id))
        new = db.session.get(Instance, appeal.follow_up_id)
        assert appeal.status == "reassessed" and new is not None
        assert (new.owner, new.subject, new.status) == (first.owner, first.subject, "running")
        new_no = new.case_no
        kinds = {
            instance_id: [
                kind
                for kind in db.session.scalars(
                    select(Event.kind).where(Event.instance_id == instance_id)
                )
            ]
            for instance_id in (first.id, new.id)
        }
        assert "reassessment_started" in kinds[first.id] and "reassessment_of" in kinds[new.id]
        owned = db.session.scalars(
            select(Instance.case_no).where(
                Instance.owner == first.owner, Instance.model_id == first.model_id
            )
        ).all()
        assert sorted(owned) == sorted([case_no, new_no])
    assert new_no in text_of(kari.get(f"/cases/{case_no}"))
    with app.app_context():  # Kari is told by e-mail (no service or reasons in it)
        [mail] = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "handled_again")
        ).all()
        assert mail.subject == f"Søknaden din behandles på nytt i sak {new_no}"
        assert f"klagen din i sak {case_no} er tatt til følge" in mail.body_text
        assert "Middag" not in mail.body_text
    staff_first = text_of(sara.get(f"/casework/cases/{_case_id(app, case_no)}"))
    assert "Tatt til følge: søknaden behandles på nytt" in staff_first and new_no in staff_first
    staff_new = text_of(sara.get(f"/casework/cases/{_case_id(app, new_no)}"))
    assert f"Enheten tok klagen i sak {case_no} til følge" in staff_new
    assert "Legeerklæringen viser at du ikke kan stå lenge." in staff_new
    assert sara.submit(_staff_task(sara, new_no), REVIEW).status_code == 302
    while work_once(app):
        pass
    with app.app_context():
        new = db.session.scalars(select(Instance).where(Instance.case_no == new_no)).one()
        assert new.status == "completed" and new.result["outcome"] == "approved"
        sub = db.session.scalars(
            select(Subscription).where(Subscription.instance_id == new.id)
        ).one()
        assert sub.weekdays == [0, 3] and sub.attributes["address"] == "Storgata 1, 3674 Notodden"


@pytest.mark.parametrize(
    ("lang", "name"), [("en", "Assess the application"), ("nn", "Vurder søknaden")]
)
def test_a_caseworker_reads_task_names_in_their_language(
    app: Flask, login_as: Any, lang: str, name: str
):
    """The inbox and the case page name the task as the service's texts say in the reader's
    language, as the task page does."""
    kari, sara = login_as("kari"), login_as("saksbehandler")
    case_no = case_no_of(kari.submit("/services/meal_delivery/apply", APPLICATION))
    sara.set_language(lang)
    inbox = text_of(sara.get(f"/casework/?q={case_no}"))
    assert name in inbox
    assert (name == "Vurder søknaden") == ("Vurder søknaden" in inbox)
    case_page = text_of(sara.get(f"/casework/cases/{_case_id(app, case_no)}"))
    assert name in case_page


def test_a_new_case_that_cannot_be_started_is_tried_again_later_not_every_tick(
    app: Flask, login_as: Any, caplog: pytest.LogCaptureFixture
):
    """The first case's stored state is broken, so its answers cannot be read: the start
    fails once, later ticks leave it alone for a while, and once it can be read it starts."""
    from designer.worker import tick

    kari, sara = login_as("kari"), login_as("saksbehandler")
    case_no = _upheld_for_new_handling(app, kari, sara)
    with app.app_context():
        first = db.session.scalars(select(Instance).where(Instance.case_no == case_no)).one()
        kept, first.state = first.state, "{not json"
        db.session.commit()
    with caplog.at_level("ERROR", logger="designer.worker.tick"):
        tick.start_reassessments(app)
        tick.start_reassessments(app)
    failures = [r for r in caplog.records if "Could not start the new case" in r.getMessage()]
    assert len(failures) == 1  # tried once, then left for REASSESS_RETRY
    with app.app_context():
        first = db.session.scalars(select(Instance).where(Instance.case_no == case_no)).one()
        first.state = kept
        db.session.commit()
        [appeal] = db.session.scalars(select(Appeal).where(Appeal.instance_id == first.id))
        assert appeal.status == "reassessing" and appeal.follow_up_id is None
        appeal_id = appeal.id
    tick.reassess_failures(app)[appeal_id] -= tick.REASSESS_RETRY  # the wait is over
    assert tick.start_reassessments(app) == 1
