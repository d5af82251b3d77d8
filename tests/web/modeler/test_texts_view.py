"""Tekster: a service's texts side by side per language, saved beside the forms, used live."""

from __future__ import annotations

import json

import lxml.html
from flask import Flask

from designer.extensions import db
from engine.models import ProcessModel
from tests.factories import text_of
from tests.web.modeler.test_catalog_card import DIAGRAM, FORM, _key, _new_service
from tests.web.modeler.test_modeler import _draft, _save

LABEL = "form/soknad.json/comment/label"


def _page(owner, model_id: int, query: str = ""):  # type: ignore[no-untyped-def]
    response = owner.get(f"/modeler/{model_id}/texts{query}")
    assert response.status_code == 200
    return lxml.html.fromstring(response.get_data(as_text=True))


def _model(app: Flask, model_id: int) -> ProcessModel:
    with app.app_context():
        model = db.session.get(ProcessModel, model_id)
        assert model is not None
        db.session.expunge(model)
        return model


def test_every_text_is_listed_with_the_missing_ones_said_in_words(app, login_as) -> None:  # type: ignore[no-untyped-def]
    owner = login_as("eier")
    model_id = _new_service(owner, "Søknad om støttekontakt")
    doc = _page(owner, model_id)
    names = set(doc.xpath("//textarea/@name | //input[@type!='hidden' or not(@type)]/@name"))
    assert {f"nn:{LABEL}", f"en:{LABEL}", "nn:card/name", "en:card/description"} <= names
    # The new form's English label came with it ("Comment"); nynorsk is missing and says so.
    assert doc.xpath(f"//input[@name='en:{LABEL}']/@value") == ["Comment"]
    nn_cell = doc.xpath(f"//input[@name='nn:{LABEL}']/..")[0]
    assert "text-missing" in nn_cell.get("class") and "Mangler" in nn_cell.text_content()
    assert doc.xpath(f"//input[@name='nn:{LABEL}']/@lang") == ["nn"]
    status = doc.xpath("string(//section[@aria-labelledby='status-title'])")
    assert "Nynorsk: tekster som mangler:" in status


def test_saving_puts_the_texts_beside_the_forms_and_the_card_on_the_model(app, login_as) -> None:  # type: ignore[no-untyped-def]
    owner = login_as("eier")
    model_id = _new_service(owner, "Søknad om støttekontakt")
    revision = _model(app, model_id).draft_revision
    saved = owner.submit(
        f"/modeler/{model_id}/texts",
        {
            "revision": str(revision),
            f"nn:{LABEL}": "Merknad",
            "nn:card/name": "Søknad om støttekontakt på nynorsk",
            "nn:form/unknown/label": "ignored",
            f"en:{LABEL}": "",
        },
    )
    assert saved.status_code == 302
    model = _model(app, model_id)
    assert json.loads(model.draft_files["texts.nn.json"]) == {LABEL: "Merknad"}
    assert "texts.en.json" not in model.draft_files  # emptied: the legacy English is left
    assert model.card_texts["nn"] == {"name": "Søknad om støttekontakt på nynorsk"}
    assert model.draft_revision == revision  # texts do not bump the diagram's revision
    doc = _page(owner, model_id)
    assert not doc.xpath(f"//input[@name='nn:{LABEL}']/..")[0].get("class")
    assert not _page(owner, model_id, "?missing=1").xpath(f"//input[@name='nn:{LABEL}']")


def test_a_stale_page_saves_nothing(app, login_as) -> None:  # type: ignore[no-untyped-def]
    owner = login_as("eier")
    model_id = _new_service(owner, "Søknad om støttekontakt")
    old = _model(app, model_id).draft_revision
    xml = DIAGRAM.format(key=_key(app, model_id), form=FORM)
    assert _save(owner, model_id, xml, _draft(owner, model_id)["revision"]).status_code == 200
    refused = owner.submit(
        f"/modeler/{model_id}/texts", {"revision": str(old), f"nn:{LABEL}": "Merknad"}
    )
    assert refused.status_code == 303
    assert "texts.nn.json" not in _model(app, model_id).draft_files


