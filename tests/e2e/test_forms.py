"""Forms in real Chromium: the form editor saves what the server checks; citizen pages pass axe."""

from __future__ import annotations

import json

import pytest

from designer.extensions import db
from designer.services.catalog import ServiceBundle, install
from engine.models import ProcessModel, Tenant
from tests.e2e.conftest import axe_violations, log_in
from tests.web.portal.test_citizen_forms import APPLY_FORM, PROCESS, REVIEW_FORM

pytestmark = pytest.mark.browser


def test_form_editor_adds_a_field_that_citizens_then_get(app, live_server, page):
    base = live_server
    with app.app_context():
        model_id = db.session.query(ProcessModel).filter_by(key="parking_permit").one().id
    log_in(page, base, "eier")
    page.goto(f"{base}/modeler/{model_id}/forms/application.json/edit")
    page.wait_for_selector('#form-editor-app[data-ready="true"]')
    page.focus('.fjs-palette-field[data-field-type="textfield"]')
    page.keyboard.press("Enter")
    page.wait_for_selector('#form-editor-app[data-dirty="true"]')
    revision = page.get_attribute("#form-editor-app", "data-revision")
    page.keyboard.press("Control+s")
    page.wait_for_function(
        "r => document.getElementById('form-editor-app').dataset.revision !== r", arg=revision
    )
    assert page.get_attribute("#form-editor-app", "data-problem-count") in (None, "0")
    assert axe_violations(page) == []
    with app.app_context():
        model = db.session.get(ProcessModel, model_id)
        saved = json.loads(model.draft_files["forms/application.json"])
    assert any(
        c["type"] == "textfield"
        and c["key"] not in {"applicant_name", "national_id", "address", "postal_code", "city"}
        for c in saved["components"]
    )
    preview = page.context.new_page()
    preview.goto(f"{base}/modeler/{model_id}/forms/application.json/preview")
    assert preview.locator("form[data-forms] input[type=text]").count() >= 6
    preview.close()


def test_multi_page_form_with_live_conditions_passes_axe(app, live_server, page):
    with app.app_context():
        tenant = db.session.query(Tenant).one()
        install(
            db.session,
            tenant,
            ServiceBundle(
                key="subsidy",
                meta={"name": {"nb": "Kontingentstøtte", "en": "Subsidy"}, "process_id": "subsidy"},
                bpmn=PROCESS,
                files={
                    "forms/apply.json": json.dumps(APPLY_FORM),
                    "forms/review.json": json.dumps(REVIEW_FORM),
                },
            ),
        )
        db.session.commit()
    base = live_server
    log_in(page, base, "kari")
    page.goto(f"{base}/services/subsidy/apply")
    assert "Steg 1 av 3" in page.inner_text(".form-steps")
    assert axe_violations(page) == []
    page.click(".form-actions button[name=nav][value=next]")  # nothing filled in: the error state
    page.wait_for_selector(".error-summary")
    # The page's script moves focus once it has run; the summary can be in the DOM before that.
    page.wait_for_function(
        "document.activeElement && document.activeElement.classList.contains('error-summary')",
        timeout=5000,
    )
    assert axe_violations(page) == []
    page.fill("#income", "390000")
    page.check("input[name=has_children][value=yes]")
    page.click(".form-actions button[name=nav][value=next]")
    page.wait_for_selector("text=Steg 2 av 3")
    rows = page.locator("[data-row]")
    assert rows.count() == 1
    page.click("button[name=children-add]")  # added in the browser, no reload
    assert rows.count() == 2
    assert axe_violations(page) == []
    page.click(".form-actions button[name=nav][value=back]")
    page.check("input[name=has_children][value=no]")
    page.click(".form-actions button[name=nav][value=next]")
    page.wait_for_selector("text=Steg 2 av 3")
    assert page.locator('[data-component="dynamiclist"]').is_hidden()


def test_citizen_form_fits_a_360_px_phone_and_200_percent_zoom(live_server, browser):
    context = browser.new_context(locale="nb-NO", viewport={"width": 360, "height": 740})
    page = context.new_page()
    log_in(page, live_server, "kari")
    page.goto(f"{live_server}/services/parking_permit/apply")
    overflow = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    assert page.evaluate(overflow) <= 1
    assert axe_violations(page) == []
    context.close()
    # 200% zoom on a 1280 px screen lays out like a 640 px viewport at twice the scale.
    zoomed = browser.new_context(
        locale="nb-NO", viewport={"width": 640, "height": 450}, device_scale_factor=2
    )
    page = zoomed.new_page()
    log_in(page, live_server, "kari")
    page.goto(f"{live_server}/services/parking_permit/apply")
    assert page.evaluate(overflow) <= 1
    zoomed.close()
