"""Step-log and version-compare sentences (designer.services.steplog)."""

from __future__ import annotations

import re

from designer.extensions import db
from designer.services import steplog
from engine.api import diff
from engine.models import Event, ProcessModel


def _parking_xml(app) -> str:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.query(ProcessModel).filter_by(key="parking_permit").one().draft_bpmn


def test_a_decision_step_says_which_rule_gave_what(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        event = Event(
            actor="system",
            kind="step",
            element_id="calc",
            summary={
                "name": "Beregn støtte",
                "type": "BusinessRuleTask",
                "decision": "support",
                "decision_name": "Støtte",
                "rules": [
                    {"row": 1, "annotation": "Inntekt under grensen", "output": {"beløp": 3900}}
                ],
            },
        )
        text = steplog.sentence(db.session, event, {})
    assert text == "The rule 'Inntekt under grensen' gave beløp NOK\u00a03,900"


def test_version_compare_says_what_changed_in_words(app):
    old = _parking_xml(app)
    assert "formJsonSchemaFilename" in old
    new = old.replace('name="Søknad sendt"', 'name="Søknaden er sendt"', 1)

    form = re.search(r'name="formJsonSchemaFilename" value="([^"]+)"', new)
    assert form
    new = new.replace(form.group(0), 'name="formJsonSchemaFilename" value="annet.json"', 1)
    result = diff(old, new)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        texts = [c["text"] for c in steplog.changes(old, new, result)]
    assert any(t.startswith("Changed the form on '") for t in texts), texts
    assert "Renamed 'Søknaden er sendt'" in texts
    assert not any("extensionElements" in t for t in texts)
