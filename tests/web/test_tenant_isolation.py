"""Cross-tenant IDOR sweep: every route that takes an id, tried with another municipality's ids.

A second tenant gets its own services (one whose key only it has), citizen, cases (one
waiting for a caseworker, decided ones with their letters, an appealed one), a test run and
staff. Then every user of the first tenant (each role) requests every route of the app that
takes an id, a case number or a service key, with the second tenant's values filled in, by
every method the route allows. Each request must end in a clear answer that is not a success
with the other tenant's data (no 200/201 showing it, never a 500), and nothing of the second
tenant may change. The decision routes (letters, appeals, reviews, the letter preview, the
rules pages) are also tried one by one, with the other tenant's own people as the control.
"""

from __future__ import annotations

import dataclasses
import io
import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from designer.extensions import db
from designer.models import Appeal, Attachment, DecisionLetter, SubmissionKey, User
from designer.services.catalog import install, read_folder
from engine import runtime
from engine.models import HumanTask, Instance, ProcessModel, ProcessVersion, Tenant
from tests.factories import PARKING_APPLICATION, Browser, text_of
from tests.services.decision_cases import decided_by_caseworker, rejected_automatically

ROLES = ("kari", "saksbehandler", "leder", "eier", "admin", "kokk")
ALLOWED = {302, 303, 400, 401, 403, 404, 405, 409, 410, 413, 422, 429}
PASSWORD = "a long enough password"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# Texts only the other tenant has: its own service's name, its legal basis for the leisure
# fund (a key both tenants have), its test run's applicant and address.
OWN_KEY = "nabo_fritid"
OWN_NAME = "Nabokommunens fritidskasse"
LEGAL_BASIS = "Nabokommunens egne retningslinjer for kontingentkassa"
RUN_DATA = {**PARKING_APPLICATION, "applicant_name": "Nora Nabo", "address": "Naboveien 9"}
# An appeal or a review as a citizen would send it (for a late appeal too).
APPEAL_FORM = {
    "appeal_text": "Ikke min sak, men likevel.",
    "late_reason": "Jeg lå på sykehus i tre uker.",
    "submission_key": "en-nokkel-som-ingen-har",
}
# Routes that get another of the other tenant's objects than the waiting case: the routes of
# a decision its decided cases (each has its letter 1), the test-run pages its test run.
BY_ROUTE = {
    "portal.letter_pdf": {"case_no": "rejected_case_no"},
    "portal.review": {"case_no": "rejected_case_no"},
    "portal.appeal": {"case_no": "decided_case_no"},
    "portal.appeal_file": {"case_no": "appealed_case_no"},
    "portal.withdraw": {"case_no": "appealed_case_no"},
    "casework.letter_pdf": {"instance_id": "decided_instance_id"},
    "modeler.test_run": {"instance_id": "run_id"},
    "modeler.test_run_diagram": {"instance_id": "run_id"},
    "modeler.complete_test_task": {"instance_id": "run_id", "task_id": "run_task_id"},
}


def _login(app: Flask, username: str) -> Browser:
    browser = Browser(app.test_client())
    browser.login(username, PASSWORD)
    return browser


def _person(tenant_id: int, username: str, name: str, roles: str, groups: str = "") -> None:
    person = User(tenant_id=tenant_id, username=username, name=name, roles=roles)
    person.national_id = "15818012001" if roles == "citizen" else None
    person.groups = groups
    person.set_password(PASSWORD)
    db.session.add(person)


def _install_leisure(tenant: Tenant) -> None:
    """The leisure fund with the tenant's own legal basis (versions 1 and 2), and a copy
    under a key only this tenant has."""
    bundle = read_folder("processes/leisure_subsidy")
    bundle.meta["settings"] = {**bundle.meta["settings"], "legal_basis": LEGAL_BASIS}
    install(db.session, tenant, bundle)
    install(db.session, tenant, dataclasses.replace(bundle, bpmn=bundle.bpmn + "<!-- 2 -->"))
    name = {"nb": OWN_NAME, "nn": OWN_NAME, "en": OWN_NAME}
    meta = {**bundle.meta, "key": OWN_KEY, "name": name}
    install(db.session, tenant, dataclasses.replace(bundle, key=OWN_KEY, meta=meta))


