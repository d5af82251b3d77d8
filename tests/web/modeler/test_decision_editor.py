"""The decision table editor: create, save with revisions, safe XML and names, delete, publish."""

from __future__ import annotations

import re

import pytest

from designer.extensions import db
from engine.models import ProcessModel, ProcessVersion, Tenant
from tests.factories import text_of
from tests.processes.test_kindergarten import APPLY, FORM, _hidden

PRICE = "kindergarten_price.dmn"
CORE_HOURS = "kindergarten_price_core_hours.dmn"
RATES = "kindergarten_rates.dmn"
# The shipped service's tables, by file name, with the decision each defines.
TABLES = [
    (PRICE, "kindergarten_price", "Barnehagepris"),
    (CORE_HOURS, "kindergarten_core_hours", "Gratis kjernetid"),
    (RATES, "kindergarten_rates", "Satser for foreldrebetaling"),
]
# The decisions the shipped tables define, sorted by id as the editor's select lists them.
SHIPPED_DECISIONS = [
    {"id": "kindergarten_core_hours", "name": "Gratis kjernetid"},
    {"id": "kindergarten_price", "name": "Barnehagepris"},
    {"id": "kindergarten_rates", "name": "Satser for foreldrebetaling"},
]
# The second child's price at the maximum price, in the price table (rule max_second).
MAX_SECOND_PRICE = "<text>round(max_price * (100 - param.second_child_discount) / 100)</text>"


def _model_id(app, key: str = "kindergarten") -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.query(ProcessModel).filter_by(key=key).one().id


@pytest.fixture
def owner(login_as):  # type: ignore[no-untyped-def]
    return login_as("eier")


@pytest.fixture
def model_id(app) -> int:  # type: ignore[no-untyped-def]
    return _model_id(app)


def _url(model_id: int, name: str = PRICE, what: str = "definition") -> str:
    return f"/modeler/{model_id}/decisions/{name}/{what}"


def _load(owner, model_id: int, name: str = PRICE) -> dict:  # type: ignore[no-untyped-def,type-arg]
    response = owner.get(_url(model_id, name))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()


def _save(owner, model_id: int, xml: str, revision: int, name: str = PRICE):  # type: ignore[no-untyped-def]
    token = owner.csrf(_url(model_id, name, "edit"))
    return owner.post_json(_url(model_id, name), {"xml": xml, "revision": revision}, token)


def _create(owner, model_id: int, title: str, file_name: str = ""):  # type: ignore[no-untyped-def]
    return owner.submit(
        f"/modeler/{model_id}/edit",
        {"decision-title": title, "decision-file_name": file_name},
        action="/decisions",
    )


def test_the_process_page_lists_decision_tables_with_edit_new_and_delete(owner, model_id):
    page = owner.get(f"/modeler/{model_id}/edit")
    html, text = page.get_data(as_text=True), text_of(page)
    assert "Beslutningstabeller i denne prosessen" in text
    for name, decision_id, title in TABLES:
        assert f"{name} ({title}, {decision_id})" in text
        assert f'href="{_url(model_id, name, "edit")}"' in html
        assert f'action="{_url(model_id, name, "delete")}"' in html
    assert "Ny beslutningstabell" in text
    editor = owner.get(_url(model_id, what="edit"))
    assert editor.status_code == 200
    editor_html = editor.get_data(as_text=True)
    assert 'id="dmn-editor-app"' in editor_html and "dmneditor.js" in editor_html
    assert f'data-definition-url="{_url(model_id)}"' in editor_html
    assert "<script>" not in editor_html and " style=" not in editor_html
    owner.set_language("en", f"/modeler/{model_id}/edit")
    english = text_of(owner.get(f"/modeler/{model_id}/edit"))
    assert "Decision tables of this process" in english and "New decision table" in english
    listed = owner.get(f"/modeler/{model_id}/decisions").get_json()
    assert listed == {
        "decisions": [
            {
                "name": name,
                "editable": True,
                "decisions": [{"id": decision_id, "name": title}],
            }
            for name, decision_id, title in TABLES
        ]
    }


def test_options_offer_the_drafts_decision_ids_to_business_rule_tasks(owner, model_id):
    options = owner.get(f"/modeler/{model_id}/options").get_json()
    assert options["decisions"] == SHIPPED_DECISIONS
    _create(owner, model_id, "Søskenmoderasjon")
    options = owner.get(f"/modeler/{model_id}/options").get_json()
    assert options["decisions"] == [
        *SHIPPED_DECISIONS,
        {"id": "soskenmoderasjon", "name": "Søskenmoderasjon"},
    ]


