"""A service's texts in the reader's language: card, forms, settings, reasons, task names.

Thin lookups over `service_texts` for the pages and notices: they know the municipality's
målform (the fallback) and cache nothing but the parsed files.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from designer import languages
from designer.languages import card_text
from designer.services.service_texts import Texts, texts_for
from engine.models import HumanTask, ProcessModel, ProcessVersion, Tenant

CARD_FIELDS = ("name", "description")
__all__ = ["card_text", "draft_texts", "malform", "set_card", "task_name", "version_texts"]


def malform(session: Session, tenant_id: int) -> str:
    """The municipality's målform."""
    return languages.of_tenant(session.get(Tenant, tenant_id))


def version_texts(session: Session, version: ProcessVersion, lang: str) -> Texts:
    """The texts of a published (or test) version in `lang`."""
    settings = version.model.settings if version.model is not None else {}
    return texts_for(version.files or {}, settings, lang, malform(session, version.tenant_id))


def task_name(session: Session, task: HumanTask, lang: str) -> str:
    """A task's name in `lang` (e-mails are told it: designer.notify.use_task_names)."""
    texts = version_texts(session, task.instance.process_version, lang)
    return texts(f"task/{task.element_id}/name", task.name)


def draft_texts(session: Session, model: ProcessModel, lang: str) -> Texts:
    """The texts of the draft in `lang` (the catalogue card's start-form preview)."""
    return texts_for(
        model.draft_files or {}, model.settings, lang, malform(session, model.tenant_id)
    )


def set_card(model: ProcessModel, lang: str, values: dict[str, str]) -> None:
    """Store the card texts of one other language (empty values are removed)."""
    texts: dict[str, Any] = {k: dict(v) for k, v in (model.card_texts or {}).items()}
    own = {k: values[k].strip() for k in CARD_FIELDS if (values.get(k) or "").strip()}
    if own:
        texts[lang] = own
    else:
        texts.pop(lang, None)
    model.card_texts = texts  # a new object: the JSON column sees the change