def _decided_cases(app: Flask, tenant_id: int) -> dict[str, Any]:
    """The other citizen's decided cases, made as people make them (each with letter 1)."""
    nora, sara = _login(app, "nabo-borger"), _login(app, "nabo-sara")
    rejected = rejected_automatically(nora)
    decided = decided_by_caseworker(nora, sara)  # before any other case waits in the inbox
    appealed = rejected_automatically(nora)
    sent = nora.submit(
        f"/cases/{appealed}/appeal",
        {"appeal_text": "Inntekten er feil.", "appeal_files": (io.BytesIO(PDF), "brev.pdf")},
    )
    assert sent.status_code == 303, sent.status_code
    with app.app_context():
        appeal = db.session.scalars(select(Appeal).where(Appeal.tenant_id == tenant_id)).one()
        attachment = db.session.scalars(
            select(Attachment).where(Attachment.instance_id == appeal.handler_instance_id)
        ).one()
        decided_id = db.session.scalars(
            select(Instance.id).where(Instance.case_no == decided, Instance.tenant_id == tenant_id)
        ).one()
        return {
            "rejected_case_no": rejected,
            "decided_case_no": decided,
            "decided_instance_id": decided_id,
            "appealed_case_no": appealed,
            "appeal_id": appeal.id,
            "attachment_id": attachment.id,
        }


def _other_tenant(app: Flask) -> dict[str, Any]:
    with app.app_context():
        tenant = Tenant(slug="nabokommune", name="Nabokommune")
        db.session.add(tenant)
        db.session.flush()
        version = install(db.session, tenant, read_folder("processes/parking_permit"))
        _install_leisure(tenant)
        _person(tenant.id, "nabo-borger", "Nora Nabo", "citizen")
        _person(tenant.id, "nabo-sara", "Nina Nabosaksbehandler", "caseworker", "Saksbehandler")
        _person(tenant.id, "nabo-eier", "Nils Naboeier", "process_owner")
        db.session.commit()
        tenant_id, model_id = tenant.id, version.model_id
    decided = _decided_cases(app, tenant_id)
    with app.app_context():
        citizen = db.session.scalars(select(User).where(User.username == "nabo-borger")).one()
        version = db.session.get(ProcessVersion, version.id)
        assert version is not None
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
        run = runtime.start(
            db.session, version, data=RUN_DATA, actor="user:0", subject="Test", is_test=True
        )
        run_task_id = db.session.scalars(
            select(HumanTask.id).where(HumanTask.instance_id == run.id)
        ).one()
        case_nos = [
            instance.case_no,
            run.case_no,
            *(decided[k] for k in ("rejected_case_no", "decided_case_no", "appealed_case_no")),
        ]
        # Case numbers are counted per municipality: a first-tenant case with one of these
        # numbers would make its own pages look like a leak.
        clash = db.session.scalars(
            select(Instance.case_no).where(
                Instance.tenant_id != tenant_id, Instance.case_no.in_(case_nos)
            )
        ).all()
        assert clash == [], clash
        return {
            **decided,
            "tenant_id": tenant_id,
            "instance_id": instance.id,
            "case_no": instance.case_no,
            "task_id": task.id,
            "model_id": model_id,
            "user_id": citizen.id,
            "key": OWN_KEY,
            "run_id": run.id,
            "run_task_id": run_task_id,
            "case_nos": case_nos,
            "secrets": (*case_nos, "Nora Nabo", OWN_NAME, LEGAL_BASIS, "Naboveien 9"),
        }


def _snapshot(app: Flask, tenant_id: int) -> list[tuple[Any, ...]]:
    with app.app_context():
        db.session.expire_all()
        instances = db.session.scalars(select(Instance).where(Instance.tenant_id == tenant_id))
        tasks = db.session.scalars(select(HumanTask).where(HumanTask.tenant_id == tenant_id))
        models = db.session.scalars(select(ProcessModel).where(ProcessModel.tenant_id == tenant_id))
        users = db.session.scalars(select(User).where(User.tenant_id == tenant_id))
        appeals = db.session.scalars(select(Appeal).where(Appeal.tenant_id == tenant_id))
        letters = db.session.scalars(
            select(DecisionLetter).where(DecisionLetter.tenant_id == tenant_id)
        )
        keys = db.session.scalars(
            select(SubmissionKey.id).where(SubmissionKey.tenant_id == tenant_id)
        )
        files = db.session.scalars(select(Attachment.id).where(Attachment.tenant_id == tenant_id))
        return (
            [("i", i.id, i.version, i.status, i.state) for i in instances]
            + [("t", t.id, t.status, t.assignee, t.saved_form) for t in tasks]
            + [("m", m.id, m.draft_revision, m.published_version_id, m.archived) for m in models]
            + [("u", u.id, u.roles, u.groups, u.active, u.password_hash) for u in users]
            + [("a", a.id, a.status, a.text, a.handler_instance_id) for a in appeals]
            + [("l", x.id, x.number, x.status, x.pdf is None, x.attempts) for x in letters]
            + [("k", *keys), ("f", *files)]
        )


