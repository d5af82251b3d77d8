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
from designer.services.subscriptions import core, invoicing
from engine.api import ConnectorFailed, decide
from engine.models import ProcessModel, ProcessVersion
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
