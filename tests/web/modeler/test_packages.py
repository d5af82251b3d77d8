"""Service packages in the modeler: download a version, check and import a package as a draft.

Every shipped service goes out of one municipality as a package and into another: the files
arrive unchanged, the draft publishes, and the other municipality's citizens can apply.
Refused packages come back as the upload page with the reason on the field (never a 500);
the routes are for process owners of the version's own municipality (tenant isolation).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import zipfile
from typing import Any

import lxml.html
import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.test import TestResponse

from designer.extensions import db
from designer.models import AuditEvent, User
from designer.services.catalog import shipped_folders
from designer.services.packages import checksum, from_zip
from designer.web.modeler import packages as views
from engine.models import Instance, ProcessModel, ProcessVersion, Tenant
from tests.factories import Browser, text_of
from tests.processes.test_leisure_subsidy import _apply as apply_for_leisure
from tests.services.decision_cases import rejected_automatically

PASSWORD = "a long enough password"
IMPORT = "/modeler/packages/import"
INSTALL = "/modeler/packages/install"
KEYS = [folder.rsplit("/", 1)[-1] for folder in shipped_folders()]
FLASH = "Importert som utkast: sjekk gruppene og parameterne, og publiser deretter"


@pytest.fixture
def other(app: Flask) -> dict[str, Any]:
    """A second municipality with its own process owner, caseworker and citizen."""
    with app.app_context():
        tenant = Tenant(slug="nabokommune", name="Nabokommune")
        db.session.add(tenant)
        db.session.flush()
        for username, name, roles, groups in (
            ("nabo-eier", "Nils Naboeier", "process_owner", ""),
            ("nabo-sara", "Nina Nabosaksbehandler", "caseworker", "Saksbehandler"),
            ("nabo-borger", "Nora Nabo", "citizen", ""),
        ):
            person = User(tenant_id=tenant.id, username=username, name=name, roles=roles)
            person.national_id = "15818012001" if roles == "citizen" else None
            person.groups = groups
            person.set_password(PASSWORD)
            db.session.add(person)
        db.session.commit()
        return {"tenant_id": tenant.id}


def _login(app: Flask, username: str) -> Browser:
    browser = Browser(app.test_client())
    browser.login(username, PASSWORD)
    return browser


def _version(app: Flask, key: str, slug: str = "default") -> tuple[int, int]:
    """The model id and live version number of a service of a municipality."""
    with app.app_context():
        model = db.session.scalars(
            select(ProcessModel).join(Tenant, Tenant.id == ProcessModel.tenant_id)
            .where(Tenant.slug == slug, ProcessModel.key == key)
        ).one()  # fmt: skip
        version = db.session.get(ProcessVersion, model.published_version_id)
        assert version is not None and version.number is not None
        return model.id, version.number


def _download(browser: Browser, model_id: int, number: int) -> bytes:
    response = browser.get(f"/modeler/{model_id}/versions/{number}/package.zip")
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].endswith(f'-v{number}.zip"')
    return response.get_data()


def _check(browser: Browser, data: bytes, name: str = "pakke.zip") -> TestResponse:
    """Upload a package on the import page (the form's CSRF token included)."""
    return browser.submit(IMPORT, {"package-file": (io.BytesIO(data), name)}, action=IMPORT)


def _install_form(preview: TestResponse) -> tuple[str, dict[str, str]]:
    doc = lxml.html.fromstring(preview.get_data(as_text=True))
    [form] = [f for f in doc.forms if (f.get("action") or "").endswith(INSTALL)]
    fields = {i.name: i.value or "" for i in form.inputs if getattr(i, "type", "") == "hidden"}
    return form.get("action"), fields


def _install(browser: Browser, preview: TestResponse, **changes: Any) -> TestResponse:
    action, fields = _install_form(preview)
    return browser.client.post(action, data={**fields, **changes})


def _import(browser: Browser, data: bytes) -> int:
    """Check and install a package; the new draft's model id."""
    preview = _check(browser, data)
    assert preview.status_code == 200, text_of(preview)
    done = _install(browser, preview)
    assert done.status_code == 303, text_of(done)
    found = re.search(r"/modeler/(\d+)/edit$", done.headers["Location"])
    assert found, done.headers["Location"]
    return int(found.group(1))


def _field_error(response: TestResponse) -> str:
    doc = lxml.html.fromstring(response.get_data(as_text=True))
    return " ".join(" ".join(p.text_content().split()) for p in doc.find_class("field-error"))


def _summary(response: TestResponse) -> dict[str, str]:
    """The preview's first list of terms: what the package is."""
    doc = lxml.html.fromstring(response.get_data(as_text=True))
    [first, *_rest] = doc.find_class("summary")
    return {
        " ".join(div.find("dt").text_content().split()): " ".join(
            div.find("dd").text_content().split()
        )
        for div in first.findall("div")
    }


def _zip(files: dict[str, str], manifest: dict[str, Any]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest))
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


