"""Appeals (klage) and manual reviews of automated decisions, worked as platform tasks.

A citizen appeals a decision of their case, or asks for a manual review of an automated
one (`submit`). That starts the platform process (designer/platform/appeal, a hidden
service without a start form) whose one user task goes to the group of the unit that
decided: the group of the case's deciding task, else the service setting `review_group`,
else "Saksbehandler" (candidateGroup "=appeal_group"). When the caseworker completes it, the
transition listener below answers in the same transaction: a new decision with its letter
(`record_decision`, kind "review" or "appeal"), or, for an appeal the unit keeps, the case
documents forwarded to the appeal body (`forward`). Every step is an event on the case.

Deadlines: `appeal_weeks` of the service (designer.services.letters.terms) from the date of
the decision in force. After it a citizen may still appeal, giving why it is late
(forvaltningsloven § 31). Functions flush; the view (or the engine's transition) commits.
"""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from designer import languages
from designer.models import Appeal, User
from designer.services import appeal_docs, cases, decisions, pending, reassessment, uploads
from designer.services.appeal_standing import (
    EVENTS,
    KINDS,
    PLATFORM_DIR,
    PLATFORM_KEY,
    PROCESS_ID,
    Standing,
    appeals_of,
    origin_of,
    platform_version,
    standing,
    terms_of,
    unit_group,
)
from designer.services.errors import Invalid, Stale
from engine import api as engine
from engine.models import Instance, Tenant, utcnow

__all__ = [
    "EVENTS",
    "KINDS",
    "PLATFORM_DIR",
    "PLATFORM_KEY",
    "Standing",
    "appeals_of",
    "delete_for_cases",
    "forward",
    "on_transition",
    "origin_of",
    "platform_version",
    "standing",
    "submit",
    "terms_of",
    "unit_group",
    "withdraw",
]

_STARTING = "flytverk_appeal_starting"  # session.info: the appeal whose task is starting
_CANNOT_REASSESS = _l(
    "This service does not start from an application, so it cannot be handled again. "
    "Change the decision, or keep it and send the appeal on."
)


def submit(
    session: Session,
    user: User,
    instance: Instance,
    kind: str,
    data: dict[str, Any],
    submission_key_id: int | None = None,
) -> Appeal:
    """Record the citizen's appeal or review request and open its task (one commit).

    `data` is the typed form data (appeal_text, appeal_files, late_reason). Raises Stale
    (code appeal_open, appeal_reassessed, appeal_forwarded, review_not_open) when it may not
    be made now and
    Invalid (late_reason) when a late appeal gives no reason.
    """
    if kind not in KINDS or instance.owner != user.actor:
        raise Invalid("Unknown kind of appeal.", code="kind")
    now = utcnow()
    found = standing(session, instance, now)
    if not found.decided:
        raise Stale("The case has no decision.", code="not_decided")
    if found.open is not None:
        raise Stale("An appeal of this case is open already.", code="appeal_open")
    if found.reassessed:
        raise Stale("The application is handled again in a new case.", code="appeal_reassessed")
    if kind == "review" and not found.can_review:
        raise Stale("A manual review cannot be asked for now.", code="review_not_open")
    if kind == "appeal" and not found.can_appeal:
        raise Stale("This decision is with the appeal body already.", code="appeal_forwarded")
    late = not found.within
    late_reason = str(data.get("late_reason") or "").strip()
    if late and not late_reason:
        raise Invalid("Say why the appeal is late.", code="late_reason")
    appeal = Appeal(
        tenant_id=instance.tenant_id,
        instance_id=instance.id,
        kind=kind,
        status="received",
        owner=user.actor,
        text=str(data.get("appeal_text") or "").strip(),
        late=late,
        late_reason=late_reason if late else "",
        decision_at=found.decision_at,
        created_at=now,
    )
    session.add(appeal)
    try:
        session.flush()
    except IntegrityError:  # a concurrent first one won the partial unique index
        session.rollback()
        raise Stale("An appeal of this case is open already.", code="appeal_open") from None
    first = "review_requested" if kind == "review" else "appeal_received"
    engine.add_event(session, instance, user.actor, first, None, _summary(appeal))
    stored, ids = uploads.store_all(session, data, user.actor, instance.tenant_id)
    _start(session, appeal, instance, stored, ids, submission_key_id)
    return appeal


def _start(
    session: Session,
    appeal: Appeal,
    instance: Instance,
    stored: dict[str, Any],
    ids: list[int],
    submission_key_id: int | None,
) -> None:
    version = platform_version(session, instance.tenant_id)
    language = languages.of_tenant(session.get(Tenant, instance.tenant_id))
    with force_locale(language):  # the unit's language: the task's brief is written once
        brief = appeal_docs.brief(session, instance, appeal, language, stored)
    data = {
        "kind": appeal.kind,
        "appeal_id": appeal.id,
        "case_no": instance.case_no,
        "appeal_group": unit_group(session, instance),
        "appeal_brief": brief,
    }
    engine.on_transition(on_transition)  # idempotent; survives a test's clear_listeners()
    pending.tie_to_started_case(session, ids, submission_key_id)  # files: the task's case
    session.info[_STARTING] = appeal.id
    try:
        engine.start(
            session,
            version,
            data=data,
            actor=appeal.owner,
            subject=f"{instance.case_no} – {instance.subject}"[:200],
            due_days=cases.due_days(version),
        )
    finally:
        session.info.pop(_STARTING, None)
        pending.forget(session)


def _summary(appeal: Appeal, **extra: Any) -> dict[str, Any]:
    return {"appeal_id": appeal.id, "kind": appeal.kind, "late": appeal.late, **extra}