def test_a_new_decision_table_is_a_valid_starter_that_opens_in_the_editor(app, owner, model_id):
    created = _create(owner, model_id, "Søskenmoderasjon")
    assert created.status_code == 302
    assert created.headers["Location"].endswith(_url(model_id, "soskenmoderasjon.dmn", "edit"))
    loaded = _load(owner, model_id, "soskenmoderasjon.dmn")
    xml = loaded["xml"]
    assert loaded["problems"] == [] and isinstance(loaded["revision"], int)
    assert "https://www.omg.org/spec/DMN/20191111/MODEL/" in xml
    assert '<decision id="soskenmoderasjon" name="Søskenmoderasjon">' in xml
    assert 'hitPolicy="FIRST"' in xml and xml.count("<input ") == 1 and xml.count("<output ") == 1
    assert 'dmnElementRef="soskenmoderasjon"' in xml  # DI: the DRD shows the decision
    assert "Beslutningstabellen soskenmoderasjon.dmn er opprettet." in text_of(
        owner.get(created.headers["Location"])
    )
    # The starter leaves the draft publishable.
    published = owner.submit(f"/modeler/{model_id}/publish", {"comment": "Ny tabell"})
    assert published.status_code == 302
    with app.app_context():
        version = db.session.query(ProcessVersion).filter_by(model_id=model_id, number=2).one()
        assert "decisions/soskenmoderasjon.dmn" in version.files

    again = _create(owner, model_id, "Søskenmoderasjon")
    assert again.status_code == 400
    assert "finnes allerede" in text_of(again)
    named = _create(owner, model_id, "42 ting", "tall-regler")
    assert named.status_code == 302
    assert '<decision id="decision_42_ting"' in _load(owner, model_id, "tall-regler.dmn")["xml"]
    nameless = _create(owner, model_id, "")
    assert nameless.status_code == 400 and "Gi beslutningstabellen et navn." in text_of(nameless)


def test_saving_reports_what_publishing_would_refuse_and_a_stale_revision_is_a_conflict(
    owner, model_id
):
    loaded = _load(owner, model_id)
    assert loaded["xml"].count(MAX_SECOND_PRICE) == 1
    broken = loaded["xml"].replace(MAX_SECOND_PRICE, MAX_SECOND_PRICE.replace("</", " +</"))
    saved = _save(owner, model_id, broken, loaded["revision"])
    assert saved.status_code == 200, saved.get_data(as_text=True)
    body = saved.get_json()
    assert body["revision"] != loaded["revision"]
    [problem] = body["problems"]
    assert problem["element_id"] == "max_second"
    assert "second_child_discount) / 100) +" in problem["message"]
    assert problem["file"] == "decisions/kindergarten_price.dmn" and problem["line"]
    assert _load(owner, model_id)["xml"] == broken
    assert "max_second" in text_of(owner.get(f"/modeler/{model_id}/publish"))
    refused = owner.client.post(
        f"/modeler/{model_id}/publish",
        data={"csrf_token": owner.csrf(f"/modeler/{model_id}/versions"), "comment": "x"},
    )
    assert refused.status_code == 400

    stale = _save(owner, model_id, loaded["xml"], loaded["revision"])
    assert stale.status_code == 409
    assert stale.get_json()["current_revision"] == body["revision"]
    assert _load(owner, model_id)["xml"] == broken  # nothing overwritten
    fixed = _save(owner, model_id, loaded["xml"], body["revision"])
    assert fixed.status_code == 200 and fixed.get_json()["problems"] == []


def test_renaming_a_decision_the_diagram_calls_is_reported_on_save(owner, model_id):
    loaded = _load(owner, model_id)
    renamed = loaded["xml"].replace('<decision id="kindergarten_price"', '<decision id="pris"')
    saved = _save(owner, model_id, renamed, loaded["revision"])
    assert saved.status_code == 200
    [problem] = saved.get_json()["problems"]
    assert problem["element_id"] == "kindergarten_price"
    assert "ingen beslutningstabell i prosessen definerer den" in problem["message"]
    options = owner.get(f"/modeler/{model_id}/options").get_json()
    assert options["decisions"] == [
        {"id": "kindergarten_core_hours", "name": "Gratis kjernetid"},
        {"id": "kindergarten_rates", "name": "Satser for foreldrebetaling"},
        {"id": "pris", "name": "Barnehagepris"},
    ]


