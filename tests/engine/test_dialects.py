"""Vendor parts of diagrams from other modellers, found in linear time."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from lxml import etree

from engine import bpmn, dialects
from engine.errors import ModelInvalid, Problem

CAMUNDA = "http://camunda.org/schema/1.0/bpmn"


def _task(attributes: int) -> etree._Element:
    names = " ".join(f'camunda:a{i}="v"' for i in range(attributes))
    xml = (
        f'<userTask xmlns:camunda="{CAMUNDA}" id="t" camunda:formKey="embedded:x" '
        f'camunda:assignee="kari" {names}/>'
    )
    # Parsed without our count limits: the per-element scan must be linear on its own.
    return etree.fromstring(xml, parser=etree.XMLParser(huge_tree=True))


def test_vendor_attributes_are_reported_with_their_element() -> None:
    xml = (
        '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        f'xmlns:camunda="{CAMUNDA}"><process id="p">'
        '<userTask id="t" camunda:formKey="embedded:x" camunda:foo="y"/></process></definitions>'
    )
    [problem] = dialects.foreign_parts(xml, filename="p.bpmn")
    assert "formKey=embedded:x" in problem.message
    assert problem.element_id == "t" and problem.file == "p.bpmn" and problem.line == 1


def test_the_attribute_scan_is_linear_in_the_attributes_of_an_element() -> None:
    # Quadratic before: 50,000 attributes took ~6 s (lxml looks each value up by name).
    element = _task(50_000)
    started = time.perf_counter()
    problems = dialects._vendor_attribute_problems(element, "p.bpmn")
    assert time.perf_counter() - started < 1.0
    assert sorted(p.message.split("=")[0] for p in problems) == ["'assignee", "'formKey"]


# --- Diagrams from other modellers: what would never run is a problem (issue 13) ---

IMPORT = Path(__file__).parent.parent / "data" / "import"


def _problems_of(name: str) -> list[Problem]:
    return bpmn.validate({"process.bpmn": (IMPORT / name).read_text(encoding="utf-8")})


def test_a_plain_task_asks_for_a_task_type_by_its_label() -> None:
    found = [p for p in _problems_of("bpmnio_partial_layout.bpmn") if p.code == "task_no_type"]
    assert [(p.element_id, p.params["label"]) for p in found] == [
        ("Activity_plain", "Behandle søknad")
    ]
    assert "choose a task type" in found[0].message


def test_two_pools_with_steps_are_refused_naming_the_pools() -> None:
    [found] = _problems_of("camunda7_two_pools.bpmn")
    assert found.code == "several_pools"
    assert found.params["pools"] == "'Kommunen', 'NAV'"
    with pytest.raises(ModelInvalid):
        bpmn.parse({"process.bpmn": (IMPORT / "camunda7_two_pools.bpmn").read_text()})


def test_a_process_marked_not_executable_says_so_and_can_be_marked() -> None:
    [found] = _problems_of("signavio_not_executable.bpmn")
    assert (found.code, found.params["label"]) == ("process_not_executable", "Melding om avvik")
    assert "marked as not executable" in found.message
    xml = dialects.mark_executable((IMPORT / "signavio_not_executable.bpmn").read_text())
    assert 'isExecutable="true"' in xml and 'isExecutable="false"' not in xml
    assert bpmn.validate({"process.bpmn": xml}) == []


def test_mark_executable_adds_the_attribute_where_it_is_missing() -> None:
    xml = '<bpmn:process id="p"><bpmn:startEvent id="s"/></bpmn:process><process id="q" />'
    assert dialects.mark_executable(xml) == (
        '<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s"/></bpmn:process>'
        '<process id="q" isExecutable="true"/>'
    )


def test_plain_iso_timers_from_other_modellers_pass_validation() -> None:
    assert _problems_of("bizagi_timers.bpmn") == []


@pytest.mark.parametrize("value", ["P1X", "R6/P1Q", "2026-13-45T08:00:00Z", "${due}", ""])
def test_a_timer_that_is_neither_iso_nor_python_is_a_problem_at_save_time(value: str) -> None:
    xml = (IMPORT / "bizagi_timers.bpmn").read_text().replace("PT2H", value)
    [found] = bpmn.validate({"process.bpmn": xml})
    assert (found.code, found.element_id) == ("timer_invalid", "Id_wait")
    assert found.params["label"] == "Vent to timer"


def test_elements_without_layout_are_listed_by_label() -> None:
    found = [p for p in _problems_of("bpmnio_partial_layout.bpmn") if p.code == "no_layout"]
    assert [p.element_id for p in found] == ["Activity_hidden", "Flow_b", "Flow_c"]
    assert found[0].message.startswith("'Skjult steg' has no position in the diagram")


def test_a_save_keeps_unplaced_elements_inside_their_sub_process() -> None:
    old = (IMPORT / "bpmnio_subprocess_partial_layout.bpmn").read_text(encoding="utf-8")
    found = [p.element_id for p in _problems_of("bpmnio_subprocess_partial_layout.bpmn")]
    assert [i for i in found if i and i.startswith("Sub_")] == [
        "Sub_hidden",
        "Sub_flow_a",
        "Sub_flow_b",
    ]
    # What the editor exports: the sub-process without what it could not show.
    exported = old.replace(
        '<bpmn:scriptTask id="Sub_hidden" name="Skjult kontroll" scriptFormat="python">'
        "<bpmn:script>checked = True</bpmn:script></bpmn:scriptTask>",
        "",
    )
    exported = "\n".join(line for line in exported.splitlines() if "Sub_flow_" not in line)
    kept = etree.fromstring(dialects.keep_unplaced(old, exported).encode("utf-8"))
    ns = {"bpmn": dialects.BPMN}
    sub = kept.find(".//bpmn:subProcess[@id='Sub_check']", ns)
    assert sub is not None
    assert [e.get("id") for e in sub if e.get("id", "").startswith("Sub_")] == [
        "Sub_start",
        "Sub_end",
        "Sub_hidden",
        "Sub_flow_a",
        "Sub_flow_b",
    ]
    assert kept.find("./bpmn:process/bpmn:scriptTask", ns) is None  # not moved to the top
    # Still listed (it still has no position), and nothing else is wrong with it.
    left = bpmn.validate({"process.bpmn": etree.tostring(kept).decode("utf-8")})
    assert [(p.code, p.element_id) for p in left] == [
        ("no_layout", "Sub_hidden"),
        ("no_layout", "Sub_flow_a"),
        ("no_layout", "Sub_flow_b"),
    ]


def test_a_file_without_any_layout_is_laid_out_not_listed() -> None:
    assert not [p for p in _problems_of("no_layout.bpmn") if p.code == "no_layout"]


def test_vendor_findings_carry_a_code_and_the_element_label() -> None:
    xml = (IMPORT / "camunda7_leave.bpmn").read_text(encoding="utf-8")
    found = dialects.foreign_parts(xml)
    assert found and all(p.code in ("vendor", "vendor_condition") for p in found)
    assert all(p.params["label"] for p in found)