def withdraw(session: Session, user: User, appeal: Appeal) -> None:
    """The citizen takes an open appeal back: its task is cancelled (one commit)."""
    if appeal.owner != user.actor or not appeal.is_open:
        raise Stale("The appeal is not open.", code="appeal_closed")
    case = session.get(Instance, appeal.instance_id)
    assert case is not None
    appeal.status, appeal.decided_at, appeal.decided_by = "withdrawn", utcnow(), user.actor
    engine.add_event(session, case, user.actor, "appeal_withdrawn", None, _summary(appeal))
    handler = session.get(Instance, appeal.handler_instance_id or 0)
    if handler is None or handler.status in engine.CLOSED:
        session.flush()
        return
    engine.cancel(session, handler.tenant_id, handler.id, user.actor, reason="withdrawn")


def forward(session: Session, appeal: Appeal, actor: str = "system") -> list[Any]:
    """Send an appeal the unit keeps to the appeal body with the case documents (flushed).

    The package (the letters, the application, its attachments, the appeal and the unit's
    assessment) is recorded on the appeal and the case's timeline; its delivery to
    Statsforvalteren or the appeals committee is an adapter's work, not done here yet.
    """
    case = session.get(Instance, appeal.instance_id)
    assert case is not None
    language = languages.of_tenant(session.get(Tenant, case.tenant_id))
    with force_locale(language):
        body = terms_of(case).body
        documents = appeal_docs.package(session, case, appeal, language)
    appeal.status, appeal.forwarded_to = "upheld_forwarded", body
    appeal.package = {
        "to": body,
        "at": utcnow().isoformat(timespec="seconds"),
        "documents": [appeal_docs.manifest(d) for d in documents],
    }
    summary = _summary(appeal, to=body, documents=len(documents))
    engine.add_event(session, case, actor, "appeal_forwarded", None, summary)
    session.flush()
    return documents


def delete_for_cases(session: Session, instance_ids: list[int]) -> list[int]:
    """Delete the appeals of cases about to be purged (retention); return the ids of their
    task instances, which belong to the platform process (flushed)."""
    found = list(session.scalars(select(Appeal).where(Appeal.instance_id.in_(instance_ids))))
    handlers = [a.handler_instance_id for a in found if a.handler_instance_id]
    for appeal in found:
        session.delete(appeal)
    session.flush()
    return handlers


def _user(session: Session, actor: str) -> User | None:
    user_id = actor.removeprefix("user:")
    return (
        session.get(User, int(user_id)) if actor.startswith("user:") and user_id.isdigit() else None
    )


def _answer(session: Session, appeal: Appeal, handler: Instance, actor: str) -> None:
    """The unit's answer, read from the completed task: a new decision, or forwarding."""
    # Fresh, not a copy loaded before the transition began (the engine keeps those).
    case = session.get(Instance, appeal.instance_id, populate_existing=True)
    assert case is not None
    answer = engine.current_data(session, handler)
    reason = str(answer.get("decision_reason") or "").strip()
    appeal.decided_by, appeal.decided_at, appeal.assessment = actor, utcnow(), reason
    if appeal.kind == "appeal" and answer.get("appeal_action") == "reassess":
        # Upheld, to be handled again: the worker starts the new case (reassessment.start).
        if not reassessment.can_handle_again(session, case):  # the task stays open
            raise Invalid(
                str(_CANNOT_REASSESS),
                code="cannot_reassess",
                fields={"appeal_action": str(_CANNOT_REASSESS)},
            )
        appeal.status = "reassessing"
        engine.add_event(session, case, actor, "appeal_reassessing", None, _summary(appeal))
        session.flush()
        return
    if appeal.kind == "appeal" and answer.get("appeal_action") != "reverse":
        forward(session, appeal, actor)
        return
    before = dict(case.result or {})
    outcome = str(answer.get("new_outcome") or "")
    decision = {"outcome": outcome, "reason": reason, "decided_by": "caseworker"}
    letter = decisions.record_decision(
        session, case, decision, kind=appeal.kind, decided_by=_user(session, actor)
    )
    changed = outcome != before.get("outcome") or appeal.kind == "appeal"
    appeal.status = "reversed" if changed else "confirmed"
    # The case shows the decision in force: the outcome and the reasons a person gave now.
    kept = {k: v for k, v in before.items() if k != "rule" and not k.startswith("reason")}
    engine.set_result(
        session, case, {**(kept if outcome == before.get("outcome") else {}), **decision}
    )
    kind = "decision_changed" if changed else "decision_confirmed"
    summary = _summary(appeal, outcome=outcome, previous=before.get("outcome"))
    engine.add_event(session, case, actor, kind, None, {**summary, "letter": letter.number})
    session.flush()


def on_transition(session: Session, outcome: engine.Outcome) -> None:
    """The engine's listener: tie a starting task to its appeal; answer a completed one."""
    handler = outcome.instance
    if handler.process_version.process_id != PROCESS_ID:
        return
    if outcome.kind == "started" and session.info.get(_STARTING):
        appeal = session.get(Appeal, session.info.pop(_STARTING))
        case = session.get(Instance, appeal.instance_id) if appeal else None
        if appeal is None or case is None:
            return
        appeal.handler_instance_id, appeal.status = handler.id, "in_review"
        engine.add_event(session, case, "system", "appeal_in_review", None, _summary(appeal))
        return
    if outcome.kind == "task_completed" and outcome.completed:
        appeal = session.scalar(
            select(Appeal)
            .where(Appeal.handler_instance_id == handler.id)
            .execution_options(populate_existing=True)
        )
        if appeal is not None and appeal.is_open:
            _answer(session, appeal, handler, outcome.actor)
