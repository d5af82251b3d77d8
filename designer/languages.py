"""The languages Flytverk speaks, and which one a person gets when nobody is asking.

Bokmål (`nb`), nynorsk (`nn`) and English (`en`): one translation catalogue each under
designer/translations/<code>/. Each municipality has a default language (its *målform*, nb
or nn) for visitors who have not chosen one, for letters and for e-mails; a person's own
choice (stored on their profile) wins, also for notices sent later by background jobs.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from engine.models import ProcessModel, Tenant

LANGUAGES = ("nb", "nn", "en")
TENANT_LANGUAGES = ("nb", "nn")  # målform: the official written standards
DEFAULT = "nb"
# Each language's name in that language (a language menu is read by those who need it).
NAMES = {"nb": "Norsk (bokmål)", "nn": "Norsk (nynorsk)", "en": "English"}


def label(code: str) -> str:
    """The language's name in the UI language, for labels: "Name (nynorsk)"."""
    names = {"nb": _l("bokmål"), "nn": _l("nynorsk"), "en": _l("English")}
    return str(names.get(code, code))


def base_of(model: ProcessModel) -> str:
    """The language a service's own texts (diagram, forms, base name) are written in."""
    value = (model.settings or {}).get("language")
    return value if value in LANGUAGES else DEFAULT


def card_languages(model: ProcessModel) -> list[tuple[str, str, str]]:
    """(code, name, description) of the catalogue card, the service's own language first."""
    base = base_of(model)
    texts = model.card_texts or {}
    rows = [(base, model.name_nb, model.description_nb)]
    for code in LANGUAGES:
        if code != base:
            own = texts.get(code) or {}
            rows.append((code, str(own.get("name") or ""), str(own.get("description") or "")))
    return rows


def known(code: str | None) -> str | None:
    """`code` if Flytverk speaks it (nb, nn, en; "no" is not a language here), else None."""
    code = (code or "").strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else None


def of_tenant(tenant: Tenant | None) -> str:
    """The municipality's målform."""
    return (known(getattr(tenant, "language", None)) if tenant is not None else None) or DEFAULT


def for_person(session: Session, person: object | None, tenant_id: int | None = None) -> str:
    """The language to write to `person` in: their own choice, else their municipality's."""
    chosen = known(getattr(person, "language", None))
    if chosen:
        return chosen
    tenant_id = tenant_id if tenant_id is not None else getattr(person, "tenant_id", None)
    return of_tenant(session.get(Tenant, tenant_id) if tenant_id else None)


def set_tenant_language(tenant: Tenant, code: str) -> None:
    """Set the municipality's målform (nb or nn)."""
    if code not in TENANT_LANGUAGES:
        raise ValueError(code)
    tenant.language = code


def card_text(model: ProcessModel, name: str, lang: str, fallback: str | None = None) -> str:
    """The catalogue card's `name` or `description` in `lang`, else the målform's, else base."""
    base = model.name_nb if name == "name" else model.description_nb
    if lang == base_of(model):
        return base or ""
    texts = model.card_texts or {}
    for code in (lang, fallback):
        value = (texts.get(code) or {}).get(name) if code else None
        if isinstance(value, str) and value.strip():
            return value
    return base or ""
