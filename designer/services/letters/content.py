"""What a decision letter says, in its language (forvaltningsloven §§ 18, 24–25, 27).

Plain-language order: the outcome, a short reason, the details (the rules applied, the
facts relied on, the main considerations, who decided), the right to appeal, contact,
and the law references last. `case_of` reads a real case; the designer's preview builds a
`Case` from a test run or sample data. `letter_context` must run under
`force_locale(lang)`: every fixed text is a catalogue text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from babel.dates import format_date
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

import forms
from designer import languages
from designer.integrations.pdf import paragraphs
from designer.models import User
from designer.notify.messages import external_url, local_date
from designer.services import case_reads
from designer.services.letters import terms
from designer.services.service_texts import Texts, reason_text, setting_text, texts_for
from engine import api as engine
from engine.models import Instance, ProcessModel, Tenant


@dataclass(frozen=True)
class Recipient:
    """Who the letter is to: the applicant."""

    name: str = ""
    national_id: str = ""
    address: str = ""
    postal_code: str = ""
    city: str = ""


@dataclass
class Case:
    """What a letter needs of a case besides the decision itself."""

    tenant: Tenant
    model: ProcessModel
    files: dict[str, str]
    case_no: str
    recipient: Recipient
    version_number: int | None = None
    facts: list[dict[str, Any]] = field(default_factory=list)  # the application's rows
    considerations: list[str] = field(default_factory=list)  # the rules' explanations
    case_url: str = ""


def owner_of(session: Session, instance: Instance) -> User | None:
    """The person who owns the case (the applicant), if a user does."""
    owner = instance.owner or ""
    user_id = owner.removeprefix("user:") if owner.startswith("user:") else ""
    return session.get(User, int(user_id)) if user_id.isdigit() else None


def recipient_of(owner: User | None, data: dict[str, Any]) -> Recipient:
    """The applicant's name and address: their profile, else what they entered."""

    def pick(own: str | None, key: str) -> str:
        value = own or data.get(key) or ""
        return str(value).strip() if isinstance(value, str | int) else ""

    return Recipient(
        name=pick(owner.name if owner else None, "applicant_name"),
        national_id=pick(owner.national_id if owner else None, "national_id"),
        address=pick(owner.address if owner else None, "address"),
        postal_code=pick(owner.postal_code if owner else None, "postal_code"),
        city=pick(owner.city if owner else None, "city"),
    )


def case_of(session: Session, instance: Instance, lang: str) -> Case:
    """A real case as its letter in `lang` shows it (facts and explanations localised)."""
    version = instance.process_version
    data = engine.current_data(session, instance)
    with force_locale(lang):
        facts = case_reads.submitted_summary(instance, data, lang)
        considerations = case_reads.explanations(session, instance, lang)
    return Case(
        tenant=session.get(Tenant, instance.tenant_id) or version.model.tenant,
        model=version.model,
        files=version.files or {},
        case_no=instance.case_no,
        recipient=recipient_of(owner_of(session, instance), data),
        version_number=version.number,
        facts=facts,
        considerations=considerations,
        case_url=external_url("portal.case", case_no=instance.case_no),
    )


_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def fill(text: str, values: dict[str, Any]) -> str:
    """`{name}` in a service's letter text is the decision's (or the case's) `name`."""

    def value(match: re.Match[str]) -> str:
        found = values.get(match[1])
        return match[0] if found is None or isinstance(found, dict | list) else str(found)

    return _FIELD.sub(value, text)


def _date(value: Any, lang: str) -> str:
    if isinstance(value, datetime):
        return local_date(value, lang)
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return str(format_date(day, "long", locale=lang))


def _amount(value: Any, lang: str) -> str:
    try:
        return forms.format_amount(value, lang)
    except (TypeError, ValueError, ArithmeticError):
        return str(value)


