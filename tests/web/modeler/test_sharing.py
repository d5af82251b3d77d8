"""The sharing pages: share and stop sharing, the shared catalogue, adopting (its form's
errors, connectors, a repeated submission), the editor's warning and the copy a diagram
change makes, the update page (compare, new groups) and who may see what."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import lxml.html
import pytest
from flask import Flask
from sqlalchemy import select

from designer.extensions import db
from designer.models import Adoption, AuditEvent, SharedService
from designer.services.catalog import ServiceBundle
from engine.models import ProcessModel, ProcessVersion, Tenant
from tests.factories import Browser, text_of
from tests.processes.test_sharing_journey import (
    NEIGHBOUR_GROUP,
    adopt,
    login,
    neighbour,
    origin_bundle,
    person,
    publish_origin,
    send,
    share,
    shared_id_of,
)

HOST = "api.example.no"


@dataclasses.dataclass
class Shared:
    origin_id: int
    shared_id: int
    neighbour_id: int
    limit: str
    bundle: ServiceBundle


def _shared(app: Flask, login_as: Any, bundle: ServiceBundle | None = None) -> Shared:
    base, limit = origin_bundle()
    origin_id = publish_origin(app, bundle or base)
    share(login_as("eier"), origin_id)
    return Shared(origin_id, shared_id_of(app, origin_id), neighbour(app), limit, base)


def _actions(app: Flask, tenant_id: int | None = None) -> list[str]:
    with app.app_context():
        query = select(AuditEvent.action).order_by(AuditEvent.id)
        if tenant_id is not None:
            query = query.where(AuditEvent.tenant_id == tenant_id)
        return list(db.session.scalars(query))


def _adoption(app: Flask, model_id: int) -> Adoption:
    with app.app_context():
        found = db.session.scalars(select(Adoption).where(Adoption.model_id == model_id)).one()
        db.session.expunge(found)
        return found


def _adopted(app: Flask, login_as: Any) -> tuple[Shared, Browser, int]:
    world = _shared(app, login_as)
    nils = login(app, "nabo-eier")
    model_id = adopt(nils, world.shared_id, {"group-0": NEIGHBOUR_GROUP})
    return world, nils, model_id


def test_sharing_and_stopping_are_audited_and_shown(app: Flask, login_as: Any) -> None:
    eier = login_as("eier")
    with app.app_context():
        model_id = db.session.scalars(
            select(ProcessModel.id).where(ProcessModel.key == "parking_permit")
        ).one()
    page = text_of(eier.get(f"/modeler/{model_id}/versions"))
    assert "Del med andre kommuner" in page
    sent = eier.submit(f"/modeler/{model_id}/versions", {"note": "Ta kontakt"}, action="/share")
    assert sent.status_code == 303
    page = text_of(eier.get(f"/modeler/{model_id}/versions"))
    assert "Delt med de andre kommunene siden" in page and "0 kommuner bruker den." in page
    stopped = eier.submit(f"/modeler/{model_id}/versions", {}, action="/unshare")
    assert stopped.status_code == 303
    with app.app_context():
        shared = db.session.scalars(select(SharedService)).one()
        assert (shared.active, shared.note) == (False, "Ta kontakt")
    assert _actions(app)[-2:] == ["model.share", "model.unshare"]
    again = eier.submit(f"/modeler/{model_id}/versions", {}, action="/share")
    assert again.status_code == 303  # shared again: the same row
    with app.app_context():
        assert db.session.scalars(select(SharedService.active)).all() == [True]


def test_an_unpublished_service_is_not_shared(app: Flask, login_as: Any) -> None:
    eier = login_as("eier")
    created = eier.submit("/modeler/", {"create-name": "Ny tjeneste"}, action="/new")
    model_id = int(re.search(r"/modeler/(\d+)", created.headers["Location"]).group(1))  # type: ignore[union-attr]
    assert "Publiser tjenesten for å dele den" in text_of(eier.get(f"/modeler/{model_id}/versions"))
    token = eier.csrf("/modeler/")
    refused = eier.client.post(f"/modeler/{model_id}/share", data={"csrf_token": token})
    assert refused.status_code == 303
    with app.app_context():
        assert db.session.scalars(select(SharedService)).all() == []


def test_the_catalogue_shows_other_municipalities_services_only(app: Flask, login_as: Any) -> None:
    world = _shared(app, login_as)
    eier = login_as("eier")
    assert "Kontingentkassa" not in text_of(eier.get("/modeler/shared"))  # not its own
    own = eier.get(f"/modeler/shared/{world.shared_id}")
    assert own.status_code == 200 and "Adopt the service" not in own.get_data(as_text=True)
    assert eier.get(f"/modeler/shared/{world.shared_id}/adopt").status_code == 403
    nils = login(app, "nabo-eier")
    listing = text_of(nils.get("/modeler/shared"))
    assert "Kontingentkassa" in listing and "Demo kommune" in listing
    about = text_of(nils.get(f"/modeler/shared/{world.shared_id}"))
    for expected in ("Saksbehandler", f"param.{world.limit}", "NLOD-2.0", "Ta i bruk tenesta"):
        assert expected in about, expected
    for secret in ("Per Prosesseier", "Kari Nordmann", "Sara Saksbehandler"):
        assert secret not in about
    rules = nils.get(f"/modeler/shared/{world.shared_id}/rules")
    assert rules.status_code == 200 and "Kontingentkassa" in text_of(rules)


@pytest.mark.parametrize("username", ("kari", "saksbehandler", "leder", "admin"))
def test_only_process_owners_reach_the_sharing_pages(
    app: Flask, login_as: Any, username: str
) -> None:
    world = _shared(app, login_as)
    browser = login_as(username)
    for url in (
        "/modeler/shared",
        f"/modeler/shared/{world.shared_id}",
        f"/modeler/shared/{world.shared_id}/rules",
        f"/modeler/shared/{world.shared_id}/adopt",
        f"/modeler/{world.origin_id}/adoption",
    ):
        assert browser.get(url).status_code == 403, url


def test_the_adopt_form_shows_each_error_at_its_field(app: Flask, login_as: Any) -> None:
    world = _shared(app, login_as)
    nils = login(app, "nabo-eier")
    url = f"/modeler/shared/{world.shared_id}/adopt"
    form = nils.get(url).get_data(as_text=True)
    assert 'name="submission_key"' in form and f'id="param-{world.limit}"' in form
    assert 'value="450000"' in form  # the origin's value as the suggestion
    sent = send(nils, url, {"group-0": "", "group-0-new": "", f"param-{world.limit}": "mye"})
    assert sent.status_code == 400
    page = sent.get_data(as_text=True)
    assert 'class="error-summary"' in page
    assert 'href="#group-0"' in page and f'href="#param-{world.limit}"' in page
    assert f'aria-describedby="param-{world.limit}-hint param-{world.limit}-error"' in page
    with app.app_context():
        assert db.session.scalars(select(Adoption)).all() == []


def test_a_new_group_name_is_used_in_the_adopted_diagram(app: Flask, login_as: Any) -> None:
    world = _shared(app, login_as)
    nils = login(app, "nabo-eier")
    model_id = adopt(nils, world.shared_id, {"group-0": "", "group-0-new": "Fritid og kultur"})
    with app.app_context():
        model = db.session.get(ProcessModel, model_id)
        assert model is not None and 'name="Fritid og kultur"' in model.draft_bpmn
    assert _adoption(app, model_id).group_map == {"Saksbehandler": "Fritid og kultur"}
    assert "model.adopt" in _actions(app, world.neighbour_id)


def test_a_repeated_adopt_post_makes_one_service(app: Flask, login_as: Any) -> None:
    world = _shared(app, login_as)
    nils = login(app, "nabo-eier")
    url = f"/modeler/shared/{world.shared_id}/adopt"
    doc = lxml.html.fromstring(nils.get(url).get_data(as_text=True))
    fields = {k: v for k, v in doc.forms[-1].fields.items() if v is not None}
    fields["group-0"] = NEIGHBOUR_GROUP
    first = nils.client.post(url, data=fields)
    second = nils.client.post(url, data=fields)
    assert (first.status_code, second.status_code) == (303, 303)
    assert first.headers["Location"] == second.headers["Location"]
    with app.app_context():
        assert len(db.session.scalars(select(Adoption)).all()) == 1
    assert _actions(app, world.neighbour_id).count("model.adopt") == 1
    # Opening the form again now leads to the service the municipality has.
    again = nils.get(url)
    assert again.status_code == 302 and again.headers["Location"] == first.headers["Location"]


def _calling_http(bundle: ServiceBundle) -> ServiceBundle:
    old = '<spiffworkflow:serviceTaskOperator id="letter" resultVariable="letter_receipt">'
    at = bundle.bpmn.index(old)
    opened = bundle.bpmn.index("<spiffworkflow:parameters>", at) + len("<spiffworkflow:parameters>")
    url = f'<spiffworkflow:parameter id="url" type="str" value="&quot;https://{HOST}/brev&quot;" />'
    xml = bundle.bpmn[:opened] + url + bundle.bpmn[opened:]
    xml = xml.replace(old, old.replace('id="letter"', 'id="http"'))
    return dataclasses.replace(bundle, bpmn=xml)


def test_a_connector_host_not_allowed_here_refuses_the_adoption(app: Flask, login_as: Any) -> None:
    base, _limit = origin_bundle()
    world = _shared(app, login_as, _calling_http(base))
    nils = login(app, "nabo-eier")
    url = f"/modeler/shared/{world.shared_id}/adopt"
    assert HOST in text_of(nils.get(url))
    refused = send(nils, url, {"group-0": NEIGHBOUR_GROUP})
    assert refused.status_code == 400
    assert "administrator" in text_of(refused)
    with app.app_context():
        assert db.session.scalars(select(Adoption)).all() == []
    app.config["CONNECTOR_HTTP_ALLOWED_HOSTS"] = [HOST]
    assert adopt(nils, world.shared_id, {"group-0": NEIGHBOUR_GROUP})


def test_the_check_page_previews_form_and_letter_and_publishes(app: Flask, login_as: Any) -> None:
    _world, nils, model_id = _adopted(app, login_as)
    page = nils.get(f"/modeler/{model_id}/adoption")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'class="form-preview"' in html and 'class="letter-preview"' in html
    assert "Nabokommune" in text_of(page)
    assert f'action="/modeler/{model_id}/publish"' in html
    published = send(nils, f"/modeler/{model_id}/adoption", {}, action="/publish")
    assert published.status_code == 302
    with app.app_context():
        model = db.session.get(ProcessModel, model_id)
        assert model is not None and model.published_version_id is not None


def _save(browser: Browser, model_id: int, xml: str) -> Any:
    token = browser.csrf(f"/modeler/{model_id}/edit")
    draft = browser.get(f"/modeler/{model_id}/draft").get_json()
    return browser.client.post(
        f"/modeler/{model_id}/draft",
        json={"bpmn": xml, "revision": draft["revision"]},
        headers={"X-CSRFToken": token},
    )


def test_the_editor_warns_and_a_diagram_change_makes_a_copy(app: Flask, login_as: Any) -> None:
    world, nils, model_id = _adopted(app, login_as)
    edit = text_of(nils.get(f"/modeler/{model_id}/edit"))
    assert "eigen kopi" in edit  # the warning, before anything happens
    xml = nils.get(f"/modeler/{model_id}/draft").get_json()["bpmn"]
    same = _save(nils, model_id, xml)
    assert same.status_code == 200 and "notice" not in same.get_json()
    assert _adoption(app, model_id).status == "following"
    changed = _save(nils, model_id, xml.replace('name="Vurder søknaden"', 'name="Vurder saka"'))
    assert changed.status_code == 200
    assert "eigen kopi" in changed.get_json()["notice"]
    assert _adoption(app, model_id).status == "copy"
    with app.app_context():
        model = db.session.get(ProcessModel, model_id)
        assert model is not None and "origin" not in model.settings
    actions = _actions(app, world.neighbour_id)
    assert actions[-2:] == ["model.draft.save", "model.adoption_copy"]
    assert "eigen kopi" not in text_of(nils.get(f"/modeler/{model_id}/edit"))
    versions = text_of(nils.get(f"/modeler/{model_id}/versions"))
    assert "eigen kopi" in versions  # says it is a copy now
    assert "Del med andre kommunar" not in versions  # nothing published to share yet


def _with_new_group(bundle: ServiceBundle) -> ServiceBundle:
    old = '<spiffworkflow:property name="formJsonSchemaFilename" value="review.json" />'
    new = old + '<spiffworkflow:property name="candidateGroup" value="Økonomi" />'
    assert old in bundle.bpmn
    return dataclasses.replace(bundle, bpmn=bundle.bpmn.replace(old, new))


def test_an_update_with_a_new_group_asks_for_it_and_compares(app: Flask, login_as: Any) -> None:
    world, nils, model_id = _adopted(app, login_as)
    assert send(nils, f"/modeler/{model_id}/adoption", {}, action="/publish").status_code == 302
    none = nils.get(f"/modeler/{model_id}/adoption/update")
    assert none.status_code == 303  # no update: back to the versions
    publish_origin(app, _with_new_group(world.bundle))
    update = nils.get(f"/modeler/{model_id}/adoption/update")
    assert update.status_code == 200
    html = update.get_data(as_text=True)
    assert "«Økonomi»" in html and 'id="group-0-new"' in html
    for url in re.findall(r'data-diagram-url="([^"]+)"', html):
        diagram = nils.get(url)
        assert diagram.status_code == 200 and diagram.mimetype == "application/xml"
    missing = send(nils, f"/modeler/{model_id}/adoption/update", {"group-0-new": ""})
    assert missing.status_code == 400 and 'href="#group-0"' in missing.get_data(as_text=True)
    taken = send(nils, f"/modeler/{model_id}/adoption/update", {"group-0-new": "Økonomikontoret"})
    assert taken.status_code == 303, text_of(taken)[:1000]
    with app.app_context():
        model = db.session.get(ProcessModel, model_id)
        assert model is not None
        live = db.session.get(ProcessVersion, model.published_version_id)
        assert live is not None and live.number == 2
        assert 'value="Økonomikontoret"' in live.bpmn
    assert _adoption(app, model_id).group_map["Økonomi"] == "Økonomikontoret"
    token = nils.csrf(f"/modeler/{model_id}/versions")
    refused = nils.client.post(f"/modeler/{model_id}/share", data={"csrf_token": token})
    assert refused.status_code == 303  # a following service is not shared on
    with app.app_context():
        assert (
            db.session.scalars(
                select(SharedService).where(SharedService.model_id == model_id)
            ).all()
            == []
        )


def test_the_shared_diagrams_need_a_shared_or_adopted_service(app: Flask, login_as: Any) -> None:
    world, nils, _model_id = _adopted(app, login_as)
    with app.app_context():
        third = Tenant(slug="tredje", name="Tredje kommune")
        db.session.add(third)
        db.session.flush()
        person(third.id, "tredje-eier", "Tora Tredje", "process_owner")
        model = db.session.get(ProcessModel, world.origin_id)
        assert model is not None and model.published_version_id is not None
        live = db.session.get(ProcessVersion, model.published_version_id)
        assert live is not None
        url = f"/modeler/shared/{world.shared_id}/versions/{live.number}.bpmn"
        db.session.commit()
    tora = login(app, "tredje-eier")
    assert tora.get(url).status_code == 200  # shared: its published versions are readable
    assert tora.get(f"/modeler/shared/{world.shared_id}/versions/99.bpmn").status_code == 404
    with app.app_context():
        shared = db.session.get(SharedService, world.shared_id)
        assert shared is not None
        shared.active = False
        db.session.commit()
    assert nils.get(url).status_code == 200  # an adopter keeps reading what it adopted
    assert tora.get(url).status_code == 404
    for page in ("", "/rules", "/adopt"):
        assert tora.get(f"/modeler/shared/{world.shared_id}{page}").status_code == 404, page


def test_restoring_another_version_makes_a_copy_and_the_page_says_so(
    app: Flask, login_as: Any
) -> None:
    world, nils, model_id = _adopted(app, login_as)
    assert send(nils, f"/modeler/{model_id}/adoption", {}, action="/publish").status_code == 302
    publish_origin(app, _with_new_group(world.bundle))
    taken = send(nils, f"/modeler/{model_id}/adoption/update", {"group-0-new": "Økonomi"})
    assert taken.status_code == 303
    assert _adoption(app, model_id).status == "following"
    restored = nils.submit(f"/modeler/{model_id}/versions", {}, action="/versions/1/restore")
    assert restored.status_code == 302
    assert _adoption(app, model_id).status == "copy"
    assert "eigen kopi" in text_of(nils.get(restored.headers["Location"]))
    assert _actions(app, world.neighbour_id)[-2:] == ["model.restore", "model.adoption_copy"]
