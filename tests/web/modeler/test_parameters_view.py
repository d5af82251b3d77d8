"""Parametere: a service's named values, set without editing the diagram or the tables."""

from __future__ import annotations

import json
import re
from typing import Any

import lxml.html
import pytest
from flask import Flask
from sqlalchemy import select

from designer.extensions import db
from designer.models import AuditEvent, User
from designer.services import parameters
from engine.models import Instance, ProcessModel, ProcessVersion, Tenant
from tests.factories import Browser, text_of
from tests.processes.test_leisure_subsidy import FORM as LEISURE

PASSWORD = "a long enough password"
APPLY = "/services/leisure_subsidy/apply"


def _model_id(app: Flask, key: str = "leisure_subsidy") -> int:
    with app.app_context():
        return db.session.scalars(select(ProcessModel.id).filter_by(key=key)).one()


def _url(model_id: int) -> str:
    return f"/modeler/{model_id}/parameters"


def _items(app: Flask, model_id: int) -> dict[str, dict[str, Any]]:
    """The draft's parameters.json items by name."""
    with app.app_context():
        model = db.session.get(ProcessModel, model_id)
        assert model is not None
        found = json.loads(model.draft_files["parameters.json"])["parameters"]
        return {item["name"]: item for item in found}


def _page(owner: Browser, model_id: int) -> Any:
    response = owner.get(_url(model_id))
    assert response.status_code == 200
    return lxml.html.fromstring(response.get_data(as_text=True))


def _save(owner: Browser, model_id: int, values: dict[str, str]) -> Any:
    """Send the values form (the first form on the page), the other fields as shown."""
    doc = _page(owner, model_id)
    form = next(f for f in doc.forms if f.xpath(".//input[@name='action' and @value='save']"))
    fields: dict[str, Any] = {
        i.name: i.value or ""
        for i in form.inputs
        if i.name and getattr(i, "type", "") not in ("checkbox", "submit")
    }
    fields.update(values)
    return owner.client.post(_url(model_id), data=fields)


def _form(owner: Browser, model_id: int, action: str, **data: str) -> Any:
    doc = _page(owner, model_id)
    form = next(
        f
        for f in doc.forms
        if f.xpath(f".//input[@name='action' and @value='{action}']")
        and (action != "delete" or f.xpath(f".//input[@name='name' and @value='{data['name']}']"))
    )
    fields = {
        i.name: i.value or "" for i in form.inputs if i.name and getattr(i, "type", "") == "hidden"
    }
    return owner.client.post(_url(model_id), data={**fields, **data})


def test_the_page_lists_each_parameter_with_its_label_unit_type_and_an_input_by_type(
    app: Flask, login_as: Any
) -> None:
    model_id = _model_id(app)
    doc = _page(login_as("eier"), model_id)
    label = doc.xpath("string(//label[@for='value-income_limit'])")
    assert "Inntektsgrense for automatisk innvilgelse" in label and "(kr)" in label
    [field] = doc.xpath("//input[@id='value-income_limit']")
    assert (field.get("type"), field.get("value"), field.get("min")) == ("number", "450000", "0")
    assert field.get("aria-describedby") == "value-income_limit-hint"
    hint = " ".join(doc.xpath("string(//p[@id='value-income_limit-hint'])").split())
    assert "innvilges søknaden med en gang" in hint  # the description
    assert "Type: " in hint
    assert "450 000 kr" in hint and "param.income_limit" in hint
    assert doc.xpath("//input[@id='value-min_age']/@step") == ["1"]
    # Every parameter the rules use is listed as used, with where; none can be deleted.
    used = " ".join(doc.xpath("string(//li[@id='delete-income_limit'])").split())
    assert "leisure_eligibility.dmn" in used and "low_income" in used
    assert not doc.xpath("//li[@id='delete-income_limit']//button")
    # The editor links here.
    edit = login_as("eier").get(f"/modeler/{model_id}/edit").get_data(as_text=True)
    assert f'href="{_url(model_id)}"' in edit


