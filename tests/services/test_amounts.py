"""Numbers and amounts are written the same way everywhere a person reads them (issue 14).

One table per UI language; the test-run page (testruns), the step log (steplog), a form
summary (forms), a decision's explanation (engine) and the Jinja filters must all agree.
"""

from __future__ import annotations

import pytest
from flask import Flask, render_template_string

import forms
from designer.extensions import db
from designer.services import steplog, testruns
from engine.api import explain
from engine.models import Event

NBSP = "\u00a0"
EXPECTED = {
    "nb": {
        "million": f"1{NBSP}200{NBSP}000",
        "half": f"1{NBSP}250,5",
        "amount": f"1{NBSP}200{NBSP}000{NBSP}kr",
        "cents": f"1{NBSP}250,50{NBSP}kr",
    },
    "nn": {
        "million": f"1{NBSP}200{NBSP}000",
        "half": f"1{NBSP}250,5",
        "amount": f"1{NBSP}200{NBSP}000{NBSP}kr",
        "cents": f"1{NBSP}250,50{NBSP}kr",
    },
    "en": {
        "million": "1,200,000",
        "half": "1,250.5",
        "amount": f"NOK{NBSP}1,200,000",
        "cents": f"NOK{NBSP}1,250.50",
    },
}
DEFINITION = forms.FormDefinition.from_json(
    {
        "type": "default",
        "components": [
            {"type": "number", "key": "income", "label": "Inntekt"},
            {"type": "number", "key": "hours", "label": "Timar"},
        ],
    }
)


def _decision_step(output: dict[str, object]) -> Event:
    rules = [{"row": 1, "annotation": "Regel", "output": output}]
    summary = {"type": "BusinessRuleTask", "decision": "d", "rules": rules}
    return Event(actor="system", kind="step", element_id="d", summary=summary)


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_every_place_writes_numbers_and_amounts_alike(app: Flask, language: str) -> None:
    want = EXPECTED[language]
    with app.test_request_context(headers={"Accept-Language": language}):
        paid = testruns.describe("payment", {"amount": 1250.5, "account": "12345678903"})
        step = steplog.sentence(
            db.session, _decision_step({"beløp": 1_200_000, "timar": 1250.5}), {}
        )
        details = steplog.details(Event(actor="system", kind="data", summary={"timar": 1250.5}))
        filters = render_template_string(
            "{{ 1200000|number }}|{{ 1250.5|number }}|{{ 1200000|amount }}|{{ '1250.5'|amount }}"
        )
    rows = forms.summary(DEFINITION, {"income": 1_200_000, "hours": 1250.5}, locale=language)
    explained = explain(
        {
            "decision": "d",
            "rules": [{"id": "r1", "annotation": "{income} {hours}", "output": {}}],
            "inputs": {"income": 1_200_000, "hours": 1250.5},
        },
        language,
    )

    assert testruns.kroner(1_200_000, language) == want["amount"]
    assert testruns.kroner("1250.50", language) == want["cents"]
    assert forms.format_amount(1250.5, language) == want["cents"]
    assert f" {want['cents']} " in paid
    assert step.endswith(f" beløp {want['amount']}, timar {want['half']}")
    assert details == f"timar: {want['half']}"
    assert [row["value"] for row in rows] == [want["million"], want["half"]]
    assert explained == f"{want['million']} {want['half']}"
    assert filters.split("|") == [want["million"], want["half"], want["amount"], want["cents"]]
