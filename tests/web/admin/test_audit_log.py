"""Admin and process-owner changes are audited (who, what, ids only); one password policy."""

from __future__ import annotations

import json

import lxml.html
import pytest
from flask import Flask
from sqlalchemy import select

from designer.extensions import db
from designer.models import User
from designer.services.audit import AuditEvent
from engine.models import ProcessModel, Tenant
from tests.factories import text_of
from tests.web.admin.test_users import PASSWORD, _create

PRICE = "kindergarten_price.dmn"


def _events(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        stmt = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        events = list(db.session.scalars(stmt))
        db.session.expunge_all()
        return events


def _one(app: Flask, action: str) -> AuditEvent:
    events = _events(app, action)
    assert len(events) == 1, (action, [e.detail for e in events])
    return events[0]


def _user(app: Flask, username: str) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        assert user is not None
        db.session.expunge(user)
        return user


def _model_id(app: Flask, key: str) -> int:
    with app.app_context():
        return db.session.scalar(select(ProcessModel.id).where(ProcessModel.key == key))


def _field_error(response, field_id: str) -> str:  # type: ignore[no-untyped-def]
    """The text of a form field's error message (empty when it has none)."""
    doc = lxml.html.fromstring(response.get_data(as_text=True))
    return " ".join(p.text_content() for p in doc.xpath(f'//p[@id="{field_id}-error"]'))


def _assert_no_secrets(event: AuditEvent, *secrets: str) -> None:
    """The detail holds none of `secrets` (names, e-mails, passwords, hashes)."""
    text = json.dumps(event.detail, ensure_ascii=False).casefold()
    for secret in secrets:
        assert secret.casefold() not in text, (secret, event.detail)


def _assert_by(event: AuditEvent, actor: User, role: str, object_type: str, object_id: int) -> None:
    assert (event.actor_id, event.role) == (actor.id, role)
    assert (event.object_type, event.object_id) == (object_type, str(object_id))
    assert event.tenant_id == actor.tenant_id


# --- Admin changes -------------------------------------------------------------------------


def test_creating_a_user_is_audited_with_ids_only(app, login_as):
    admin = login_as("admin")
    assert _create(admin).status_code == 200
    nina = _user(app, "nina")
    event = _one(app, "admin.user.create")
    _assert_by(event, _user(app, "admin"), "admin", "user", nina.id)
    assert event.detail == {
        "roles": ["caseworker"],
        "groups": ["Saksbehandler"],
        "password_generated": False,
    }
    _assert_no_secrets(event, "nina", "Nina Ny", "example.no", PASSWORD, nina.password_hash)


def test_editing_a_user_records_the_changed_field_names_not_their_values(app, login_as):
    admin = login_as("admin")
    ola = _user(app, "ola")
    edit = {
        "name": "Ola Nordmann",
        "email": "ola.nordmann@example.no",
        "roles": ["caseworker", "team_lead"],
        "groups": ola.group_list,
        "extra_groups": "Byggesak",
        "active": "y",
        "absent": "",
    }
    assert (
        admin.submit(f"/admin/users/{ola.id}", edit, action=f"/users/{ola.id}").status_code == 302
    )
    event = _one(app, "admin.user.update")
    _assert_by(event, _user(app, "admin"), "admin", "user", ola.id)
    assert set(event.detail) == {"fields", "roles_added", "groups_added"}
    assert sorted(event.detail["fields"]) == ["email", "groups", "name", "roles"]
    assert event.detail["roles_added"] == ["team_lead"]
    assert event.detail["groups_added"] == ["Byggesak"]
    _assert_no_secrets(event, "Ola", "Nordmann", "example.no", ola.password_hash)

    # Saving again without a change is no change: no row.
    assert (
        admin.submit(f"/admin/users/{ola.id}", edit, action=f"/users/{ola.id}").status_code == 302
    )
    assert len(_events(app, "admin.user.update")) == 1

    # Absence and a removed role are recorded as field names too.
    edit.update(roles=["caseworker"], absent="y")
    admin.submit(f"/admin/users/{ola.id}", edit, action=f"/users/{ola.id}")
    last = _events(app, "admin.user.update")[-1]
    assert sorted(last.detail["fields"]) == ["absent", "roles"]
    assert last.detail["roles_removed"] == ["team_lead"]


def test_deactivating_and_activating_are_audited_once_each(app, login_as):
    admin = login_as("admin")
    ola = _user(app, "ola")
    admin.submit("/admin/users", {"active": "0"}, action=f"/users/{ola.id}/active")
    admin.submit("/admin/users", {"active": "0"}, action=f"/users/{ola.id}/active")  # no change
    admin.submit("/admin/users", {"active": "1"}, action=f"/users/{ola.id}/active")
    off, on = _one(app, "admin.user.deactivate"), _one(app, "admin.user.activate")
    _assert_by(off, _user(app, "admin"), "admin", "user", ola.id)
    _assert_by(on, _user(app, "admin"), "admin", "user", ola.id)
    assert off.detail == {} and on.detail == {} and off.id < on.id
    # Refused (an admin deactivating themselves): nothing recorded.
    me = _user(app, "admin")
    admin.client.post(
        f"/admin/users/{me.id}/active",
        data={"csrf_token": admin.csrf("/admin/users"), "active": "0"},
    )
    assert len(_events(app, "admin.user.deactivate")) == 1


def test_a_temporary_password_is_audited_without_the_password(app, login_as):
    admin = login_as("admin")
    ola = _user(app, "ola")
    shown = admin.submit(f"/admin/users/{ola.id}", {"password": PASSWORD}, action="/password")
    assert shown.status_code == 200
    generated = admin.submit(f"/admin/users/{ola.id}", {"password": ""}, action="/password")
    assert generated.status_code == 200
    typed, made = _events(app, "admin.user.password")
    _assert_by(typed, _user(app, "admin"), "admin", "user", ola.id)
    assert typed.detail == {"password_generated": False}
    assert made.detail == {"password_generated": True}
    for event in (typed, made):
        _assert_no_secrets(event, PASSWORD, _user(app, "ola").password_hash, "Ola")


def test_group_membership_changes_are_audited(app, login_as):
    admin = login_as("admin")
    ola = _user(app, "ola")
    member = {"group": "Byggesak", "user_id": str(ola.id)}
    admin.submit("/admin/groups", member, action="/groups/add")
    token = admin.csrf("/admin/groups")
    for _ in range(2):  # the second removal changes nothing and is not recorded
        admin.client.post("/admin/groups/remove", data={"csrf_token": token, **member})
    added, removed = _one(app, "admin.group.add"), _one(app, "admin.group.remove")
    for event in (added, removed):
        _assert_by(event, _user(app, "admin"), "admin", "user", ola.id)
        assert event.detail == {"group": "Byggesak"}


def test_creating_a_tenant_is_audited_in_the_platform_tenant(app, login_as):
    admin = login_as("admin")
    fields = {
        "slug": "notodden",
        "name": "Notodden kommune",
        "admin_username": "tone",
        "admin_name": "Tone Admin",
        "admin_email": "tone@notodden.kommune.no",
        "password": PASSWORD,
    }
    assert admin.submit("/admin/tenants/new", fields).status_code == 200
    with app.app_context():
        tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == "notodden"))
    tone = _user(app, "tone")
    event = _one(app, "admin.tenant.create")
    _assert_by(event, _user(app, "admin"), "admin", "tenant", tenant_id)
    assert event.detail == {"admin_user_id": tone.id, "password_generated": False}
    _assert_no_secrets(event, "tone", "Tone Admin", "notodden.kommune", PASSWORD)
    # The audit page shows the platform admin the new row.
    assert "admin.tenant.create" in text_of(admin.get("/admin/audit?action=admin.tenant.create"))


