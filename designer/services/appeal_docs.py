"""What an appeal shows and sends: the caseworker's brief and the package for the appeal body.

Both are written in the unit's language: call them under `force_locale(language)`.
"""

from __future__ import annotations

import hashlib
import os
import re
from datetime import timedelta
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from designer.integrations.letter import Document
from designer.models import Appeal, Attachment, User
from designer.services import applications, case_reads, decisions, localised, service_texts
from designer.services.letters.terms import appeal_terms
from designer.services.uploads import path_of
from engine import api as engine
from engine.models import Instance

# Python-Markdown's escapable characters: a citizen's words are shown, never formatted.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~])")


def plain(text: str) -> str:
    """`text` safe inside Markdown: no formatting, no tags, line breaks kept."""
    escaped = _MARKDOWN.sub(r"\\\1", str(text)).replace("<", "&lt;")
    return "  \n".join(line.strip() for line in escaped.splitlines())


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" for line in plain(text).split("  \n")) if text else ""


def _heading(text: str) -> str:
    return f"### {text}"


def _outcome(result: dict[str, Any]) -> str:
    if result.get("outcome") == "approved":
        return _("The application was approved.")
    return _("The application was rejected.")


def _decided_by(session: Session, case: Instance, appeal: Appeal) -> Any:
    """Who made the decision in force: the last person who answered an appeal, or the case's."""
    answered = session.scalars(
        select(Appeal)
        .where(
            Appeal.instance_id == case.id,
            Appeal.id != appeal.id,
            Appeal.status.in_(("reversed", "confirmed")),
        )
        .order_by(Appeal.decided_at.desc(), Appeal.id.desc())
    ).first()
    if answered is not None and (answered.decided_by or "").startswith("user:"):
        return session.get(User, int(str(answered.decided_by)[5:]))
    return decisions.decided_by_of(session, case)


def brief(
    session: Session, case: Instance, appeal: Appeal, lang: str, stored: dict[str, Any]
) -> str:
    """The task's instructions: the decision, the rules that fired, the inputs, the appeal."""
    model = case.process_version.model
    texts = localised.version_texts(session, case.process_version, lang)
    result = case.result or {}
    owner = decisions.owner_of(session, case)
    names = {
        "name": plain(owner.name if owner else case.subject),
        "case_no": case.case_no,
        "service": plain(localised.card_text(model, "name", lang)),
    }
    if appeal.kind == "review":
        intro = _(
            "%(name)s asks for a manual review of the automated decision in case "
            "%(case_no)s (%(service)s).",
            **names,
        )
    else:
        intro = _("%(name)s appeals the decision in case %(case_no)s (%(service)s).", **names)
    decided = _decided_by(session, case, appeal)
    who = (
        _("Decided by automated processing under the rules of the service.")
        if decided is None
        else _("Decided by %(name)s.", name=plain(decided.name))
    )
    when = format_date(appeal.decision_at, "long") if appeal.decision_at else "–"
    parts = [
        f"**{intro}**",
        _heading(_("The decision")),
        " ".join((_outcome(result), _("Decision date: %(date)s.", date=when), who)),
        _("Reason: %(reason)s", reason=plain(service_texts.reason_text(result, texts) or "–")),
    ]
    rules = case_reads.explanations(session, case, lang)
    if rules:
        parts += [_heading(_("The rules that decided")), "\n".join(f"- {plain(r)}" for r in rules)]
    data = engine.current_data(session, case)
    rows = case_reads.submitted_summary(case, data, lang)
    if rows:
        lines = [f"- **{plain(r['label'])}:** {plain(str(r['value']))}" for r in rows]
        parts += [_heading(_("What the applicant sent")), "\n".join(lines)]
    if appeal.kind == "review":
        parts.append(_heading(_("What the applicant wants looked at")))
    else:
        parts.append(_heading(_("What the applicant disagrees with")))
    parts.append(_quote(appeal.text) or _("The applicant gave no reasons."))
    if appeal.late:
        terms = appeal_terms(model.settings)
        deadline = format_date(
            (appeal.decision_at or case.created_at) + timedelta(weeks=terms.weeks)
        )
        parts += [
            _heading(_("The appeal came after the deadline")),
            _("The deadline was %(date)s. The applicant's reason for the delay:", date=deadline),
            _quote(appeal.late_reason),
        ]
    files = stored.get("appeal_files") or []
    if files:
        count = len(files) if isinstance(files, list) else 1
        parts.append(_("The applicant attached files (%(n)s): see Attachments below.", n=count))
    parts.append(_heading(_("What you decide")))
    if appeal.kind == "review":
        parts.append(
            _(
                "Choose the outcome and give your reasons. Either way the applicant gets a "
                "new decision letter, now decided by a person."
            )
        )
    else:
        parts.append(
            _(
                "If the applicant is right, change the decision: they get a new decision "
                "letter. If not, keep it: the appeal goes to %(body)s with the case documents "
                "and your assessment.",
                body=appeal_terms(model.settings).body,
            )
        )
    return "\n\n".join(parts)