def _parking_package(app: Flask) -> bytes:
    model_id, number = _version(app, "parking_permit")
    return _download(_login_demo(app, "eier"), model_id, number)


def _login_demo(app: Flask, username: str) -> Browser:
    browser = Browser(app.test_client())
    browser.login(username)
    return browser


def _models(app: Flask, tenant_id: int) -> list[tuple[Any, ...]]:
    with app.app_context():
        db.session.expire_all()
        return [
            (m.id, m.key, m.draft_revision, m.draft_bpmn, m.published_version_id)
            for m in db.session.scalars(
                select(ProcessModel).where(ProcessModel.tenant_id == tenant_id)
            )
        ]


# Round trips


@pytest.mark.parametrize("key", KEYS)
def test_a_shipped_service_goes_to_another_municipality_and_publishes(
    app: Flask, other: dict[str, Any], key: str
) -> None:
    model_id, number = _version(app, key)
    data = _download(_login_demo(app, "eier"), model_id, number)
    package = from_zip(data)  # the manifest's checksums verify
    with app.app_context():
        version = db.session.scalars(
            select(ProcessVersion).where(
                ProcessVersion.model_id == model_id, ProcessVersion.number == number
            )
        ).one()
        assert package.version_files() == version.files and package.bpmn == version.bpmn
        assert package.manifest["files"] == {n: checksum(c) for n, c in package.files.items()}
        assert package.manifest["origin"]["municipality"] == "Demo kommune"
    owner = _login(app, "nabo-eier")
    preview = _check(owner, data)
    assert preview.status_code == 200
    summary = _summary(preview)
    assert (summary["Laget av"], summary["Versjon"]) == ("Demo kommune", str(number))
    assert (summary["Lisens"], summary["Ny tjenestenøkkel"]) == ("NLOD-2.0", key)
    page = text_of(preview)
    for group in package.manifest["groups"]:  # what an adopter binds
        assert group in page, group
    for parameter in package.manifest["parameters"]:
        assert f"{parameter['name']} " in page and str(parameter["default"]) in page
    for connector in package.manifest["connectors"]:
        assert f" {connector['name']} " in page, connector
    done = _install(owner, preview)
    assert done.status_code == 303
    new_id = int(done.headers["Location"].rsplit("/", 2)[-2])
    assert FLASH in text_of(owner.get(done.headers["Location"]))
    with app.app_context():
        model = db.session.get(ProcessModel, new_id)
        assert model is not None and model.tenant_id == other["tenant_id"]
        assert (model.key, model.published_version_id) == (key, None)
        assert model.draft_bpmn == package.bpmn and model.draft_files == package.version_files()
    published = owner.submit(f"/modeler/{new_id}/publish", {"comment": "Tatt i bruk"})
    assert published.status_code == 302, text_of(published)[:2000]


def test_a_citizen_of_the_importing_municipality_can_apply(
    app: Flask, other: dict[str, Any]
) -> None:
    owner = _login(app, "nabo-eier")
    for key in ("parking_permit", "leisure_subsidy"):
        model_id, number = _version(app, key)
        new_id = _import(owner, _download(_login_demo(app, "eier"), model_id, number))
        assert owner.submit(f"/modeler/{new_id}/publish", {"comment": "Ny"}).status_code == 302
    nora = _login(app, "nabo-borger")
    cases = [rejected_automatically(nora), apply_for_leisure(nora)]
    with app.app_context():
        instances = db.session.scalars(select(Instance).where(Instance.case_no.in_(cases)))
        assert {i.tenant_id for i in instances} == {other["tenant_id"]}


def test_an_import_never_overwrites_a_service(app: Flask) -> None:
    owner = _login_demo(app, "eier")
    with app.app_context():
        tenant_id = db.session.scalars(select(Tenant.id).where(Tenant.slug == "default")).one()
    before = _models(app, tenant_id)
    new_id = _import(owner, _parking_package(app))
    after = _models(app, tenant_id)
    assert [m for m in after if m[0] != new_id] == before  # every service as it was
    [new] = [m for m in after if m[0] == new_id]
    assert new[1] == "parking_permit_2" and new[4] is None
    assert _import(owner, _parking_package(app)) not in (new_id, *(m[0] for m in before))


