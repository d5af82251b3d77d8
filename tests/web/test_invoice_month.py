"""A service's invoices of a month for staff: states, sending a failed one again, pricing an
unpriced one again after the table is fixed, and who may see them."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import lxml.html
from flask import Flask
from sqlalchemy import select

from designer.extensions import db
from designer.models import Invoice, Subscription
from designer.services.subscriptions import invoices
from designer.worker.recurring import send_invoices
from engine.models import Event, ProcessModel
from tests.services.test_subscriptions import priced_and_unpriced

RUN_DAY = datetime(2027, 2, 1, 5, 30)  # the January run is due (06:00 Oslo is 05:00 UTC)


class Down:
    """An invoicing system that is down (the external system, not our code)."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def send_invoice(self, invoice: dict[str, Any]) -> dict[str, Any]:
        raise ConnectionError("the invoicing system did not answer")


def _month(app: Flask, login_as: Any) -> tuple[int, int, int]:
    """Two January invoices: the first failed for good, the second without a price."""
    from designer.services.subscriptions import invoicing

    first, second = priced_and_unpriced(app, login_as)
    with app.app_context():
        model = db.session.scalars(
            select(ProcessModel).where(ProcessModel.key == "meal_delivery")
        ).one()
        [work] = invoicing.works_of(model)
        invoicing.run(db.session, model, work, "2027-01", RUN_DAY)
        db.session.commit()
        model_id = model.id
    app.config["INVOICE_ADAPTER"] = f"{__name__}:Down"
    app.extensions.pop("flytverk_invoices", None)
    for attempt in range(invoices.MAX_ATTEMPTS):  # the worker's rounds, each after its pause
        send_invoices(app, datetime(2027, 2, 1 + attempt, 6, 0))
    app.extensions.pop("flytverk_invoices", None)
    app.config["INVOICE_ADAPTER"] = ""
    return model_id, first, second


def _invoice(app: Flask, sub_id: int) -> Invoice:
    with app.app_context():
        found = db.session.scalars(select(Invoice).where(Invoice.subscription_id == sub_id)).one()
        db.session.expunge(found)
        return found


def _ready_again(app: Flask, login_as: Any) -> tuple[int, int]:
    """The month's failed invoice made ready to send again: (subscription id, invoice id)."""
    _model_id, first, _second = _month(app, login_as)
    with app.app_context():
        row = db.session.scalars(select(Invoice).where(Invoice.subscription_id == first)).one()
        row.status, row.attempts = "ready", 0
        db.session.commit()
        return first, row.id


def _rows(page: Any) -> list[list[str]]:
    doc = lxml.html.fromstring(page.get_data(as_text=True))
    table = doc.xpath("//main//table")[1]
    return [
        [" ".join(td.text_content().split()) for td in tr.xpath("./td")]
        for tr in table.xpath(".//tbody/tr")
    ]


def test_the_month_shows_what_needs_someone_and_both_can_be_put_right(
    app: Flask, login_as: Any
) -> None:
    model_id, first, second = _month(app, login_as)
    failed, unpriced = _invoice(app, first), _invoice(app, second)
    assert failed.status == "failed" and failed.attempts == invoices.MAX_ATTEMPTS
    assert unpriced.status == "no_price"
    leder = login_as("leder")
    assert f"/subscriptions/invoices/{model_id}" in leder.get("/lists/").get_data(as_text=True)
    url = f"/subscriptions/invoices/{model_id}?period=2027-01"
    page = leder.get(url)
    assert page.status_code == 200
    rows = _rows(page)
    assert rows[0][3].startswith("Mangler pris") and "gir ingen pris" in rows[0][3]
    assert rows[1][3].startswith("Feilet, prøves ikke mer")
    assert rows[1][2].startswith("1") and "forsøk: 10" in rows[1][3]
    assert "did not answer" in rows[1][3]

    # The invoicing system is back: the failed invoice goes again on the next round.
    leder.submit(url, {"action": "send"}, action=f"/item/{failed.id}")
    again = _invoice(app, first)
    assert (again.status, again.attempts) == ("ready", 0)
    assert send_invoices(app, datetime(2027, 2, 15, 6, 0)) == 1
    assert _invoice(app, first).status == "sent"

    # Still no price: refused with the reason, nothing changes.
    refused = leder.submit(url, {"action": "price"}, action=f"/item/{unpriced.id}")
    assert refused.status_code == 302
    assert "gir fortsatt ingen pris" in leder.get(url).get_data(as_text=True)
    assert _invoice(app, second).status == "no_price"
    # The details are corrected: priced by the table, one invoice for the month still.
    with app.app_context():
        sub = db.session.get(Subscription, second)
        assert sub is not None
        sub.attributes = {**sub.attributes, "size": "normal"}
        db.session.commit()
    leder.submit(url, {"action": "price"}, action=f"/item/{unpriced.id}")
    priced = _invoice(app, second)
    assert priced.status == "ready" and priced.amount > Decimal(0)
    assert priced.amount == Decimal(priced.lines[0]["unit_price"]) * priced.lines[0]["quantity"]
    with app.app_context():
        assert len(db.session.scalars(select(Invoice)).all()) == 2
        kinds = set(db.session.scalars(select(Event.kind)))
        assert {"invoice_resent", "invoice_priced"} <= kinds


