"""Case data shaped like the serializer's own type markers round-trips unchanged."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session

from engine import bpmn, runtime
from engine.models import Instance
from engine.scripting import SCRIPT_ENGINE
from engine.serialization import dump_state, load_state
from tests.engine.helpers import (
    PARKING_BPMN,
    PARKING_FORMS,
    Install,
    checkpoint,
    open_tasks,
    process_xml,
    run_journey,
)
from tests.engine.test_runtime import APPROVAL
from tests.factories import PARKING_APPLICATION

# What a citizen can type into a JSON field, or a script can build: the markers SpiffWorkflow
# and we use for datetime, date, Decimal, set, and our own escape, plus an unknown one.
LOOKALIKES: dict[str, Any] = {
    "when": {"typename": "datetime", "value": "not a date"},
    "day": {"typename": "date", "value": "2026-01-01"},
    "money": {"typename": "Decimal", "value": "1.5"},
    "bag": {"typename": "set", "items": [1, 2]},
    "ours": {"typename": "flytverk.dict", "pairs": [["a", 1]]},
    "unknown": {"typename": "no-such-type", "x": [{"typename": "BpmnEvent"}]},
    "nested": [{"inner": {"typename": "timedelta", "days": 1, "seconds": 0}}],
    "real": dt.date(2026, 12, 3),
}


def _parsed() -> bpmn.ParsedProcess:
    return bpmn.parse({"process.bpmn": PARKING_BPMN.read_text()})


def test_lookalike_dicts_round_trip_unchanged_through_the_serializer() -> None:
    parsed = _parsed()
    workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=SCRIPT_ENGINE)
    workflow.get_next_task(state=TaskState.READY).data.update(LOOKALIKES)
    restored = load_state(dump_state(workflow), parsed.spec, parsed.subprocess_specs)
    data = restored.get_next_task(state=TaskState.READY).data
    assert data == LOOKALIKES
    assert type(data["day"]) is dict and type(data["real"]) is dt.date


def test_a_row_stored_before_escaping_still_loads() -> None:
    parsed = _parsed()
    workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=SCRIPT_ENGINE)
    workflow.get_next_task(state=TaskState.READY).data["odd"] = {"placeholder": 1}
    old = dump_state(workflow).replace(
        '{"placeholder":1}', '{"typename":"no-such-type","value":"x"}'
    )
    restored = load_state(old, parsed.spec, parsed.subprocess_specs)
    data = restored.get_next_task(state=TaskState.READY).data
    assert data["odd"] == {"typename": "no-such-type", "value": "x"}


def test_citizen_data_with_markers_survives_start_save_load_complete(
    session: Session, install: Install
) -> None:
    version = install(PARKING_BPMN.read_text(), key="parking", form_names=PARKING_FORMS)
    application = {**PARKING_APPLICATION, **{k: v for k, v in LOOKALIKES.items() if k != "real"}}
    review = {**APPROVAL, "note": {"typename": "datetime", "value": "in a while"}}
    outcome = run_journey(session, version, application, [("review", review)], restore=True)
    assert outcome.status == "completed"
    for key in application.keys() - PARKING_APPLICATION.keys():
        assert outcome.data[key] == LOOKALIKES[key], key
    assert outcome.data["note"] == {"typename": "datetime", "value": "in a while"}


SCRIPTED = process_xml(
    """
<bpmn:startEvent id="start" />
<bpmn:scriptTask id="make" name="Make">
  <bpmn:script>made = {"typename": "datetime", "value": "later"}
odd = [{"typename": "no-such-type", "x": 1}]</bpmn:script>
</bpmn:scriptTask>
<bpmn:userTask id="look" name="Look" />
<bpmn:scriptTask id="use" name="Use">
  <bpmn:script>seen = made["value"] + str(odd[0]["x"])</bpmn:script>
</bpmn:scriptTask>
<bpmn:endEvent id="end" />
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="make" />
<bpmn:sequenceFlow id="f2" sourceRef="make" targetRef="look" />
<bpmn:sequenceFlow id="f3" sourceRef="look" targetRef="use" />
<bpmn:sequenceFlow id="f4" sourceRef="use" targetRef="end" />
"""
)


def test_a_script_made_lookalike_survives_a_reload_mid_case(
    session: Session, install: Install
) -> None:
    version = install(SCRIPTED, key="scripted")
    instance = runtime.start(session, version, data={}, actor="kari")
    session.commit()
    checkpoint(True)  # the next step loads the row, not the live workflow
    row = session.get(Instance, instance.id)
    assert row is not None
    state = row.state if isinstance(row.state, str) else json.dumps(row.state)
    assert '"no-such-type"' in state  # the stored row holds the script's dict
    [task] = open_tasks(session, instance.id)
    done = runtime.complete(
        session, version.tenant_id, task.id, {}, "sara", expected_version=row.version
    )
    assert done.status == "completed"
    data = runtime.current_data(session, done)
    assert data["made"] == {"typename": "datetime", "value": "later"}
    assert data["odd"] == [{"typename": "no-such-type", "x": 1}]
    assert data["seen"] == "later1"
