"""The decision table editor in real Chromium: dmn-js renders, a changed cell is saved and kept."""

from __future__ import annotations

import pytest

from designer.extensions import db
from designer.services import drafts
from engine.models import ProcessModel
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser

APP = "#dmn-editor-app"
RATES = "decisions/kindergarten_rates.dmn"
# The maximum price a month from 1 August 2024, in the national rates table.
MAX_PRICE_CELL = f'{APP} td[data-row-id="from_2024_08"][data-col-id="out_max"] [contenteditable]'


def test_a_changed_cell_is_saved_kept_after_reload_and_runs_in_the_engine(app, live_server, page):
    base = live_server
    with app.app_context():
        model_id = db.session.query(ProcessModel).filter_by(key="kindergarten").one().id
    log_in(page, base, "eier")
    page.goto(f"{base}/modeler/{model_id}/edit")
    page.click(f'a[href="/modeler/{model_id}/decisions/kindergarten_rates.dmn/edit"]')
    page.wait_for_selector(f'{APP}[data-ready="true"]')

    # The decision table (not the DRD) opens, with the bpmn.io watermark (licence).
    assert page.locator(f"{APP} .dmn-decision-table-container .tjs-table").is_visible()
    head = page.locator(f"{APP} .tjs-table thead").inner_text()
    assert "Oppstart" in head and "Makspris per måned (kr)" in head
    assert page.locator(f"{APP} .bjs-powered-by").first.is_visible()
    assert page.get_attribute(APP, "data-problem-count") == "0"
    cell = page.locator(MAX_PRICE_CELL)
    assert cell.inner_text().strip() == "2000"

    # The maximum price of the most sparsely populated municipalities.
    cell.click()
    page.keyboard.press("Control+a")
    page.keyboard.type("1500")
    page.wait_for_selector(f'{APP}[data-dirty="true"]')
    revision = page.get_attribute(APP, "data-revision")
    page.click(f'{APP} button[data-action="save"]')
    page.wait_for_function(
        "r => document.getElementById('dmn-editor-app').dataset.revision !== r", arg=revision
    )
    page.wait_for_selector(f'{APP}[data-dirty="false"]')
    assert page.get_attribute(APP, "data-problem-count") == "0"

    page.reload()
    page.wait_for_selector(f'{APP}[data-ready="true"]')
    assert page.locator(MAX_PRICE_CELL).inner_text().strip() == "1500"
    assert page.locator(f"{APP} .bjs-powered-by").first.is_visible()

    # What dmn-js wrote is still a table the engine runs: the draft has no problems.
    with app.app_context():
        model = db.session.get(ProcessModel, model_id)
        saved = model.draft_files[RATES]
        assert "<text>1500</text>" in saved and "<text>2000</text>" not in saved
        assert drafts.problems(model.draft_bpmn, model.draft_files) == []
