"""Vendor parts of diagrams from other modellers, found in linear time."""

from __future__ import annotations

import time

from lxml import etree

from engine import dialects

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
