"""Parametere in a real browser: axe-clean, a value changed with the keyboard, an error shown."""

from __future__ import annotations

import pytest

from designer.extensions import db
from engine.models import ProcessModel
from tests.e2e.conftest import axe_violations, log_in

pytestmark = pytest.mark.browser


def test_values_are_changed_and_errors_are_said_without_axe_violations(app, live_server, page):
    with app.app_context():
        model_id = db.session.query(ProcessModel).filter_by(key="leisure_subsidy").one().id
    log_in(page, live_server, "eier")
    page.goto(f"{live_server}/modeler/{model_id}/parameters")
    page.get_by_role("heading", level=1, name="Parametere: Kontingentkassa", exact=False).wait_for()
    assert axe_violations(page) == []
    field = page.get_by_label("Inntektsgrense for automatisk innvilgelse (kr)")
    assert field.input_value() == "450000"
    field.fill("-1")  # the number input allows typing it; the server says what is wrong
    page.get_by_role("button", name="Lagre verdiene").click()
    page.get_by_role("heading", level=2, name="Det er feil i skjemaet").wait_for()
    assert "Skriv 0 eller mer." in page.locator(".error-summary").inner_text()
    assert axe_violations(page) == []
    page.get_by_label("Inntektsgrense for automatisk innvilgelse (kr)").fill("400000")
    page.get_by_role("button", name="Lagre verdiene").click()
    page.get_by_text("Verdiene er lagret.").wait_for()
    assert page.get_by_role("link", name="Publiser tjenesten").is_visible()
    assert page.get_by_label("Inntektsgrense for automatisk innvilgelse (kr)").input_value() == (
        "400000"
    )
    assert axe_violations(page) == []
