"""A citizen's form in the language they chose: the designer's catalogue reaches forms."""

from __future__ import annotations

import json
import re

import pytest

from designer.extensions import db
from designer.services.catalog import ServiceBundle, install
from engine.models import Tenant
from tests.factories import text_of
from tests.web.portal.test_citizen_forms import PROCESS, REVIEW_FORM

APPLY = "/services/subsidy/apply"
APPLY_FORM = {
    "type": "default",
    "components": [
        {"type": "textfield", "key": "name", "label": "Namn", "validate": {"required": True}},
        {"type": "number", "key": "income", "label": "Inntekt", "validate": {"min": 1000}},
    ],
}


@pytest.fixture
def service(app):  # type: ignore[no-untyped-def]
    with app.app_context():
        install(
            db.session,
            db.session.query(Tenant).one(),
            ServiceBundle(
                key="subsidy",
                meta={"name": {"nb": "Støtte", "en": "Subsidy"}, "process_id": "subsidy"},
                bpmn=PROCESS,
                files={
                    "forms/apply.json": json.dumps(APPLY_FORM),
                    "forms/review.json": json.dumps(REVIEW_FORM),
                },
            ),
        )
        db.session.commit()


def test_the_form_speaks_nynorsk_and_writes_numbers_by_it(app, service, login_as):  # type: ignore[no-untyped-def]
    kari = login_as("kari")
    assert kari.set_language("nn", APPLY).status_code == 302
    assert "(må fyllast ut)" in text_of(kari.get(APPLY))
    bad = kari.submit(APPLY, {"name": "", "income": "999"})
    page = text_of(bad)
    assert bad.status_code == 422 and "Det er feil i skjemaet" in page
    assert "«Namn» må fyllast ut." in page
    assert "Talet må vere 1 000 eller høgare." in page  # text_of folds the no-break space
    sent = kari.submit(APPLY, {"name": "Kari", "income": "1200000"})
    assert sent.status_code == 302
    case_no = re.search(r"/cases/(\d{4}-\d{6})", sent.headers["Location"]).group(1)  # type: ignore[union-attr]
    assert "1 200 000" in text_of(kari.get(f"/cases/{case_no}"))
    assert kari.set_language("en", APPLY).status_code == 302
    english = text_of(kari.submit(APPLY, {"name": "", "income": "999"}))
    assert "“Namn” is required." in english and "The number must be 1,000 or more." in english
