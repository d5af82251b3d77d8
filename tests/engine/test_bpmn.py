"""Parsing and validating bundles: problems instead of exceptions, and the spec cache."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from engine import bpmn, runtime, scheduler
from engine.errors import ModelInvalid
from engine.models import utcnow
from tests.engine.conftest import Install
from tests.engine.helpers import (
    DATA,
    PARKING_BPMN,
    PARKING_FORMS,
    START_TO_END,
    line_of,
    open_tasks,
    process_xml,
)


def _chain(length: int) -> str:
    """start -> t0 -> t1 -> ... -> end, every node one level deeper for the parser."""
    nodes = ['<bpmn:startEvent id="start" />', '<bpmn:endEvent id="end" />']
    flows, previous = [], "start"
    for n in range(length):
        nodes.append(f'<bpmn:intermediateThrowEvent id="t{n}" />')
        flows.append(f'<bpmn:sequenceFlow id="f{n}" sourceRef="{previous}" targetRef="t{n}" />')
        previous = f"t{n}"
    flows.append(f'<bpmn:sequenceFlow id="f_end" sourceRef="{previous}" targetRef="end" />')
    return process_xml("\n".join(nodes + flows))


def test_parking_permit_is_valid_with_its_forms() -> None:
    assert bpmn.validate({"process.bpmn": PARKING_BPMN.read_text()}, form_names=PARKING_FORMS) == []


def test_parking_permit_without_the_review_form_is_not() -> None:
    [problem] = bpmn.validate(
        {"process.bpmn": PARKING_BPMN.read_text()}, form_names={"application.json"}
    )
    assert problem.element_id == "review"
    assert "'review.json'" in problem.message


def test_parsed_process_describes_itself() -> None:
    parsed = bpmn.parse({"process.bpmn": PARKING_BPMN.read_text()})
    assert parsed.process_id == "parking_permit"
    assert parsed.start_form == "application.json"
    assert parsed.lanes == ["Innbygger", "Saksbehandler"]
    assert parsed.names["review"] == "Vurder søknaden"
    assert bpmn.describe(parsed) == {
        "process_id": "parking_permit",
        "lanes": ["Innbygger", "Saksbehandler"],
        "start_form": "application.json",
    }


def test_xml_syntax_error_comes_with_its_line() -> None:
    broken = process_xml(START_TO_END).replace('<bpmn:endEvent id="end" />', "<bpmn:endEvent>")
    [problem] = bpmn.validate({"process.bpmn": broken})
    assert problem.message.startswith("The XML is not well-formed: ")
    assert problem.file == "process.bpmn"
    assert problem.line is not None
    assert problem.line >= line_of(broken, "<bpmn:endEvent>")


def test_an_empty_file_is_a_problem() -> None:
    [problem] = bpmn.validate({"process.bpmn": ""})
    assert problem.file == "process.bpmn"
    assert "not well-formed" in problem.message or "empty" in problem.message


def test_a_very_long_chain_is_a_problem_not_a_recursion_error() -> None:
    """SpiffWorkflow's parser recurses once per node and gives up near 500."""
    xml = _chain(600)
    for _ in range(2):  # a failed parse is not cached as a success either
        with pytest.raises(ModelInvalid) as caught:
            bpmn.parse({"process.bpmn": xml})
        [problem] = caught.value.problems
        assert problem.message.startswith("The process is too deeply chained")
        assert "RecursionError" not in problem.message
    assert bpmn.validate({"process.bpmn": xml}) == caught.value.problems


def test_a_chain_of_reasonable_length_parses() -> None:
    parsed = bpmn.parse({"process.bpmn": _chain(150)})
    assert "t149" in parsed.spec.task_specs


def test_schema_violation_from_spiffworkflow_becomes_a_problem_with_a_line() -> None:
    xml = process_xml(
        START_TO_END.replace(
            '<bpmn:endEvent id="end" />', '<bpmn:endEvent id="end"><bpmn:bogus /></bpmn:endEvent>'
        )
    )
    [problem] = bpmn.validate({"process.bpmn": xml})
    assert "bogus" in problem.message
    assert problem.line == line_of(xml, "<bpmn:bogus")
    assert problem.file == "process.bpmn"


def test_spiffworkflow_graph_error_gets_element_id_and_line() -> None:
    xml = process_xml("""
<bpmn:startEvent id="start" />
<bpmn:intermediateThrowEvent id="fork" />
<bpmn:endEvent id="end_a" />
<bpmn:endEvent id="end_b" />
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fork" />
<bpmn:sequenceFlow id="f2" sourceRef="fork" targetRef="end_a" />
<bpmn:sequenceFlow id="f3" sourceRef="fork" targetRef="end_b" />
""")
    [problem] = bpmn.validate({"process.bpmn": xml})
    assert problem.element_id == "fork"
    assert problem.line == line_of(xml, 'id="fork"')