def test_export_and_import_are_in_the_audit_log(app: Flask, other: dict[str, Any]) -> None:
    data = _parking_package(app)
    new_id = _import(_login(app, "nabo-eier"), data)
    with app.app_context():
        rows = {
            e.action: e
            for e in db.session.scalars(
                select(AuditEvent).where(AuditEvent.action.like("model.package.%"))
            )
        }
        assert set(rows) == {"model.package.export", "model.package.import"}
        imported = rows["model.package.import"]
        assert (imported.object_id, imported.tenant_id) == (str(new_id), other["tenant_id"])
        assert imported.detail == {"package": "default/parking_permit", "version": 1}
        assert rows["model.package.export"].detail == {"version": 1}


def test_the_versions_page_and_the_process_list_offer_packages(app: Flask) -> None:
    owner = _login_demo(app, "eier")
    model_id, number = _version(app, "parking_permit")
    versions = owner.get(f"/modeler/{model_id}/versions").get_data(as_text=True)
    assert f"/modeler/{model_id}/versions/{number}/package.zip" in versions
    assert "Last ned pakke" in versions
    index = owner.get("/modeler/").get_data(as_text=True)
    assert f'action="{IMPORT}"' in index and 'name="package-file"' in index
    assert "Importer en pakke" in index
    assert owner.get(IMPORT).status_code == 200
    data = _download(owner, model_id, number)
    from_index = owner.submit(
        "/modeler/", {"package-file": (io.BytesIO(data), "p.zip")}, action=IMPORT
    )
    assert from_index.status_code == 200 and "Importer som utkast" in text_of(from_index)


def test_a_large_package_is_chosen_again_to_install(app: Flask, monkeypatch: Any) -> None:
    monkeypatch.setattr(views, "INLINE_BYTES", 1000)
    owner = _login_demo(app, "eier")
    data = _parking_package(app)
    preview = _check(owner, data)
    assert preview.status_code == 200
    _action, fields = _install_form(preview)
    assert "install-package" not in fields  # not carried inline: the file is asked for
    assert 'name="install-file"' in preview.get_data(as_text=True)
    wrong = _install(owner, preview, **{"install-file": (io.BytesIO(_other_zip(app)), "b.zip")})
    assert wrong.status_code == 400
    assert (
        _field_error(wrong) == "Dette er ikke pakken du kontrollerte: velg den samme filen igjen."
    )
    done = _install(owner, preview, **{"install-file": (io.BytesIO(data), "pakke.zip")})
    assert done.status_code == 303 and done.headers["Location"].endswith("/edit")


def _other_zip(app: Flask) -> bytes:
    model_id, number = _version(app, "leisure_subsidy")
    return _download(_login_demo(app, "eier"), model_id, number)


# Refused packages


def test_a_tampered_package_is_refused_on_the_page_naming_the_file(app: Flask) -> None:
    package = from_zip(_parking_package(app))
    files = {**package.files, "process.bpmn": package.bpmn.replace("Saksbehandler", "Alle")}
    response = _check(_login_demo(app, "eier"), _zip(files, package.manifest))
    assert response.status_code == 400
    assert _field_error(response) == (
        "process.bpmn er endret: sjekksummen stemmer ikke med manifestet."
    )


def test_refusals_are_in_the_language_of_the_page(app: Flask) -> None:
    owner = _login_demo(app, "eier")
    owner.set_language("nn", IMPORT)
    response = _check(owner, b"hei")
    assert _field_error(response) == "Fila er ikkje ein tenestepakke: ho er ikkje ei zip-fil."
    owner.set_language("en", IMPORT)
    response = _check(owner, b"hei")
    assert _field_error(response) == "The file is not a service package: it is not a zip file."


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Filen er tom. Velg en tjenestepakke (en .zip-fil)."),
        (b"<definitions/>", "Filen er ikke en tjenestepakke: den er ikke en zip-fil."),
        (b"PK\x03\x04" + b"\x00" * 64, "Filen er ikke en tjenestepakke: den er ikke en zip-fil."),
    ],
)
def test_a_file_that_is_not_a_package_is_refused(app: Flask, data: bytes, message: str) -> None:
    response = _check(_login_demo(app, "eier"), data)
    assert response.status_code == 400 and _field_error(response) == message


def test_an_upload_without_a_file_is_refused(app: Flask) -> None:
    owner = _login_demo(app, "eier")
    response = owner.submit(IMPORT, {}, action=IMPORT)
    assert response.status_code == 400
    assert _field_error(response) == "Velg en tjenestepakke (en .zip-fil)."


def test_a_package_above_the_configured_limit_is_refused(app: Flask) -> None:
    data = _parking_package(app)
    app.config["PACKAGE_MAX_BYTES"] = 4096
    response = _check(_login_demo(app, "eier"), data)
    assert response.status_code == 400
    assert _field_error(response) == "Pakken er større enn 4 KB."


