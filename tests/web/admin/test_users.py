"""Admin pages: users, groups and tenants — guards, tenant isolation, CSRF and escaping."""

from __future__ import annotations

import re

import pytest

from designer.extensions import db
from designer.identity.tenancy import ensure_tenant
from designer.models import User
from engine.models import Tenant
from tests.factories import PARKING_APPLICATION, Browser, text_of

APPLY = "/services/parking_permit/apply"
PASSWORD = "riktig-hest-batteri"


def _user(app, username: str) -> User:  # type: ignore[no-untyped-def]
    with app.app_context():
        user = db.session.query(User).filter_by(username=username).one()
        db.session.expunge(user)
        return user


def _apply(kari) -> str:  # type: ignore[no-untyped-def]
    response = kari.submit(APPLY, PARKING_APPLICATION)
    return re.search(r"/cases/(\d{4}-\d{6})", response.headers["Location"]).group(1)


def _create(admin, **fields):  # type: ignore[no-untyped-def]
    data = {
        "username": "nina",
        "name": "Nina Ny",
        "email": "nina@example.no",
        "roles": ["caseworker"],
        "groups": ["Saksbehandler"],
        "extra_groups": "",
        "password": PASSWORD,
        **fields,
    }
    return admin.submit("/admin/users/new", data)


def _fresh_login(app, username: str, password: str = PASSWORD) -> Browser:  # type: ignore[no-untyped-def]
    browser = Browser(app.test_client())
    browser.login(username, password)
    return browser


@pytest.fixture
def other_tenant_user(app) -> int:  # type: ignore[no-untyped-def]
    """A caseworker in another municipality; returns their id."""
    with app.app_context():
        tenant = ensure_tenant(db.session, "annen", "Annen kommune")
        user = User(
            tenant_id=tenant.id,
            username="fremmed",
            name="Frida Fremmed",
            roles="caseworker",
            groups="Saksbehandler",
        )
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        return user.id


def test_new_caseworker_logs_in_and_sees_their_groups_inbox(app, login_as):
    case_no = _apply(login_as("kari"))
    admin = login_as("admin")
    shown = _create(admin)
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    assert PASSWORD in shown.get_data(as_text=True)
    nina = _user(app, "nina")
    assert nina.role_set == {"caseworker"} and nina.group_list == ["Saksbehandler"]
    assert nina.tenant_id == _user(app, "admin").tenant_id
    assert case_no in text_of(_fresh_login(app, "nina").get("/casework/"))
    # Shown once: the list and the edit page never carry it.
    assert PASSWORD not in admin.get("/admin/users").get_data(as_text=True)
    assert PASSWORD not in admin.get(f"/admin/users/{nina.id}").get_data(as_text=True)


def test_blank_password_is_generated_and_shown_once(app, login_as):
    shown = _create(login_as("admin"), password="")
    password = re.search(r'id="temporary-password">([^<]+)<', shown.get_data(as_text=True))
    assert password and len(password.group(1)) >= 12
    _fresh_login(app, "nina", password.group(1))


def test_group_membership_change_takes_effect(app, login_as):
    case_no = _apply(login_as("kari"))
    admin = login_as("admin")
    _create(admin, groups=[])
    nina = _fresh_login(app, "nina")
    assert case_no not in text_of(nina.get("/casework/"))
    user_id = _user(app, "nina").id
    added = admin.submit(
        "/admin/groups", {"group": "Saksbehandler", "user_id": str(user_id)}, action="/groups/add"
    )
    assert added.status_code == 302
    assert "Nina Ny" in text_of(admin.get("/admin/groups"))
    assert case_no in text_of(nina.get("/casework/"))
    removed = admin.client.post(
        "/admin/groups/remove",
        data={
            "csrf_token": admin.csrf("/admin/groups"),
            "group": "Saksbehandler",
            "user_id": user_id,
        },
    )
    assert removed.status_code == 302
    assert _user(app, "nina").group_list == []
    assert case_no not in text_of(nina.get("/casework/"))


