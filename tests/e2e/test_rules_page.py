"""The public rules documentation in a real browser: axe-clean in bokmål and English."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import axe_violations
from tests.web.portal.test_rules_page import SERVICES

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("key", SERVICES)
def test_the_rules_page_passes_axe_in_bokmal_and_english(live_server, page, key):
    page.goto(f"{live_server}/services/{key}/rules")
    assert page.get_by_role("heading", level=1, name="Slik avgjør reglene").is_visible()
    assert page.get_by_role("table", name="Stegene i tjenesten og hvem som gjør dem").is_visible()
    assert axe_violations(page) == []
    with page.expect_navigation():  # the menu sends itself (static/src/app.js)
        page.get_by_label("Språk").select_option(label="English")
    page.get_by_role("heading", level=1, name="How the rules decide").wait_for()
    assert page.get_by_role("heading", level=2, name="Who does what").is_visible()
    assert axe_violations(page) == []