def test_saving_a_value_stores_it_in_the_draft_audits_it_and_asks_to_publish(
    app: Flask, login_as: Any
) -> None:
    owner = login_as("eier")
    model_id = _model_id(app)
    before = _items(app, model_id)
    assert "Publiser for å ta i bruk" not in text_of(owner.get(_url(model_id)))
    saved = _save(owner, model_id, {"value-income_limit": "400 000"})
    assert saved.status_code == 302
    items = _items(app, model_id)
    assert items["income_limit"]["value"] == 400000
    assert items["income_limit"]["default"] == 450000  # the shipped value is kept beside it
    assert {k: v for k, v in items.items() if k != "income_limit"} == {
        k: v for k, v in before.items() if k != "income_limit"
    }
    with app.app_context():
        model = db.session.get(ProcessModel, model_id)
        assert model is not None
        text = model.draft_files["parameters.json"]
        assert text == json.dumps(json.loads(text), ensure_ascii=False, indent=2, sort_keys=True)
        rows = db.session.scalars(select(AuditEvent).filter_by(action="model.parameters")).all()
        assert [(r.object_id, r.detail) for r in rows] == [
            (str(model_id), {"changed": ["income_limit"]})
        ]
    page = owner.get(_url(model_id))
    shown = text_of(page)
    assert "Verdiene er lagret." in shown
    assert "Publiser for å ta i bruk de nye verdiene." in shown
    assert f'href="/modeler/{model_id}/publish"' in page.get_data(as_text=True)
    assert "Standardverdien er 450 000 kr." in shown


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("value-income_limit", "mange penger", "Skriv et tall"),
        ("value-income_limit", "-5", "Skriv 0 eller mer."),
        ("value-income_limit", "", "Oppgi en verdi."),
        ("value-min_age", "6,5", "Skriv et heltall."),
        ("value-income_limit", "9" * 400, "Tallet er for stort."),
    ],
)
def test_a_value_that_does_not_fit_its_type_is_a_field_error_and_nothing_is_saved(
    app: Flask, login_as: Any, field: str, typed: str, message: str
) -> None:
    owner = login_as("eier")
    model_id = _model_id(app)
    before = _items(app, model_id)
    refused = _save(owner, model_id, {field: typed, "value-fee_max": "2500"})
    assert refused.status_code == 400
    doc = lxml.html.fromstring(refused.get_data(as_text=True))
    error = doc.xpath(f"string(//p[@id='{field}-error'])")
    assert message in error, error
    assert doc.xpath(f"//div[contains(@class,'error-summary')]//a[@href='#{field}']")
    [shown] = doc.xpath(f"//input[@id='{field}']")
    assert shown.get("aria-invalid") == "true" and f"{field}-error" in shown.get("aria-describedby")
    assert shown.get("value") == typed  # what was typed is shown again
    assert doc.xpath("//input[@id='value-fee_max']/@value") == ["2500"]
    assert _items(app, model_id) == before


def test_a_page_opened_before_another_change_saves_nothing(app: Flask, login_as: Any) -> None:
    owner = login_as("eier")
    model_id = _model_id(app)
    old = _page(owner, model_id)
    assert _save(owner, model_id, {"value-fee_max": "2500"}).status_code == 302
    form = next(f for f in old.forms if f.xpath(".//input[@name='action' and @value='save']"))
    fields = {i.name: i.value or "" for i in form.inputs if i.name and i.type != "submit"}
    stale = owner.client.post(_url(model_id), data={**fields, "value-fee_max": "2000"})
    assert stale.status_code == 409
    assert "Noen endret parameterne etter at du åpnet denne siden." in text_of(stale)
    assert _items(app, model_id)["fee_max"]["value"] == 2500
    doc = lxml.html.fromstring(stale.get_data(as_text=True))
    assert doc.xpath("//input[@id='value-fee_max']/@value") == ["2500"]  # what is saved now