def test_only_staff_of_the_service_see_and_act(app: Flask, login_as: Any) -> None:
    model_id, first, _second = _month(app, login_as)
    failed = _invoice(app, first)
    url = f"/subscriptions/invoices/{model_id}?period=2027-01"
    kari, kokk = login_as("kari"), login_as("kokk")
    assert kari.get(url).status_code == 403
    assert kokk.get(url).status_code == 403
    assert kokk.client.post(f"/subscriptions/invoices/item/{failed.id}").status_code in (400, 403)
    leder = login_as("leder")
    for bad in ("2027-13", "2027-1", "x", "9" * 30):
        assert leder.get(f"/subscriptions/invoices/{model_id}?period={bad}").status_code == 400
    assert leder.get(f"/subscriptions/invoices/{model_id + 999}").status_code == 404
    fields = leder.hidden_fields(url, 0)
    crafted = leder.client.post(
        f"/subscriptions/invoices/item/{failed.id}", data={**fields, "action": "delete"}
    )
    assert crafted.status_code == 400
    gone = leder.client.post(
        f"/subscriptions/invoices/item/{failed.id + 999}", data={**fields, "action": "send"}
    )
    assert gone.status_code == 404
    assert _invoice(app, first).status == "failed"


def test_the_citizen_never_sees_an_unpriced_invoice(app: Flask, login_as: Any) -> None:
    _model_id, _first, second = _month(app, login_as)
    kari = login_as("kari")

    def months(browser: Any, url: str) -> list[str]:
        doc = lxml.html.fromstring(browser.get(url).get_data(as_text=True))
        section = doc.xpath("//section[@aria-labelledby='invoices-title']")[0]
        return [td.text_content().strip() for td in section.xpath(".//tbody/tr/td[1]")]

    assert months(kari, f"/my/subscriptions/{second}") == []
    assert months(login_as("leder"), f"/subscriptions/{second}") == ["2027-01"]


