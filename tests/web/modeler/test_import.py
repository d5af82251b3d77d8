"""Diagrams from other modellers open, and what cannot run is reported by element."""

from __future__ import annotations

import io
import os
import re

import pytest

from tests.factories import text_of

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "data", "import")
# file -> (modeller named on the page, element ids that must be reported)
CASES = {
    "bpmnio_demo.bpmn": ("bpmn-js", {"Activity_0q8l1te"}),
    "camunda7_leave.bpmn": (
        "Camunda 7",
        {"StartEvent_1", "approve_leave", "register_leave", "Flow_yes", "Flow_no"},
    ),
    "camunda8_order.bpmn": ("Camunda 8 (Zeebe)", {"confirm_order", "send_invoice", "Flow_large"}),
    "spiffarena_approval.bpmn": ("SpiffWorkflow", {"Activity_describe", "Activity_approve"}),
    "signavio_complaint.bpmn": ("Signavio", {"sid-bb22cc33-dd44-4e55-8f66-0077889900aa"}),
}


def _import(owner, name: str):  # type: ignore[no-untyped-def]
    with open(os.path.join(DATA, name), "rb") as handle:
        raw = handle.read()
    page = owner.get("/modeler/")
    token = re.search(
        r'id="import-csrf_token" name="import-csrf_token" type="hidden" value="([^"]+)"',
        page.get_data(as_text=True),
    )
    return raw, owner.client.post(
        "/modeler/import",
        data={
            "import-csrf_token": token.group(1),
            "import-name": name,
            "import-file": (io.BytesIO(raw), name),
        },
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_foreign_diagram_opens_unchanged_with_problems_by_element(login_as, name):
    owner = login_as("eier")
    raw, response = _import(owner, name)
    assert response.status_code == 200, text_of(response)
    modeller, elements = CASES[name]
    html = response.get_data(as_text=True)
    assert modeller in text_of(response)
    for element_id in elements:
        assert f"element {element_id}" in html, element_id
    edit = re.search(r'href="(/modeler/(\d+)/edit)"', html)
    draft = owner.get(f"/modeler/{edit.group(2)}/draft").get_json()
    assert draft["bpmn"] == raw.decode("utf-8")  # nothing dropped
    assert draft["needs_layout"] is False
    assert {p["element_id"] for p in draft["problems"]} & elements


def test_diagram_without_layout_is_flagged_for_automatic_layout(login_as):
    owner = login_as("eier")
    _raw, response = _import(owner, "no_layout.bpmn")
    assert response.status_code == 200
    assert "lays it out automatically" in text_of(
        response
    ) or "plasserer elementene automatisk" in text_of(response)
    model_id = re.search(r'href="/modeler/(\d+)/edit"', response.get_data(as_text=True)).group(1)
    assert owner.get(f"/modeler/{model_id}/draft").get_json()["needs_layout"] is True


def test_unsafe_or_broken_files_are_refused(login_as):
    owner = login_as("eier")
    page = owner.get("/modeler/").get_data(as_text=True)
    token = re.search(r'name="import-csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
        b"<definitions>&lol2;</definitions>"
    )
    for name, raw in (
        ("bomb.bpmn", bomb),
        ("broken.bpmn", b"<definitions"),
        ("x.bpmn", b"\xff\xfe"),
    ):
        response = owner.client.post(
            "/modeler/import",
            data={
                "import-csrf_token": token,
                "import-name": name,
                "import-file": (io.BytesIO(raw), name),
            },
            content_type="multipart/form-data",
        )
        assert response.status_code in (302, 400), name
        assert response.status_code != 500
    not_bpmn = owner.client.post(
        "/modeler/import",
        data={
            "import-csrf_token": token,
            "import-name": "x",
            "import-file": (io.BytesIO(b"x"), "x.exe"),
        },
        content_type="multipart/form-data",
    )
    assert not_bpmn.status_code == 302