XXE = """<?xml version="1.0"?>
<!DOCTYPE definitions [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="&xxe;"/>
"""
LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">]>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/">&lol2;</definitions>
"""


@pytest.mark.parametrize(
    ("xml", "expected"),
    [
        ("<definitions xmlns='https://www.omg.org/spec/DMN/20191111/MODEL/'>", "well-formed"),
        (XXE, "DOCTYPE"),
        (LAUGHS, "DOCTYPE"),
        ("<process xmlns='http://www.omg.org/spec/BPMN/20100524/MODEL'/>", "DMN"),
    ],
    ids=["not-well-formed", "xxe", "billion-laughs", "not-dmn"],
)
def test_unreadable_or_unsafe_xml_is_refused_with_400_and_nothing_saved(
    owner, model_id, xml, expected
):
    loaded = _load(owner, model_id)
    refused = _save(owner, model_id, xml, loaded["revision"])
    assert refused.status_code == 400
    body = refused.get_json()
    assert "ble ikke lagret" in body["error"]
    assert expected in " ".join(p["message"] for p in body["problems"])
    assert _load(owner, model_id)["revision"] == loaded["revision"]


def test_a_save_without_the_xml_or_the_revision_is_a_400(owner, model_id):
    token = owner.csrf(_url(model_id, what="edit"))
    for body in ({}, {"xml": "<x/>"}, {"xml": "", "revision": 1}, {"xml": "<x/>", "revision": "1"}):
        assert owner.post_json(_url(model_id), body, token).status_code == 400
    assert (
        owner.client.put(_url(model_id), data="nope", headers={"X-CSRFToken": token}).status_code
        == 400
    )


@pytest.mark.parametrize(
    "name",
    [
        "..%2F..%2Fservice.json",
        "..%2Fforms%2Fapplication.json",
        "%2Fetc%2Fpasswd.dmn",
        "price.xml",
        "Price.DMN",
        "a b.dmn",
        ".dmn",
    ],
)
def test_decision_file_names_other_than_safe_dmn_names_are_a_400(owner, model_id, name):
    # "//" in a path is first redirected to "/" (308 keeps the method and body).
    for what in ("edit", "definition"):
        assert owner.get(_url(model_id, name, what), follow_redirects=True).status_code == 400
    token = owner.csrf(f"/modeler/{model_id}/edit")
    saved = owner.client.post(
        _url(model_id, name),
        json={"xml": "<x/>", "revision": 1},
        headers={"X-CSRFToken": token},
        follow_redirects=True,
    )
    assert saved.status_code == 400
    deleted = owner.client.post(
        _url(model_id, name, "delete"), data={"csrf_token": token}, follow_redirects=True
    )
    assert deleted.status_code == 400
    files = owner.get(f"/modeler/{model_id}/decisions").get_json()["decisions"]
    assert [f["name"] for f in files] == [name for name, _, _ in TABLES]


@pytest.mark.parametrize("file_name", ["../x", "/etc/x.dmn", "x.xml", "forms/x", "..", "x.dmn.dmn"])
def test_creating_a_table_under_an_unsafe_file_name_is_a_400(owner, model_id, file_name):
    refused = _create(owner, model_id, "Tabell", file_name)
    assert refused.status_code == 400
    assert "små bokstaver" in text_of(refused)
    files = owner.get(f"/modeler/{model_id}/decisions").get_json()["decisions"]
    assert [f["name"] for f in files] == [name for name, _, _ in TABLES]


def test_a_missing_decision_file_is_a_404(owner, model_id):
    assert owner.get(_url(model_id, "nope.dmn", "edit")).status_code == 404
    assert owner.get(_url(model_id, "nope.dmn")).status_code == 404


def test_only_the_tenants_process_owners_reach_the_decision_editor(app, owner, model_id, login_as):
    for username in ("kari", "saksbehandler"):
        user = login_as(username)
        for url in (_url(model_id, what="edit"), _url(model_id), f"/modeler/{model_id}/decisions"):
            assert user.get(url).status_code == 403, (username, url)
        own_token = user.csrf("/")
        assert (
            user.post_json(_url(model_id), {"xml": "<x/>", "revision": 1}, own_token).status_code
            == 403
        )
        deleted = user.client.post(_url(model_id, what="delete"), data={"csrf_token": own_token})
        assert deleted.status_code == 403
    with app.app_context():
        other = Tenant(slug="skien", name="Skien kommune")
        db.session.add(other)
        db.session.flush()
        foreign = ProcessModel(
            tenant_id=other.id,
            key="x",
            name_nb="X",
            draft_bpmn="<x/>",
            draft_files={"decisions/x.dmn": "<x/>"},
        )
        db.session.add(foreign)
        db.session.commit()
        foreign_id = foreign.id
    for url in (_url(foreign_id, "x.dmn", "edit"), _url(foreign_id, "x.dmn")):
        assert owner.get(url).status_code == 404


def test_json_save_and_delete_without_a_csrf_token_are_refused(owner, model_id):
    loaded = _load(owner, model_id, RATES)
    # The maximum price from 1 August 2024, as in the most sparsely populated municipalities.
    changed = loaded["xml"].replace(
        '<outputEntry id="from_2024_08_max"><text>2000</text>',
        '<outputEntry id="from_2024_08_max"><text>1500</text>',
    )
    assert changed != loaded["xml"]
    response = owner.client.post(
        _url(model_id, RATES), json={"xml": changed, "revision": loaded["revision"]}
    )
    assert response.status_code == 400
    assert owner.client.post(_url(model_id, RATES, "delete")).status_code == 400
    assert _load(owner, model_id, RATES) == loaded


def test_a_table_the_diagram_calls_cannot_be_deleted_an_unused_one_can(owner, model_id):
    token = owner.csrf(f"/modeler/{model_id}/edit")
    refused = owner.client.post(_url(model_id, what="delete"), data={"csrf_token": token})
    assert refused.status_code == 409
    text = text_of(refused)
    assert "kindergarten_price.dmn ble ikke slettet" in text and "'kindergarten_price'" in text
    assert _load(owner, model_id)["xml"]

    _create(owner, model_id, "Reserve")
    deleted = owner.client.post(_url(model_id, "reserve.dmn", "delete"), data={"csrf_token": token})
    assert deleted.status_code == 302
    assert "Beslutningstabellen reserve.dmn er slettet." in text_of(
        owner.get(deleted.headers["Location"])
    )
    assert owner.get(_url(model_id, "reserve.dmn")).status_code == 404


def test_a_changed_threshold_is_what_the_published_version_decides_with(
    app, owner, model_id, login_as
):
    # The income limit for free core hours lives in the rates table, once per period.
    limit = '<outputEntry id="from_2024_08_limit"><text>642700</text>'
    loaded = _load(owner, model_id, RATES)
    assert loaded["xml"].count("<text>642700</text>") == 1 and limit in loaded["xml"]
    lowered = loaded["xml"].replace(limit, limit.replace("642700", "400000"))
    saved = _save(owner, model_id, lowered, loaded["revision"], RATES)
    assert saved.get_json()["problems"] == []
    assert owner.submit(f"/modeler/{model_id}/publish", {"comment": "Ny grense"}).status_code == 302

    kari = login_as("kari")
    sent = kari.client.post(APPLY, data={**_hidden(kari, APPLY), **FORM})  # income 420 000
    assert sent.status_code == 302, text_of(sent)
    case_no = re.search(r"/cases/(\d{4}-\d{6})", sent.headers["Location"]).group(1)
    page = text_of(kari.get(f"/cases/{case_no}"))
    # Above the new limit: no free core hours (the shipped 642 700 gives 683 kr off: 717 kr).
    # 420 000 x 6 % / 11 = 2 291 > 2 000: the maximum price, 30 % off for the second child.
    assert "gratis kjernetid" not in page and "trekkes fra" not in page
    assert "6 % av inntekten er mer enn makspris, så du betaler makspris, 2 000 kr" in page
    assert "30 % søskenmoderasjon for barn nummer to, så prisen blir 1 400 kr." in page
    assert "Prisen blir 1 400 kr i måneden." in page
    with app.app_context():
        version = db.session.query(ProcessVersion).filter_by(model_id=model_id, number=2).one()
        assert limit.replace("642700", "400000") in version.files[f"decisions/{RATES}"]