def _html(title: str, body: str) -> bytes:
    page = f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(title)}</title>'
    return f"{page}</head><body><h1>{escape(title)}</h1>{body}</body></html>".encode()


def _rows(rows: list[tuple[str, str]]) -> str:
    items = "".join(f"<dt>{escape(label)}</dt><dd>{escape(value)}</dd>" for label, value in rows)
    return f"<dl>{items}</dl>"


def _file(attachment: Attachment, role: str = "attachment") -> Document | None:
    try:
        with open(path_of(attachment), "rb") as handle:
            content = handle.read()
    except OSError:
        return None
    return Document(attachment.filename, attachment.filename, attachment.media_type, content, role)


def package(session: Session, case: Instance, appeal: Appeal, lang: str) -> list[Document]:
    """The case documents for the appeal body: the appeal first, then letters, application
    and attachments."""
    no = case.case_no
    appeal_rows = [(_("What the applicant disagrees with"), appeal.text or "–")]
    if appeal.late:
        appeal_rows.append((_("Why the appeal is late"), appeal.late_reason))
    appeal_rows.append((_("The unit's assessment"), appeal.assessment or "–"))
    title = _("Appeal in case %(case_no)s", case_no=no)
    documents = [Document(f"klage-{no}.html", title, "text/html", _html(title, _rows(appeal_rows)))]
    for letter in decisions.letters_of(session, case.id):
        name = f"vedtak-{no}-{letter.number}"
        title = letter.title or _("Decision letter %(n)s", n=letter.number)
        if letter.pdf:
            documents.append(
                Document(f"{name}.pdf", title, "application/pdf", letter.pdf, "attachment")
            )
        else:
            content = (letter.html or "").encode()
            documents.append(Document(f"{name}.html", title, "text/html", content, "attachment"))
    rows = case_reads.submitted_summary(case, engine.current_data(session, case), lang)
    title = _("The application in case %(case_no)s", case_no=no)
    summary = _rows([(str(r["label"]), str(r["value"])) for r in rows])
    documents.append(
        Document(f"soknad-{no}.html", title, "text/html", _html(title, summary), "attachment")
    )
    handler = session.get(Instance, appeal.handler_instance_id or 0)
    files = applications.attachments_of(session, case)
    if handler is not None:
        files += applications.attachments_of(session, handler)
    documents += [d for d in (_file(a) for a in files) if d is not None]
    return documents


def manifest(document: Document) -> dict[str, Any]:
    """What the package records of a document (not its bytes)."""
    return {
        "filename": os.path.basename(document.filename),
        "title": document.title,
        "media_type": document.media_type,
        "role": document.role,
        "size": len(document.content),
        "sha256": hashlib.sha256(document.content).hexdigest(),
    }
