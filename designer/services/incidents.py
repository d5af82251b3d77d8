"""Incidents for process owners: cases whose automated step failed, and what to do about them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from designer.models import User
from designer.services.errors import Missing
from engine import api as engine
from engine.models import ConnectorJob, Event, Instance, ProcessModel

LIST_LIMIT = 200
EVENT_KINDS = (
    "started",
    "incident",
    "incident_retried",
    "connector_queued",
    "connector_failed",
    "connector_succeeded",
    "connector_replaced",
    "timer",
    "completed",
)


@dataclass
class Incident:
    """One case in `incident`, with its service and the failed connector job, if any."""

    instance: Instance
    model: ProcessModel | None
    job: ConnectorJob | None


def _failed_jobs(session: Session, instance_ids: list[int]) -> dict[int, ConnectorJob]:
    if not instance_ids:
        return {}
    rows = session.scalars(
        select(ConnectorJob)
        .where(ConnectorJob.instance_id.in_(instance_ids), ConnectorJob.status == "failed")
        .order_by(ConnectorJob.id)
    )
    return {job.instance_id: job for job in rows}


def open_incidents(session: Session, user: User) -> list[Incident]:
    """The tenant's cases in `incident`, newest first (test runs included, marked)."""
    rows = session.execute(
        select(Instance, ProcessModel)
        .outerjoin(ProcessModel, ProcessModel.id == Instance.model_id)
        .where(Instance.tenant_id == user.tenant_id, Instance.status == "incident")
        .order_by(Instance.updated_at.desc())
        .limit(LIST_LIMIT)
    ).all()
    failed = _failed_jobs(session, [row[0].id for row in rows])
    return [Incident(row[0], row[1], failed.get(row[0].id)) for row in rows]


def incident_for(session: Session, user: User, instance_id: int) -> Incident:
    """One case of the user's tenant (404 otherwise), with its failed job."""
    instance = session.get(Instance, instance_id)
    if instance is None or instance.tenant_id != user.tenant_id:
        raise Missing("No such case.")
    model = session.get(ProcessModel, instance.model_id) if instance.model_id else None
    return Incident(instance, model, _failed_jobs(session, [instance.id]).get(instance.id))


def history(session: Session, instance: Instance) -> list[Event]:
    """What the automated steps and the people handling the incident did, oldest first."""
    return list(
        session.scalars(
            select(Event)
            .where(Event.instance_id == instance.id, Event.kind.in_(EVENT_KINDS))
            .order_by(Event.id)
        )
    )


def retry(session: Session, user: User, incident: Incident) -> Instance:
    """Try again: the failed connector job, or the automated steps from the last state.

    The caller's pending rows (its audit row) commit with the engine's transition.
    """
    return engine.retry_incident(session, user.tenant_id, incident.instance.id, user.actor)


def parse_data(text: str) -> dict[str, Any]:
    """The JSON object a process owner gives in place of a connector's answer.

    Raises ValueError with a message for the form field.
    """
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        message = _(
            "This is not valid JSON: %(error)s (line %(line)s).", error=err.msg, line=err.lineno
        )
        raise ValueError(message) from None
    if not isinstance(value, dict):
        raise ValueError(
            _("Give a JSON object, for example %(example)s.", example='{"status": "ordered"}')
        )
    return value


def continue_with(
    session: Session, user: User, incident: Incident, data: dict[str, Any]
) -> Instance | None:
    """Complete the failed step with the given data; the case goes on (one transaction)."""
    if incident.job is None:
        raise Missing("This case has no failed step to continue.")
    return engine.continue_with(session, user.tenant_id, incident.job.id, data, user.actor)
