"""Our own checks: clear problems with element id and line, never a stack trace."""

from __future__ import annotations

from pathlib import Path

import pytest
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from engine import bpmn, checks, safexml
from engine.errors import ModelInvalid, Problem
from tests.engine.helpers import START_TO_END, line_of, process_xml

DANGLING = process_xml("""
<bpmn:startEvent id="start" />
<bpmn:endEvent id="end" />
<bpmn:sequenceFlow id="f_lost" sourceRef="start" targetRef="nowhere" />
""")


def _only(xml: str, **kwargs: object) -> Problem:
    problems = bpmn.validate({"process.bpmn": xml}, **kwargs)  # type: ignore[arg-type]
    assert len(problems) == 1, problems
    assert problems[0].file == "process.bpmn"
    return problems[0]


def test_a_valid_process_has_no_problems() -> None:
    assert bpmn.validate({"process.bpmn": process_xml(START_TO_END)}) == []


def test_flow_to_a_missing_element_names_the_missing_id() -> None:
    problem = _only(DANGLING)
    assert "'nowhere'" in problem.message and "does not exist" in problem.message
    assert "two items" not in problem.message
    assert problem.element_id == "f_lost"
    assert problem.line == line_of(DANGLING, 'id="f_lost"')


def test_spiffworkflow_alone_would_blame_a_duplicate() -> None:
    """Why the check above exists: the library's message points the wrong way."""
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_str(DANGLING.encode(), filename="process.bpmn")
    with pytest.raises(ValidationException, match="two items"):
        parser.get_spec("p")


def test_flow_from_a_missing_element_and_without_target() -> None:
    xml = process_xml("""
<bpmn:startEvent id="start" />
<bpmn:endEvent id="end" />
<bpmn:sequenceFlow id="f_ok" sourceRef="start" targetRef="end" />
<bpmn:sequenceFlow id="f_ghost" sourceRef="ghost" targetRef="end" />
<bpmn:sequenceFlow id="f_open" sourceRef="start" />
""")
    problems = bpmn.validate({"process.bpmn": xml})
    messages = {p.element_id: p.message for p in problems}
    assert "source 'ghost'" in messages["f_ghost"]
    assert "has no target" in messages["f_open"]


def test_duplicate_id_points_at_the_second_element() -> None:
    xml = process_xml("""
<bpmn:startEvent id="start" />
<bpmn:intermediateThrowEvent id="start" />
<bpmn:endEvent id="end" />
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="end" />
""")
    problem = _only(xml)
    assert problem.message.startswith("The id 'start' is used by more than one element")
    assert problem.code == "duplicate_id"
    assert problem.element_id == "start"
    assert problem.line == line_of(xml, '<bpmn:intermediateThrowEvent id="start"')


def test_duplicate_id_across_files_of_one_bundle() -> None:
    first = process_xml(START_TO_END, process_id="first")
    second = process_xml(START_TO_END, process_id="second")
    problems = bpmn.validate({"a.bpmn": first, "b.bpmn": second})
    duplicated = {p.element_id for p in problems if "more than one" in p.message}
    assert {"start", "end", "f_start_end", "definitions"} <= duplicated
    assert all(p.file == "b.bpmn" for p in problems)


NO_START = """
<bpmn:intermediateThrowEvent id="t" />
<bpmn:endEvent id="end" />
<bpmn:sequenceFlow id="f1" sourceRef="t" targetRef="end" />
"""
NO_END = """
<bpmn:startEvent id="start" />
<bpmn:intermediateThrowEvent id="t" />
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="t" />
"""


@pytest.mark.parametrize(("body", "missing"), [(NO_START, "start"), (NO_END, "end")])
def test_process_without_start_or_end_event(body: str, missing: str) -> None:
    xml = process_xml(body)
    problem = _only(xml)
    assert problem.message.startswith(f"The process 'p' has no {missing} event: draw")
    assert problem.code == f"process_no_{missing}" and problem.params == {"label": "p"}
    assert problem.element_id == "p"
    assert problem.line == line_of(xml, '<bpmn:process id="p"')


