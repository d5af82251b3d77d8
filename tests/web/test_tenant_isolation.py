"""Cross-tenant IDOR sweep: every route that takes an id, tried with another municipality's ids.

A second tenant gets its own service, citizen, case, open task and staff. Then every user of
the first tenant (each role) requests every route of the app that takes an id or a case
number, with the second tenant's values filled in, by every method the route allows. Each
request must end in a clear answer that is not a success with the other tenant's data (no
200/201 showing it, never a 500), and nothing of the second tenant may change.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from designer.extensions import db
from designer.models import User
from designer.services.catalog import install, read_folder
from engine import runtime
from engine.models import HumanTask, Instance, ProcessModel, Tenant
from tests.factories import PARKING_APPLICATION

ROLES = ("kari", "saksbehandler", "leder", "eier", "admin")
ALLOWED = {302, 303, 400, 401, 403, 404, 405, 409, 410, 413, 422, 429}


def _other_tenant(app: Flask) -> dict[str, Any]:
    with app.app_context():
        tenant = Tenant(slug="nabokommune", name="Nabokommune")
        db.session.add(tenant)
        db.session.flush()
        version = install(db.session, tenant, read_folder("processes/parking_permit"))
        citizen = User(
            tenant_id=tenant.id,
            username="nabo-borger",
            name="Nora Nabo",
            roles="citizen",
            national_id="15818012001",
        )
        citizen.set_password("a long enough password")
        db.session.add(citizen)
        db.session.commit()
        instance = runtime.start(
            db.session,
            version,
            data=dict(PARKING_APPLICATION),
            actor=citizen.actor,
            owner=citizen.actor,
            subject="Nora Nabo",
        )
        task = db.session.scalars(
            select(HumanTask).where(HumanTask.instance_id == instance.id)
        ).first()
        assert task is not None, "the other tenant's case must wait for a caseworker"
        return {
            "tenant_id": tenant.id,
            "instance_id": instance.id,
            "case_no": instance.case_no,
            "task_id": task.id,
            "model_id": version.model_id,
            "user_id": citizen.id,
            "key": "parking_permit",
        }


def _snapshot(app: Flask, tenant_id: int) -> list[tuple[Any, ...]]:
    with app.app_context():
        db.session.expire_all()
        instances = db.session.scalars(select(Instance).where(Instance.tenant_id == tenant_id))
        tasks = db.session.scalars(select(HumanTask).where(HumanTask.tenant_id == tenant_id))
        models = db.session.scalars(select(ProcessModel).where(ProcessModel.tenant_id == tenant_id))
        users = db.session.scalars(select(User).where(User.tenant_id == tenant_id))
        return (
            [("i", i.id, i.version, i.status, i.state) for i in instances]
            + [("t", t.id, t.status, t.assignee, t.saved_form) for t in tasks]
            + [("m", m.id, m.draft_revision, m.published_version_id, m.archived) for m in models]
            + [("u", u.id, u.roles, u.groups, u.active, u.password_hash) for u in users]
        )


def _fill(rule: Any, other: dict[str, Any]) -> str | None:
    values: dict[str, Any] = {}
    for name in rule.arguments:
        if name in other:
            values[name] = other[name]
        elif name.endswith("_id"):
            values[name] = other.get(name, 10**6)
        elif name == "number":
            values[name] = 1
        elif name in ("name", "filename"):
            values[name] = "application.json"
        else:
            return None
    return str(rule.build(values, append_unknown=False)[1])


def _routes(app: Flask) -> list[Any]:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.arguments and rule.endpoint != "static" and not rule.endpoint.startswith("dev")
    ]


@pytest.mark.parametrize("username", ROLES)
def test_no_route_reaches_another_tenants_objects(app: Flask, login_as, username: str) -> None:
    other = _other_tenant(app)
    before = _snapshot(app, other["tenant_id"])
    browser = login_as(username)
    token = browser.csrf("/")
    tried = 0
    for rule in _routes(app):
        url = _fill(rule, other)
        if url is None:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if method == "GET":
                response = browser.client.get(url)
            else:
                response = browser.client.open(
                    url,
                    method=method,
                    data={"csrf_token": token},
                    headers={"X-CSRFToken": token},
                )
            tried += 1
            status = response.status_code
            assert status != 500, (username, method, url)
            if status in (200, 201):
                body = response.get_data(as_text=True)
                leaked = [v for v in (other["case_no"], "Nora Nabo") if v in body]
                assert not leaked, (username, method, url, leaked)
            else:
                assert status in ALLOWED, (username, method, url, status)
            if status in (302, 303):
                location = response.headers.get("Location", "")
                assert not re.search(re.escape(str(other["case_no"])), location), (url, location)
    assert tried > 20  # the sweep really ran over the app's routes
    assert _snapshot(app, other["tenant_id"]) == before
