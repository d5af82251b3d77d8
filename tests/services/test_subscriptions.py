"""Subscriptions: the cut-off, the order in force, recurring runs made once, the connector."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from designer.extensions import db
from designer.integrations.subscription import SubscriptionConnector, checked
from designer.models import Invoice, RecurringRun, Subscription, SubscriptionDay
from designer.services.catalog import PROCESSES_DIR, read_folder
from designer.services.errors import Invalid
from designer.services.subscriptions import core, invoicing
from engine.api import ConnectorFailed, decide
from engine.models import Event, ProcessModel, ProcessVersion
from tests.factories import call_context
from tests.processes.test_meal_delivery import granted

TERMS = core.Terms(cutoff_days=1, cutoff_hour=12)


def _meal(session: Any) -> ProcessModel:
    return session.scalars(select(ProcessModel).where(ProcessModel.key == "meal_delivery")).one()


@pytest.mark.parametrize(
    ("day", "closes"),
    [
        (date(2027, 1, 7), datetime(2027, 1, 6, 11, 0)),  # Thursday: Wednesday 12:00 Oslo
        (date(2027, 1, 11), datetime(2027, 1, 8, 11, 0)),  # Monday: Friday before
        (date(2027, 6, 14), datetime(2027, 6, 11, 10, 0)),  # summer time: UTC+2
    ],
)
def test_the_cutoff_is_working_days_before_at_the_hour_local_time(day, closes):
    assert core.cutoff_of(day, TERMS) == closes
    assert core.is_open(day, TERMS, closes - timedelta(minutes=1))
    assert not core.is_open(day, TERMS, closes)


def test_five_working_days_skip_the_weekend():
    terms = core.Terms(cutoff_days=5, cutoff_hour=12)
    assert core.cutoff_of(date(2027, 1, 15), terms) == datetime(2027, 1, 8, 11, 0)


def test_the_cutoff_skips_public_holidays():
    # Tuesday after Easter 2027: Monday 29 March, Good Friday 26 and Maundy Thursday 25 are
    # holidays, so one working day before is Wednesday 24 March.
    assert core.cutoff_of(date(2027, 3, 30), TERMS) == datetime(2027, 3, 24, 11, 0)
    # Monday 28 December 2026: Christmas Day is a Friday, so Thursday 24 December.
    assert core.cutoff_of(date(2026, 12, 28), TERMS) == datetime(2026, 12, 24, 11, 0)
    # Monday 4 January 2027: New Year's Day is a Friday, so Thursday 31 December.
    assert core.cutoff_of(date(2027, 1, 4), TERMS) == datetime(2026, 12, 31, 11, 0)
    # Tuesday 18 May 2027: Monday 17 May is Constitution Day and Whit Monday, so Friday 14.
    assert core.cutoff_of(date(2027, 5, 18), TERMS) == datetime(2027, 5, 14, 10, 0)


def test_the_connector_refuses_what_no_retry_fixes():
    with pytest.raises(ConnectorFailed):
        checked({"starts_on": "4.1.2027", "weekdays": [0]})
    with pytest.raises(ConnectorFailed):
        checked({"starts_on": "2027-01-04", "weekdays": [7]})
    with pytest.raises(ConnectorFailed):
        checked({"starts_on": "2027-01-04", "weekdays": [0], "quantity": 9})
    plan = checked({"starts_on": "2027-01-04", "weekdays": ["3", 0], "quantity": 2})
    assert plan["weekdays"] == [0, 3] and plan["plan"]["3"] == {"quantity": 2, "choice": "A"}


def test_a_repeated_connector_call_finds_the_first_subscription(app: Flask, login_as: Any):
    _case_no, sub_id = granted(app, login_as)
    with app.app_context():
        sub = db.session.get(Subscription, sub_id)
        assert sub is not None
        context = call_context(tenant_id=sub.tenant_id, instance_id=sub.instance_id)
        params = {"starts_on": "2027-02-01", "weekdays": [1]}
        again = SubscriptionConnector(app).call(params, context)
        assert again["subscription_id"] == sub_id and again["starts_on"] == "2027-01-04"
        assert db.session.scalar(select(func.count(Subscription.id))) == 1


def test_the_price_table_answers_outside_a_case(app: Flask):
    with app.app_context():
        model = db.session.scalars(
            select(ProcessModel).where(ProcessModel.key == "meal_delivery")
        ).one()
        version = db.session.get(ProcessVersion, model.published_version_id)
        prices = {
            (size, tier): decide(version, "meal_price", {"size": size, "income_tier": tier})
            for size in ("small", "normal")
            for tier in ("low", "high")
        }
        assert {k: v["unit_price"] for k, v in prices.items()} == {
            ("small", "low"): 77,
            ("small", "high"): 89,
            ("normal", "low"): 98,
            ("normal", "high"): 125,
        }


def test_a_period_is_run_once_and_a_second_run_is_refused(app: Flask, login_as: Any):
    _case_no, sub_id = granted(app, login_as)
    with app.app_context():
        session = db.session()
        model = _meal(session)
        session.add(
            SubscriptionDay(
                tenant_id=model.tenant_id,
                subscription_id=sub_id,
                day=date(2027, 1, 7),
                quantity=2,
                choice="A",
                kind="late_cancel",
            )
        )
        session.commit()
        [work] = invoicing.works_of(model)
        assert invoicing.due_period(work, datetime(2027, 2, 1, 4, 59)) == "2026-12"
        assert invoicing.due_period(work, datetime(2027, 2, 1, 5, 0)) == "2027-01"
        made = invoicing.run(session, model, work, "2027-01")
        session.commit()
        # January from Monday 4: 4, 7 (late), 11, 14, 18, 21, 25, 28 at 2 portions, 98 kr.
        invoice = session.scalars(select(Invoice)).one()
        assert made.count == 1 and invoice.amount == Decimal(16 * 98)
        assert [line["quantity"] for line in invoice.lines] == [14, 2]
        with pytest.raises(Exception):  # noqa: B017 - the unique run row refuses a second run
            invoicing.run(session, model, work, "2027-01")
        session.rollback()
        assert session.scalar(select(func.count(Invoice.id))) == 1
        assert (
            session.scalar(
                select(func.count(RecurringRun.id)).where(RecurringRun.period == "2027-01")
            )
            == 1
        )


def test_retention_keeps_a_running_subscription_and_its_invoices(app: Flask, login_as: Any):
    from designer.worker.daily import run_retention
    from engine.models import Instance

    case_no, sub_id = granted(app, login_as)
    with app.app_context():
        session = db.session()
        model = _meal(session)
        model.settings = {**model.settings, "retention_days": 30, "retention_action": "delete"}
        session.commit()
        later = datetime(2031, 1, 1)
        run_retention(session, now=later)  # the subscription runs: the case is live
        case = session.scalars(select(Instance).where(Instance.case_no == case_no)).one()
        assert case.subject == "Kari Nordmann"
        sub = session.get(Subscription, sub_id)
        assert sub is not None
        sub.ends_on, sub.status = date(2027, 3, 31), "ended"
        [work] = invoicing.works_of(model)
        invoicing.run(session, model, work, "2027-01")
        session.commit()
        run_retention(session, now=later)  # ended, invoiced: anonymised, kept for accounting
        session.expire_all()
        case = session.scalars(select(Instance).where(Instance.case_no == case_no)).one()
        kept = session.get(Subscription, sub_id)
        assert case.subject == "" and kept is not None
        assert (kept.name, kept.attributes) == ("", {})
        assert session.scalar(select(func.count(Invoice.id))) == 1


def test_the_citizens_data_export_holds_the_subscription(app: Flask, login_as: Any):
    _case_no, _sub_id = granted(app, login_as)
    body = login_as("kari").get("/my-data").get_json()
    [case] = [c for c in body["cases"] if c["subscription"]]
    assert case["subscription"]["weekdays"] == [0, 3]
    assert case["subscription"]["details"]["route"] == "nord"


def test_the_groups_settings_name_are_bound_when_a_service_is_adopted():
    from designer.services.packages import map_settings_groups
    from designer.services.packages.core import settings_groups

    folder = read_folder(os.path.join(PROCESSES_DIR, "meal_delivery"))
    settings = folder.meta["settings"]
    assert settings_groups(settings) == {"Kjøkkenet", "Sjåfører", "Tildelingskontoret"}
    mapped = map_settings_groups(settings, {"Kjøkkenet": "Storkjøkkenet"})
    assert mapped["subscription"]["menu_groups"] == ["Storkjøkkenet"]
    assert [item["groups"] for item in mapped["lists"]][0] == ["Storkjøkkenet"]
    assert settings["subscription"]["menu_groups"] == ["Kjøkkenet"]  # a copy


def test_crafted_input_is_refused_with_400_never_500(app: Flask, login_as: Any, monkeypatch):
    monkeypatch.setattr(core, "now", lambda: datetime(2027, 1, 5, 10, 0))
    _case_no, sub_id = granted(app, login_as)
    kari, kokk = login_as("kari"), login_as("kokk")
    url = f"/my/subscriptions/{sub_id}"
    fields = kari.hidden_fields(url)
    for data in (
        {"action": "order", "week": "2027-01-11", "q-2027-01-11": "²", "c-2027-01-11": "A"},
        {"action": "order", "week": "2027-01-11", "q-2027-01-11": "9" * 5000},
        {"action": "order", "week": "9999-12-31", "q-9999-12-31": "1"},
        {"action": "order", "week": "2030-01-07", "q-2030-01-07": "1", "c-2030-01-07": "A"},
        {"action": "pause", "first": "9999-12-30", "last": "9999-12-31"},
        {"action": "pause", "first": "2028-06-01", "last": "2028-06-02"},
    ):
        answer = kari.client.post(url, data={**fields, **data})
        assert answer.status_code == 400, (data, answer.status_code)
    model_id = _meal_id(app)
    assert kokk.get(f"/menu/{model_id}?week=9999-12-31").status_code == 400
    assert kokk.get(f"/lists/{model_id}/kitchen?day=0001-01-01").status_code == 400
    assert kokk.get(f"/lists/{model_id}/kitchen.csv?day=0001-01-01").status_code == 400


def _meal_id(app: Flask) -> int:
    with app.app_context():
        return _meal(db.session).id


def priced_and_unpriced(app: Flask, login_as: Any) -> tuple[int, int]:
    """Two granted subscriptions; the second's size is one no row of the price table has."""
    _first_case, first = granted(app, login_as)
    _second_case, second = granted(app, login_as)
    with app.app_context():
        sub = db.session.get(Subscription, second)
        assert sub is not None
        sub.attributes = {**sub.attributes, "size": "jumbo"}
        db.session.commit()
    return first, second


