"""Sharing a service between two municipalities, end to end (issue 16).

The first municipality (the seeded one) shares its leisure fund, whose rules read the income
limit from a parameter. A neighbour adopts it with its own limit and its own group, its
citizen applies and is decided by the neighbour's limit, in a letter naming the neighbour.
The origin publishes a new version (a new parameter, a changed text and its own limit
changed); the neighbour takes it over, keeping its values, its group and its own text, while
its case that was running stays on the version it started on.

Everything goes through the pages, as people use them, with a real SpiffWorkflow run.
"""

from __future__ import annotations

import json
import re
from typing import Any

import lxml.html
from flask import Flask
from sqlalchemy import select

from designer.extensions import db
from designer.models import (
    Adoption,
    AuditEvent,
    DecisionLetter,
    PaymentOrder,
    SharedService,
    User,
)
from designer.services.catalog import ServiceBundle, install, read_folder
from designer.worker import work_once
from engine.models import HumanTask, Instance, ProcessModel, ProcessVersion, Tenant
from tests.factories import Browser, text_of
from tests.processes.test_leisure_subsidy import _apply

PASSWORD = "a long enough password"
NEIGHBOUR, NEIGHBOUR_NAME = "nabokommune", "Nabokommune"
NEIGHBOUR_GROUP = "Fritidskontoret"
LEISURE = "processes/leisure_subsidy"
LIMIT = "income_limit"  # the parameter of the income limit (ours if the folder has none)
CEILING = "fee_ceiling"  # the parameter the origin's second version adds
OWN_TEXT = "Nabokommunens egen tekst om inntekta."


def _parameters(bundle: ServiceBundle) -> str:
    """The name of the income-limit parameter, added to the service when it has none."""
    existing = bundle.files.get("parameters.json")
    if existing:
        for item in json.loads(existing)["parameters"]:
            if item["value"] == 450000:
                return str(item["name"])
    label = {"nb": "Inntektsgrense", "nn": "Inntektsgrense", "en": "Income limit"}
    bundle.files["parameters.json"] = json.dumps(
        {
            "parameters": [
                {
                    "name": LIMIT,
                    "type": "amount",
                    "unit": "kr",
                    "value": 450000,
                    "label": label,
                    "description": {"nb": "Under grensen innvilges søknaden med en gang."},
                }
            ]
        }
    )
    name = "decisions/leisure_eligibility.dmn"
    bundle.files[name] = bundle.files[name].replace(
        "<text>&lt; 450000</text>", f"<text>&lt; param.{LIMIT}</text>"
    )
    assert f"param.{LIMIT}" in bundle.files[name]
    return LIMIT


def origin_bundle() -> tuple[ServiceBundle, str]:
    """The leisure fund with its income limit as a parameter, and the parameter's name."""
    bundle = read_folder(LEISURE)
    return bundle, _parameters(bundle)


def second_version(bundle: ServiceBundle, limit: str) -> ServiceBundle:
    """The origin's next version: a new parameter, another value of the limit, a new text."""
    files = dict(bundle.files)
    params = json.loads(files["parameters.json"])
    for item in params["parameters"]:
        if item["name"] == limit:
            item["value"] = 460000
    params["parameters"].append(
        {"name": CEILING, "type": "amount", "unit": "kr", "value": 3000, "label": {"nb": "Tak"}}
    )
    files["parameters.json"] = json.dumps(params)
    name = "decisions/leisure_support.dmn"
    files[name] = re.sub(
        r"min\(activity_fee, [^)]+\)", f"min(activity_fee, param.{CEILING})", files[name]
    )
    assert f"param.{CEILING}" in files[name]
    texts = json.loads(files["texts.nn.json"])
    texts["end/granted/name"] = "Innvilga og utbetalt av kommunen"
    texts["end/refused/name"] = "Avslått etter ei vurdering"
    files["texts.nn.json"] = json.dumps(texts, ensure_ascii=False)
    return ServiceBundle(key=bundle.key, meta=bundle.meta, bpmn=bundle.bpmn, files=files)


def publish_origin(app: Flask, bundle: ServiceBundle) -> int:
    """Publish `bundle` as the first municipality's leisure fund; its model id."""
    with app.app_context():
        tenant = db.session.scalars(
            select(Tenant).where(Tenant.slug == app.config["DEFAULT_TENANT"])
        ).one()
        version = install(db.session, tenant, bundle)
        db.session.commit()
        return int(version.model_id)


def person(tenant_id: int, username: str, name: str, roles: str, groups: str = "") -> None:
    """A person of a municipality (inside an app context; the caller commits)."""
    found = User(tenant_id=tenant_id, username=username, name=name, roles=roles)
    found.national_id = "15818012001" if roles == "citizen" else None
    found.email = f"{username}@example.no"
    found.groups = groups
    found.set_password(PASSWORD)
    db.session.add(found)


