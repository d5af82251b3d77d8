"""Process owners: drafts, validation on save, conflicts, publishing, versions, test runs."""

from __future__ import annotations

import re

import pytest

from designer.extensions import db
from engine.models import Instance, ProcessModel, Tenant
from tests.factories import PARKING_APPLICATION, text_of

APPLY = "/services/parking_permit/apply"


def _model_id(app, key: str = "parking_permit") -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.query(ProcessModel).filter_by(key=key).one().id


@pytest.fixture
def owner(login_as):  # type: ignore[no-untyped-def]
    return login_as("eier")


def _draft(owner, model_id: int) -> dict:  # type: ignore[no-untyped-def]
    response = owner.get(f"/modeler/{model_id}/draft")
    assert response.status_code == 200
    return response.get_json()


def _save(owner, model_id: int, xml: str, revision: int):  # type: ignore[no-untyped-def]
    token = owner.csrf(f"/modeler/{model_id}/edit")
    return owner.post_json(f"/modeler/{model_id}/draft", {"bpmn": xml, "revision": revision}, token)


def test_process_list_shows_status_and_running_cases(app, owner, login_as):
    login_as("kari").submit(APPLY, PARKING_APPLICATION)
    text = text_of(owner.get("/modeler/"))
    assert "Parkeringstillatelse for forflytningshemmede" in text
    assert "Publisert, versjon 1" in text
    parking = text[text.index("Parkeringstillatelse for forflytningshemmede") :]
    row = re.search(r"versjon 1.*?(\d+)\s+Versjoner", parking)
    assert row and row.group(1) == "1"


def test_create_opens_the_editor_with_a_starter_draft(app, owner):
    response = owner.submit(
        "/modeler/", {"create-name": "Søknad om ledsagerbevis"}, action="/modeler/new"
    )
    assert response.status_code == 302
    edit_url = response.headers["Location"]
    model_id = int(re.search(r"/modeler/(\d+)/edit", edit_url).group(1))
    page = owner.get(edit_url)
    assert page.status_code == 200 and 'id="modeler-app"' in page.get_data(as_text=True)
    draft = _draft(owner, model_id)
    assert draft["revision"] == 1
    assert any("ingen slutthendelse" in p["message"] for p in draft["problems"])
    with app.app_context():
        assert db.session.get(ProcessModel, model_id).key == "soknad_om_ledsagerbevis"


def test_save_validates_and_reports_problems_by_element(app, owner):
    model_id = _model_id(app)
    draft = _draft(owner, model_id)
    assert draft["problems"] == []
    broken = (
        draft["bpmn"]
        .replace('targetRef="make_decision"', 'targetRef="nowhere"')
        .replace("not auto_reject", "not auto_reject ==")
    )
    response = _save(owner, model_id, broken, draft["revision"])
    assert response.status_code == 200
    problems = response.get_json()["problems"]
    assert {p["element_id"] for p in problems} >= {"flow_review_decision", "flow_to_review"}
    assert all(p["line"] for p in problems if p["element_id"])
    assert response.get_json()["revision"] == draft["revision"] + 1


def test_unreadable_xml_is_refused_and_the_draft_kept(app, owner):
    model_id = _model_id(app)
    draft = _draft(owner, model_id)
    response = _save(owner, model_id, "<bpmn:definitions", draft["revision"])
    assert response.status_code == 400
    assert response.get_json()["problems"][0]["message"].startswith("The XML is not well-formed")
    xxe = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]><d>&e;</d>'
    assert _save(owner, model_id, xxe, draft["revision"]).status_code == 400
    assert _draft(owner, model_id)["bpmn"] == draft["bpmn"]


def test_second_save_on_an_old_revision_is_a_conflict(app, owner, login_as):
    model_id = _model_id(app)
    draft = _draft(owner, model_id)
    assert _save(owner, model_id, draft["bpmn"], draft["revision"]).status_code == 200
    stale = _save(owner, model_id, draft["bpmn"].replace("Vurder søknaden", "X"), draft["revision"])
    assert stale.status_code == 409
    body = stale.get_json()
    assert (
        body["current_revision"] == draft["revision"] + 1
        and body["updated_by"] == "Per Prosesseier"
    )
    assert "Vurder søknaden" in _draft(owner, model_id)["bpmn"]
    token = owner.csrf(f"/modeler/{model_id}/edit")
    copy = owner.post_json(f"/modeler/{model_id}/copy", {"bpmn": draft["bpmn"]}, token)
    assert copy.status_code == 201 and owner.get(copy.get_json()["edit_url"]).status_code == 200