def test_syntax_error_in_a_gateway_condition() -> None:
    xml = process_xml("""
<bpmn:startEvent id="start" />
<bpmn:exclusiveGateway id="gw" />
<bpmn:endEvent id="yes" />
<bpmn:endEvent id="no" />
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw" />
<bpmn:sequenceFlow id="f_yes" sourceRef="gw" targetRef="yes">
  <bpmn:conditionExpression>amount &gt;= </bpmn:conditionExpression>
</bpmn:sequenceFlow>
<bpmn:sequenceFlow id="f_no" sourceRef="gw" targetRef="no">
  <bpmn:conditionExpression>amount &lt; 10</bpmn:conditionExpression>
</bpmn:sequenceFlow>
""")
    problem = _only(xml)
    assert problem.message.startswith("The condition of 'f_yes' has a syntax error: ")
    assert problem.message.endswith("(line 1 of the condition): correct it.")
    assert problem.code == "syntax_condition" and problem.params["label"] == "f_yes"
    assert problem.element_id == "f_yes"
    assert problem.line == line_of(xml, "amount &gt;=")


def test_syntax_error_in_a_script_task_gives_the_line_inside_the_file() -> None:
    xml = process_xml("""
<bpmn:startEvent id="start" />
<bpmn:scriptTask id="calc" name="Calculate">
  <bpmn:script>total = 0
for item in items
    total += item</bpmn:script>
</bpmn:scriptTask>
<bpmn:endEvent id="end" />
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="calc" />
<bpmn:sequenceFlow id="f2" sourceRef="calc" targetRef="end" />
""")
    problem = _only(xml)
    assert problem.message.startswith("The script of 'Calculate' has a syntax error: ")
    assert "(line 2 of the script)" in problem.message
    assert problem.element_id == "calc"
    assert problem.line == line_of(xml, "for item in items")


@pytest.mark.parametrize("tag", ["preScript", "postScript"])
def test_syntax_error_in_pre_and_post_scripts(tag: str) -> None:
    other = "postScript" if tag == "preScript" else "preScript"
    xml = process_xml(f"""
<bpmn:startEvent id="start" />
<bpmn:userTask id="approve" name="Approve">
  <bpmn:extensionElements>
    <spiffworkflow:{other}>fine = True</spiffworkflow:{other}>
    <spiffworkflow:{tag}>a = 1
b = = 2
c = 3</spiffworkflow:{tag}>
  </bpmn:extensionElements>
</bpmn:userTask>
<bpmn:endEvent id="end" />
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="approve" />
<bpmn:sequenceFlow id="f2" sourceRef="approve" targetRef="end" />
""")
    problem = _only(xml)
    assert problem.message.startswith(f"The {tag} of 'Approve' has a syntax error: ")
    assert "(line 2 of the" in problem.message
    assert problem.element_id == "approve"
    assert problem.line == line_of(xml, "b = = 2")


USER_TASKS = process_xml("""
<bpmn:startEvent id="start">
  <bpmn:extensionElements><spiffworkflow:properties>
    <spiffworkflow:property name="formJsonSchemaFilename" value="apply.json" />
  </spiffworkflow:properties></bpmn:extensionElements>
</bpmn:startEvent>
<bpmn:userTask id="with_missing_form" name="Missing form">
  <bpmn:extensionElements><spiffworkflow:properties>
    <spiffworkflow:property name="formJsonSchemaFilename" value="gone.json" />
  </spiffworkflow:properties></bpmn:extensionElements>
</bpmn:userTask>
<bpmn:userTask id="without_form" name="No form" />
<bpmn:endEvent id="end" />
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="with_missing_form" />
<bpmn:sequenceFlow id="f2" sourceRef="with_missing_form" targetRef="without_form" />
<bpmn:sequenceFlow id="f3" sourceRef="without_form" targetRef="end" />
""")


def test_user_task_forms_are_checked_when_form_names_are_given() -> None:
    problems = bpmn.validate({"process.bpmn": USER_TASKS}, form_names={"apply.json"})
    assert [(p.element_id, p.message) for p in problems] == [
        (
            "with_missing_form",
            "The form 'gone.json' used by 'Missing form' does not exist: "
            "create it or choose another form.",
        ),
        (
            "without_form",
            "The task 'No form' has no form: choose or create one in the properties panel.",
        ),
    ]
    assert problems[0].line == line_of(USER_TASKS, 'id="with_missing_form"')
    assert problems[1].line == line_of(USER_TASKS, 'id="without_form"')


def test_a_start_form_that_does_not_exist() -> None:
    problems = bpmn.validate(
        {"process.bpmn": USER_TASKS}, form_names={"gone.json", "unrelated.json"}
    )
    messages = {p.element_id: p.message for p in problems}
    assert set(messages) == {"start", "without_form"}
    assert messages["start"].startswith("The form 'apply.json' used by 'start' does not exist")


def test_forms_are_not_checked_without_form_names() -> None:
    assert bpmn.validate({"process.bpmn": USER_TASKS}) == []


