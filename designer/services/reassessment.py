"""An upheld appeal whose application is handled again, as a new case of the service.

Changing the outcome of a decision is not always enough: when a grant also sets the extent
(the days, portions and price of a meal subscription, say), the unit upholds the appeal and
has the application handled again (the appeal task's answer `appeal_action = "reassess"`).
The appeal is then `reassessing`; the worker (designer.worker.tick) calls `start`, which
starts a new case of the service's live version with the first application's answers, in the
citizen's name, and ties it to the appeal in the same commit. The new case runs the service
as drawn — its caseworker task, its decision and letter, its subscription — and can itself be
appealed. The first case's appeals end there (appeal_standing.Standing.reassessed).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from designer import notify
from designer.models import Appeal
from designer.services import cases
from designer.services.letters import content as letters_content
from engine import api as engine
from engine.models import Instance, ProcessVersion

__all__ = ["application_data", "on_transition", "pending", "start"]

_STARTING = "flytverk_reassessment_starting"  # session.info: the appeal whose case starts
KEPT_OUT = ("filepicker",)  # files stay with the first case (its documents), not copied


def pending(session: Session, limit: int = 200) -> list[int]:
    """Upheld appeals whose new case is still to be started, oldest first."""
    return list(
        session.scalars(
            select(Appeal.id).where(Appeal.status == "reassessing").order_by(Appeal.id).limit(limit)
        )
    )


def application_data(session: Session, case: Instance, version: ProcessVersion) -> dict[str, Any]:
    """The first case's answers to the fields of `version`'s start form (files left out)."""
    definition = cases.start_definition(version)
    if definition is None:
        return {}
    data = engine.current_data(session, case)
    keys = [c["key"] for c in definition.input_components if c.get("type") not in KEPT_OUT]
    return {key: data[key] for key in keys if key in data}


def can_handle_again(session: Session, case: Instance) -> bool:
    """True when the case's service starts from an application form (not from a message or
    a timer): only then can its application be handled again as a new case."""
    return cases.start_definition(_version_of(session, case)) is not None


def _version_of(session: Session, case: Instance) -> ProcessVersion:
    model = case.process_version.model
    live = (
        session.get(ProcessVersion, model.published_version_id)
        if model.published_version_id is not None
        else None
    )
    return live or case.process_version


def start(session: Session, appeal_id: int) -> Instance | None:
    """Start the new case of an upheld appeal that is `reassessing` (one commit: the claim,
    the case and the events). None when another worker took it first."""
    engine.begin_write(session)
    claimed = session.execute(
        update(Appeal)
        .where(Appeal.id == appeal_id, Appeal.status == "reassessing")
        .values(status="reassessed")
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        return None
    appeal = session.get(Appeal, appeal_id, populate_existing=True)
    assert appeal is not None
    case = session.get(Instance, appeal.instance_id)
    assert case is not None
    version = _version_of(session, case)
    data = {**application_data(session, case, version), "reassessment_of": case.case_no}
    engine.on_transition(on_transition)  # idempotent; survives a test's clear_listeners()
    session.info[_STARTING] = appeal.id
    try:
        return engine.start(
            session,
            version,
            data=data,
            actor=appeal.decided_by or "system",
            owner=case.owner,
            subject=case.subject,
            due_days=cases.due_days(version),
        )
    finally:
        session.info.pop(_STARTING, None)


def on_transition(session: Session, outcome: engine.Outcome) -> None:
    """The engine's listener: tie the case `start` starts to its appeal, on both timelines."""
    if outcome.kind != "started" or not session.info.get(_STARTING):
        return
    appeal = session.get(Appeal, session.info.pop(_STARTING))
    case = session.get(Instance, appeal.instance_id) if appeal else None
    if appeal is None or case is None:
        return
    new = outcome.instance
    appeal.follow_up_id = new.id
    engine.add_event(
        session,
        case,
        "system",
        "reassessment_started",
        None,
        {"appeal_id": appeal.id, "case_no": new.case_no},
    )
    engine.add_event(
        session,
        new,
        "system",
        "reassessment_of",
        None,
        {"appeal_id": appeal.id, "case_no": case.case_no},
    )
    owner = letters_content.owner_of(session, new)
    if owner is not None:  # the e-mail goes with the case's commit (the outbox)
        notify.notify_handled_again(new, owner, case.case_no, session=session)
