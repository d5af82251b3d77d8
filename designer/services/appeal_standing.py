"""Where an appeal of a case stands: the decision in force, its deadline, what may be done.

Also the platform appeal process (installed per tenant on first use) and the group of the
unit that decided. designer.services.appeals does the appeal's steps.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from designer.models import Appeal, is_citizen_lane
from designer.services import case_reads, cases, decisions
from designer.services.catalog import ServiceBundle, install, read_folder
from designer.services.letters.terms import AppealTerms, appeal_terms
from designer.services.workdays import local_date
from engine.models import HumanTask, Instance, ProcessModel, ProcessVersion, Tenant, utcnow

PLATFORM_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "platform", "appeal")
PLATFORM_KEY = PROCESS_ID = "flytverk_appeal"
KINDS = ("review", "appeal")
DEFAULT_GROUP = "Saksbehandler"
NEW_DECISION = ("reversed", "confirmed")  # the unit's answer is itself a decision
# The case's timeline: what a citizen sees of an appeal, in order.
EVENTS = (
    "review_requested",
    "appeal_received",
    "appeal_in_review",
    "decision_changed",
    "decision_confirmed",
    "appeal_forwarded",
    "appeal_withdrawn",
    "appeal_reassessing",
    "reassessment_started",
    "reassessment_of",
)
case_reads.read_together(*EVENTS)  # a case page reads them with its other events
REASSESSED = ("reassessing", "reassessed")  # upheld: the application is handled as a new case


@dataclass(frozen=True)
class Standing:
    """What the owner of a decided case may do about its decision now."""

    decided: bool
    decision_at: datetime | None
    deadline: date | None
    within: bool
    automated: bool
    open: Appeal | None
    forwarded: bool  # this decision's appeal is with the appeal body already
    reassessed: bool  # an appeal was upheld: the application is handled again, in a new case
    reviewed: bool  # this decision was already reviewed or appealed
    terms: AppealTerms

    @property
    def can_review(self) -> bool:
        """A manual review: of an automated decision, within the deadline, once."""
        return self.decided and self.automated and self.within and not self.blocked

    @property
    def can_appeal(self) -> bool:
        """An appeal: any decision not already with the appeal body (late with a reason)."""
        return self.decided and not self.open and not self.forwarded and not self.reassessed

    @property
    def blocked(self) -> bool:
        return self.open is not None or self.forwarded or self.reviewed or self.reassessed


def _touching(session: Session, instance: Instance) -> list[Appeal]:
    """The case's appeals and the one whose new case it is, read once per transaction."""
    cache = case_reads.per_transaction(session, "appeals")
    if instance.id not in cache:
        cache[instance.id] = list(
            session.scalars(
                select(Appeal)
                .where(or_(Appeal.instance_id == instance.id, Appeal.follow_up_id == instance.id))
                .order_by(Appeal.id)
            )
        )
    return cache[instance.id]  # type: ignore[no-any-return]


def appeals_of(session: Session, instance: Instance) -> list[Appeal]:
    """A case's appeals and review requests, oldest first."""
    return [a for a in _touching(session, instance) if a.instance_id == instance.id]


def origin_of(session: Session, instance: Instance) -> Appeal | None:
    """The upheld appeal whose application this case handles again, if it is one."""
    return next((a for a in _touching(session, instance) if a.follow_up_id == instance.id), None)


def terms_of(instance: Instance) -> AppealTerms:
    """The service's appeal terms in the current language."""
    return appeal_terms(instance.process_version.model.settings)


def standing(session: Session, instance: Instance, now: datetime | None = None) -> Standing:
    """The decision in force (the first, or the unit's answer to an appeal) and its deadline."""
    now = now or utcnow()
    decided = cases.status_key(session, instance) in decisions.OUTCOMES
    made = appeals_of(session, instance)
    answers = [a for a in made if a.status in NEW_DECISION and a.decided_at]
    decision_at = answers[-1].decided_at if answers else instance.completed_at
    terms = terms_of(instance)
    # Counted in Norwegian days: a decision at 00:30 in Norway (23:30 UTC) is of that day.
    deadline = local_date(decision_at) + timedelta(weeks=terms.weeks) if decision_at else None
    this = [a for a in made if a.decision_at == decision_at and a.status != "withdrawn"]
    return Standing(
        decided=decided and decision_at is not None,
        decision_at=decision_at,
        deadline=deadline,
        within=deadline is not None and local_date(now) <= deadline,
        automated=not answers and decisions.decided_by_of(session, instance) is None,
        open=next((a for a in made if a.is_open), None),
        forwarded=any(a.status == "upheld_forwarded" for a in this),
        reassessed=any(a.status in REASSESSED for a in made),
        reviewed=bool(this),
        terms=terms,
    )


def unit_group(session: Session, instance: Instance) -> str:
    """The group of the unit that decided: its last staff task's, else the service's."""
    lanes = session.scalars(
        select(HumanTask.lane)
        .where(HumanTask.instance_id == instance.id, HumanTask.status == "completed")
        .order_by(HumanTask.completed_at.desc(), HumanTask.id.desc())
    )
    for lane in lanes:
        if lane and not is_citizen_lane(lane):
            return str(lane)
    settings = instance.process_version.model.settings or {}
    return str(settings.get("review_group") or "").strip() or DEFAULT_GROUP


def platform_version(session: Session, tenant_id: int) -> ProcessVersion:
    """The tenant's published appeal process, installed on first use (flushed)."""
    model = session.scalar(
        select(ProcessModel).where(
            ProcessModel.tenant_id == tenant_id, ProcessModel.key == PLATFORM_KEY
        )
    )
    bundle = _platform_bundle()
    if model is not None and model.published_version_id is not None:
        version = session.get(ProcessVersion, model.published_version_id)
        if version is not None and (version.bpmn, version.files) == (bundle.bpmn, bundle.files):
            return version
    tenant = session.get(Tenant, tenant_id)
    assert tenant is not None
    try:
        return install(session, tenant, bundle)  # first use, or a newer Flytverk's process
    except IntegrityError:  # another request installed it at the same moment: theirs
        session.rollback()
        model = session.scalar(
            select(ProcessModel).where(
                ProcessModel.tenant_id == tenant_id, ProcessModel.key == PLATFORM_KEY
            )
        )
        live = model.published_version_id if model is not None else None
        found = session.get(ProcessVersion, live) if live is not None else None
        if found is None:
            raise
        return found


@functools.lru_cache(maxsize=1)
def _platform_bundle() -> ServiceBundle:
    return read_folder(PLATFORM_DIR)