def _fill(rule: Any, other: dict[str, Any]) -> str | None:
    values: dict[str, Any] = {
        name: other[key] for name, key in BY_ROUTE.get(rule.endpoint, {}).items()
    }
    for name in rule.arguments:
        if name in values:
            continue
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
                leaked = [v for v in other["secrets"] if v in body]
                assert not leaked, (username, method, url, leaked)
            else:
                assert status in ALLOWED, (username, method, url, status)
            if status in (302, 303):
                location = response.headers.get("Location", "")
                shown = [n for n in other["case_nos"] if re.search(re.escape(n), location)]
                assert not shown, (url, location)
    assert tried > 20  # the sweep really ran over the app's routes
    assert _snapshot(app, other["tenant_id"]) == before


def _post(browser: Browser, url: str, data: dict[str, Any]) -> int:
    token = browser.csrf("/")
    return browser.client.post(url, data={"csrf_token": token, **data}).status_code


def _decision_urls(case: dict[str, Any]) -> tuple[list[str], list[str]]:
    """A citizen's decision pages of `case`'s cases: those to GET and those to POST."""
    rejected, decided = case["rejected_case_no"], case["decided_case_no"]
    appealed, appeal_id = case["appealed_case_no"], case["appeal_id"]
    gets = [
        f"/cases/{rejected}/letters/1.pdf",
        f"/cases/{decided}/letters/1.pdf",
        f"/cases/{decided}/appeal",
        f"/cases/{rejected}/review",
        f"/cases/{appealed}/appeals/{appeal_id}/files/{case['attachment_id']}",
    ]
    posts = [
        f"/cases/{decided}/appeal",
        f"/cases/{rejected}/review",
        f"/cases/{rejected}/appeal",
        f"/cases/{appealed}/appeals/{appeal_id}/withdraw",
    ]
    return gets, posts


def _status(browser: Browser, url: str) -> int:
    response = browser.get(url)
    response.close()  # a file download keeps its file open until then
    return response.status_code


def test_letters_appeals_and_reviews_of_another_municipality_are_not_found(
    app: Flask, login_as: Any
) -> None:
    other = _other_tenant(app)
    before = _snapshot(app, other["tenant_id"])
    kari = login_as("kari")
    gets, posts = _decision_urls(other)
    assert {url: _status(kari, url) for url in gets} == dict.fromkeys(gets, 404)
    assert {url: _post(kari, url, APPEAL_FORM) for url in posts} == dict.fromkeys(posts, 404)
    staff_pdf = f"/casework/cases/{other['decided_instance_id']}/letters/1.pdf"
    for username in ("saksbehandler", "leder"):
        assert _status(login_as(username), staff_pdf) == 404, username
    assert _snapshot(app, other["tenant_id"]) == before
    # The control: the same addresses serve the other municipality's own people.
    nora = _login(app, "nabo-borger")
    assert [_status(nora, url) for url in gets] == [200] * len(gets)
    assert _post(nora, f"/cases/{other['rejected_case_no']}/review", APPEAL_FORM) == 303
    assert _status(_login(app, "nabo-sara"), staff_pdf) == 200


def test_another_citizen_of_the_municipality_gets_none_of_the_decision_pages(
    app: Flask, login_as: Any
) -> None:
    kari, sara = login_as("kari"), login_as("saksbehandler")
    rejected = rejected_automatically(kari)
    decided = decided_by_caseworker(kari, sara)
    appealed = rejected_automatically(kari)
    sent = kari.submit(
        f"/cases/{appealed}/appeal",
        {"appeal_text": "Inntekten er feil.", "appeal_files": (io.BytesIO(PDF), "brev.pdf")},
    )
    assert sent.status_code == 303
    with app.app_context():
        tenant_id = db.session.scalars(select(User.tenant_id).where(User.username == "kari")).one()
        _person(tenant_id, "nils", "Nils Nilsen", "citizen")
        db.session.commit()
        appeal = db.session.scalars(select(Appeal)).one()
        attachment = db.session.scalars(
            select(Attachment).where(Attachment.instance_id == appeal.handler_instance_id)
        ).one()
        case = {
            "rejected_case_no": rejected,
            "decided_case_no": decided,
            "appealed_case_no": appealed,
            "appeal_id": appeal.id,
            "attachment_id": attachment.id,
        }
    before = _snapshot(app, tenant_id)
    nils = _login(app, "nils")
    gets, posts = _decision_urls(case)
    assert {url: _status(nils, url) for url in gets} == dict.fromkeys(gets, 404)
    assert {url: _post(nils, url, APPEAL_FORM) for url in posts} == dict.fromkeys(posts, 404)
    assert _snapshot(app, tenant_id) == before
    assert [_status(kari, url) for url in gets] == [200] * len(gets)


