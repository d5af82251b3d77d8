"""Decisions on a case (enkeltvedtak): each one recorded with its letter (vedtaksbrev).

`record_decision` is the one way in: the engine path (a case that ends with a decision, see
designer.services.letters.listener), a manual review and an appeal the unit reverses all
call it. It writes the letter row in the caller's transaction (flush, no commit); the HTML
is made at once where it can be, the PDF is rendered and delivered by the worker after
commit (designer.services.letters.delivery).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from designer import languages
from designer.models import DecisionLetter, User, is_citizen_lane
from designer.services.letters import render
from designer.services.letters.content import owner_of
from designer.services.letters.terms import AppealTerms, appeal_terms
from engine.api import json_value
from engine.models import HumanTask, Instance, Tenant

logger = logging.getLogger(__name__)

OUTCOMES = ("approved", "rejected")
KINDS = ("decision", "review", "appeal")
# `decided_by` values a service's script gives when no person decided.
AUTOMATED = ("automatic", "rules", "system")
SENDER_SYSTEM = "flytverk"

__all__ = [
    "AUTOMATED",
    "KINDS",
    "OUTCOMES",
    "AppealTerms",
    "appeal_terms",
    "decided_by_of",
    "letters_of",
    "owner_of",
    "record_decision",
]


def decided_by_of(session: Session, instance: Instance) -> User | None:
    """Who made the decision in `instance.result`: None for automated processing.

    The caseworker who completed the case's last staff task, unless the result says the
    service's rules decided (`decided_by: "automatic"`).
    """
    result = instance.result or {}
    if result.get("decided_by") in AUTOMATED:
        return None
    tasks = session.scalars(
        select(HumanTask)
        .where(HumanTask.instance_id == instance.id, HumanTask.status == "completed")
        .order_by(HumanTask.completed_at.desc(), HumanTask.id.desc())
    )
    for task in tasks:
        if is_citizen_lane(task.lane):
            continue
        actor = task.completed_by or ""
        user_id = actor.removeprefix("user:")
        if actor.startswith("user:") and user_id.isdigit():
            return session.get(User, int(user_id))
        return None
    return None


def letters_of(session: Session, instance_id: int) -> list[DecisionLetter]:
    """A case's decision letters, oldest first."""
    return list(
        session.scalars(
            select(DecisionLetter)
            .where(DecisionLetter.instance_id == instance_id)
            .order_by(DecisionLetter.number)
        )
    )


def external_ref(tenant: Tenant | None, case_no: str, number: int) -> str:
    """The letter's idempotency reference: "flytverk:<tenant slug>:<case no>:<letter no>"."""
    slug = tenant.slug if tenant is not None else "-"
    return f"{SENDER_SYSTEM}:{slug}:{case_no}:{number}"


def record_decision(
    session: Session,
    instance: Instance,
    decision: dict[str, Any],
    *,
    kind: str,
    decided_by: User | None,
) -> DecisionLetter:
    """Record a decision on a case and create its letter (flushed, not committed).

    `decision` has at least `outcome` ("approved" | "rejected") and `reason`, optionally
    `rule`, `valid_from`/`valid_to`, `amount`, `amounts`. `kind` is "decision" (the first),
    "review" (after a manual review) or "appeal" (the unit reverses itself after an
    appeal). `decided_by` None means automated processing under the service's rules.
    The letter is in the applicant's language (their own choice, else the målform).
    """
    if kind not in KINDS:
        raise ValueError(f"Unknown kind of decision: {kind!r}")
    if (decision or {}).get("outcome") not in OUTCOMES:
        raise ValueError("A decision's outcome is 'approved' or 'rejected'.")
    last = session.scalar(
        select(func.max(DecisionLetter.number)).where(DecisionLetter.instance_id == instance.id)
    )
    number = int(last or 0) + 1
    owner = owner_of(session, instance)
    tenant = session.get(Tenant, instance.tenant_id)
    language = (
        languages.for_person(session, owner, instance.tenant_id)
        if owner is not None
        else languages.of_tenant(tenant)
    )
    letter = DecisionLetter(
        tenant_id=instance.tenant_id,
        instance_id=instance.id,
        number=number,
        kind=kind,
        language=language,
        decision=dict(json_value(decision)),
        status="pending",
        external_ref=external_ref(tenant, instance.case_no, number),
        decided_by_id=decided_by.id if decided_by is not None else None,
        decided_by_name=decided_by.name if decided_by is not None else "",
    )
    session.add(letter)
    session.flush()
    try:
        render.fill_html(session, letter, instance)
    except SQLAlchemyError:
        raise  # the transaction is broken: the decision must fail, not go on half-written
    except Exception:  # the worker makes the HTML again; a letter never fails a decision
        logger.exception("The letter of case %s could not be written yet", instance.case_no)
    return letter