def test_missing_call_activity_target_is_a_problem_on_the_call_activity() -> None:
    xml = process_xml("""
<bpmn:startEvent id="start" />
<bpmn:callActivity id="call_sub" name="Run sub" calledElement="ghost_process" />
<bpmn:endEvent id="end" />
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="call_sub" />
<bpmn:sequenceFlow id="f2" sourceRef="call_sub" targetRef="end" />
""")
    problem = _only(xml)
    assert "'ghost_process'" in problem.message
    assert problem.element_id == "call_sub"
    assert problem.line == line_of(xml, 'id="call_sub"')


def test_call_activity_target_in_another_file_of_the_bundle_is_fine() -> None:
    main = process_xml(
        """
<bpmn:startEvent id="start" />
<bpmn:callActivity id="call_sub" calledElement="sub" />
<bpmn:endEvent id="end" />
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="call_sub" />
<bpmn:sequenceFlow id="f2" sourceRef="call_sub" targetRef="end" />
""",
        process_id="main",
    )
    sub = process_xml(
        """
<bpmn:startEvent id="sub_start" />
<bpmn:endEvent id="sub_end" />
<bpmn:sequenceFlow id="sub_flow" sourceRef="sub_start" targetRef="sub_end" />
""",
        process_id="sub",
    ).replace('id="definitions"', 'id="sub_definitions"')
    parsed = bpmn.parse({"main.bpmn": main, "sub.bpmn": sub}, process_id="main")
    assert set(parsed.subprocess_specs) == {"sub"}


def test_every_problem_is_reported_at_once() -> None:
    xml = process_xml("""
<bpmn:intermediateThrowEvent id="t" />
<bpmn:intermediateThrowEvent id="t" />
<bpmn:sequenceFlow id="f1" sourceRef="t" targetRef="nowhere" />
<bpmn:scriptTask id="s"><bpmn:script>x = (</bpmn:script></bpmn:scriptTask>
""")
    problems = bpmn.validate({"process.bpmn": xml})
    # In document order: the process (no start, no end event) first, then its elements.
    assert [p.element_id for p in problems] == ["p", "p", "t", "f1", "s"]
    assert all(isinstance(p.line, int) and p.line > 1 for p in problems)
    with pytest.raises(ModelInvalid) as caught:
        bpmn.parse({"process.bpmn": xml})
    assert caught.value.problems == problems


@pytest.mark.parametrize("document", ["<a/>", '<definitions xmlns="urn:not-bpmn"/>'])
def test_a_file_that_is_not_bpmn(document: str) -> None:
    assert _only(document) == Problem(
        "The file is not a BPMN 2.0 diagram: export it as BPMN 2.0 XML.",
        line=1,
        file="process.bpmn",
        code="not_bpmn",
    )


def test_structural_problems_on_trees_directly() -> None:
    trees = {"process.bpmn": safexml.parse_xml(DANGLING)}
    assert [p.element_id for p in checks.structural_problems(trees, None)] == ["f_lost"]
    assert (
        checks.structural_problems(
            {"process.bpmn": safexml.parse_xml(process_xml(START_TO_END))}, set()
        )
        == []
    )


def test_undeclared_message_is_named_on_its_event() -> None:
    loop = (Path(__file__).parent.parent / "data" / "loop.bpmn").read_text(encoding="utf-8")
    broken = loop.replace(
        "<bpmn:incoming>f_done</bpmn:incoming>\n    </bpmn:endEvent>",
        "<bpmn:incoming>f_done</bpmn:incoming>\n      "
        '<bpmn:messageEventDefinition id="m1" messageRef="nope" />\n    </bpmn:endEvent>',
    )
    problems = bpmn.validate({"p.bpmn": broken})
    assert [(p.element_id, p.line) for p in problems] == [("done", 40)]
    assert "message 'nope'" in problems[0].message


def test_gateway_flows_need_a_condition_unless_default() -> None:
    permit = Path(__file__).parent.parent.parent / "processes" / "parking_permit" / "process.bpmn"
    xml = permit.read_text(encoding="utf-8")
    no_condition = xml.replace(
        '<bpmn:conditionExpression>review_decision != "approved"</bpmn:conditionExpression>', ""
    )
    problems = bpmn.validate({"process.bpmn": no_condition})
    assert [p.element_id for p in problems] == ["flow_rejected"]
    assert "needs a condition" in problems[0].message
    as_default = no_condition.replace(
        '<bpmn:exclusiveGateway id="gw_decision" name="Innvilget?">',
        '<bpmn:exclusiveGateway id="gw_decision" name="Innvilget?" default="flow_rejected">',
    )
    assert bpmn.validate({"process.bpmn": as_default}) == []
