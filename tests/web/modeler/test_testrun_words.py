"""The test-run step log says what happened in words, not as event kinds and JSON."""

from __future__ import annotations

from tests.factories import PARKING_APPLICATION, text_of
from tests.web.modeler.test_modeler import _model_id


def _run_page(app, login_as, lang: str) -> str:  # type: ignore[no-untyped-def]
    owner = login_as("eier")
    owner.set_language(lang)
    started = owner.submit(f"/modeler/{_model_id(app)}/test-runs/new", PARKING_APPLICATION)
    assert started.status_code == 302
    page = owner.get(started.headers["Location"])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<td>started</td>" not in html and "<td>step</td>" not in html
    return text_of(page)


def test_the_step_log_tells_each_step_in_words(app, login_as):
    text = _run_page(app, login_as, "en")
    steps = text[text.index("Steps") :]
    assert "Per Prosesseier submitted the application" in steps
    assert "The choice 'Kan søknaden behandles?' went on to 'Vurder søknaden'" in steps
    assert "The Saksbehandler task 'Vurder søknaden' was opened" in steps
    assert "The script 'Automatisk kontroll' ran" in steps
    # No raw event kinds, no JSON summaries.
    for raw in ("task_opened", '{"fields"', '"lane"', "ExclusiveGateway", " step "):
        assert raw not in f" {steps} ", raw
    assert "Fields: address, applicant_name" in steps


def test_the_step_log_shows_element_labels_not_ids(app, login_as):
    text = _run_page(app, login_as, "en")
    steps = text[text.index("Steps") :]
    assert "Automatisk kontroll" in steps and " gw_complete " not in f" {steps} "
