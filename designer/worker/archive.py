"""Finished cases to the archive: each handed over once, through the archive adapter.

A case is finished when it is completed, every decision letter it has is sent (a letter
still pending or failed holds the hand-over back) and no appeal of it is open; the appeal
process's own instances are not cases. The worker claims a case by
inserting its `ArchiveHandover` row (unique per case), so two workers never hand the same
case over; a claim older than CLAIM_LEASE (a worker that died) is taken over, which is
safe because the adapter is idempotent by the case's external key. A failed try is tried
again with growing pauses, up to MAX_ATTEMPTS; an adapter's "do not retry" stops at once.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from flask_babel import force_locale, gettext
from sqlalchemy import exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import forms
from designer import languages
from designer.extensions import db_session
from designer.integrations.archive import ArchiveMessage, Correspondent, JournalPost
from designer.integrations.letter import Document
from designer.integrations.registry import archive_adapter
from designer.models import OPEN_APPEAL, Appeal, ArchiveHandover, DecisionLetter, retry_pause
from designer.services import applications, case_reads, decisions, uploads
from designer.worker.sending import send_each
from engine import api as engine
from engine.api import ConnectorFailed
from engine.models import Instance, Tenant, utcnow

logger = logging.getLogger(__name__)

CLAIM_LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 10
SYSTEM = "flytverk"


def _finished() -> Any:
    unsent = exists().where(
        DecisionLetter.instance_id == Instance.id, DecisionLetter.status != "sent"
    )
    handed = exists().where(ArchiveHandover.instance_id == Instance.id)
    # An open appeal will bring a new decision; the platform's appeal process instances
    # are tasks about a case, not cases of their own.
    appealed = exists().where(Appeal.instance_id == Instance.id, Appeal.status.in_(OPEN_APPEAL))
    handler = exists().where(Appeal.handler_instance_id == Instance.id)
    done = (Instance.status == "completed") & Instance.is_test.is_(False)
    return done & ~unsent & ~handed & ~appealed & ~handler


def _free(now: datetime) -> Any:
    # Not claimed, or claimed by a worker that has not finished within the lease (died).
    held = ArchiveHandover.claimed_at
    return (ArchiveHandover.status == "pending") & or_(held.is_(None), held < now - CLAIM_LEASE)


def _row(session: Session, instance_id: int) -> ArchiveHandover | None:
    return session.scalar(select(ArchiveHandover).where(ArchiveHandover.instance_id == instance_id))


def due(session: Session, now: datetime, limit: int = 20) -> list[int]:
    """Cases to hand over now: finished ones not claimed yet, then retries that are due."""
    new = session.scalars(
        select(Instance.id).where(_finished()).order_by(Instance.completed_at).limit(limit)
    )
    retries = session.scalars(
        select(ArchiveHandover.instance_id)
        .where(
            _free(now),
            or_(ArchiveHandover.next_attempt_at.is_(None), ArchiveHandover.next_attempt_at <= now),
        )
        .order_by(ArchiveHandover.id)
        .limit(limit)
    )
    return list(new) + list(retries)


def external_key(system: str, instance: Instance) -> str:
    """The case's key in the archive: "<system>:<case no>"."""
    return f"{system}:{instance.case_no}"


def claim(session: Session, instance: Instance, system: str, now: datetime) -> bool:
    """Take the case for this worker (committed); False when another worker has it."""
    found = _row(session, instance.id)
    if found is None:
        session.add(
            ArchiveHandover(
                tenant_id=instance.tenant_id,
                instance_id=instance.id,
                external_key=external_key(system, instance),
                claimed_at=now,
            )
        )
        try:
            session.commit()
        except IntegrityError:  # another worker inserted it first
            session.rollback()
            return False
        return True
    taken = session.execute(
        update(ArchiveHandover)
        .where(
            ArchiveHandover.id == found.id,
            _free(now),
        )
        .values(claimed_at=now)
    )
    session.commit()
    return bool(getattr(taken, "rowcount", 0) == 1)