def test_an_unpriced_subscription_does_not_stop_the_others_and_missed_months_are_run(
    app: Flask, login_as: Any
):
    from designer.worker import work_once

    first, second = priced_and_unpriced(app, login_as)
    with app.app_context():
        model = _meal(db.session)
        model.settings = {
            **model.settings,
            "recurring": [*model.settings["recurring"], {"work": "invoice", "at": "6.30"}],
        }
        db.session.commit()
        assert len(invoicing.works_of(model)) == 1  # the broken item is skipped, not raised
    work_once(app, datetime(2027, 3, 1, 5, 30))  # the worker was down all February
    with app.app_context():
        found = {
            (i.subscription_id, i.period): (i.status, i.amount)
            for i in db.session.scalars(select(Invoice))
        }
        assert found[(first, "2027-01")][0] == "sent" and found[(first, "2027-02")][0] == "sent"
        assert found[(second, "2027-01")] == ("no_price", Decimal(0))
        assert found[(second, "2027-02")] == ("no_price", Decimal(0))


def test_a_late_cancellation_is_made_once_and_never_for_a_day_delivered(app: Flask, login_as: Any):
    from designer.services.subscriptions import changes

    case_no, sub_id = granted(app, login_as)
    with app.app_context():
        session = db.session()
        sub = session.get(Subscription, sub_id)
        assert sub is not None
        now = datetime(2027, 1, 7, 8, 0)  # Thursday morning: the day is closed
        assert changes.pause(
            session, sub, date(2027, 1, 7), date(2027, 1, 7), "t", staff=True, now=now
        ) == (0, 1)
        assert changes.pause(
            session, sub, date(2027, 1, 7), date(2027, 1, 7), "t", staff=True, now=now
        ) == (0, 0)
        assert changes.pause(
            session, sub, date(2027, 1, 4), date(2027, 1, 4), "t", staff=True, now=now
        ) == (0, 0)  # Monday was delivered
        session.commit()
        kinds = session.scalars(select(Event.kind).where(Event.kind == "late_cancelled")).all()
        assert kinds == ["late_cancelled"]
        [work] = invoicing.works_of(_meal(session))
        invoicing.run(session, _meal(session), work, "2027-01")
        session.commit()
        with pytest.raises(Invalid):  # January is invoiced: it cannot end in January
            changes.end(session, sub, date(2027, 1, 20), "t", now=datetime(2027, 2, 2, 9, 0))
        session.rollback()
        changes.end(session, sub, date(2027, 2, 28), "t", now=datetime(2027, 2, 2, 9, 0))
        assert core.status_of(sub, date(2027, 2, 2)) == "active"
        assert core.status_of(sub, date(2027, 3, 1)) == "ended"
        with pytest.raises(Invalid):  # never later than an end already set
            changes.end(session, sub, date(2027, 3, 31), "t", now=datetime(2027, 2, 3, 9, 0))
    assert case_no


