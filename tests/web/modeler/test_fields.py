"""The fields endpoint: form fields and decision outputs with type and options."""

from __future__ import annotations

from tests.web.modeler.test_modeler import _model_id

DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="d"
  namespace="http://flytverk.no/dmn">
  <decision id="support" name="Støtte">
    <decisionTable id="t" hitPolicy="UNIQUE">
      <input id="i1" label="Inntekt"><inputExpression id="e1" typeRef="number">
        <text>income</text></inputExpression></input>
      <output id="o1" name="amount" label="Beløp" typeRef="number"/>
      <rule id="r1"><inputEntry id="c1"><text>&lt; 300000</text></inputEntry>
        <outputEntry id="x1"><text>3900</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>"""


def test_fields_lists_form_fields_with_type_and_options(app, login_as):
    owner = login_as("eier")
    response = owner.get(f"/modeler/{_model_id(app)}/fields")
    assert response.status_code == 200
    fields = {f["key"]: f for f in response.get_json()["fields"]}
    decision = fields["review_decision"]
    assert decision["type"] == "choice" and decision["source"] == "review.json"
    assert {o["value"] for o in decision["options"]} >= {"approved", "rejected"}
    assert fields["applicant_name"]["type"] == "text"


def test_fields_include_decision_outputs(app, login_as):
    from designer.extensions import db
    from engine.models import ProcessModel

    model_id = _model_id(app)
    with app.app_context():
        model = db.session.get(ProcessModel, model_id)
        model.draft_files = {**model.draft_files, "decisions/support.dmn": DMN}
        db.session.commit()
    fields = login_as("eier").get(f"/modeler/{model_id}/fields").get_json()["fields"]
    amount = next(f for f in fields if f["key"] == "amount")
    assert amount == {
        "key": "amount",
        "label": "Beløp",
        "type": "number",
        "options": [],
        "source": "Støtte",
    }


def test_fields_are_for_process_owners_only(app, login_as):
    response = login_as("kari").get(f"/modeler/{_model_id(app)}/fields")
    assert response.status_code in (302, 403, 404)