# --- The password policy for temporary passwords --------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("passord12345", "Det passordet er for vanlig."),
        ("aaaaaaaaaaaaaaaa", "Det passordet er for vanlig."),
        ("x" * 11, "Passordet må ha minst 12 tegn."),
    ],
)
def test_a_weak_temporary_password_is_a_field_error(app, login_as, password, message):
    admin = login_as("admin")
    ola = _user(app, "ola")
    refused = admin.submit(f"/admin/users/{ola.id}", {"password": password}, action="/password")
    assert refused.status_code == 400 and message in text_of(refused)
    # The message sits on the password field, not only in the summary on top.
    assert message in _field_error(refused, "password")
    assert _user(app, "ola").password_hash == ola.password_hash
    created = _create(admin, password=password)
    assert created.status_code == 400 and message in _field_error(created, "password")
    assert _events(app, "admin.user.password") == [] and _events(app, "admin.user.create") == []
    with app.app_context():
        assert db.session.scalar(select(User.id).where(User.username == "nina")) is None


def test_the_persons_username_or_e_mail_is_refused_as_a_password(app, login_as):
    admin = login_as("admin")
    as_username = _create(admin, username="nina.nordmann", password="Nina.Nordmann")
    assert as_username.status_code == 400
    assert "Passordet kan ikke være brukernavnet eller e-postadressen til personen." in (
        _field_error(as_username, "password")
    )
    ola = _user(app, "ola")
    as_email = admin.submit(
        f"/admin/users/{ola.id}", {"password": "ola@example.no"}, action="/password"
    )
    assert as_email.status_code == 400
    assert "e-postadressen til personen" in _field_error(as_email, "password")
    weak_tenant = admin.submit(
        "/admin/tenants/new",
        {
            "slug": "notodden",
            "name": "Notodden kommune",
            "admin_username": "tone.admin.nt",
            "admin_name": "Tone Admin",
            "admin_email": "",
            "password": "tone.admin.nt",
        },
    )
    assert weak_tenant.status_code == 400
    assert "til personen" in _field_error(weak_tenant, "password")
    with app.app_context():
        assert db.session.scalar(select(Tenant.id).where(Tenant.slug == "notodden")) is None
    assert _user(app, "ola").password_hash == ola.password_hash