def test_a_parameter_is_added_used_by_nothing_and_deleted(app: Flask, login_as: Any) -> None:
    owner = login_as("eier")
    model_id = _model_id(app)
    refused = _form(owner, model_id, "add", **{"new-name": "Bad name", "new-type": "days"})
    assert refused.status_code == 400
    doc = lxml.html.fromstring(refused.get_data(as_text=True))
    assert "små bokstaver" in doc.xpath("string(//p[@id='new-name-error'])")
    assert doc.xpath("string(//p[@id='new-label_nb-error'])")  # the service's language: needed
    assert doc.xpath("string(//p[@id='new-value-error'])")
    assert doc.xpath("//input[@id='new-name']/@value") == ["Bad name"]
    taken = _form(
        owner, model_id, "add", **{"new-name": "fee_max", "new-type": "amount"}, **_new_texts()
    )
    assert "allerede en parameter med dette navnet" in text_of(taken)
    added = _form(
        owner,
        model_id,
        "add",
        **{"new-name": "reply_days", "new-type": "days", "new-value": "21"},
        **_new_texts(),
    )
    assert added.status_code == 302, text_of(added)
    item = _items(app, model_id)["reply_days"]
    assert item == {
        "name": "reply_days",
        "type": "days",
        "value": 21,
        "default": 21,
        "label": {"nb": "Svarfrist", "nn": "Svarfrist", "en": "Reply deadline"},
        "description": {"nb": "Dager søkeren har på å svare."},
    }
    doc = _page(owner, model_id)
    assert doc.xpath("//input[@id='value-reply_days']/@min") == ["0"]
    assert "ikke av noen regel" in doc.xpath("string(//li[@id='delete-reply_days'])")
    deleted = _form(owner, model_id, "delete", name="reply_days")
    assert deleted.status_code == 302
    assert "reply_days" not in _items(app, model_id)
    with app.app_context():
        details = db.session.scalars(
            select(AuditEvent.detail).filter_by(action="model.parameters").order_by(AuditEvent.id)
        ).all()
    assert details == [{"added": "reply_days"}, {"deleted": "reply_days"}]


def _new_texts() -> dict[str, str]:
    return {
        "new-label_nb": "Svarfrist",
        "new-label_nn": "Svarfrist",
        "new-label_en": "Reply deadline",
        "new-description_nb": "Dager søkeren har på å svare.",
    }


def test_a_parameter_a_rule_uses_cannot_be_deleted_and_the_page_says_where(
    app: Flask, login_as: Any
) -> None:
    owner = login_as("eier")
    model_id = _model_id(app)
    doc = _page(owner, model_id)
    checksum = doc.xpath("string(//input[@name='checksum']/@value)")
    token = doc.xpath("string(//input[@name='csrf_token']/@value)")
    refused = owner.client.post(
        _url(model_id),
        data={
            "csrf_token": token,
            "action": "delete",
            "name": "income_limit",
            "checksum": checksum,
        },
    )
    assert refused.status_code == 400
    said = text_of(refused)
    assert "Parameteren brukes i decisions/leisure_eligibility.dmn" in said
    assert "regel low_income" in said
    assert "income_limit" in _items(app, model_id)
    unknown = owner.client.post(
        _url(model_id),
        data={"csrf_token": token, "action": "delete", "name": "nothing", "checksum": checksum},
    )
    assert unknown.status_code == 404


def test_an_adopted_service_has_read_only_definitions_and_its_values_can_be_set(
    app: Flask, login_as: Any
) -> None:
    model_id = _model_id(app)
    with app.app_context():
        model = db.session.get(ProcessModel, model_id)
        assert model is not None
        model.settings = {**model.settings, "origin": {"tenant": "nabokommune", "version": 1}}
        db.session.commit()
    owner = login_as("eier")
    doc = _page(owner, model_id)
    said = " ".join(doc.text_content().split())
    assert "tatt i bruk fra en annen kommune" in said
    assert not doc.xpath("//input[@name='action' and @value='add']")
    assert not doc.xpath("//input[@name='action' and @value='delete']")
    assert _save(owner, model_id, {"value-fee_max": "2000"}).status_code == 302
    assert _items(app, model_id)["fee_max"]["value"] == 2000
    checksum = _page(owner, model_id).xpath("string(//input[@name='checksum']/@value)")
    token = doc.xpath("string(//input[@name='csrf_token']/@value)")
    added = owner.client.post(
        _url(model_id),
        data={
            "csrf_token": token,
            "action": "add",
            "checksum": checksum,
            "new-name": "extra",
            "new-type": "amount",
            "new-value": "1",
            "new-label_nb": "Ekstra",
        },
    )
    assert added.status_code == 403
    assert "extra" not in _items(app, model_id)


