"""Language selection: outside requests the default; nynorsk, the målform, the profile."""

from __future__ import annotations

import lxml.html
from flask import Flask
from flask_babel import gettext
from sqlalchemy import select

from designer.extensions import db
from designer.models import User
from engine.models import Tenant


def test_texts_outside_a_request_use_the_default_language(app: Flask) -> None:
    with app.app_context():
        assert gettext("Not found") == "Fant ikke siden"


def test_a_request_still_chooses_by_the_browser(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert gettext("Not found") == "Not found"


# --- nynorsk, the municipality's målform and a person's remembered choice (issue 14) ---


def _page(client, **headers: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """The catalogue's <html lang> and its navigation text."""
    doc = lxml.html.fromstring(client.get("/", headers=headers).get_data(as_text=True))
    return str(doc.get("lang")), " ".join(doc.xpath("//nav")[0].itertext())


def _set_tenant_language(app: Flask, code: str) -> None:
    with app.app_context():
        for tenant in db.session.scalars(select(Tenant)):
            tenant.language = code
        db.session.commit()


def test_nynorsk_is_a_ui_language_of_its_own(app: Flask, client) -> None:  # type: ignore[no-untyped-def]
    lang, nav = _page(client, **{"Accept-Language": "nn-NO,nn;q=0.9"})
    assert lang == "nn" and "Tenester" in nav
    lang, nav = _page(client, **{"Accept-Language": "nb-NO"})
    assert lang == "nb" and "Tjenester" in nav
    with app.test_request_context(headers={"Accept-Language": "nn"}):
        assert gettext("Services") == "Tenester"


def test_visitors_without_a_choice_get_the_municipalitys_malform(app: Flask, client) -> None:  # type: ignore[no-untyped-def]
    _set_tenant_language(app, "nn")
    assert _page(client)[0] == "nn"  # no Accept-Language at all
    assert _page(client, **{"Accept-Language": "no"})[0] == "nn"  # "Norwegian": the målform
    assert _page(client, **{"Accept-Language": "en"})[0] == "en"  # the browser's choice wins
    _set_tenant_language(app, "nb")
    assert _page(client, **{"Accept-Language": "no"})[0] == "nb"


def test_a_citizens_choice_is_remembered_on_the_profile(app: Flask, login_as) -> None:  # type: ignore[no-untyped-def]
    kari = login_as("kari")
    assert kari.set_language("nn").status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "kari"))
        assert user is not None and user.language == "nn"
    # A new login (a new session, another browser) gets the remembered language.
    again = login_as("kari")
    assert _page(again.client, **{"Accept-Language": "en"})[0] == "nn"


def test_the_language_menu_names_each_language_in_itself(client) -> None:  # type: ignore[no-untyped-def]
    doc = lxml.html.fromstring(client.get("/").get_data(as_text=True))
    options = doc.xpath("//form[contains(@class,'lang-switch')]//option")
    assert [(o.get("value"), o.get("lang"), o.text) for o in options] == [
        ("nb", "nb", "Norsk (bokmål)"),
        ("nn", "nn", "Norsk (nynorsk)"),
        ("en", "en", "English"),
    ]
