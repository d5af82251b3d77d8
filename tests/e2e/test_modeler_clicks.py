"""Editor clicks that must work the first time."""

from __future__ import annotations

import pytest

from designer.extensions import db
from engine.models import ProcessModel
from tests.e2e.conftest import open_general
from tests.e2e.test_condition_builder import _login, _select_element

pytestmark = pytest.mark.browser


def test_change_type_opens_at_the_first_click_after_a_properties_edit(app, live_server, page):
    with app.app_context():
        model_id = db.session.query(ProcessModel).filter_by(key="parking_permit").one().id
    _login(page, live_server, "eier")
    page.goto(f"{live_server}/modeler/{model_id}/edit")
    page.wait_for_function(
        "() => window.flytverkModeler && document.getElementById("
        "'modeler-app').dataset.ready === 'true'"
    )
    _select_element(page, "review")
    open_general(page)
    page.get_by_label("Navn", exact=True).fill("Vurder søknaden nå")
    # The press moves focus out of the name field, whose save re-renders the context pad.
    page.get_by_title("Endre type").click()
    page.get_by_placeholder("Søk").or_(
        page.get_by_text("Tjenesteoppgave", exact=True)
    ).first.wait_for(timeout=3000)
    page.get_by_text("Tjenesteoppgave", exact=True).click()
    page.wait_for_function(
        "() => window.flytverkModeler.get('elementRegistry').get('review').type"
        " === 'bpmn:ServiceTask'"
    )
    name = page.evaluate(
        "() => window.flytverkModeler.get('elementRegistry').get('review').businessObject.name"
    )
    assert name == "Vurder søknaden nå"
