"""The rules documentation names the parameters a version's rules use, with its values."""

from __future__ import annotations

import json
from typing import Any

import lxml.html
import pytest
from flask import Flask
from flask_babel import force_locale
from sqlalchemy import select

from designer.extensions import db
from designer.services import publishing, rulesdoc
from designer.services.rulesdoc.flow import process_parts
from designer.services.rulesdoc.labels import Labels
from designer.services.service_texts import Texts
from engine.models import ProcessModel

NBSP = "\u00a0"


def _page(client: Any, url: str, lang: str) -> Any:
    response = client.get(url, headers={"Accept-Language": lang})
    if response.status_code == 302:
        response = client.get(response.headers["Location"], headers={"Accept-Language": lang})
    assert response.status_code == 200
    return lxml.html.fromstring(response.get_data(as_text=True))


def _text(node: Any) -> str:
    return " ".join(node.text_content().split())


@pytest.mark.parametrize(
    ("lang", "label", "value", "description"),
    [
        (
            "nb",
            "Inntektsgrense for automatisk innvilgelse",
            "450 000 kr",
            "innvilges søknaden med en gang",
        ),
        ("nn", "Inntektsgrense for automatisk innvilging", "450 000 kr", "blir søknaden innvilga"),
        ("en", "Income limit for automatic grant", "NOK 450,000", "granted at once"),
    ],
)
def test_the_rules_page_lists_the_parameters_with_values_and_descriptions(
    client: Any, lang: str, label: str, value: str, description: str
) -> None:
    doc = _page(client, "/services/leisure_subsidy/rules", lang)
    [section] = doc.xpath("//section[@aria-labelledby='parameters-title']")
    [row] = section.xpath(".//tr[@id='parameter-income_limit']")
    assert _text(row.xpath("th")[0]) == label
    cells = [_text(td) for td in row.xpath("td")]
    assert cells[0] == value and description in cells[1]
    assert len(section.xpath(".//tbody/tr")) == 6
    assert section.xpath(".//caption") and all(
        th.get("scope") == "col" for th in section.xpath(".//thead//th")
    )


def test_cells_reasons_and_calculations_name_the_parameter_and_its_value(client: Any) -> None:
    nb = _text(_page(client, "/services/leisure_subsidy/rules", "nb"))
    assert (
        "Husholdningsinntekt er under Inntektsgrense for automatisk innvilgelse (450 000 kr)" in nb
    )
    assert "Barnets alder er under Laveste alder (6 år)" in nb
    # The reasons as the citizen reads them: the version's values filled in.
    assert "Husholdningsinntekten er mellom 450 000 og 550 000 kr." in nb
    assert "fra 6 til og med 18 år" in nb
    assert (
        "beregnet som min(activity_fee, param.fee_max), der param.fee_max er "
        "Høyeste støtte til kontingent per år (3 000 kr)" in nb
    )
    assert "param.income_limit" not in nb  # a cell in words, not as written
    kindergarten = _text(_page(client, "/services/kindergarten/rules", "en"))
    assert "Sibling discount for the second child (30%)" in kindergarten  # an output's value
    assert "Deadline for answering an offer of a place 14 days" in kindergarten


def test_each_version_documents_the_values_it_was_published_with(app: Flask, client: Any) -> None:
    with app.app_context():
        model = db.session.scalars(select(ProcessModel).filter_by(key="leisure_subsidy")).one()
        first = rulesdoc.live_number(db.session, model.tenant_id, model.key)
        files = dict(model.draft_files)
        found = json.loads(files["parameters.json"])
        for item in found["parameters"]:
            if item["name"] == "income_limit":
                item["value"] = 400000
        model.draft_files = {**files, "parameters.json": json.dumps(found)}
        second = publishing.publish(db.session, model, "user:1", "Lavere grense").number
        db.session.commit()
    new = _text(_page(client, f"/services/leisure_subsidy/rules/{second}", "nb"))
    old = _text(_page(client, f"/services/leisure_subsidy/rules/{first}", "nb"))
    assert "Inntektsgrense for automatisk innvilgelse (400 000 kr)" in new
    assert "mellom 400 000 og 550 000 kr" in new
    assert "Inntektsgrense for automatisk innvilgelse (450 000 kr)" in old
    assert "400 000" not in old


CONDITION = """<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">
<bpmn:process id="p"><bpmn:exclusiveGateway id="gw" name="Nok inntekt?" />
<bpmn:endEvent id="a" name="Under" /><bpmn:endEvent id="b" name="Over" />
<bpmn:sequenceFlow id="f1" sourceRef="gw" targetRef="a">
  <bpmn:conditionExpression>household_income &lt; param.limit</bpmn:conditionExpression>
</bpmn:sequenceFlow>
<bpmn:sequenceFlow id="f2" sourceRef="gw" targetRef="b">
  <bpmn:conditionExpression>household_income &gt;= param.limit + 1</bpmn:conditionExpression>
</bpmn:sequenceFlow></bpmn:process></bpmn:definitions>"""


def test_a_gateway_condition_with_a_parameter_is_in_words(app: Flask) -> None:
    files = {
        "parameters.json": json.dumps(
            {
                "parameters": [
                    {
                        "name": "limit",
                        "type": "amount",
                        "unit": "kr",
                        "value": 300000,
                        "label": {"nb": "Grense", "en": "Limit"},
                    }
                ]
            }
        )
    }
    with app.app_context(), force_locale("en"):
        labels = Labels(files, Texts(lang="en", base="nb"), "nb")
        _steps, [choice] = process_parts(CONDITION, labels)
    simple, written = choice.paths
    assert [t.words for t in simple.tests] == [f"is less than Limit (NOK{NBSP}300,000)"]
    assert written.expression == "household_income >= param.limit + 1"
    assert written.notes == (("param.limit", f"Limit (NOK{NBSP}300,000)"),)