def neighbour(app: Flask) -> int:
    """The second municipality with its process owner, caseworker and citizen; its id."""
    with app.app_context():
        tenant = Tenant(slug=NEIGHBOUR, name=NEIGHBOUR_NAME, language="nn")
        db.session.add(tenant)
        db.session.flush()
        person(tenant.id, "nabo-eier", "Nils Naboeier", "process_owner")
        person(tenant.id, "nabo-sara", "Nina Nabosaksbehandler", "caseworker", NEIGHBOUR_GROUP)
        person(tenant.id, "nabo-borger", "Nora Nabo", "citizen")
        db.session.commit()
        return int(tenant.id)


def login(app: Flask, username: str) -> Browser:
    browser = Browser(app.test_client())
    browser.login(username, PASSWORD)
    return browser


def share(owner: Browser, model_id: int) -> None:
    """Share the service from its Versions page."""
    sent = owner.submit(f"/modeler/{model_id}/versions", {"note": "Bruk gjerne!"}, action="/share")
    assert sent.status_code == 303, sent.status_code


def shared_id_of(app: Flask, model_id: int) -> int:
    """The id of a shared service of `model_id`."""
    with app.app_context():
        return int(
            db.session.scalars(
                select(SharedService.id).where(SharedService.model_id == model_id)
            ).one()
        )


def send(browser: Browser, url: str, changes: dict[str, Any], action: str | None = None) -> Any:
    """Send the page's (last, or `action`'s) form as a browser would: every field as the
    page fills it in, with `changes` typed over it."""
    doc = lxml.html.fromstring(browser.get(url).get_data(as_text=True))
    forms = [
        f
        for f in doc.forms
        if (f.method or "").lower() == "post"
        and (action is None or (f.action or "").endswith(action))
        and "lang-switch" not in (f.get("class") or "")
        and not (f.action or "").endswith("/logout")
    ]
    form = forms[-1]
    fields = {k: v for k, v in form.fields.items() if v is not None}
    return browser.client.post(form.action or url, data={**fields, **changes})


def adopt(owner: Browser, shared_id: int, fields: dict[str, Any]) -> int:
    """Fill in the adopt form and send it; the new service's id."""
    sent = send(owner, f"/modeler/shared/{shared_id}/adopt", fields)
    assert sent.status_code == 303, text_of(sent)[:2000]
    found = re.search(r"/modeler/(\d+)/adoption", sent.headers["Location"])
    assert found is not None, sent.headers["Location"]
    return int(found.group(1))


def _live(app: Flask, model_id: int) -> ProcessVersion:
    with app.app_context():
        model = db.session.get(ProcessModel, model_id)
        assert model is not None and model.published_version_id is not None
        version = db.session.get(ProcessVersion, model.published_version_id)
        assert version is not None
        db.session.expunge(version)
        return version


def _instance(app: Flask, case_no: str, tenant_id: int) -> Instance:
    with app.app_context():
        found = db.session.scalars(
            select(Instance).where(Instance.case_no == case_no, Instance.tenant_id == tenant_id)
        ).one()
        db.session.expunge(found)
        return found


def _letter_html(app: Flask, instance_id: int) -> str:
    with app.app_context():
        return "".join(
            db.session.scalars(
                select(DecisionLetter.html).where(DecisionLetter.instance_id == instance_id)
            )
        )


def _task_url(browser: Browser, case_no: str) -> str:
    inbox = browser.get(f"/casework/?q={case_no}").get_data(as_text=True)
    found = re.search(r'href="(/casework/tasks/\d+)"', inbox)
    assert found is not None, "the task is in the neighbour's group's inbox"
    return found.group(1)