def test_public_holidays_bring_nothing_and_cost_nothing(app: Flask, login_as: Any, monkeypatch):
    """Easter 2027: Maundy Thursday 25 March and Easter Monday 29 March are no delivery days
    for the meal service (`"holidays": "skip"`): not on the lists, not invoiced, not orderable,
    left out of a pause, and shown as holidays on Mine saker."""
    from designer.services.subscriptions import changes, rows

    monkeypatch.setattr(core, "now", lambda: datetime(2027, 3, 10, 9, 0))
    _case_no, sub_id = granted(app, login_as)  # Monday and Thursday, 2 portions, 98 kr
    with app.app_context():
        session = db.session()
        model = _meal(session)
        terms = core.terms_of(session, model)
        assert terms.skip_holidays
        sub = session.get(Subscription, sub_id)
        assert sub is not None
        week = core.orders(session, sub, date(2027, 3, 22), date(2027, 3, 28), terms)
        assert [(o.day.day, o.kind, o.quantity) for o in week] == [
            (22, "standing", 2),
            (25, "holiday", 0),
        ]
        assert rows.delivery_rows(session, model, date(2027, 3, 25), "nb") == []
        assert len(rows.delivery_rows(session, model, date(2027, 3, 22), "nb")) == 1
        with pytest.raises(Invalid) as refused:
            changes.change_week(session, sub, {date(2027, 3, 25): (1, "A")}, "t")
        assert refused.value.fields == {"q-2027-03-25": "Vi leverer ikke på helligdager."}
        # The minimum (3 a week) in proportion to the days that are no holidays: 1 of 2 -> 2.
        with pytest.raises(Invalid) as too_few:
            changes.change_week(session, sub, {date(2027, 3, 22): (1, "A")}, "t")
        assert too_few.value.fields == {"week": "Minst 2 porsjoner i uka."}
        paused, late = changes.pause(session, sub, date(2027, 3, 24), date(2027, 3, 30), "t")
        assert (paused, late) == (0, 0)  # the week's only delivery days are holidays
        # After the cut-off of Maundy Thursday a pause may still start on it: a holiday is
        # not a closed day, so the pause takes Thursday 1 April.
        after = datetime(2027, 3, 24, 11, 30)  # 12:30 in Norway
        paused, late = changes.pause(
            session, sub, date(2027, 3, 25), date(2027, 4, 1), "t", now=after
        )
        assert (paused, late) == (1, 0)
        session.rollback()
        [work] = invoicing.works_of(model)
        invoicing.run(session, model, work, "2027-03")
        session.commit()
        # March: Mondays 1, 8, 15, 22 and Thursdays 4, 11, 18 (25 and 29 are holidays).
        invoice = session.scalars(select(Invoice)).one()
        assert invoice.amount == Decimal(7 * 2 * 98)
        assert invoice.lines[0]["days"][-1] == "2027-03-22"
    page = login_as("kari").get(f"/my/subscriptions/{sub_id}?week=2027-03-22")
    text = page.get_data(as_text=True)
    assert "Helligdag: ingen levering, ingenting å betale." in text
    assert 'name="q-2027-03-25"' not in text and 'name="q-2027-03-22"' in text


def test_a_service_without_the_holiday_setting_delivers_on_holidays(app: Flask, login_as: Any):
    _case_no, sub_id = granted(app, login_as)
    with app.app_context():
        session = db.session()
        model = _meal(session)
        model.settings = {
            **model.settings,
            "subscription": {
                k: v for k, v in model.settings["subscription"].items() if k != "holidays"
            },
        }
        terms = core.terms_of(session, model)
        sub = session.get(Subscription, sub_id)
        assert sub is not None and not terms.skip_holidays
        week = core.orders(session, sub, date(2027, 3, 22), date(2027, 3, 28), terms)
        assert [o.kind for o in week] == ["standing", "standing"]
        session.rollback()
