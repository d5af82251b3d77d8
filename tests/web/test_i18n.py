"""Language selection outside requests: workers and commands translate in the default."""

from __future__ import annotations

from flask import Flask
from flask_babel import gettext


def test_texts_outside_a_request_use_the_default_language(app: Flask) -> None:
    with app.app_context():
        assert gettext("Not found") == "Fant ikke siden"


def test_a_request_still_chooses_by_the_browser(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert gettext("Not found") == "Not found"