def test_the_letter_preview_of_another_municipality_is_not_found(app: Flask, login_as: Any) -> None:
    other = _other_tenant(app)
    before = _snapshot(app, other["tenant_id"])
    eier = login_as("eier")
    query = f"lang=en&outcome=approved&by=caseworker&run={other['run_id']}"
    theirs = f"/modeler/{other['model_id']}"
    for url in (f"{theirs}/letter?{query}", f"{theirs}/letter.pdf?{query}"):
        assert _status(eier, url) == 404, url
    with app.app_context():
        model = db.session.get(ProcessModel, other["model_id"])
        assert model is not None
        texts = {"revision": str(model.draft_revision), "nb:intro": "Innbrudd i nabokommunen."}
        own_id = db.session.scalars(
            select(ProcessModel.id).where(
                ProcessModel.tenant_id != other["tenant_id"],
                ProcessModel.key == "parking_permit",
            )
        ).one()
    assert _post(eier, f"{theirs}/letter?{query}", texts) == 404
    assert _snapshot(app, other["tenant_id"]) == before
    # Their test run is not one of this service's: the own preview shows the sample data.
    own = eier.get(f"/modeler/{own_id}/letter?{query}")
    assert own.status_code == 200
    assert [v for v in other["secrets"] if v in own.get_data(as_text=True)] == []
    # The control: their process owner previews the letter with the run's data.
    page = _login(app, "nabo-eier").get(f"{theirs}/letter?{query}")
    assert page.status_code == 200 and "Naboveien 9" in text_of(page)


@pytest.mark.parametrize("username", ("anonymous", "kari", "eier"))
def test_rules_pages_are_those_of_the_readers_municipality(
    app: Flask, login_as: Any, username: str
) -> None:
    _other_tenant(app)
    reader = Browser(app.test_client()) if username == "anonymous" else login_as(username)
    with app.app_context():
        tenant_id = db.session.scalars(select(User.tenant_id).where(User.username == "kari")).one()
        numbers = db.session.scalars(
            select(ProcessVersion.number)
            .join(ProcessModel, ProcessVersion.model_id == ProcessModel.id)
            .where(ProcessModel.tenant_id == tenant_id, ProcessModel.key == "leisure_subsidy")
        ).all()
        assert 2 not in numbers  # only the other municipality has a version 2
    only_theirs = (
        f"/services/{OWN_KEY}/rules",
        f"/services/{OWN_KEY}/rules/1",
        "/services/leisure_subsidy/rules/2",
    )
    assert {url: _status(reader, url) for url in only_theirs} == dict.fromkeys(only_theirs, 404)
    # A key both have: the reader's municipality's page, without the other's legal basis.
    page = reader.get("/services/leisure_subsidy/rules", follow_redirects=True)
    assert page.status_code == 200
    assert "Kommunens retningslinjer for kontingentkassa" in text_of(page)
    assert LEGAL_BASIS not in text_of(page)
    # The control: the other municipality's citizen reads its own pages there.
    nora = _login(app, "nabo-borger")
    assert [_status(nora, url) for url in only_theirs] == [302, 200, 200]
    assert LEGAL_BASIS in text_of(nora.get("/services/leisure_subsidy/rules/2"))
    assert OWN_NAME in text_of(nora.get(f"/services/{OWN_KEY}/rules/1"))


# --- sharing services between municipalities (issue 16) ---------------------------------
SHARING = (
    "modeler.share",
    "modeler.unshare",
    "modeler.shared_service",
    "modeler.shared_rules",
    "modeler.shared_download",
    "modeler.adopt_service",
    "modeler.adoption",
    "modeler.take_update",
)
# What another municipality must never see of the one that shares: its cases, its people.
PEOPLE = ("Nils Naboeier", "Nina Nabosaksbehandler")