TWO_PROCESSES = process_xml(START_TO_END, process_id="main").replace(
    "</bpmn:definitions>",
    '<bpmn:process id="other" isExecutable="true">'
    '<bpmn:startEvent id="o_start" /><bpmn:endEvent id="o_end" />'
    '<bpmn:sequenceFlow id="o_flow" sourceRef="o_start" targetRef="o_end" />'
    "</bpmn:process></bpmn:definitions>",
)


def test_the_first_executable_process_is_chosen_unless_one_is_named() -> None:
    assert bpmn.parse({"process.bpmn": TWO_PROCESSES}).process_id == "main"
    assert bpmn.parse({"process.bpmn": TWO_PROCESSES}, process_id="other").process_id == "other"


def test_asking_for_a_process_that_is_not_there() -> None:
    [problem] = bpmn.validate({"process.bpmn": TWO_PROCESSES}, process_id="nope")
    assert problem.message == "The process 'nope' is not in the diagram."


def test_parsing_the_same_bundle_twice_returns_the_same_object() -> None:
    text = PARKING_BPMN.read_text()
    first = bpmn.parse({"process.bpmn": text})
    assert bpmn.parse({"process.bpmn": text.encode("utf-8")}) is first
    assert bpmn.parse({"process.bpmn": text}, form_names=PARKING_FORMS) is not first
    changed = bpmn.parse({"process.bpmn": text.replace("Innvilget?", "Innvilget ?")})
    assert changed is not first
    assert changed.content_hash != first.content_hash


def test_spec_cache_is_bounded_and_keeps_the_recently_used() -> None:
    cache = bpmn.SpecCache(size=2)
    a, b, c = (process_xml(START_TO_END, process_id=name) for name in ("a", "b", "c"))
    parsed_a = cache.parse({"process.bpmn": a})
    parsed_b = cache.parse({"process.bpmn": b})
    assert cache.parse({"process.bpmn": a}) is parsed_a  # a is now the most recent
    cache.parse({"process.bpmn": c})  # evicts b
    assert cache.parse({"process.bpmn": a}) is parsed_a
    assert cache.parse({"process.bpmn": b}) is not parsed_b


def test_content_hash_is_stable_and_sensitive() -> None:
    files = {"a.bpmn": b"<a/>", "b.bpmn": b"<b/>"}
    reordered = {"b.bpmn": b"<b/>", "a.bpmn": b"<a/>"}
    assert bpmn.content_hash(files, {}) == bpmn.content_hash(reordered, {})
    assert bpmn.content_hash(files, {}) != bpmn.content_hash({**files, "a.bpmn": b"<A/>"}, {})
    assert bpmn.content_hash(files, {}) != bpmn.content_hash(files, {}, "extra")
    # A file may not move between kinds without changing the hash.
    assert bpmn.content_hash({"x": b"1"}, {}) != bpmn.content_hash({}, {"x": b"1"})


# --- Plain ISO 8601 timers as other modellers write them run (issue 13) ---

ESCALATION = (DATA / "engine" / "escalation.bpmn").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("tag", "value", "after"),
    [("timeDuration", "PT2H", timedelta(hours=2)), ("timeDate", "2027-03-01T08:00:00Z", None)],
)
def test_a_plain_iso_timer_fires_when_due(
    tag: str,
    value: str,
    after: timedelta | None,
    session: Session,
    sessions: sessionmaker[Session],
    install: Install,
    tenant_id: int,
) -> None:
    timer = f"<bpmn:{tag}>{value}</bpmn:{tag}>"
    xml = ESCALATION.replace("<bpmn:timeDuration>escalate_after</bpmn:timeDuration>", timer)
    version = install(xml, key="plain_iso")
    assert bpmn.validate({"process.bpmn": version.bpmn}) == []
    instance = runtime.start(session, version, data={}, actor="kari")
    due = instance.next_timer_at
    expected = utcnow() + after if after else datetime(2027, 3, 1, 8, 0)
    assert due is not None and abs(due - expected) < timedelta(minutes=1)
    assert scheduler.run_once(sessions, now=due - timedelta(minutes=5)) == 0
    assert scheduler.run_once(sessions, now=due + timedelta(seconds=1)) == 1
    session.expire_all()
    assert {t.element_id for t in open_tasks(session, instance.id)} == {"review", "follow_up"}