# --- Process owners' changes to services ------------------------------------------------------


def test_draft_save_copy_forms_unpublish_and_restore_are_audited(app, login_as):
    owner = login_as("eier")
    eier = _user(app, "eier")
    model_id = _model_id(app, "parking_permit")
    token = owner.csrf(f"/modeler/{model_id}/edit")
    draft = owner.get(f"/modeler/{model_id}/draft").get_json()

    saved = owner.post_json(
        f"/modeler/{model_id}/draft", {"bpmn": draft["bpmn"], "revision": draft["revision"]}, token
    )
    assert saved.status_code == 200
    stale = owner.post_json(
        f"/modeler/{model_id}/draft", {"bpmn": draft["bpmn"], "revision": draft["revision"]}, token
    )
    assert stale.status_code == 409  # refused: not recorded
    event = _one(app, "model.draft.save")
    _assert_by(event, eier, "process_owner", "model", model_id)
    assert event.detail == {"revision": saved.get_json()["revision"]}

    copy = owner.post_json(f"/modeler/{model_id}/copy", {"bpmn": draft["bpmn"]}, token)
    assert copy.status_code == 201
    copy_id = int(copy.get_json()["edit_url"].split("/")[2])
    event = _one(app, "model.copy")
    _assert_by(event, eier, "process_owner", "model", copy_id)
    assert event.detail == {"source_model_id": model_id}

    created = owner.post_json(
        f"/modeler/{model_id}/forms", {"name": "tillegg", "title": "Mer"}, token
    )
    assert created.status_code == 201
    event = _one(app, "model.form.create")
    _assert_by(event, eier, "process_owner", "model", model_id)
    assert event.detail == {"form": created.get_json()["name"]}

    url = f"/modeler/{model_id}/forms/review.json/definition"
    loaded = owner.get(url).get_json()
    form_token = owner.csrf(f"/modeler/{model_id}/forms/review.json/edit")
    body = {"definition": loaded["definition"], "revision": loaded["revision"]}
    assert owner.post_json(url, body, form_token).status_code == 200
    event = _one(app, "model.form.save")
    _assert_by(event, eier, "process_owner", "model", model_id)
    assert event.detail == {"form": "review.json"}

    assert owner.submit(f"/modeler/{model_id}/versions", {}, action="/unpublish").status_code == 302
    event = _one(app, "model.unpublish")
    _assert_by(event, eier, "process_owner", "model", model_id)
    assert event.detail == {}

    restored = owner.submit(f"/modeler/{model_id}/versions", {}, action="/versions/1/restore")
    assert restored.status_code == 302
    event = _one(app, "model.restore")
    _assert_by(event, eier, "process_owner", "model", model_id)
    assert event.detail == {"version": 1}
    with app.app_context():
        for found in db.session.scalars(select(AuditEvent)):
            _assert_no_secrets(found, "Per Prosesseier", "<bpmn", "components")


def test_decision_table_changes_are_audited(app, login_as):
    owner = login_as("eier")
    eier = _user(app, "eier")
    model_id = _model_id(app, "kindergarten")
    created = owner.submit(
        f"/modeler/{model_id}/edit",
        {"decision-title": "Reserve", "decision-file_name": ""},
        action="/decisions",
    )
    assert created.status_code == 302
    event = _one(app, "model.decision.create")
    _assert_by(event, eier, "process_owner", "model", model_id)
    assert event.detail == {"file": "reserve.dmn"}

    url = f"/modeler/{model_id}/decisions/{PRICE}/definition"
    loaded = owner.get(url).get_json()
    token = owner.csrf(f"/modeler/{model_id}/decisions/{PRICE}/edit")
    body = {"xml": loaded["xml"], "revision": loaded["revision"]}
    assert owner.post_json(url, body, token).status_code == 200
    event = _one(app, "model.decision.save")
    _assert_by(event, eier, "process_owner", "model", model_id)
    assert event.detail == {"file": PRICE}
    _assert_no_secrets(event, "<decision", "definitions")

    token = owner.csrf(f"/modeler/{model_id}/edit")
    in_use = owner.client.post(
        f"/modeler/{model_id}/decisions/{PRICE}/delete", data={"csrf_token": token}
    )
    assert in_use.status_code == 409  # refused: not recorded
    deleted = owner.client.post(
        f"/modeler/{model_id}/decisions/reserve.dmn/delete", data={"csrf_token": token}
    )
    assert deleted.status_code == 302
    event = _one(app, "model.decision.delete")
    _assert_by(event, eier, "process_owner", "model", model_id)
    assert event.detail == {"file": "reserve.dmn"}


def test_importing_a_service_is_audited(app, login_as):
    from tests.web.modeler.test_import import _import

    owner = login_as("eier")
    _raw, response = _import(owner, "camunda7_leave.bpmn")
    assert response.status_code == 200
    event = _one(app, "model.import")
    assert event.object_type == "model" and event.detail.get("dialect") is not None
