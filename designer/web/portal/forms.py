"""The WTForms bases of every served form (start forms, task forms), built per definition."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from babel.support import NullTranslations, Translations
from flask_wtf import FlaskForm
from wtforms import HiddenField

import forms
from designer.services import submissions, uploads
from designer.web.i18n import locale

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"


@functools.cache
def catalogue(language: str) -> NullTranslations:
    """The catalogue of one language, for forms: it is asked with its own `locale=`
    (a summary in the case's language, a letter), not the request's language."""
    return Translations.load(str(TRANSLATIONS), [language])


forms.use_translations(catalogue)  # once, when the portal is imported by create_app


class CitizenForm(FlaskForm):
    """Base of every served form: CSRF from Flask-WTF, uploads scanned by the configured hook.

    `submission_key` is a one-time id made when the form is rendered: a repeat of the same
    submission (a lost response, a double click) finds the first one's receipt.
    """

    submission_key = HiddenField()

    class Meta:
        @property
        def upload_scanner(self) -> Any:
            return uploads.scanner()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.submission_key.data:
            self.submission_key.data = submissions.new_key()


class TaskForm(CitizenForm):
    """Base of every task form: carries the case version the caseworker saw."""

    expected_version = HiddenField()


def form_class(definition: forms.FormDefinition, base: type = CitizenForm) -> type:
    """The WTForms class for a definition in the current language."""
    return forms.build_form_class(definition, base=base, locale=locale())