def test_json_save_without_csrf_token_is_refused(app, owner):
    model_id = _model_id(app)
    draft = _draft(owner, model_id)
    response = owner.client.post(
        f"/modeler/{model_id}/draft", json={"bpmn": draft["bpmn"], "revision": draft["revision"]}
    )
    assert response.status_code == 400
    assert _draft(owner, model_id)["revision"] == draft["revision"]


def test_publishing_is_refused_while_the_draft_has_problems(app, owner):
    model_id = _model_id(app)
    draft = _draft(owner, model_id)
    _save(
        owner,
        model_id,
        draft["bpmn"].replace('value="review.json"', 'value="missing.json"'),
        draft["revision"],
    )
    page = owner.get(f"/modeler/{model_id}/publish").get_data(as_text=True)
    assert 'name="comment"' not in page
    assert "Utkastet kan ikke publiseres ennå" in text_of(owner.get(f"/modeler/{model_id}/publish"))
    assert "missing.json" in page
    token = owner.csrf(f"/modeler/{model_id}/versions")
    forced = owner.client.post(
        f"/modeler/{model_id}/publish", data={"csrf_token": token, "comment": "tving"}
    )
    assert forced.status_code == 400
    assert "Publisert, versjon 1" in text_of(owner.get("/modeler/"))


def test_publish_new_version_running_cases_stay_on_theirs(app, owner, login_as):
    kari = login_as("kari")
    kari.submit(APPLY, PARKING_APPLICATION)  # a case on version 1
    model_id = _model_id(app)
    draft = _draft(owner, model_id)
    changed = draft["bpmn"].replace('name="Vurder søknaden"', 'name="Vurder søknaden grundig"')
    assert _save(owner, model_id, changed, draft["revision"]).status_code == 200
    published = owner.submit(f"/modeler/{model_id}/publish", {"comment": "Tydeligere oppgavenavn"})
    assert published.status_code == 302
    versions = text_of(owner.get(f"/modeler/{model_id}/versions"))
    assert "Tydeligere oppgavenavn" in versions and "Per Prosesseier" in versions

    kari.submit(APPLY, PARKING_APPLICATION)  # a case on version 2
    inbox = text_of(login_as("saksbehandler").get("/casework/"))
    assert "Vurder søknaden grundig" in inbox and "Vurder søknaden " in inbox
    with app.app_context():
        numbers = sorted(i.process_version.number for i in db.session.query(Instance))
    assert numbers == [1, 2]

    compare = text_of(owner.get(f"/modeler/{model_id}/compare?a=1&b=2"))
    assert "Ga nytt navn til 'Vurder søknaden grundig'" in compare
    restored = owner.submit(f"/modeler/{model_id}/versions", {}, action="/versions/1/restore")
    assert restored.status_code == 302
    assert 'name="Vurder søknaden"' in _draft(owner, model_id)["bpmn"]


def test_unpublish_hides_the_service_but_cases_continue(app, owner, login_as):
    kari = login_as("kari")
    kari.submit(APPLY, PARKING_APPLICATION)
    model_id = _model_id(app)
    assert owner.submit(f"/modeler/{model_id}/versions", {}, action="/unpublish").status_code == 302
    assert "Parkeringstillatelse" not in text_of(kari.get("/"))
    assert kari.get(APPLY).status_code == 404
    sara = login_as("saksbehandler")
    task = re.search(r'href="(/casework/tasks/\d+)"', sara.get("/casework/").get_data(as_text=True))
    done = sara.submit(
        task.group(1),
        {"review_decision": "approved", "review_reason": "Dokumentert behov for parkering."},
    )
    assert done.status_code == 302


