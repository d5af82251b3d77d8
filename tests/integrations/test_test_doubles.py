"""Test runs call recording doubles, never the real adapters (one switch in the registry)."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from designer.extensions import db
from designer.integrations import build_registry
from designer.models import OutboxMessage, PaymentOrder
from designer.worker import work_once
from engine.api import CallContext, ConnectorFailed, Param
from engine.models import ConnectorJob, Instance, ProcessModel
from tests.factories import call_context, text_of
from tests.processes.test_leisure_subsidy import APPLY, FORM

CONTEXT = call_context(case_no="TEST-2026-000001", element_id="pay", is_test=True)


class Archive:
    """A municipality's own connector, registered without a double."""

    label_nb, label_en = "Arkiv", "Archive"
    params = (Param("document", "Dokument", "Document"),)

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def call(self, params: dict[str, Any], context: CallContext) -> Any:
        self.calls.append(params)
        return {"archived": True}


def test_a_custom_connector_is_never_called_by_a_test_run(app: Flask) -> None:
    registry = build_registry(app)
    archive = Archive()
    registry.register("archive", archive)
    connector = registry.get("archive")
    assert connector is not None
    assert connector.call({"document": "x"}, CONTEXT)["test"] is True
    assert archive.calls == []
    with pytest.raises(ConnectorFailed, match="document"):
        connector.call({}, CONTEXT)  # the double still checks required parameters
    real = dataclasses.replace(CONTEXT, is_test=False)
    assert connector.call({"document": "x"}, real) == {"archived": True}
    assert archive.calls == [{"document": "x"}]


def test_the_doubles_refuse_what_the_real_connectors_refuse(app: Flask) -> None:
    app.config["CONNECTOR_HTTP_ALLOWED_HOSTS"] = ["api.example.no"]
    registry = build_registry(app)
    payment, http = registry.get("payment"), registry.get("http")
    assert payment is not None and http is not None
    with pytest.raises(ConnectorFailed, match="account number"):
        payment.call({"amount": "100", "account": "12345678900"}, CONTEXT)
    with pytest.raises(ConnectorFailed, match="between 0 and 1 000 000"):
        payment.call({"amount": "0", "account": "12345678903"}, CONTEXT)
    with pytest.raises(ConnectorFailed, match="not on the list"):
        http.call({"url": "https://evil.example.com/x"}, CONTEXT)
    answer = http.call({"url": "https://api.example.no/x", "body": {"a": 1}}, CONTEXT)
    assert answer == {
        "status": "test",
        "test": True,
        "method": "POST",
        "url": "https://api.example.no/x",
    }
    with app.app_context():
        assert db.session.scalar(select(func.count(PaymentOrder.id))) == 0


def _leisure_id(app: Flask) -> int:
    with app.app_context():
        return db.session.scalars(
            select(ProcessModel.id).where(ProcessModel.key == "leisure_subsidy")
        ).one()


def _real_case(browser) -> str:  # type: ignore[no-untyped-def]
    sent = browser.client.post(APPLY, data={**browser.hidden_fields(APPLY), **FORM, "_hidden": ""})
    assert sent.status_code == 302, text_of(sent)
    return re.search(r"/cases/(\d{4}-\d{6})", sent.headers["Location"]).group(1)


def test_a_test_run_pays_nothing_sends_nothing_and_says_what_it_would_have_done(
    app: Flask, login_as
) -> None:
    before = _real_case(login_as("kari"))
    owner = login_as("eier")
    with owner.client.session_transaction() as session:
        session["lang"] = "en"
    model_id = _leisure_id(app)
    started = owner.submit(f"/modeler/{model_id}/test-runs/new", {**FORM, "_hidden": ""})
    assert started.status_code == 302, text_of(started)
    run_url = started.headers["Location"]
    instance_id = int(run_url.rstrip("/").rsplit("/", 1)[1])
    assert work_once(app) == 2  # the real case's letter and the test run's letter
    assert work_once(app) == 2  # both payments
    with app.app_context():
        test = db.session.get(Instance, instance_id)
        assert test is not None and test.is_test and test.status == "completed"
        assert test.case_no.startswith("TEST-")
        paid = db.session.scalars(select(PaymentOrder.instance_id)).all()
        assert instance_id not in paid and len(paid) == 1  # the real case still pays
        assert not db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.instance_id == instance_id)
        ).all()
        jobs = db.session.scalars(
            select(ConnectorJob.status).where(ConnectorJob.instance_id == instance_id)
        ).all()
        assert jobs == ["done", "done"]
    page = text_of(owner.get(run_url))
    assert "Would have paid NOK 3,900 to 1234.56.78903 (Kari Nordmann)" in page
    assert "Would have sent a letter to the applicant's digital mailbox" in page
    assert "Melding om utbetaling fra kontingentkassa" in page
    # The test run took no number from the real series: the next real case follows on.
    after = _real_case(login_as("kari"))
    year, number = before.split("-")
    assert after == f"{year}-{int(number) + 1:06d}"
