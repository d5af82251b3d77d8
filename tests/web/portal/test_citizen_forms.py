"""Citizen forms through HTTP: pages, conditions, lists, drafts and uploads."""

from __future__ import annotations

import io
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from designer.extensions import db
from designer.models import Attachment, User
from designer.services.catalog import ServiceBundle, install
from engine.models import Instance, Tenant
from tests.factories import text_of

APPLY = "/services/subsidy/apply"
PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="x">
  <bpmn:process id="subsidy" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="l" name="Saksbehandler">
      <bpmn:flowNodeRef>review</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="apply.json" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:outgoing>f1</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:userTask id="review" name="Vurder">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="review.json" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>"""
APPLY_FORM = {
    "type": "default",
    "properties": {"pages": "true"},
    "components": [
        {
            "type": "group",
            "label": "Husholdningen",
            "components": [
                {
                    "type": "number",
                    "key": "income",
                    "label": "Husholdningsinntekt",
                    "validate": {"required": True, "min": 0},
                },
                {
                    "type": "radio",
                    "key": "has_children",
                    "label": "Har du barn?",
                    "validate": {"required": True},
                    "values": [{"label": "Ja", "value": "yes"}, {"label": "Nei", "value": "no"}],
                },
            ],
        },
        {
            "type": "group",
            "label": "Barna",
            "components": [
                {
                    "type": "dynamiclist",
                    "key": "children",
                    "path": "children",
                    "label": "Barn",
                    "conditional": {"hide": '=has_children != "yes"'},
                    "components": [
                        {
                            "type": "textfield",
                            "key": "child_name",
                            "label": "Navn",
                            "validate": {"required": True},
                        },
                        {
                            "type": "number",
                            "key": "age",
                            "label": "Alder",
                            "validate": {"required": True},
                        },
                    ],
                },
            ],
        },
        {
            "type": "group",
            "label": "Vedlegg",
            "components": [
                {
                    "type": "filepicker",
                    "key": "payslip",
                    "label": "Lønnsslipp",
                    "accept": ".pdf,.png",
                    "properties": {"maxSizeMB": "0.2"},
                },
            ],
        },
    ],
}
REVIEW_FORM = {
    "type": "default",
    "components": [{"type": "textarea", "key": "note", "label": "Notat"}],
}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def service(app):  # type: ignore[no-untyped-def]
    with app.app_context():
        tenant = db.session.query(Tenant).one()
        install(
            db.session,
            tenant,
            ServiceBundle(
                key="subsidy",
                meta={"name": {"nb": "Kontingentstøtte", "en": "Subsidy"}, "process_id": "subsidy"},
                bpmn=PROCESS,
                files={
                    "forms/apply.json": json.dumps(APPLY_FORM),
                    "forms/review.json": json.dumps(REVIEW_FORM),
                },
            ),
        )
        db.session.commit()


def _hidden(html: str) -> dict[str, str]:
    import lxml.html

    doc = lxml.html.fromstring(html)
    form = next(f for f in doc.forms if f.get("data-forms") is not None)
    return {
        i.name: i.value or "" for i in form.inputs if i.name and getattr(i, "type", "") == "hidden"
    }


def _post(kari, page_html: str, data: dict, files: dict | None = None):  # type: ignore[no-untyped-def]
    body = {**_hidden(page_html), **data}
    for name, (content, filename) in (files or {}).items():
        body[name] = (io.BytesIO(content), filename)
    return kari.client.post(APPLY, data=body, content_type="multipart/form-data")


def test_three_pages_with_a_list_and_an_upload_become_one_case(app, service, login_as):
    kari = login_as("kari")
    page = kari.get(APPLY).get_data(as_text=True)
    assert "Steg 1 av 3" in text_of(kari.get(APPLY))
    bad = _post(kari, page, {"income": "-5", "has_children": "yes", "nav": "next"})
    assert bad.status_code == 422 and "Steg 1 av 3" in text_of(bad)
    two = _post(kari, page, {"income": "410000", "has_children": "yes", "nav": "next"})
    assert two.status_code == 200 and "Steg 2 av 3" in text_of(two)
    html = two.get_data(as_text=True)
    more = _post(
        kari, html, {"children-0-child_name": "Ola", "children-0-age": "9", "children-add": "1"}
    )
    assert 'name="children-1-child_name"' in more.get_data(as_text=True)  # a row, no JS
    three = _post(
        kari,
        more.get_data(as_text=True),
        {
            "children-0-child_name": "Ola",
            "children-0-age": "9",
            "children-1-child_name": "Kari",
            "children-1-age": "12",
            "nav": "next",
        },
    )
    assert "Steg 3 av 3" in text_of(three)
    sent = _post(
        kari, three.get_data(as_text=True), {"nav": "submit"}, files={"payslip": (PDF, "lonn.pdf")}
    )
    assert sent.status_code == 302, text_of(sent)
    case_no = re.search(r"/cases/(\d{4}-\d{6})", sent.headers["Location"]).group(1)
    case_page = kari.get(f"/cases/{case_no}")
    assert "lonn.pdf" in text_of(case_page)
    link = re.search(r'href="(/attachments/\d+)"', case_page.get_data(as_text=True)).group(1)
    download = kari.get(link)
    assert download.status_code == 200 and download.data == PDF
    assert "attachment" in download.headers["Content-Disposition"]
    download.close()
    with app.app_context():
        instance = db.session.query(Instance).filter_by(case_no=case_no).one()
        from engine import runtime

        data = runtime.current_data(db.session, instance)
        stored = db.session.query(Attachment).one()
        assert stored.instance_id == instance.id and stored.media_type == "application/pdf"
        assert stored.storage_name not in stored.filename and "static" not in app.config.get(
            "UPLOAD_FOLDER", app.instance_path
        )
    assert data["income"] == 410000 and data["has_children"] == "yes"
    assert data["children"] == [{"child_name": "Ola", "age": 9}, {"child_name": "Kari", "age": 12}]
    assert data["payslip"]["filename"] == "lonn.pdf"
    # The caseworker sees the attachment; someone else is refused.
    sara = login_as("saksbehandler")
    task = re.search(r'href="(/casework/tasks/\d+)"', sara.get("/casework/").get_data(as_text=True))
    assert link in sara.get(task.group(1)).get_data(as_text=True)
    staff_download = sara.get(link)
    assert staff_download.status_code == 200
    staff_download.close()
    with app.app_context():
        other = User(tenant_id=1, username="nora", name="Ola", roles="citizen")
        other.set_password("demo")
        db.session.add(other)
        db.session.commit()
    assert login_as("nora").get(link).status_code == 404


def test_hidden_list_is_neither_validated_nor_stored(app, service, login_as):
    kari = login_as("kari")
    page = kari.get(APPLY).get_data(as_text=True)
    two = _post(kari, page, {"income": "200000", "has_children": "no", "nav": "next"})
    three = _post(kari, two.get_data(as_text=True), {"nav": "next"})
    assert "Steg 3 av 3" in text_of(three)
    sent = _post(kari, three.get_data(as_text=True), {"nav": "submit"})
    assert sent.status_code == 302
    with app.app_context():
        from engine import runtime

        instance = db.session.query(Instance).one()
        assert "children" not in runtime.current_data(db.session, instance)


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (PNG, "lonn.pdf", "stemmer ikke med filnavnet"),
        (b"MZ\x90\x00" + b"\x00" * 100, "virus.exe", ".exe"),
        (b"%PDF-1.4\n" + b"0" * (300 * 1024), "stor.pdf", "for stor"),
    ],
)
def test_wrong_or_oversized_uploads_are_refused_clearly(
    app, service, login_as, content, filename, message
):
    kari = login_as("kari")
    page = kari.get(APPLY).get_data(as_text=True)
    two = _post(kari, page, {"income": "200000", "has_children": "no", "nav": "next"})
    three = _post(kari, two.get_data(as_text=True), {"nav": "next"})
    refused = _post(
        kari,
        three.get_data(as_text=True),
        {"nav": "submit"},
        files={"payslip": (content, filename)},
    )
    assert refused.status_code == 422
    assert message in text_of(refused)
    with app.app_context():
        assert db.session.query(Attachment).count() == 0
        assert db.session.query(Instance).count() == 0


def test_draft_is_saved_and_resumed(app, service, login_as):
    kari = login_as("kari")
    page = kari.get(APPLY).get_data(as_text=True)
    saved = _post(kari, page, {"income": "333000", "save_draft": "1"})
    assert saved.status_code == 302
    resume_url = saved.headers["Location"]
    mine = text_of(kari.get("/cases"))
    assert "Søknader du ikke har sendt" in mine and "Kontingentstøtte" in mine
    resumed = kari.get(resume_url)
    assert 'value="333000"' in resumed.get_data(as_text=True)
    assert "Du fortsetter et utkast" in text_of(resumed)
    draft_id = re.search(r"draft=(\d+)", resume_url).group(1)
    assert login_as("saksbehandler").get(resume_url).status_code == 403
    with app.app_context():
        other = User(tenant_id=1, username="nora", name="Ola", roles="citizen")
        other.set_password("demo")
        db.session.add(other)
        db.session.commit()
    assert login_as("nora").get(f"/services/subsidy/apply?draft={draft_id}").status_code == 404
    done = kari.submit("/cases", {}, action=f"/drafts/{draft_id}/delete")
    assert done.status_code == 302
    assert "Søknader du ikke har sendt" not in text_of(kari.get("/cases"))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.dictionaries(
        st.sampled_from(
            [
                "applicant_name",
                "national_id",
                "address",
                "postal_code",
                "city",
                "role",
                "need_description",
                "doctor_statement",
                "period_years",
                "nav",
                "_page",
                "_hidden",
                "bogus",
            ]
        ),
        st.text(max_size=40) | st.sampled_from(["yes", "no", "driver", "1", "5", "15818012001"]),
    )
)
def test_arbitrary_submissions_to_a_shipped_form_never_cause_a_500(login_as, values):
    kari = login_as("kari")
    page = kari.get("/services/parking_permit/apply").get_data(as_text=True)
    response = kari.client.post("/services/parking_permit/apply", data={**_hidden(page), **values})
    assert response.status_code in (200, 302, 422)