def _share_theirs(app: Flask, other: dict[str, Any]) -> int:
    """The other municipality shares its leisure fund (its process owner does)."""
    from designer.services.sharing import catalogue

    with app.app_context():
        model = db.session.scalars(
            select(ProcessModel).where(
                ProcessModel.tenant_id == other["tenant_id"],
                ProcessModel.key == "leisure_subsidy",
            )
        ).one()
        shared = catalogue.share(db.session, model, "Nils Naboeier", "")
        db.session.commit()
        return int(shared.id)


@pytest.mark.parametrize("username", ROLES)
def test_the_sharing_routes_show_only_the_shared_service(
    app: Flask, login_as: Any, username: str
) -> None:
    other = _other_tenant(app)
    shared_id = _share_theirs(app, other)
    before = _snapshot(app, other["tenant_id"])
    browser = login_as(username)
    token = browser.csrf("/")
    values = {**other, "shared_id": shared_id}
    secrets = (*other["case_nos"], "Nora Nabo", "Naboveien 9", *PEOPLE)
    rules = [r for r in app.url_map.iter_rules() if r.endpoint in SHARING]
    assert {r.endpoint for r in rules} == set(SHARING)
    seen: dict[str, int] = {}
    for rule in rules:
        url = _fill(rule, values)
        assert url is not None, rule.rule
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if method == "GET":
                response = browser.client.get(url)
            else:
                response = browser.client.post(
                    url, data={"csrf_token": token}, headers={"X-CSRFToken": token}
                )
            status = response.status_code
            seen[f"{method} {rule.endpoint}"] = status
            assert status != 500, (username, method, url)
            if status in (200, 201):
                body = response.get_data(as_text=True)
                assert [s for s in secrets if s in body] == [], (username, method, url)
            else:
                assert status in ALLOWED, (username, method, url, status)
    if username == "eier":  # the shared service itself is what another owner may read
        assert seen["GET modeler.shared_service"] == 200
        assert seen["GET modeler.shared_rules"] == 200
        assert seen["GET modeler.adopt_service"] == 200
        for endpoint in ("modeler.adoption", "modeler.take_update"):
            assert seen[f"GET {endpoint}"] == 404  # their model is not this tenant's
        assert seen["POST modeler.share"] == seen["POST modeler.unshare"] == 404
    else:
        assert {s for key, s in seen.items() if key.startswith("GET")} == {403}
    assert _snapshot(app, other["tenant_id"]) == before
    with app.app_context():
        from designer.models import SharedService

        shared = db.session.get(SharedService, shared_id)
        assert shared is not None and shared.active  # nobody else withdrew it


def test_adopting_another_municipalitys_service_changes_nothing_of_theirs(
    app: Flask, login_as: Any
) -> None:
    other = _other_tenant(app)
    shared_id = _share_theirs(app, other)
    before = _snapshot(app, other["tenant_id"])
    eier = login_as("eier")
    page = eier.get(f"/modeler/shared/{shared_id}/adopt").get_data(as_text=True)
    import lxml.html

    fields = {k: v for k, v in lxml.html.fromstring(page).forms[-1].fields.items() if v}
    sent = eier.client.post(f"/modeler/shared/{shared_id}/adopt", data=fields)
    assert sent.status_code == 303, text_of(sent)[:1000]
    adopted = sent.headers["Location"]
    for url in (adopted, adopted.replace("/adoption", "/versions"), "/modeler/"):
        body = eier.get(url).get_data(as_text=True)
        assert [s for s in (*other["case_nos"], "Nora Nabo", *PEOPLE) if s in body] == [], url
    assert _snapshot(app, other["tenant_id"]) == before
    # The origin sees how many use it, never who.
    versions = _login(app, "nabo-eier").get(f"/modeler/{_their_leisure(app, other)}/versions")
    assert versions.status_code == 200
    assert "Demo kommune" not in text_of(versions) and "Per Prosesseier" not in text_of(versions)


def _their_leisure(app: Flask, other: dict[str, Any]) -> int:
    with app.app_context():
        return int(
            db.session.scalars(
                select(ProcessModel.id).where(
                    ProcessModel.tenant_id == other["tenant_id"],
                    ProcessModel.key == "leisure_subsidy",
                )
            ).one()
        )
