"""Login, roles and object access: a user without the role gets 403, never someone else's data."""

from __future__ import annotations

import re

import pytest

from designer.extensions import db
from designer.models import User
from tests.factories import PARKING_APPLICATION, Browser, text_of

APPLY = "/services/parking_permit/apply"


def _add_user(app, username: str, roles: str, groups: str = "") -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        kari = db.session.query(User).filter_by(username="kari").one()
        user = User(
            tenant_id=kari.tenant_id,
            username=username,
            name=username.title(),
            roles=roles,
            groups=groups,
        )
        user.set_password("demo")
        db.session.add(user)
        db.session.commit()


def _apply(kari: Browser) -> str:
    response = kari.submit(APPLY, PARKING_APPLICATION)
    match = re.search(r"/cases/(\d{4}-\d{6})", response.headers["Location"])
    assert match
    return match.group(1)


def test_wrong_password_is_refused_with_a_field_error(client):
    browser = Browser(client)
    response = browser.submit("/login", {"username": "kari", "password": "wrong"})
    assert response.status_code == 400
    assert "Feil brukernavn eller passord" in text_of(response)


def test_login_requires_a_csrf_token(client):
    response = client.post("/login", data={"username": "kari", "password": "demo"})
    assert response.status_code == 400
    assert "Skjemaet er utløpt" in text_of(response)


def test_login_does_not_redirect_off_site(client):
    browser = Browser(client)
    fields = browser.hidden_fields("/login")
    response = client.post(
        "/login?next=https://evil.example/", data={**fields, "username": "kari", "password": "demo"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/")


def test_logout_needs_post_with_csrf(login_as):
    kari = login_as("kari")
    assert kari.client.get("/logout").status_code == 405
    assert kari.client.post("/logout").status_code == 400
    assert kari.get("/cases").status_code == 200


@pytest.mark.parametrize(
    ("username", "url"),
    [
        ("kari", "/casework/"),
        ("kari", "/modeler/"),
        ("kari", "/admin/"),
        ("saksbehandler", APPLY),
        ("saksbehandler", "/cases"),
        ("saksbehandler", "/admin/"),
        ("eier", "/casework/"),
        ("eier", "/cases"),
        ("admin", "/casework/"),
        ("admin", APPLY),
    ],
)
def test_pages_of_other_roles_are_forbidden(login_as, username, url):
    assert login_as(username).get(url).status_code == 403


@pytest.mark.parametrize("url", ["/cases", APPLY, "/casework/", "/modeler/", "/admin/"])
def test_anonymous_visitors_are_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_citizen_cannot_see_another_citizens_case(app, login_as):
    case_no = _apply(login_as("kari"))
    _add_user(app, "nora", "citizen")
    ola = login_as("nora")
    assert ola.get(f"/cases/{case_no}").status_code == 404
    assert case_no not in text_of(ola.get("/cases"))


def test_caseworker_outside_the_lane_group_cannot_open_the_task(app, login_as):
    _apply(login_as("kari"))
    sara = login_as("saksbehandler")
    task_url = re.search(
        r'href="(/casework/tasks/\d+)"', sara.get("/casework/").get_data(as_text=True)
    )
    assert task_url
    _add_user(app, "per", "caseworker", groups="Barnehage")
    per = login_as("per")
    assert "Det er ingen åpne oppgaver" in text_of(per.get("/casework/"))
    assert per.get(task_url.group(1)).status_code == 403
    instance_id = 1
    assert per.get(f"/casework/cases/{instance_id}/diagram.bpmn").status_code == 403
    assert per.get("/casework/tasks/999999").status_code == 404


def test_unknown_service_and_case_are_404(login_as):
    kari = login_as("kari")
    assert kari.get("/services/nope/apply").status_code == 404
    assert kari.get("/cases/2026-999999").status_code == 404
