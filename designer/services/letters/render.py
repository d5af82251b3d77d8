"""A decision letter's body and PDF, from its case and decision (designer.integrations.pdf).

The body is made once, when the decision is recorded, and stored on the letter: it is what
was decided, whatever changes later. The PDF is made from the stored body.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import force_locale
from markupsafe import Markup
from sqlalchemy.orm import Session

from designer.integrations import pdf
from designer.models import DecisionLetter
from designer.services.letters import content
from engine.models import Instance, Tenant, utcnow


def fragment(
    case: content.Case,
    decision: dict[str, Any],
    *,
    lang: str,
    kind: str,
    decided_by_name: str,
    when: datetime,
) -> tuple[str, str]:
    """The letter's title and body HTML in `lang`."""
    with force_locale(lang):
        context = content.letter_context(
            case, decision, lang=lang, kind=kind, decided_by_name=decided_by_name, when=when
        )
        return str(context["title"]), pdf.body("decision.html", **context)


def fill_html(session: Session, letter: DecisionLetter, instance: Instance) -> None:
    """Write the letter's title and body from its case and decision."""
    case = content.case_of(session, instance, letter.language)
    letter.title, letter.html = fragment(
        case,
        letter.decision or {},
        lang=letter.language,
        kind=letter.kind,
        decided_by_name=letter.decided_by_name,
        when=letter.created_at or utcnow(),
    )


def pdf_of(session: Session, tenant_id: int, title: str, body: str, lang: str) -> bytes:
    """A letter body as its tagged PDF, the municipality as its author."""
    tenant = session.get(Tenant, tenant_id)
    author = tenant.name if tenant is not None else ""
    return pdf.pdf(pdf.document(body, lang=lang, title=title, author=author))


def letter_pdf(session: Session, letter: DecisionLetter) -> bytes:
    """The PDF of a decision letter whose body is written."""
    return pdf_of(session, letter.tenant_id, letter.title, letter.html, letter.language)


def page_html(letter: DecisionLetter, shift: int = 1) -> Markup:
    """A stored letter's body for its case page, its headings `shift` levels down."""
    return pdf.page_html_of(letter.html, shift)