def test_an_invoice_the_worker_sent_meanwhile_is_not_sent_again(app: Flask, login_as: Any) -> None:
    import pytest
    from sqlalchemy import update

    from designer.services.errors import Stale

    _model_id, first, _second = _month(app, login_as)
    with app.app_context():
        seen = db.session.scalars(select(Invoice).where(Invoice.subscription_id == first)).one()
        assert seen.status == "failed"
        # The worker's commit, which this session has not read (its copy stays "failed").
        db.session.execute(
            update(Invoice)
            .where(Invoice.id == seen.id)
            .values(status="sent", attempts=seen.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        with pytest.raises(Stale):
            invoices.send_again(db.session, seen, "user:1")
        db.session.commit()
    assert _invoice(app, first).status == "sent"


def test_two_workers_never_send_one_invoice_and_a_dead_ones_claim_ends(
    app: Flask, login_as: Any
) -> None:
    from designer.worker import recurring
    from designer.worker.tick import sessions_of

    first, invoice_id = _ready_again(app, login_as)
    now = datetime(2027, 3, 1, 6, 0)
    # Two workers read the same due invoice; only the first claim wins.
    with sessions_of(app)() as one, sessions_of(app)() as two:
        seen_one, seen_two = one.get(Invoice, invoice_id), two.get(Invoice, invoice_id)
        assert seen_one is not None and seen_two is not None
        assert recurring.claim(one, seen_one, now)
        assert not recurring.claim(two, seen_two, now)
    claimed = _invoice(app, first)
    assert (claimed.status, claimed.attempts) == ("sending", 1)
    assert invoices.state_of(claimed) == "waiting"
    assert recurring.send_invoices(app, now + timedelta(minutes=5)) == 0  # still claimed
    # The claiming worker died: once its lease ends the invoice goes, once.
    assert recurring.send_invoices(app, now + recurring.SEND_LEASE) == 1
    assert recurring.send_invoices(app, now + 2 * recurring.SEND_LEASE) == 0
    assert _invoice(app, first).status == "sent"


def test_pricing_again_twice_or_after_the_worker_sent_it_changes_nothing(
    app: Flask, login_as: Any
) -> None:
    import pytest
    from sqlalchemy import update

    from designer.models import RecurringRun
    from designer.services.errors import Stale

    _model_id, _first, second = _month(app, login_as)
    with app.app_context():
        seen = db.session.scalars(select(Invoice).where(Invoice.subscription_id == second)).one()
        assert seen.last_error and "low" not in seen.last_error  # no income tier in it
        sub = db.session.get(Subscription, second)
        assert sub is not None
        sub.attributes = {**sub.attributes, "size": "normal"}
        # Another person priced it and the worker sent it; this session still reads no_price.
        db.session.execute(
            update(Invoice)
            .where(Invoice.id == seen.id)
            .values(status="sent")
            .execution_options(synchronize_session=False)
        )
        with pytest.raises(Stale):
            invoices.price_again(db.session, seen, "user:1")
        db.session.rollback()
    assert _invoice(app, second).status == "no_price"  # the rollback: as it was
    with app.app_context():
        sub = db.session.get(Subscription, second)
        assert sub is not None
        sub.attributes = {**sub.attributes, "size": "normal"}
        db.session.commit()
        run = db.session.scalars(select(RecurringRun)).one()
        before = (run.count, run.total)
    leder = login_as("leder")
    url = f"/subscriptions/invoices/{_model_id}?period=2027-01"
    unpriced = _invoice(app, second)
    fields = leder.hidden_fields(url)  # the page as it was: a second click sends it again
    leder.submit(url, {"action": "price"}, action=f"/item/{unpriced.id}")
    again = leder.client.post(
        f"/subscriptions/invoices/item/{unpriced.id}", data={**fields, "action": "price"}
    )
    assert again.status_code == 302
    priced = _invoice(app, second)
    assert priced.status == "ready"
    with app.app_context():
        run = db.session.scalars(select(RecurringRun)).one()
        assert (run.count, run.total) == (before[0] + 1, before[1] + priced.amount)
        events = db.session.scalars(select(Event).where(Event.kind == "invoice_priced")).all()
        assert len(events) == 1 and events[0].actor.startswith("user:")
    assert leder.get(f"/subscriptions/invoices/{_model_id}?period=2027-01%0A").status_code == 400


def test_a_late_result_never_overwrites_another_workers_send(app: Flask, login_as: Any) -> None:
    from designer.worker import recurring
    from designer.worker.tick import sessions_of

    first, invoice_id = _ready_again(app, login_as)
    now = datetime(2027, 3, 1, 6, 0)
    with sessions_of(app)() as slow:
        mine = slow.get(Invoice, invoice_id)
        assert mine is not None and recurring.claim(slow, mine, now)
        # Its adapter hangs past the lease; another worker takes the invoice and sends it.
        assert recurring.send_invoices(app, now + recurring.SEND_LEASE) == 1
        late = {"status": "failed", "last_error": "timed out", "next_attempt_at": now}
        assert not recurring.finish(slow, mine, late)
    assert _invoice(app, first).status == "sent"


def test_a_claim_that_died_at_the_last_attempt_can_be_sent_again(app: Flask, login_as: Any) -> None:
    _model_id, first, _second = _month(app, login_as)
    with app.app_context():
        row = db.session.scalars(select(Invoice).where(Invoice.subscription_id == first)).one()
        row.status, row.next_attempt_at = "sending", datetime(2027, 2, 20, 6, 0)
        db.session.commit()  # attempts stay at the limit: no worker takes it again
        assert invoices.state_of(row, datetime(2027, 3, 1)) == "gave_up"
        invoices.send_again(db.session, row, "user:1", datetime(2027, 3, 1))
        db.session.commit()
    assert (_invoice(app, first).status, _invoice(app, first).attempts) == ("ready", 0)


def test_staff_are_told_once_when_a_months_invoices_are_given_up(app: Flask, login_as: Any) -> None:
    """At the last failed try the service's staff get one e-mail with the month's page — not
    one per invoice, not one per round; citizens and other services' staff get none."""
    from designer.models import OutboxMessage, User

    app.config["PUBLIC_BASE_URL"] = "https://flytverk.example.no"
    model_id, first, _second = _month(app, login_as)
    with app.app_context():
        mails = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "invoices_given_up")
        ).all()
        staff = {
            u.email for u in invoices.staff_of(db.session, db.session.get(ProcessModel, model_id))
        }
        citizen = db.session.scalars(select(User).where(User.username == "kari")).one()
        assert mails and {m.recipient for m in mails} == staff
        assert citizen.email not in staff
        leader = next(m for m in mails if m.recipient == "lise@example.no")
        assert leader.subject == "Fakturaer for 2027-01 kunne ikke sendes: Middag levert hjem"
        assert "1 faktura for Middag levert hjem for 2027-01" in leader.body_text
        url = f"https://flytverk.example.no/subscriptions/invoices/{model_id}?period=2027-01"
        assert url in leader.body_text, leader.body_text
        told = len(mails)
        # Sent again by staff and given up again the same day: nobody is told twice.
        row = db.session.scalars(select(Invoice).where(Invoice.subscription_id == first)).one()
        row.status, row.attempts = "failed", invoices.MAX_ATTEMPTS - 1
        row.next_attempt_at = None
        db.session.commit()
    app.config["INVOICE_ADAPTER"] = f"{__name__}:Down"
    app.extensions.pop("flytverk_invoices", None)
    send_invoices(app, datetime(2027, 2, 10, 12, 0))
    app.extensions.pop("flytverk_invoices", None)
    app.config["INVOICE_ADAPTER"] = ""
    with app.app_context():
        count = db.session.query(OutboxMessage).filter_by(kind="invoices_given_up").count()
        assert count == told
