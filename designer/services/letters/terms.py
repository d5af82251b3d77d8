"""The appeal terms of a service and its own letter paragraphs, in the letter's language.

Service settings (`ProcessModel.settings`, from service.json), all optional:

    appeal_weeks   the deadline in weeks (3, forvaltningsloven § 29; 4 for health and care)
    appeal_body    who decides an appeal the unit does not grant (text, or {"nb": ..})
    health_care    true for health and care services: 4 weeks, to Statsforvalteren
                   (pasient- og brukerrettighetsloven §§ 7-2 and 7-5)
    unit           the unit that decides (text); default: the municipality
    letter         the base texts of the letter paragraphs: {"intro": .., "approved": ..,
                   "rejected": .., "contact": ..}

Other languages (and, edited in the designer, the service's own) are texts with the ids
`letter/<part>`, `service/appeal_body` and `service/unit` in `texts.<language>.json`.
Call these under `force_locale(<the letter's language>)`: the defaults are catalogue texts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from designer.services.service_texts import Texts, read, setting_text

PARTS = ("intro", "approved", "rejected", "contact")
MUNICIPAL_WEEKS, HEALTH_WEEKS = 3, 4


@dataclass(frozen=True)
class AppealTerms:
    """How a decision can be appealed: deadline, appeal body and the law that says so."""

    weeks: int
    body: str
    health: bool

    @property
    def law(self) -> str:
        """The appeal rules, for the letter's legal references."""
        if self.health:
            return _("Pasient- og brukerrettighetsloven § 7-2 and § 7-5 (appeal and deadline)")
        return _("Forvaltningsloven § 28 and § 29 (appeal and deadline)")


def _weeks(value: Any, default: int) -> int:
    try:
        weeks = int(value)
    except (TypeError, ValueError):
        return default
    return weeks if 2 <= weeks <= 52 else default  # said in plural: "%(weeks)d weeks"


def _setting(settings: dict[str, Any], name: str, texts: Texts | None) -> str:
    if not settings.get(name) and not (texts and texts.has(f"service/{name}")):
        return ""
    if texts is None:
        value = settings.get(name)
        return str(value.get("nb") or "") if isinstance(value, dict) else str(value or "")
    return setting_text(settings, name, texts).strip()


def appeal_terms(settings: dict[str, Any] | None, texts: Texts | None = None) -> AppealTerms:
    """The service's appeal terms; `texts` give its own wording in the letter's language."""
    settings = settings or {}
    health = bool(settings.get("health_care"))
    weeks = _weeks(settings.get("appeal_weeks"), HEALTH_WEEKS if health else MUNICIPAL_WEEKS)
    body = _setting(settings, "appeal_body", texts)
    if not body:
        body = _("Statsforvalteren") if health else _("the municipal appeals committee")
    return AppealTerms(weeks=weeks, body=body, health=health)


def unit_of(settings: dict[str, Any] | None, texts: Texts | None, municipality: str) -> str:
    """The unit that decides the service's cases (default: the municipality)."""
    return _setting(settings or {}, "unit", texts) or municipality


def base_letter_text(files: dict[str, str], settings: dict[str, Any] | None, part: str) -> str:
    """A letter paragraph as the service's own language has it (its texts file, settings)."""
    text_id = f"letter/{part}"
    settings = settings or {}
    base = str(settings.get("language") or "nb")
    own = read(files, base).get(text_id)
    if own:
        return own
    value = (settings.get("letter") or {}).get(part)
    if isinstance(value, dict):
        value = value.get(base) or value.get("nb")
    return str(value or "").strip()


def letter_text(
    files: dict[str, str], settings: dict[str, Any] | None, texts: Texts, part: str
) -> str:
    """A letter paragraph in `texts`' language, else the målform's, else the base text."""
    text_id = f"letter/{part}"
    own = texts.wanted.get(text_id)
    if own:
        return own
    value = ((settings or {}).get("letter") or {}).get(part)
    if isinstance(value, dict) and str(value.get(texts.lang) or "").strip():
        return str(value[texts.lang]).strip()
    return texts(text_id, base_letter_text(files, settings, part)).strip()
