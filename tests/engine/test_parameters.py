"""Parameters: `param.<name>` in cells, conditions and scripts is the version's value."""

from __future__ import annotations

import json
from typing import Any

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.orm import Session

from engine import bpmn, parameters, runtime, steps
from engine.errors import ModelInvalid
from engine.models import ProcessModel, ProcessVersion
from engine.scripting import SCRIPT_ENGINE
from tests.engine.helpers import process_xml
from tests.engine.test_dmn import rule_task, table


def _files(**values: Any) -> dict[str, str]:
    kinds = {int: "amount", str: "text", bool: "boolean", float: "percent"}
    return {
        "parameters.json": json.dumps(
            {
                "parameters": [
                    {"name": k, "type": kinds[type(v)], "value": v} for k, v in values.items()
                ]
            }
        )
    }


LIMIT_TABLE = table(
    "FIRST",
    [
        (("< param.income_limit",), ('"granted"',), "Under grensen"),
        (("-",), ('"rejected"',), "Over grensen"),
    ],
    inputs=("household_income",),
    outputs=("outcome",),
)


def _decide(values: dict[str, Any], **data: Any) -> dict[str, Any]:
    parsed = bpmn.parse({"process.bpmn": rule_task()}, {"d.dmn": LIMIT_TABLE}, values=values)
    workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=SCRIPT_ENGINE)
    workflow.get_next_task(state=TaskState.READY).data.update(data)
    steps.advance(workflow)
    return dict(workflow.data)


def test_a_decision_table_uses_the_value_it_is_parsed_with() -> None:
    assert _decide({"income_limit": 450000}, household_income=420000)["outcome"] == "granted"
    # The same table with another municipality's value decides otherwise.
    assert _decide({"income_limit": 400000}, household_income=420000)["outcome"] == "rejected"


def test_unknown_parameters_are_problems_naming_the_element() -> None:
    with pytest.raises(ModelInvalid) as caught:
        bpmn.parse({"process.bpmn": rule_task()}, {"d.dmn": LIMIT_TABLE}, values={"other": 1})
    [problem] = [p for p in caught.value.problems if p.code == "parameter_unknown"]
    assert problem.params == {"name": "income_limit"} and problem.element_id == "r1i0"
    assert problem.file == "d.dmn"


def test_references_are_read_as_python_not_inside_strings_or_attributes() -> None:
    text = 'x < param.limit and y == "param.limit" and obj.param.limit and param . gap'
    assert [name for _, _, name in parameters.references(text)] == ["limit", "gap"]
    new, unknown = parameters.substitute(text, {"limit": 5})
    assert new == 'x < 5 and y == "param.limit" and obj.param.limit and param . gap'
    assert unknown == ["gap"]
    assert parameters.substitute('f"{param.limit}"', {"limit": 5})[0] == 'f"{param.limit}"'
    assert parameters.substitute("param.name == 'x'", {"name": "Ola's"})[0] == ("\"Ola's\" == 'x'")


def test_a_gateway_condition_and_a_script_use_parameters(session: Session, tenant_id: int) -> None:
    xml = process_xml(
        """
<bpmn:startEvent id="start" />
<bpmn:scriptTask id="compute">
  <bpmn:script>amount = min(asked, param.max_amount)</bpmn:script>
</bpmn:scriptTask>
<bpmn:exclusiveGateway id="gw" default="small" />
<bpmn:endEvent id="big_end" /><bpmn:endEvent id="small_end" />
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="compute" />
<bpmn:sequenceFlow id="f2" sourceRef="compute" targetRef="gw" />
<bpmn:sequenceFlow id="big" sourceRef="gw" targetRef="big_end">
  <bpmn:conditionExpression>amount &gt;= param.max_amount</bpmn:conditionExpression>
</bpmn:sequenceFlow>
<bpmn:sequenceFlow id="small" sourceRef="gw" targetRef="small_end" />
"""
    )
    ends = {}
    for limit in (3000, 9000):
        files = _files(max_amount=limit)
        values = parameters.values_of(files)
        parsed = bpmn.parse({"process.bpmn": xml}, values=values)
        model = ProcessModel(tenant_id=tenant_id, key=f"p{limit}", name_nb="p")
        session.add(model)
        session.flush()
        version = ProcessVersion(
            tenant_id=tenant_id,
            model_id=model.id,
            number=1,
            process_id=parsed.process_id,
            bpmn=xml,
            files=files,
            content_hash=parsed.content_hash,
        )
        session.add(version)
        session.commit()
        instance = runtime.start(session, version, data={"asked": 5000}, actor="kari")
        data = runtime_data(session, instance)
        ends[limit] = (data["amount"], instance.status, instance.outcome)
    assert ends == {
        3000: (3000, "completed", "big_end"),  # capped at the limit: the condition holds
        9000: (5000, "completed", "small_end"),
    }


def runtime_data(session: Session, instance: Any) -> dict[str, Any]:
    from engine.api import current_data

    return current_data(session, instance)


def test_the_values_are_part_of_the_bundle_hash() -> None:
    first = bpmn.parse(
        {"process.bpmn": rule_task()}, {"d.dmn": LIMIT_TABLE}, values={"income_limit": 1}
    )
    second = bpmn.parse(
        {"process.bpmn": rule_task()}, {"d.dmn": LIMIT_TABLE}, values={"income_limit": 2}
    )
    plain = bpmn.parse({"process.bpmn": rule_task()}, {"d.dmn": table("FIRST", [])})
    assert first.content_hash != second.content_hash
    again = bpmn.parse({"process.bpmn": rule_task()}, {"d.dmn": table("FIRST", [])}, values={})
    assert plain.content_hash == again.content_hash  # no parameters: the hash it always had


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ("{", "not valid JSON"),
        ('{"parameters": {}}', '"parameters" list'),
        ('{"parameters": [{"name": "Bad-Name", "type": "amount", "value": 1}]}', "lower-case"),
        ('{"parameters": [{"name": "a", "type": "money", "value": 1}]}', "unknown type"),
        ('{"parameters": [{"name": "a", "type": "amount", "value": "1"}]}', "type amount"),
        ('{"parameters": [{"name": "a", "type": "integer", "value": true}]}', "type integer"),
        ('{"parameters": [{"name": "a", "type": "date", "value": "2026-13-01"}]}', "type date"),
        (
            '{"parameters": [{"name": "a", "type": "text", "value": "x"},'
            ' {"name": "a", "type": "text", "value": "y"}]}',
            "defined twice",
        ),
    ],
)
def test_a_broken_parameters_file_is_one_clear_problem(content: str, said: str) -> None:
    values, problems = parameters.checked({"parameters.json": content})
    assert values == {} and [p.code for p in problems] == ["parameters_invalid"]
    assert said in problems[0].message