def _terms(decision: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    """Validity and amounts of an approval, as label/value rows."""
    if decision.get("outcome") != "approved":
        return []
    rows = []
    for key, label in (("valid_from", _("Valid from")), ("valid_to", _("Valid until"))):
        if decision.get(key):
            rows.append((label, _date(decision[key], lang)))
    for key, label in (("amount", _("Amount")), ("monthly_price", _("Price per month"))):
        if decision.get(key) not in (None, "", 0):
            rows.append((label, _amount(decision[key], lang)))
    amounts = decision.get("amounts")
    items = amounts.items() if isinstance(amounts, dict) else []
    if isinstance(amounts, list):
        items = [(a.get("label"), a.get("amount")) for a in amounts if isinstance(a, dict)]
    rows += [(str(label), _amount(value, lang)) for label, value in items if label]
    return rows


def _title(kind: str, service: str) -> str:
    if kind == "review":
        return _("New decision after review: %(service)s", service=service)
    if kind == "appeal":
        return _("New decision after your appeal: %(service)s", service=service)
    return _("Decision: %(service)s", service=service)


def _kind_note(kind: str) -> str:
    if kind == "review":
        return _(
            "A caseworker has assessed your case again, as you asked. "
            "This decision replaces the earlier one."
        )
    if kind == "appeal":
        return _(
            "We have assessed your appeal and changed our decision. "
            "This decision replaces the earlier one."
        )
    return ""


def _rules_url(case: Case) -> str:
    # The rules documentation page of a published version ("" where it cannot be built:
    # a test run, an app without the page).
    if not case.version_number:
        return ""
    return external_url("portal.rules", key=case.model.key, number=case.version_number)


def _references(legal_basis: str, appeal: terms.AppealTerms) -> list[str]:
    found = [legal_basis] if legal_basis else []
    return found + [
        _("Forvaltningsloven § 18 (the right to see the case documents)"),
        _("Forvaltningsloven § 24, § 25 and § 27 (reasons and notice of the decision)"),
        appeal.law,
    ]


def texts_of(case: Case, lang: str) -> Texts:
    """The service's texts in the letter's language (the målform fills gaps)."""
    return texts_for(case.files, case.model.settings, lang, languages.of_tenant(case.tenant))


def letter_context(
    case: Case,
    decision: dict[str, Any],
    *,
    lang: str,
    kind: str,
    decided_by_name: str,
    when: datetime,
) -> dict[str, Any]:
    """Everything the letter template shows (call it under `force_locale(lang)`)."""
    settings = case.model.settings or {}
    texts = texts_of(case, lang)
    municipality = case.tenant.name
    service = languages.card_text(case.model, "name", lang, languages.of_tenant(case.tenant))
    approved = decision.get("outcome") == "approved"
    values = {**decision, "case_no": case.case_no, "municipality": municipality}

    def own(part: str) -> list[str]:
        return paragraphs(fill(terms.letter_text(case.files, settings, texts, part), values))

    automated = not decided_by_name
    reason = reason_text(decision, texts).strip()
    considerations = case.considerations if kind == "decision" else []
    if not reason and considerations:
        reason = considerations[0]
    appeal = terms.appeal_terms(settings, texts)
    legal_basis = setting_text(settings, "legal_basis", texts).strip()
    contact = own("contact") or [
        _(
            "If you have questions, contact %(municipality)s and give the case number %(case_no)s.",
            municipality=municipality,
            case_no=case.case_no,
        )
    ]
    return {
        "lang": lang,
        "title": _title(kind, service),
        "municipality": municipality,
        "unit": terms.unit_of(settings, texts, municipality),
        "case_no": case.case_no,
        "date": local_date(when, lang),
        "recipient": case.recipient,
        "approved": approved,
        "kind_note": _kind_note(kind),
        "intro": own("intro"),
        "outcome_text": own("approved" if approved else "rejected"),
        "terms": _terms(decision, lang),
        "reason": paragraphs(reason),
        "legal_basis": legal_basis,
        "facts": case.facts,
        "considerations": considerations,
        "automated": automated,
        "decided_by_name": decided_by_name,
        "rules_url": _rules_url(case) if automated else "",
        "case_url": case.case_url,
        "appeal": appeal,
        "deadline": _(
            "The deadline for appealing is %(weeks)d weeks from the day you received this letter.",
            weeks=appeal.weeks,
        ),
        "contact": contact,
        "references": _references(legal_basis, appeal),
    }
