"""Timer start events: a published process that starts on a date or on a cycle.

SpiffWorkflow runs a timer start event inside one workflow: the instance waits at its start
event, and each time the timer fires (once for a date, every period for a cycle such as
"R/P1D") the process runs from there again. So publishing such a process starts one
*schedule* instance that waits for its timer; the scheduler wakes it like any other timer,
and publishing a newer version (or unpublishing) cancels the old schedule.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import runtime
from .models import Instance, ProcessVersion
from .store import decline

SUBJECT = "Tidsstyrt start"
ACTOR = "system:schedule"


def starts_on_timer(version: ProcessVersion) -> bool:
    """True when the version's process starts on a timer start event."""
    spec = runtime.spec_for(version).spec
    return any(
        type(task_spec).__name__ == "StartEvent"
        and isinstance(getattr(task_spec, "event_definition", None), TimerEventDefinition)
        for task_spec in spec.task_specs.values()
    )


def unschedule(
    session: Session, tenant_id: int, model_id: int, keep_version_id: int | None = None
) -> int:
    """Cancel the waiting schedules of a service (but the one of `keep_version_id`)."""
    ids = list(
        session.scalars(
            select(Instance.id).where(
                Instance.tenant_id == tenant_id,
                Instance.model_id == model_id,
                Instance.owner.is_(None),
                Instance.subject == SUBJECT,
                Instance.status == "running",
                Instance.is_test.is_(False),
            )
        )
    )
    decline(session)  # end the read; pending work of the caller's stays for the cancels
    cancelled = 0
    for instance_id in ids:
        instance = session.get(Instance, instance_id)
        if instance is None or instance.version_id == keep_version_id:
            continue
        runtime.cancel(session, tenant_id, instance_id, ACTOR, "A newer version was published.")
        cancelled += 1
    return cancelled


def schedule(session: Session, version: ProcessVersion) -> Instance | None:
    """Start the schedule of a just-published version if it starts on a timer."""
    if not starts_on_timer(version):
        unschedule(session, version.tenant_id, version.model_id)
        return None
    unschedule(session, version.tenant_id, version.model_id, keep_version_id=version.id)
    return runtime.start(session, version, data={}, actor=ACTOR, subject=SUBJECT)