def _other_owner(app: Flask) -> Browser:
    with app.app_context():
        tenant = Tenant(slug="nabokommune", name="Nabokommune")
        db.session.add(tenant)
        db.session.flush()
        person = User(tenant_id=tenant.id, username="nabo-eier", name="Nils", roles="process_owner")
        person.set_password(PASSWORD)
        db.session.add(person)
        db.session.commit()
    browser = Browser(app.test_client())
    browser.login("nabo-eier", PASSWORD)
    return browser


def test_another_municipalitys_owner_gets_404_and_a_caseworker_403(
    app: Flask, login_as: Any
) -> None:
    model_id = _model_id(app)
    other = _other_owner(app)
    assert other.get(_url(model_id)).status_code == 404
    token = other.csrf("/modeler/")
    sent = other.client.post(_url(model_id), data={"csrf_token": token, "value-income_limit": "1"})
    assert sent.status_code == 404
    caseworker = login_as("saksbehandler")
    assert caseworker.get(_url(model_id)).status_code == 403
    assert _items(app, model_id)["income_limit"]["value"] == 450000


def _apply(citizen: Browser, income: str) -> str:
    fields = {**citizen.hidden_fields(APPLY), **LEISURE, "household_income": income, "_hidden": ""}
    sent = citizen.client.post(APPLY, data=fields)
    assert sent.status_code == 302, text_of(sent)
    found = re.search(r"/cases/(\d{4}-\d{6})", sent.headers["Location"])
    assert found
    return found.group(1)


def _case(app: Flask, case_no: str) -> Instance:
    with app.app_context():
        instance = db.session.scalars(select(Instance).filter_by(case_no=case_no)).one()
        db.session.expunge(instance)
        return instance


def test_a_lower_income_limit_published_sends_a_clear_case_to_a_caseworker(
    app: Flask, login_as: Any
) -> None:
    model_id = _model_id(app)
    kari = login_as("kari")
    before = _case(app, _apply(kari, "420000"))
    assert before.result["rule"] == "granted_automatically"  # below 450 000 kr: granted
    owner = login_as("eier")
    assert _save(owner, model_id, {"value-income_limit": "400000"}).status_code == 302
    again = _case(app, _apply(kari, "420000"))  # the draft's value is not in use yet
    assert again.version_id == before.version_id
    assert again.result["rule"] == "granted_automatically"
    published = owner.submit(f"/modeler/{model_id}/publish", {"comment": "Lavere grense"})
    assert published.status_code == 302
    after = _case(app, _apply(kari, "420000"))
    assert after.version_id != before.version_id
    assert after.status == "running" and not (after.result or {}).get("outcome")
    sara = login_as("saksbehandler")
    assert after.case_no in text_of(sara.get(f"/casework/?q={after.case_no}"))
    page = text_of(kari.get(f"/cases/{after.case_no}"))
    assert "mellom 400 000 og 550 000 kr" in page  # the rule's reason names the new limit
    with app.app_context():
        version = db.session.get(ProcessVersion, after.version_id)
        assert version is not None
        values = {p.name: p.value for p in parameters.read(version.files, "nb")}
        assert values["income_limit"] == 400000  # the version carries the value
    # The earlier case keeps the decision of its version.
    assert _case(app, before.case_no).result["rule"] == "granted_automatically"


def test_what_a_process_owner_writes_is_shown_as_text(app: Flask, login_as: Any) -> None:
    owner = login_as("eier")
    model_id = _model_id(app)
    markup = '<img src=x onerror="alert(1)">'
    added = _form(
        owner,
        model_id,
        "add",
        **{"new-name": "note", "new-type": "text", "new-value": markup},
        **{"new-label_nb": markup, "new-description_nb": markup, "new-unit_nb": markup[:40]},
    )
    assert added.status_code == 302, text_of(added)
    html = owner.get(_url(model_id)).get_data(as_text=True)
    assert "<img" not in html and "&lt;img" in html