def test_new_forms_are_created_in_the_draft(app, owner):
    model_id = _model_id(app)
    token = owner.csrf(f"/modeler/{model_id}/edit")
    created = owner.post_json(
        f"/modeler/{model_id}/forms", {"name": "tilleggsinfo", "title": "Mer"}, token
    )
    assert created.status_code == 201 and created.get_json()["name"] == "tilleggsinfo.json"
    again = owner.post_json(f"/modeler/{model_id}/forms", {"name": "tilleggsinfo.json"}, token)
    assert again.status_code == 400
    bad = owner.post_json(f"/modeler/{model_id}/forms", {"name": "../etc/passwd"}, token)
    assert bad.status_code == 400
    options = owner.get(f"/modeler/{model_id}/options").get_json()
    assert "tilleggsinfo.json" in options["forms"] and "Saksbehandler" in options["lanes"]


def test_test_run_steps_through_with_real_forms_and_stays_out_of_inboxes(app, owner, login_as):
    model_id = _model_id(app)
    started = owner.submit(f"/modeler/{model_id}/test-runs/new", PARKING_APPLICATION)
    assert started.status_code == 302
    run_url = started.headers["Location"]
    page = owner.get(run_url).get_data(as_text=True)
    assert 'data-active-elements="review"' in page and "auto_reject" in page
    assert "Det er ingen åpne oppgaver" in text_of(login_as("saksbehandler").get("/casework/"))
    task_form = re.search(r'action="([^"]+/tasks/\d+)"', page).group(1)
    token = owner.csrf(run_url)
    prefix = re.search(r"/tasks/(\d+)", task_form).group(1)
    hidden = re.search(rf'name="t{prefix}-expected_version"[^>]*value="(\d+)"', page)
    done = owner.client.post(
        task_form,
        data={
            "csrf_token": token,
            f"t{prefix}-expected_version": hidden.group(1) if hidden else "",
            f"t{prefix}-review_decision": "approved",
            f"t{prefix}-review_reason": "Testkjøring godkjent.",
        },
    )
    assert done.status_code == 302
    final = owner.get(run_url).get_data(as_text=True)
    assert "Testkjøring godkjent." in final and "approved" in final
    # The data after each step: one snapshot per transition, the latest with the decision.
    assert final.count("Data etter dette steget") == 2
    assert "Du har ingen saker ennå" in text_of(login_as("kari").get("/cases"))


def test_other_roles_and_tenants_cannot_reach_the_modeler(app, owner, login_as):
    model_id = _model_id(app)
    for user in ("kari", "saksbehandler"):
        assert login_as(user).get(f"/modeler/{model_id}/draft").status_code == 403
    with app.app_context():
        other = Tenant(slug="skien", name="Skien kommune")
        db.session.add(other)
        db.session.flush()
        foreign = ProcessModel(tenant_id=other.id, key="x", name_nb="X", draft_bpmn="<x/>")
        db.session.add(foreign)
        db.session.commit()
        foreign_id = foreign.id
    for url in (
        f"/modeler/{foreign_id}/draft",
        f"/modeler/{foreign_id}/edit",
        f"/modeler/{foreign_id}/versions",
    ):
        assert owner.get(url).status_code == 404


def test_form_definitions_are_checked_on_save_and_previewed_as_citizens_see_them(app, owner):
    model_id = _model_id(app)
    url = f"/modeler/{model_id}/forms/review.json/definition"
    loaded = owner.get(url).get_json()
    assert loaded["name"] == "review.json" and loaded["definition"]["components"]
    token = owner.csrf(f"/modeler/{model_id}/forms/review.json/edit")
    broken = dict(loaded["definition"])
    broken["components"] = [
        *broken["components"],
        {"type": "hologram", "key": "x"},
        {"type": "textfield", "key": "review_reason", "label": "Igjen"},
    ]
    refused = owner.post_json(url, {"definition": broken, "revision": loaded["revision"]}, token)
    assert refused.status_code == 400
    messages = " ".join(p["message"] for p in refused.get_json()["problems"])
    assert "hologram" in messages and "review_reason" in messages
    assert owner.get(url).get_json()["revision"] == loaded["revision"]  # nothing saved

    changed = dict(loaded["definition"])
    changed["components"] = [
        *changed["components"],
        {"type": "textfield", "key": "note", "label": "Notat"},
    ]
    saved = owner.post_json(url, {"definition": changed, "revision": loaded["revision"]}, token)
    assert saved.status_code == 200
    stale = owner.post_json(url, {"definition": changed, "revision": loaded["revision"]}, token)
    assert stale.status_code == 409

    preview = owner.get(f"/modeler/{model_id}/forms/review.json/preview")
    assert preview.status_code == 200 and 'name="note"' in preview.get_data(as_text=True)
    checked = owner.submit(
        f"/modeler/{model_id}/forms/review.json/preview",
        {"review_decision": "approved", "review_reason": "Godt dokumentert behov.", "note": "ok"},
    )
    assert checked.status_code == 200
    assert '"review_decision": "approved"' in text_of(checked)
    assert owner.get(f"/modeler/{model_id}/forms/../edit").status_code == 404
    assert owner.get(f"/modeler/{model_id}/forms/nope.json/definition").status_code == 404