def test_adopt_apply_follow_an_update_and_keep_the_running_case(app: Flask, login_as) -> None:
    bundle, limit = origin_bundle()
    origin_id = publish_origin(app, bundle)
    origin_first = _live(app, origin_id).number
    neighbour_id = neighbour(app)
    eier = login_as("eier")
    share(eier, origin_id)
    shared_id = shared_id_of(app, origin_id)

    # The neighbour's process owner finds it, reads what to set and adopts it.
    nils = login(app, "nabo-eier")
    listing = text_of(nils.get("/modeler/shared"))
    assert "Kontingentkassa" in listing and "Demo kommune" in listing
    about = text_of(nils.get(f"/modeler/shared/{shared_id}"))
    assert "Saksbehandler" in about and f"param.{limit}" in about and "Bruk gjerne!" in about
    assert nils.get(f"/modeler/shared/{shared_id}/rules").status_code == 200
    model_id = adopt(nils, shared_id, {"group-0": NEIGHBOUR_GROUP, f"param-{limit}": "300 000"})
    check = text_of(nils.get(f"/modeler/{model_id}/adoption"))
    assert "Demo kommune" in check and "300000" in check
    assert NEIGHBOUR_NAME in check  # the letter preview names the neighbour
    published = nils.submit(
        f"/modeler/{model_id}/adoption", {"comment": "Tatt i bruk"}, action="/publish"
    )
    assert published.status_code == 302, text_of(published)[:1000]
    first = _live(app, model_id)
    assert first.number == 1 and first.tenant_id == neighbour_id

    # The neighbour's citizens are decided by the neighbour's limit, the first's by its own.
    nora = login(app, "nabo-borger")
    waiting = _apply(nora, household_income="380000")  # over 300 000: a caseworker decides
    granted = _apply(nora, household_income="250000")
    kari_case = _apply(login_as("kari"), household_income="380000")  # under 450 000
    assert _instance(app, waiting, neighbour_id).version_id == first.id
    with app.app_context():
        theirs = db.session.scalars(select(Instance).where(Instance.case_no == kari_case)).all()
        assert [i.tenant_id for i in theirs] != [neighbour_id]
    while work_once(app):
        pass
    decided = _instance(app, granted, neighbour_id)
    assert decided.status == "completed" and decided.outcome == "granted"
    assert decided.result["decided_by"] == "automatic"
    letter = _letter_html(app, decided.id)
    assert NEIGHBOUR_NAME in letter and "Demo kommune" not in letter
    assert _instance(app, waiting, neighbour_id).status == "running"
    nina = login(app, "nabo-sara")
    task_url = _task_url(nina, waiting)  # the neighbour's group gets the origin's task
    with app.app_context():
        kari_instance = db.session.scalars(
            select(Instance).where(
                Instance.case_no == kari_case, Instance.tenant_id != neighbour_id
            )
        ).one()
        assert kari_instance.outcome == "granted"  # 380 000 is under the first's limit

    # The neighbour changes a text of its own, then the origin publishes a new version.
    saved = send(nils, f"/modeler/{model_id}/texts", {"nn:end/rejected/name": OWN_TEXT})
    assert saved.status_code in (302, 303), text_of(saved)[:1000]
    with app.app_context():  # a text of its own does not make the service a copy
        assert (
            db.session.scalars(select(Adoption.status).where(Adoption.model_id == model_id)).one()
            == "following"
        )
    publish_origin(app, second_version(bundle, limit))
    newer = _live(app, origin_id).number
    assert newer is not None and newer > origin_first
    take_over = f'href="/modeler/{model_id}/adoption/update"'
    assert take_over in nils.get(f"/modeler/{model_id}/versions").get_data(as_text=True)
    assert take_over in nils.get("/modeler/").get_data(as_text=True)  # the list says so too
    update = nils.get(f"/modeler/{model_id}/adoption/update")
    assert update.status_code == 200
    page = update.get_data(as_text=True)
    assert 'value="300000"' in page  # the neighbour's value is kept
    assert 'value="3000"' in page  # the new parameter: the origin's value as a suggestion
    taken = send(
        nils,
        f"/modeler/{model_id}/adoption/update",
        {f"param-{limit}": "300000", f"param-{CEILING}": "2500"},
    )
    assert taken.status_code == 303, text_of(taken)[:2000]
    second = _live(app, model_id)
    assert second.number == 2
    values = {
        p["name"]: p["value"] for p in json.loads(second.files["parameters.json"])["parameters"]
    }
    assert (values[limit], values[CEILING]) == (300000, 2500)  # not the origin's 460 000
    texts = json.loads(second.files["texts.nn.json"])
    assert texts["end/rejected/name"] == OWN_TEXT  # the neighbour's own text is kept
    assert texts["end/granted/name"] == "Innvilga og utbetalt av kommunen"  # the origin's new
    with app.app_context():
        adoption = db.session.scalars(select(Adoption).where(Adoption.model_id == model_id)).one()
        assert (adoption.origin_version, adoption.status) == (newer, "following")
        assert adoption.group_map == {"Saksbehandler": NEIGHBOUR_GROUP}
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.tenant_id == neighbour_id)
        ).all()
        assert {"model.adopt", "model.publish", "model.take_update"} <= set(actions)
        lanes = second.bpmn
        assert f'name="{NEIGHBOUR_GROUP}"' in lanes and 'name="Saksbehandler"' not in lanes

    # The running case stays on version 1; new cases use version 2 with the kept limit.
    assert _instance(app, waiting, neighbour_id).version_id == first.id
    done = nina.submit(
        task_url,
        {
            "_hidden": "",
            "grant": "yes",
            "support": "2000",
            "review_reason": "Vurdert etter retningslinjene.",
        },
    )
    assert done.status_code == 302, text_of(done)[-1500:]
    while work_once(app):
        pass
    finished = _instance(app, waiting, neighbour_id)
    assert (finished.status, finished.version_id) == ("completed", first.id)
    borderline = _apply(nora, household_income="310000")
    assert _instance(app, borderline, neighbour_id).version_id == second.id
    assert _instance(app, borderline, neighbour_id).status == "running"  # to a caseworker
    capped = _apply(nora, household_income="200000", costs=["fee"], activity_fee="2800")
    while work_once(app):
        pass
    result = _instance(app, capped, neighbour_id)
    assert result.outcome == "granted" and result.result["amount"] == 2500  # the new ceiling
    with app.app_context():
        paid = db.session.scalars(
            select(PaymentOrder.amount).where(PaymentOrder.tenant_id == neighbour_id)
        ).all()
        assert len(paid) == 3  # the two granted at once, and the caseworker's
    with app.app_context():
        assert db.session.scalars(
            select(HumanTask).where(HumanTask.tenant_id == neighbour_id, HumanTask.status == "open")
        ).all()