def test_a_package_whose_diagram_has_problems_is_refused_with_them(app: Flask) -> None:
    package = from_zip(_parking_package(app))
    files = {k: v for k, v in package.files.items() if k != "forms/review.json"}
    manifest = {**package.manifest, "files": {n: checksum(c) for n, c in files.items()}}
    response = _check(_login_demo(app, "eier"), _zip(files, manifest))
    assert response.status_code == 400
    assert _field_error(response) == (
        "Diagrammet eller skjemaene i pakken har feil (se listen nedenfor)."
    )
    assert "review.json" in text_of(response)


def test_the_install_step_checks_the_package_again(app: Flask) -> None:
    """A package swapped in the confirmation (with a digest to match) is checked again."""
    owner = _login_demo(app, "eier")
    package = from_zip(_parking_package(app))
    preview = _check(owner, _parking_package(app))
    files = {**package.files, "service.json": package.files["service.json"].replace("a", "b")}
    swapped = _zip(files, package.manifest)
    inline = base64.b64encode(swapped).decode()
    digest = hashlib.sha256(swapped).hexdigest()
    response = _install(owner, preview, **{"install-package": inline, "install-digest": digest})
    assert response.status_code == 400
    assert _field_error(response) == (
        "service.json er endret: sjekksummen stemmer ikke med manifestet."
    )
    mismatch = _install(owner, preview, **{"install-package": inline})
    assert _field_error(mismatch) == (
        "Dette er ikke pakken du kontrollerte: velg den samme filen igjen."
    )
    broken = _install(owner, preview, **{"install-package": "not base64!"})
    assert _field_error(broken) == "Filen er ikke en tjenestepakke: den er ikke en zip-fil."
    empty = owner.client.post(INSTALL, data={"csrf_token": owner.csrf(IMPORT)})
    assert empty.status_code == 400
    assert _field_error(empty) == "Velg pakken og kontroller den før du importerer den."


# Authorisation and tenant isolation


def test_posts_without_a_csrf_token_are_refused(app: Flask) -> None:
    owner = _login_demo(app, "eier")
    data = _parking_package(app)
    sent = owner.client.post(IMPORT, data={"package-file": (io.BytesIO(data), "p.zip")})
    assert sent.status_code == 400
    preview = _check(owner, data)
    _action, fields = _install_form(preview)
    fields.pop("install-csrf_token")
    assert owner.client.post(INSTALL, data=fields).status_code == 400
    with app.app_context():
        assert (
            db.session.scalars(select(AuditEvent.action)).all().count("model.package.import") == 0
        )


def test_caseworkers_and_citizens_may_not_use_packages(app: Flask) -> None:
    model_id, number = _version(app, "parking_permit")
    data = _parking_package(app)
    for username in ("saksbehandler", "leder", "kari"):
        browser = _login_demo(app, username)
        token = browser.csrf("/")
        url = f"/modeler/{model_id}/versions/{number}/package.zip"
        assert browser.get(url).status_code == 403, username
        assert browser.get(IMPORT).status_code == 403, username
        posted = browser.client.post(
            IMPORT, data={"csrf_token": token, "package-file": (io.BytesIO(data), "p.zip")}
        )
        assert posted.status_code == 403, username
        assert browser.client.post(INSTALL, data={"csrf_token": token}).status_code == 403
    anonymous = app.test_client().get(f"/modeler/{model_id}/versions/{number}/package.zip")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_another_municipalitys_version_is_not_found(app: Flask, other: dict[str, Any]) -> None:
    model_id, number = _version(app, "parking_permit")
    neighbour = _login(app, "nabo-eier")
    response = neighbour.get(f"/modeler/{model_id}/versions/{number}/package.zip")
    assert response.status_code == 404
    assert response.mimetype != "application/zip"
    own = _login_demo(app, "eier")
    assert own.get(f"/modeler/{model_id}/versions/999/package.zip").status_code == 404
    assert own.get(f"/modeler/{10**6}/versions/1/package.zip").status_code == 404
    with app.app_context():
        assert not db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "model.package.export")
        ).all()


def test_an_import_lands_in_the_importers_municipality_only(
    app: Flask, other: dict[str, Any]
) -> None:
    with app.app_context():
        default_id = db.session.scalars(select(Tenant.id).where(Tenant.slug == "default")).one()
    data = _parking_package(app)
    before = _models(app, default_id)
    neighbour = _login(app, "nabo-eier")
    preview = _check(neighbour, data)
    assert "parking_permit" in text_of(preview)  # the key is free in its own municipality
    done = _install(neighbour, preview, tenant_id=str(default_id), model_id="1")
    assert done.status_code == 303
    assert _models(app, default_id) == before
    assert [m[1] for m in _models(app, other["tenant_id"])] == ["parking_permit"]