def _application(session: Session, instance: Instance, lang: str, service: str) -> JournalPost:
    data = engine.current_data(session, instance)
    version = instance.process_version
    start_form = engine.spec_for(version).start_form
    definition = case_reads.form_definition(version, start_form, lang)
    submitted = {k: data[k] for k in definition.keys if k in data} if definition else {}
    summary = {
        "case_no": instance.case_no,
        "service": service,
        "received_at": instance.created_at.isoformat(),
        "answers": forms.summary(definition, submitted, lang) if definition else [],
        "data": submitted,
    }
    content = json.dumps(engine.json_value(summary), ensure_ascii=False, indent=2).encode()
    title = gettext("Application: %(service)s", service=service)
    documents = [
        Document("soknad.json", gettext("Application (summary)"), "application/json", content)
    ]
    for attachment in applications.attachments_of(session, instance):
        with open(uploads.path_of(attachment), "rb") as handle:
            body = handle.read()
        documents.append(
            Document(
                attachment.filename, attachment.filename, attachment.media_type, body, "attachment"
            )
        )
    return JournalPost("I", title, instance.created_at, tuple(documents))


def _letters(session: Session, instance: Instance) -> list[JournalPost]:
    posts = []
    for letter in decisions.letters_of(session, instance.id):
        if not letter.pdf:
            raise ConnectorFailed(f"Letter {letter.number} has no PDF yet.", retry=True)
        title = letter.title or gettext("Decision letter")
        document = Document(f"vedtak-{letter.number}.pdf", title, "application/pdf", letter.pdf)
        posts.append(JournalPost("U", title, letter.sent_at or letter.created_at, (document,)))
    return posts


def archive_message(session: Session, instance: Instance, system: str) -> ArchiveMessage:
    """What the archive gets for a finished case (texts in the municipality's målform)."""
    tenant = session.get(Tenant, instance.tenant_id)
    lang = languages.of_tenant(tenant)
    owner = decisions.owner_of(session, instance)
    model = instance.process_version.model
    with force_locale(lang):
        service = languages.card_text(model, "name", lang) if model is not None else ""
        service = service or instance.case_no
        posts = [_application(session, instance, lang, service), *_letters(session, instance)]
    name = owner.name if owner is not None else instance.subject
    return ArchiveMessage(
        system=system,
        tenant_slug=tenant.slug if tenant is not None else str(instance.tenant_id),
        case_no=instance.case_no,
        case_title=f"{service} – {name}" if name else service,
        case_date=instance.created_at,
        correspondent=Correspondent(name or "-", (owner.national_id or "") if owner else ""),
        journal_posts=tuple(posts),
    )


def _record(session: Session, instance_id: int, now: datetime, receipt: Any, err: Any) -> bool:
    """Record a try's outcome on the case's hand-over row (the caller commits)."""
    row = _row(session, instance_id)
    if row is None:
        return False
    row.claimed_at = None
    if err is None:
        row.status, row.archived_at, row.receipt, row.error = "archived", now, receipt, None
        return True
    if isinstance(err, ConnectorFailed | OSError):
        logger.warning("Case %s was not archived: %s", instance_id, err)
    else:
        logger.error("Case %s could not be archived", instance_id, exc_info=err)
    row.attempts += 1
    row.error = str(err)[:1000]
    retry = getattr(err, "retry", True) and row.attempts < MAX_ATTEMPTS
    row.status = "pending" if retry else "failed"
    row.next_attempt_at = now + retry_pause(row.attempts) if retry else None
    return False


def hand_over(app: Flask, session: Session, ids: list[int], now: datetime) -> int:
    """Claim each case of `ids` and hand it to the archive; return how many are archived now."""
    system = str(app.config.get("ARCHIVE_SYSTEM") or SYSTEM)

    def take(instance_id: int) -> bool:
        instance = session.get(Instance, instance_id)
        return instance is not None and claim(session, instance, system, now)

    def prepare(session: Session, instance_id: int) -> ArchiveMessage | None:
        instance = session.get(Instance, instance_id)
        return archive_message(session, instance, system) if instance is not None else None

    return send_each(
        session,
        ids,
        claim=take,
        prepare=prepare,
        send=archive_adapter(app).hand_over,
        settle=lambda session, instance_id, receipt, err: _record(
            session, instance_id, now, receipt, err
        ),
    )


def hand_over_finished(app: Flask, now: datetime | None = None, *, limit: int = 20) -> int:
    """Hand finished cases to the archive, each once; return how many were archived now.

    The tick calls this after the connector jobs: `hand_over_finished(app, now)`.
    """
    now = now or utcnow()
    with app.app_context():
        session = db_session
        return hand_over(app, session, due(session, now, limit), now)