def test_publishing_warns_about_missing_languages_and_citizens_get_their_texts(
    app, login_as
) -> None:  # type: ignore[no-untyped-def]
    owner = login_as("eier")
    model_id = _new_service(owner, "Søknad om støttekontakt")
    key = _key(app, model_id)
    xml = DIAGRAM.format(key=key, form=FORM)
    assert _save(owner, model_id, xml, _draft(owner, model_id)["revision"]).status_code == 200
    card = {"name_nb": "Søknad om støttekontakt", "description_nb": "Få en støttekontakt."}
    assert owner.submit(f"/modeler/{model_id}/catalogue", card).status_code == 302
    warning = text_of(owner.get(f"/modeler/{model_id}/publish"))
    assert "Nynorsk: tekster som mangler:" in warning
    revision = _model(app, model_id).draft_revision
    owner.submit(
        f"/modeler/{model_id}/texts",
        {
            "revision": str(revision),
            f"nn:{LABEL}": "Merknad",
            "nn:card/name": "Søknad om støttekontakt (nynorsk)",
            "nn:card/description": "Få ein støttekontakt.",
            "en:card/name": "Apply for a support contact",
            "en:card/description": "Get a support contact.",
        },
    )
    assert owner.submit(f"/modeler/{model_id}/publish", {"comment": "Første"}).status_code == 302
    version = owner.get(f"/modeler/{model_id}/versions").get_data(as_text=True)
    assert "Versjon 1" in version or "1" in version
    kari = login_as("kari")
    kari.set_language("nn")
    catalogue = text_of(kari.get("/"))
    assert "Søknad om støttekontakt (nynorsk)" in catalogue and "Få ein støttekontakt." in catalogue
    form = lxml.html.fromstring(kari.get(f"/services/{key}/apply").get_data(as_text=True))
    assert form.xpath("string(//label[@for='comment'])").strip().startswith("Merknad")
    kari.set_language("en")
    form = lxml.html.fromstring(kari.get(f"/services/{key}/apply").get_data(as_text=True))
    assert form.xpath("string(//label[@for='comment'])").strip().startswith("Comment")
    assert "Apply for a support contact" in text_of(kari.get("/"))


def test_versions_keep_the_texts_and_the_compare_says_what_changed(app, login_as) -> None:  # type: ignore[no-untyped-def]
    owner = login_as("eier")
    model_id = _new_service(owner, "Søknad om støttekontakt")
    xml = DIAGRAM.format(key=_key(app, model_id), form=FORM)
    _save(owner, model_id, xml, _draft(owner, model_id)["revision"])
    owner.submit(
        f"/modeler/{model_id}/catalogue",
        {"name_nb": "Søknad om støttekontakt", "description_nb": "Få en støttekontakt."},
    )
    revision = _model(app, model_id).draft_revision
    owner.submit(
        f"/modeler/{model_id}/texts", {"revision": str(revision), f"nn:{LABEL}": "Merknad"}
    )
    assert owner.submit(f"/modeler/{model_id}/publish", {"comment": "Første"}).status_code == 302
    revision = _model(app, model_id).draft_revision
    owner.submit(
        f"/modeler/{model_id}/texts",
        {
            "revision": str(revision),
            f"nn:{LABEL}": "Merknad frå deg",
            "nn:form/soknad.json/#0/text": "## Søknad om støttekontakt",
        },
    )
    page = lxml.html.fromstring(
        owner.get(f"/modeler/{model_id}/compare?a=1&b=draft").get_data(as_text=True)
    )
    summary = page.xpath("string(//section[@aria-labelledby='files-title'])")
    assert "Tekster på nynorsk: 1 lagt til, 1 endret, 0 fjernet" in " ".join(summary.split())
    with app.app_context():
        from engine.models import ProcessVersion

        version = db.session.query(ProcessVersion).filter_by(model_id=model_id, number=1).one()
        assert json.loads(version.files["texts.nn.json"]) == {LABEL: "Merknad"}


def test_the_deciding_unit_and_the_appeal_body_are_texts_of_the_service(app, login_as) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    owner = login_as("eier")
    with app.app_context():
        model = db.session.scalars(
            select(ProcessModel).where(ProcessModel.key == "parking_permit")
        ).first()
        assert model is not None
        model.settings = {**model.settings, "appeal_body": "kommunens klagenemnd"}
        db.session.commit()
        model_id, revision = model.id, model.draft_revision
    doc = _page(owner, model_id)
    names = set(doc.xpath("//textarea/@name"))
    assert {"nn:service/unit", "en:service/unit", "nn:service/appeal_body"} <= names
    assert (
        "Enheten som gjør vedtaket" in doc.text_content() and "Klageinstans" in doc.text_content()
    )
    saved = owner.submit(
        f"/modeler/{model_id}/texts",
        {"revision": str(revision), "nn:service/appeal_body": "klagenemnda i kommunen"},
    )
    assert saved.status_code == 302
    nn = json.loads(_model(app, model_id).draft_files["texts.nn.json"])
    assert nn["service/appeal_body"] == "klagenemnda i kommunen"
