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


def _import(owner, name: str, **extra: str):  # type: ignore[no-untyped-def]
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
            **extra,
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


# --- Issue 13: what would never run is said on import and stays in the draft's list ---


def _model_id(response) -> str:  # type: ignore[no-untyped-def]
    return re.search(r'href="/modeler/(\d+)/edit"', response.get_data(as_text=True)).group(1)


def _draft_codes(owner, model_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The draft's problem codes, without the catalogue card's (imports have no card yet)."""
    draft = owner.get(f"/modeler/{model_id}/draft").get_json()
    return [p.get("code") for p in draft["problems"] if not p["code"].startswith("catalog_")]


def test_a_plain_task_is_flagged_and_cannot_be_published(login_as):
    owner = login_as("eier")
    _raw, response = _import(owner, "bpmnio_partial_layout.bpmn")
    page = text_of(response)
    assert "Behandle søknad" in page
    assert "task_no_type" in _draft_codes(owner, _model_id(response))
    publish = owner.get(f"/modeler/{_model_id(response)}/publish")
    assert "Behandle søknad" in text_of(publish)  # listed where publishing is refused


def test_two_pools_are_refused_naming_the_pools(login_as):
    owner = login_as("eier")
    _raw, response = _import(owner, "camunda7_two_pools.bpmn")
    assert response.status_code == 200
    assert "'Kommunen', 'NAV'" in response.get_data(as_text=True).replace("&#39;", "'")
    assert "several_pools" in _draft_codes(owner, _model_id(response))


def test_not_executable_is_said_and_a_button_marks_it_executable(login_as):
    owner = login_as("eier")
    _raw, response = _import(owner, "signavio_not_executable.bpmn")
    html = response.get_data(as_text=True).replace("&#39;", "'")
    assert "Melding om avvik" in html
    model_id = _model_id(response)
    assert f'action="/modeler/{model_id}/mark-executable"' in html
    assert _draft_codes(owner, model_id) == ["process_not_executable"]
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    marked = owner.client.post(f"/modeler/{model_id}/mark-executable", data={"csrf_token": token})
    assert marked.status_code == 200
    assert 'action="/modeler/' not in marked.get_data(as_text=True)
    draft = owner.get(f"/modeler/{model_id}/draft").get_json()
    assert 'isExecutable="true"' in draft["bpmn"] and _draft_codes(owner, model_id) == []


def test_the_import_form_can_mark_processes_executable(login_as):
    owner = login_as("eier")
    _raw, response = _import(
        owner, "signavio_not_executable.bpmn", **{"import-mark_executable": "y"}
    )
    assert _draft_codes(owner, _model_id(response)) == []


def test_plain_iso_timers_import_without_problems(login_as):
    owner = login_as("eier")
    _raw, response = _import(owner, "bizagi_timers.bpmn")
    assert _draft_codes(owner, _model_id(response)) == []


def test_vendor_findings_stay_in_the_drafts_problem_list(login_as):
    owner = login_as("eier")
    _raw, response = _import(owner, "camunda7_leave.bpmn")
    codes = _draft_codes(owner, _model_id(response))
    assert "vendor" in codes and "vendor_condition" in codes


def test_elements_without_layout_are_listed_and_kept(login_as):
    owner = login_as("eier")
    raw, response = _import(owner, "bpmnio_partial_layout.bpmn")
    model_id = _model_id(response)
    draft = owner.get(f"/modeler/{model_id}/draft").get_json()
    assert draft["bpmn"] == raw.decode("utf-8")
    hidden = [p["element_id"] for p in draft["problems"] if p.get("code") == "no_layout"]
    assert hidden == ["Activity_hidden", "Flow_b", "Flow_c"]


def test_a_save_from_the_editor_does_not_drop_elements_without_layout(login_as):
    owner = login_as("eier")
    raw, response = _import(owner, "bpmnio_partial_layout.bpmn")
    model_id = _model_id(response)
    draft = owner.get(f"/modeler/{model_id}/draft").get_json()
    # What the editor exports: only what it could show (the unplaced three are gone).
    exported = re.sub(
        r"\s*<bpmn:scriptTask id=\"Activity_hidden\".*?</bpmn:scriptTask>", "", raw.decode()
    )
    exported = re.sub(r"\s*<bpmn:sequenceFlow id=\"Flow_[bc]\"[^>]*/>", "", exported)
    assert "Activity_hidden" not in exported
    token = owner.csrf(f"/modeler/{model_id}/edit")
    saved = owner.post_json(
        f"/modeler/{model_id}/draft", {"bpmn": exported, "revision": draft["revision"]}, token
    )
    assert saved.status_code == 200, saved.get_json()
    kept = owner.get(f"/modeler/{model_id}/draft").get_json()
    for element_id in ("Activity_hidden", "Flow_b", "Flow_c"):
        assert f'id="{element_id}"' in kept["bpmn"], element_id
    hidden = [p["element_id"] for p in kept["problems"] if p.get("code") == "no_layout"]
    assert hidden == ["Activity_hidden", "Flow_b", "Flow_c"]


def test_problem_lists_show_the_text_of_the_code_on_every_page(login_as):
    owner = login_as("eier")
    owner.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    _raw, response = _import(owner, "camunda7_leave.bpmn")
    expected = "The condition of 'Ja' has a syntax error (line 1): correct it."
    assert expected in text_of(response).replace("&#39;", "'")
    publish = owner.get(f"/modeler/{_model_id(response)}/publish")  # another view, same list
    assert expected in text_of(publish).replace("&#39;", "'")