def test_publishing_a_timer_start_process_schedules_it_and_unpublishing_stops_it(app, owner):
    from engine import schedules
    from tests.engine.helpers import bpmn_text

    model_id = _model_id(app)
    draft = _draft(owner, model_id)
    assert (
        _save(owner, model_id, bpmn_text("timer_start.bpmn"), draft["revision"]).status_code == 200
    )
    assert (
        owner.submit(f"/modeler/{model_id}/publish", {"comment": "Påminnelser"}).status_code == 302
    )

    def schedule_states() -> list[str]:
        with app.app_context():
            return [
                i.status for i in db.session.query(Instance).filter_by(subject=schedules.SUBJECT)
            ]

    assert schedule_states() == ["running"]
    owner.submit(f"/modeler/{model_id}/versions", {}, action="/unpublish")
    assert schedule_states() == ["cancelled"]


def test_service_tasks_are_checked_against_the_connector_registry(app, owner):
    from tests.engine.helpers import bpmn_text

    model_id = _model_id(app)
    options = owner.get(f"/modeler/{model_id}/options").get_json()
    payment = next(c for c in options["connectors"] if c["id"] == "payment")
    assert [p["name"] for p in payment["params"]][:2] == ["amount", "account"]
    draft = _draft(owner, model_id)
    service = bpmn_text("service_task.bpmn").replace(
        '<bpmn:userTask id="check" name="Kontroller utbetalingen">',
        '<bpmn:userTask id="check" name="Kontroller utbetalingen"><bpmn:extensionElements>'
        '<spiffworkflow:properties><spiffworkflow:property name="formJsonSchemaFilename" '
        'value="review.json" /></spiffworkflow:properties></bpmn:extensionElements>',
    )
    saved = _save(owner, model_id, service, draft["revision"])
    problems = [p["message"] for p in saved.get_json()["problems"]]
    assert any("no connector called 'ledger'" in p for p in problems)
    fixed = service.replace('id="ledger"', 'id="payment"')
    saved = _save(owner, model_id, fixed, saved.get_json()["revision"])
    problems = [p["message"] for p in saved.get_json()["problems"]]
    assert any("needs the parameter(s): account" in p for p in problems)


def test_a_created_form_comes_back_with_the_links_the_page_list_shows(app, owner):
    model_id = _model_id(app)
    token = owner.csrf(f"/modeler/{model_id}/edit")
    created = owner.post_json(
        f"/modeler/{model_id}/forms", {"name": "ekstra", "title": "Ekstra"}, token
    )
    assert created.status_code == 201
    links = {link["name"]: link for link in created.get_json()["links"]}
    assert links["ekstra.json"]["edit_url"] == f"/modeler/{model_id}/forms/ekstra.json/edit"
    assert owner.get(links["ekstra.json"]["edit_url"]).status_code == 200
    listed = owner.get(f"/modeler/{model_id}/forms").get_json()
    assert "ekstra.json" in listed["forms"] and len(listed["links"]) == len(listed["forms"])
    page = owner.get(f"/modeler/{model_id}/edit").get_data(as_text=True)
    assert 'id="draft-forms-list"' in page and "ekstra.json" in page
