"""The shipped leisure fund (kontingentkassa): automatic grant, caseworker path, rejection.

Payments and decision letters are service tasks: the background worker runs them through the
app's connector registry (default adapters: the payment_order table and the case outbox).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from flask import Flask
from sqlalchemy import select

from designer.extensions import db
from designer.models import OutboxMessage, PaymentOrder
from designer.worker import work_once
from engine.models import ConnectorJob, Event, Instance
from tests.factories import text_of

APPLY = "/services/leisure_subsidy/apply"
TEN_YEARS_AGO = date(date.today().year - 10, 3, 1).isoformat()
FORM = {
    "applicant_name": "Kari Nordmann",
    "national_id": "15818012001",
    "household_income": "380000",
    "account_number": "1234 56 78903",
    "child_name": "Emma",
    "child_birth_date": TEN_YEARS_AGO,
    "activity_name": "Fotball, Skotfoss IL",
    "costs": ["fee", "equipment"],
    "activity_fee": "2400",
    "equipment_cost": "2000",
}


def _apply(browser, **changes: object) -> str:  # type: ignore[no-untyped-def]
    sent = browser.client.post(
        APPLY, data={**browser.hidden_fields(APPLY), **FORM, "_hidden": "", **changes}
    )
    assert sent.status_code == 302, text_of(sent)
    return re.search(r"/cases/(\d{4}-\d{6})", sent.headers["Location"]).group(1)


def _instance(case_no: str) -> Instance:
    db.session.expire_all()
    return db.session.scalars(select(Instance).where(Instance.case_no == case_no)).one()


def test_a_clear_case_is_granted_at_once_paid_and_explained(app: Flask, login_as) -> None:
    kari = login_as("kari")
    case_no = _apply(kari)
    with app.app_context():
        instance = _instance(case_no)
        assert instance.status == "running"  # the payment waits for the background worker
        assert db.session.scalars(select(ConnectorJob.connector)).all() == ["letter"]
    assert work_once(app) == 1  # the letter; its answer queues the payment
    assert work_once(app) == 1  # the payment
    assert work_once(app) == 0
    with app.app_context():
        instance = _instance(case_no)
        assert instance.status == "completed" and instance.outcome == "granted"
        assert instance.result["amount"] == 3900  # 2 400 fee + 1 500 equipment (ceiling)
        order = db.session.scalars(select(PaymentOrder)).one()
        assert (order.amount, order.account) == (Decimal("3900.00"), "12345678903")
        assert order.reference == "Kontingentkassa – Emma"
        letter, notice = db.session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.instance_id == instance.id,
                # The decision letter's copy (its PDF: designer.services.letters) is apart.
                OutboxMessage.kind.not_like("letter:flytverk:%"),
            )
            .order_by(OutboxMessage.id)
        ).all()
        # Decided by the connector job, not in a request: the citizen is told all the same.
        assert notice.kind == "decision" and notice.recipient == "kari@example.no"
        # The payment notice says what the decision letter does not: the account, the mark.
        assert letter.body_text == (
            "Vi betaler ut 3900 kr i støtte til Fotball, Skotfoss IL for Emma til kontonummer "
            "1234 56 78903. Betalingen er merket «Kontingentkassa – Emma»."
        )
        assert instance.result["decided_by"] == "automatic"
        assert instance.result["rule"] == "granted_automatically"
        kinds = [
            e.kind
            for e in db.session.scalars(select(Event).where(Event.instance_id == instance.id))
        ]
        assert kinds.count("connector_succeeded") == 2
    page = text_of(kari.get(f"/cases/{case_no}"))
    assert "Brev: Melding om utbetaling fra kontingentkassa" in page  # on the case page
    assert (
        "Begrunnelse Barnet er i aldersgruppen for kontingentkassa, og husholdningsinntekten er "
        "under grensen for automatisk innvilgelse. Du får 3 900 kr i støtte til Fotball, "
        "Skotfoss IL. Pengene blir betalt ut til kontoen du oppga i søknaden." in page
    )
    assert "Avgjort av Automatisk behandling etter reglene for tjenesten" in page
    assert "En saksbehandler" not in page
    assert "under 450 000 kr, så søknaden innvilges med en gang" in page
    assert "Kontingenten dekkes med inntil 3 000 kr" in page
    assert "Utstyr dekkes med inntil 1 500 kr" in page


def test_a_borderline_case_goes_to_a_caseworker_who_can_adjust_the_amount(
    app: Flask, login_as
) -> None:
    kari = login_as("kari")
    case_no = _apply(kari, household_income="500000", costs=["fee"], equipment_cost="")
    assert work_once(app) == 0  # nothing to pay before a caseworker has decided
    sara = login_as("saksbehandler")
    inbox = sara.get(f"/casework/?q={case_no}").get_data(as_text=True)
    task = re.search(r'href="(/casework/tasks/\d+)"', inbox).group(1)
    page = sara.get(task).get_data(as_text=True)
    assert 'value="2400"' in page  # the suggested amount from the rates
    done = sara.submit(
        task,
        {
            "_hidden": "",  # as if the browser showed the amount (it does, with JavaScript)
            "grant": "yes",
            "support": "2000",
            "review_reason": "Tre barn i husstanden og høy husleie.",
        },
    )
    assert done.status_code == 302
    assert work_once(app) == 1 and work_once(app) == 1
    with app.app_context():
        instance = _instance(case_no)
        assert instance.status == "completed" and instance.result["decided_by"] == "caseworker"
        assert db.session.scalars(select(PaymentOrder.amount)).one() == Decimal("2000.00")
    page = text_of(kari.get(f"/cases/{case_no}"))
    assert "Begrunnelse Tre barn i husstanden og høy husleie." in page
    assert "Avgjort av En saksbehandler" in page


def test_a_caseworker_can_refuse_and_nothing_is_paid(app: Flask, login_as) -> None:
    kari = login_as("kari")
    case_no = _apply(kari, household_income="520000")
    sara = login_as("saksbehandler")
    inbox = sara.get(f"/casework/?q={case_no}").get_data(as_text=True)
    task = re.search(r'href="(/casework/tasks/\d+)"', inbox).group(1)
    sara.submit(task, {"_hidden": "", "grant": "no", "review_reason": "Inntekten er over grensen."})
    assert work_once(app) == 0
    with app.app_context():
        instance = _instance(case_no)
        assert (instance.status, instance.outcome) == ("completed", "refused")
        assert db.session.scalars(select(PaymentOrder)).all() == []


def test_high_income_and_age_outside_the_scheme_are_rejected_at_once_with_reasons(
    app: Flask, login_as
) -> None:
    kari = login_as("kari")
    rich = _apply(kari, household_income="800000")
    toddler = _apply(kari, child_birth_date=date(date.today().year - 3, 1, 1).isoformat())
    with app.app_context():
        assert _instance(rich).outcome == "rejected" and _instance(toddler).outcome == "rejected"
    rich_page, toddler_page = (text_of(kari.get(f"/cases/{c}")) for c in (rich, toddler))
    assert "over grensen for kontingentkassa" in rich_page  # the rule's explanation
    assert "fra 6 til og med 18 år. Barnet er 3 år." in toddler_page
    # The decision gives its own reason, and says no person decided.
    assert (
        "Begrunnelse Husholdningsinntekten er over inntektsgrensen for kontingentkassa, så "
        "søknaden er avslått." in rich_page
    )
    assert (
        "Begrunnelse Barnet er 3 år. Det er under aldersgrensen for kontingentkassa, så "
        "søknaden er avslått." in toddler_page
    )
    for page in (rich_page, toddler_page):
        assert "Avgjort av Automatisk behandling etter reglene for tjenesten" in page
    with app.app_context():
        assert _instance(rich).result["rule"] == "rejected_high_income"
        assert _instance(toddler).result["decided_by"] == "automatic"
    assert work_once(app) == 0


def test_a_refused_payment_is_an_incident_and_nothing_is_lost(app: Flask, login_as) -> None:
    kari = login_as("kari")
    case_no = _apply(kari)
    with app.app_context():  # the account closed after the form checked it: no retry helps
        job = db.session.scalars(select(ConnectorJob)).one()
    work_once(app)
    with app.app_context():
        payment = db.session.scalars(
            select(ConnectorJob).where(ConnectorJob.connector == "payment")
        ).one()
        payment.params = {**payment.params, "account": "12345678901"}
        db.session.commit()
    work_once(app)
    with app.app_context():
        instance = _instance(case_no)
        assert instance.status == "incident"
        assert "not a valid Norwegian account" in (instance.error or "")
        assert db.session.get(ConnectorJob, job.id).status == "done"  # the letter stays sent
        assert db.session.scalars(select(PaymentOrder)).all() == []
