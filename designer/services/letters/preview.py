"""The designer's letter page: the draft's letter previewed, its texts per language.

The preview always uses the draft's texts (what the process owner is editing); the facts
come from a test run of the service, or from its start form filled with sample values.
The letter's own paragraphs (`letter/<part>`) are kept in the draft's texts.<lang>.json,
the service's own language included, so they are versioned with the service.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

import forms
from designer import languages
from designer.models import User
from designer.services import catalog, drafts, localised
from designer.services.letters import content, render
from designer.services.letters.terms import PARTS, base_letter_text
from designer.services.service_texts import MAX_TEXT, file_name, localise_form, read
from engine.models import Instance, ProcessModel, ProcessVersion, Tenant, utcnow

MAX_RUNS = 10


def test_runs(session: Session, model: ProcessModel) -> list[Instance]:
    """The service's latest test runs, newest first (the preview can use their data)."""
    return list(
        session.scalars(
            select(Instance)
            .join(ProcessVersion, Instance.version_id == ProcessVersion.id)
            .where(ProcessVersion.model_id == model.id, Instance.is_test.is_(True))
            .order_by(Instance.id.desc())
            .limit(MAX_RUNS)
        )
    )


def _sample(component: dict[str, Any]) -> Any:
    kind = component.get("type")
    options = [o for o in component.get("values") or [] if isinstance(o, dict)]
    if kind in ("radio", "select"):
        return str(options[0].get("value")) if options else None
    if kind == "checklist":
        return [str(options[0].get("value"))] if options else None
    return {
        "checkbox": True,
        "number": 2,
        "datetime": date.today().isoformat(),
        "textfield": _("Example"),
        "textarea": _("An example of what an applicant writes."),
        "filepicker": {"filename": _("document.pdf")},
    }.get(str(kind))


def sample_facts(session: Session, model: ProcessModel, lang: str) -> list[dict[str, Any]]:
    """The draft's start form with sample values, as the letter's fact rows in `lang`.

    Call it under `force_locale(lang)` (the sample texts are catalogue texts).
    """
    start = catalog.start_event(model.draft_bpmn)
    text = (model.draft_files or {}).get(f"forms/{start.form}") if start and start.form else None
    if not text or start is None or start.form is None:
        return []
    try:
        raw = json.loads(text)
        texts = localised.draft_texts(session, model, lang)
        definition = forms.FormDefinition.from_json(localise_form(start.form, raw, texts))
    except (ValueError, forms.DefinitionError):
        return []
    data = {
        c["key"]: value
        for c in definition.input_components
        if c.get("type") != "dynamiclist" and (value := _sample(c)) is not None
    }
    return forms.summary(definition, data, lang)


def sample_decision(outcome: str) -> dict[str, Any]:
    """A decision for the preview (its reason marked as an example)."""
    today = date.today()
    decision: dict[str, Any] = {
        "outcome": outcome,
        "reason": _("This is where the reason for the decision is written."),
    }
    if outcome == "approved":
        decision["valid_from"] = today.isoformat()
        decision["valid_to"] = today.replace(year=today.year + 1).isoformat()
    return decision


def preview(
    session: Session,
    model: ProcessModel,
    *,
    lang: str,
    outcome: str,
    decided_by: User | None,
    run: Instance | None = None,
) -> tuple[str, str]:
    """The draft's letter (title, body HTML) in `lang` for a test run or sample data."""
    tenant = session.get(Tenant, model.tenant_id) or model.tenant
    with force_locale(lang):
        decision = sample_decision(outcome)
        if run is not None:
            case = content.case_of(session, run, lang)
            if (run.result or {}).get("outcome") == outcome:
                decision = dict(run.result or {})
        else:
            recipient = content.Recipient(
                name=_("Name of the applicant"), address=_("Address"), city=tenant.name
            )
            facts = sample_facts(session, model, lang)
            case = content.Case(tenant, model, {}, "TEST-0000-000000", recipient, facts=facts)
    case.files, case.version_number = model.draft_files or {}, None  # the draft's texts
    name = decided_by.name if decided_by is not None else ""
    return render.fragment(
        case, decision, lang=lang, kind="decision", decided_by_name=name, when=utcnow()
    )


def preview_pdf(session: Session, model: ProcessModel, title: str, body: str, lang: str) -> bytes:
    """The preview as a PDF (the same renderer as the letters sent)."""
    return render.pdf_of(session, model.tenant_id, title, body, lang)


def offered(config_languages: list[str], model: ProcessModel) -> list[str]:
    """The letter languages to preview: the service's own first."""
    base = languages.base_of(model)
    return [base] + [c for c in config_languages if c != base]


def letter_texts(model: ProcessModel) -> dict[str, dict[str, str]]:
    """The draft's letter paragraphs: {part: {language: text}} (the base from settings too)."""
    files = model.draft_files or {}
    base = languages.base_of(model)
    found: dict[str, dict[str, str]] = {}
    for part in PARTS:
        found[part] = {
            code: read(files, code).get(f"letter/{part}", "") for code in languages.LANGUAGES
        }
        found[part][base] = base_letter_text(files, model.settings, part)
    return found


def save_texts(
    session: Session, model: ProcessModel, typed: dict[tuple[str, str], str], actor: str
) -> None:
    """Store the letter paragraphs typed ((language, part) -> text) in the draft; flush.

    An emptied paragraph is removed (the letter then has none, or the målform's).
    """
    files = dict(model.draft_files or {})
    for code in languages.LANGUAGES:
        texts: dict[str, str] = dict(read(files, code))
        for part in PARTS:
            if (code, part) not in typed:
                continue
            value = typed[(code, part)].strip()[:MAX_TEXT]
            if value:
                texts[f"letter/{part}"] = value
            else:
                texts.pop(f"letter/{part}", None)
        if texts:
            files[file_name(code)] = json.dumps(texts, ensure_ascii=False, indent=2, sort_keys=True)
        else:
            files.pop(file_name(code), None)
    if files != (model.draft_files or {}):
        drafts.write_files(session, model, files, actor)
    session.flush()