def test_groups_page_offers_the_services_lanes_but_never_the_citizen_lane(login_as):
    page = text_of(login_as("admin").get("/admin/groups"))
    assert "Saksbehandler" in page and "Innbygger" not in page.split("Grupper", 1)[1]
    form = login_as("admin").get("/admin/users/new").get_data(as_text=True)
    assert 'value="Saksbehandler"' in form and 'value="Innbygger"' not in form


def test_edit_roles_groups_email_absence_and_deactivate(app, login_as):
    ola = _user(app, "ola")
    admin = login_as("admin")
    ola_session = login_as("ola")
    saved = admin.submit(
        f"/admin/users/{ola.id}",
        {
            "name": "Ola Olsen",
            "email": "ola.olsen@example.no",
            "roles": ["caseworker", "team_lead"],
            "groups": ["Saksbehandler"],
            "extra_groups": "Klagenemnd, Klagenemnd",
            "active": "y",
            "absent": "y",
        },
        action=f"/users/{ola.id}",
    )
    assert saved.status_code == 302
    changed = _user(app, "ola")
    assert changed.email == "ola.olsen@example.no" and changed.absent
    assert changed.role_set == {"caseworker", "team_lead"}
    assert changed.group_list == ["Saksbehandler", "Klagenemnd"]
    off = admin.submit("/admin/users", {"active": "0"}, action=f"/users/{ola.id}/active")
    assert off.status_code == 302 and not _user(app, "ola").active
    # The running session ends and a new login is refused; the row stays for history.
    assert ola_session.get("/casework/").status_code == 302
    refused = Browser(app.test_client()).submit("/login", {"username": "ola", "password": "demo"})
    assert refused.status_code == 400
    admin.submit("/admin/users", {"active": "1"}, action=f"/users/{ola.id}/active")
    assert _user(app, "ola").active


def test_admin_cannot_lock_themselves_out(app, login_as):
    me = _user(app, "admin")
    admin = login_as("admin")
    edit = {"name": me.name, "email": me.email, "roles": ["caseworker"], "active": "y"}
    refused = admin.submit(f"/admin/users/{me.id}", edit, action=f"/users/{me.id}")
    assert refused.status_code == 400
    assert "Du kan ikke fjerne din egen administratorrolle." in text_of(refused)
    inactive = admin.submit(
        f"/admin/users/{me.id}",
        {**edit, "roles": ["admin"], "active": ""},
        action=f"/users/{me.id}",
    )
    assert inactive.status_code == 400
    assert "Du kan ikke deaktivere deg selv." in text_of(inactive)
    token = admin.csrf("/admin/users")
    direct = admin.client.post(
        f"/admin/users/{me.id}/active", data={"csrf_token": token, "active": "0"}
    )
    assert direct.status_code == 302
    after = _user(app, "admin")
    assert after.active and after.role_set == {"admin"}
    assert admin.get("/admin/users").status_code == 200


def test_duplicate_username_and_short_password_are_field_errors(app, login_as):
    admin = login_as("admin")
    taken = _create(admin, username="Ola")
    assert taken.status_code == 400 and "Brukernavnet er tatt." in text_of(taken)
    short = _create(admin, password="x" * 11)
    assert short.status_code == 400 and "minst 12 tegn" in text_of(short)
    no_role = _create(admin, roles=[])
    assert no_role.status_code == 400 and "Velg minst én rolle." in text_of(no_role)
    with app.app_context():
        assert db.session.query(User).filter_by(username="nina").count() == 0
    ola = _user(app, "ola")
    again = admin.submit(f"/admin/users/{ola.id}", {"password": "x" * 11}, action="/password")
    assert again.status_code == 400 and "minst 12 tegn" in text_of(again)
    assert _user(app, "ola").password_hash == ola.password_hash


def test_set_temporary_password(app, login_as):
    ola = _user(app, "ola")
    shown = login_as("admin").submit(
        f"/admin/users/{ola.id}", {"password": PASSWORD}, action="/password"
    )
    assert shown.status_code == 200 and PASSWORD in shown.get_data(as_text=True)
    _fresh_login(app, "ola", PASSWORD)


def test_citizens_are_listed_but_only_their_activation_is_managed(app, login_as):
    kari = _user(app, "kari")
    admin = login_as("admin")
    listed = text_of(admin.get("/admin/users?role=citizen"))
    assert "Kari Nordmann" in listed and "Ola Olsen" not in listed
    page = admin.get(f"/admin/users/{kari.id}").get_data(as_text=True)
    assert 'name="roles"' not in page and 'name="password"' not in page
    token = admin.csrf("/admin/users")
    edit = {"csrf_token": token, "name": "X", "roles": "admin", "active": "y"}
    assert admin.client.post(f"/admin/users/{kari.id}", data=edit).status_code == 403
    password = {"csrf_token": token, "password": PASSWORD}
    assert admin.client.post(f"/admin/users/{kari.id}/password", data=password).status_code == 403
    assert _user(app, "kari").role_set == {"citizen"}
    off = admin.client.post(
        f"/admin/users/{kari.id}/active", data={"csrf_token": token, "active": "0"}
    )
    assert off.status_code == 302 and not _user(app, "kari").active


def test_search_and_role_filter(login_as):
    admin = login_as("admin")
    found = text_of(admin.get("/admin/users?q=olsen"))
    assert "Ola Olsen" in found and "Sara Saksbehandler" not in found
    leads = text_of(admin.get("/admin/users?role=team_lead"))
    assert "Lise Leder" in leads and "Ola Olsen" not in leads
    assert "Anne Admin" in text_of(admin.get("/admin/users?role=evil"))
    assert "Ingen brukere" in text_of(admin.get("/admin/users?q=%25"))


def test_another_tenants_user_is_not_found_on_every_route(app, login_as, other_tenant_user):
    admin = login_as("admin")
    assert "Frida Fremmed" not in text_of(admin.get("/admin/users"))
    assert "Frida Fremmed" not in text_of(admin.get("/admin/groups"))
    uid = other_tenant_user
    token = admin.csrf("/admin/users")
    before = _user(app, "fremmed")
    assert admin.get(f"/admin/users/{uid}").status_code == 404
    posts = [
        (f"/admin/users/{uid}", {"name": "Hacked", "roles": "admin", "active": "y"}),
        (f"/admin/users/{uid}/active", {"active": "0"}),
        (f"/admin/users/{uid}/password", {"password": "hacked-password-123"}),
        ("/admin/groups/add", {"group": "Hackere", "user_id": uid}),
        ("/admin/groups/remove", {"group": "Saksbehandler", "user_id": uid}),
    ]
    for url, data in posts:
        assert admin.client.post(url, data={"csrf_token": token, **data}).status_code == 404, url
    after = _user(app, "fremmed")
    assert (after.name, after.roles, after.groups, after.active, after.password_hash) == (
        before.name,
        before.roles,
        before.groups,
        before.active,
        before.password_hash,
    )
    assert admin.get("/admin/users/999999").status_code == 404


ROUTES = [
    ("get", "/admin/"),
    ("get", "/admin/users"),
    ("get", "/admin/users/new"),
    ("post", "/admin/users/new"),
    ("get", "/admin/users/{id}"),
    ("post", "/admin/users/{id}"),
    ("post", "/admin/users/{id}/active"),
    ("post", "/admin/users/{id}/password"),
    ("get", "/admin/groups"),
    ("post", "/admin/groups/add"),
    ("post", "/admin/groups/remove"),
    ("get", "/admin/tenants"),
    ("get", "/admin/tenants/new"),
    ("post", "/admin/tenants/new"),
]


@pytest.mark.parametrize("username", ["kari", "saksbehandler", "leder", "eier"])
def test_non_admins_get_403_everywhere(app, login_as, username):
    browser = login_as(username)
    ola = _user(app, "ola")
    token = browser.csrf("/")
    for method, url in ROUTES:
        url = url.format(id=ola.id)
        if method == "get":
            response = browser.get(url)
        else:
            data = {"csrf_token": token, "active": "0", "group": "X", "user_id": ola.id}
            response = browser.client.post(url, data=data)
        assert response.status_code == 403, (method, url)
    assert _user(app, "ola").active


def test_anonymous_visitors_are_sent_to_login(app, client):
    for method, url in ROUTES:
        response = getattr(client, method)(url.format(id=1))
        assert response.status_code in (302, 400), (method, url)
        if response.status_code == 302:
            assert "/login" in response.headers["Location"]


def test_missing_csrf_token_is_400_and_changes_nothing(app, login_as):
    admin = login_as("admin")
    ola = _user(app, "ola")
    posts = [
        ("/admin/users/new", {"username": "nina", "name": "N", "roles": "caseworker"}),
        (f"/admin/users/{ola.id}", {"name": "Changed", "roles": "caseworker", "active": "y"}),
        (f"/admin/users/{ola.id}/active", {"active": "0"}),
        (f"/admin/users/{ola.id}/password", {"password": "x" * 20}),
        ("/admin/groups/add", {"group": "Ny", "user_id": ola.id}),
        ("/admin/groups/remove", {"group": "Saksbehandler", "user_id": ola.id}),
        ("/admin/tenants/new", {"slug": "x", "name": "X", "admin_username": "x"}),
    ]
    for url, data in posts:
        assert admin.client.post(url, data=data).status_code == 400, url
        bad = {**data, "csrf_token": "forged"}
        assert admin.client.post(url, data=bad).status_code == 400, url
    after = _user(app, "ola")
    assert (after.name, after.active, after.groups, after.password_hash) == (
        ola.name,
        ola.active,
        ola.groups,
        ola.password_hash,
    )
    with app.app_context():
        assert db.session.query(User).filter_by(username="nina").count() == 0
        assert db.session.query(Tenant).filter_by(slug="x").count() == 0


def test_xss_payload_in_a_name_is_rendered_escaped(app, login_as):
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    admin = login_as("admin")
    _create(admin, name=payload, extra_groups="<b>Gruppe</b>")
    user_id = _user(app, "nina").id
    for url in ("/admin/users", f"/admin/users/{user_id}", "/admin/groups"):
        html = admin.get(url).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>Gruppe" not in html
        assert "&lt;script&gt;alert" in html, url


def test_platform_admin_creates_a_tenant_with_its_first_admin(app, login_as):
    admin = login_as("admin")
    assert "Kommuner" in text_of(admin.get("/admin/"))
    fields = {
        "slug": "notodden",
        "name": "Notodden kommune",
        "admin_username": "tone",
        "admin_name": "Tone Admin",
        "admin_email": "tone@notodden.kommune.no",
        "password": PASSWORD,
    }
    bad_slug = admin.submit("/admin/tenants/new", {**fields, "slug": "Not Odden!"})
    assert bad_slug.status_code == 400
    taken = admin.submit("/admin/tenants/new", {**fields, "admin_username": "ola"})
    assert taken.status_code == 400 and "Brukernavnet er tatt." in text_of(taken)
    created = admin.submit("/admin/tenants/new", fields)
    assert created.status_code == 200 and PASSWORD in created.get_data(as_text=True)
    assert "Notodden kommune" in text_of(admin.get("/admin/tenants"))
    again = admin.submit("/admin/tenants/new", {**fields, "admin_username": "tone2"})
    assert again.status_code == 400
    # The new admin manages only their own municipality and is no platform admin.
    tone = _fresh_login(app, "tone")
    own = text_of(tone.get("/admin/users"))
    assert "Tone Admin" in own and "Ola Olsen" not in own
    assert tone.get("/admin/tenants").status_code == 403
    assert tone.get(f"/admin/users/{_user(app, 'ola').id}").status_code == 404
    assert "Tone Admin" not in text_of(admin.get("/admin/users"))
    assert "Kommuner" not in text_of(tone.get("/admin/"))
