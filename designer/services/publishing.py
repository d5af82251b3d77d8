"""Publishing a draft (and hiding it again), test-run snapshots and the version history.

Publishing takes the model's row lock before it numbers the version, so two publishes at
once get numbers one after the other instead of one failing on the unique constraint. The
caller adds the audit row and changes the timer-start schedule in the same transaction.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from designer.services.catalog import card_problems
from designer.services.draftchecks import problems
from engine.api import Registry, begin_write, bpmn, parameter_values, schedules
from engine.errors import Conflict, ModelInvalid, NotFound
from engine.models import ProcessModel, ProcessVersion, utcnow


def _snapshot(model: ProcessModel, actor: str, number: int | None, comment: str) -> ProcessVersion:
    parsed = bpmn.parse(
        {"process.bpmn": model.draft_bpmn},
        {k: v for k, v in model.draft_files.items() if k.endswith(".dmn")},
        form_names={k[6:] for k in model.draft_files if k.startswith("forms/")},
        values=parameter_values(model.draft_files),
    )
    return ProcessVersion(
        tenant_id=model.tenant_id,
        model_id=model.id,
        number=number,
        is_test=number is None,
        process_id=parsed.process_id,
        bpmn=model.draft_bpmn,
        files=dict(model.draft_files),
        content_hash=parsed.content_hash,
        comment=comment,
        created_by=actor,
        published_at=None if number is None else utcnow(),
    )


def _lock(session: Session, model: ProcessModel, actor: str) -> None:
    # A write to the model's row: a second publisher waits here until the first commits.
    begin_write(session)
    session.execute(
        update(ProcessModel)
        .where(ProcessModel.id == model.id)
        .values(updated_by=actor, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.expire(model)


def publish(
    session: Session,
    model: ProcessModel,
    actor: str,
    comment: str,
    registry: Registry | None = None,
) -> ProcessVersion:
    """Freeze the draft as the next published version; refuse a draft with problems.

    The catalogue card counts too: a service citizens apply for is never published without
    the start form, name and description that make it appear in the catalogue.

    Flushes only: the caller records the audit row, calls `schedule` and commits.
    """
    _lock(session, model, actor)
    found = problems(model.draft_bpmn, model.draft_files, registry) + card_problems(model)
    if found:
        raise ModelInvalid(found)
    number = (
        session.scalar(
            select(func.max(ProcessVersion.number)).where(ProcessVersion.model_id == model.id)
        )
        or 0
    ) + 1
    version = _snapshot(model, actor, number, comment)
    try:
        with session.begin_nested():
            session.add(version)
            session.flush()
    except IntegrityError:
        raise Conflict(_("Someone else published this process at the same time.")) from None
    model.published_version_id = version.id
    session.flush()
    return version


def schedule(session: Session, version: ProcessVersion) -> None:
    """Start (or stop) the timer-start schedule of a just-published version.

    The engine commits the caller's pending work (the new version, its audit row) with its
    first transition, so publishing and its schedule change are one transaction.
    """
    begin_write(session)  # marks the pending work as the caller's: the engine keeps it
    schedules.schedule(session, version)


def unpublish(session: Session, model: ProcessModel, actor: str) -> None:
    """Hide the service from the catalogue and stop its schedule; running cases go on."""
    model.published_version_id = None
    model.updated_by = actor
    session.flush()


def unschedule(session: Session, model: ProcessModel) -> None:
    """Cancel the service's waiting timer-start schedules (with the caller's pending work)."""
    begin_write(session)  # marks the pending work as the caller's: the engine keeps it
    schedules.unschedule(session, model.tenant_id, model.id)


def test_snapshot(
    session: Session, model: ProcessModel, actor: str, registry: Registry | None = None
) -> ProcessVersion:
    """An unlisted snapshot of the draft for a test run (never published or listed)."""
    found = problems(model.draft_bpmn, model.draft_files, registry)
    if found:
        raise ModelInvalid(found)
    version = _snapshot(model, actor, None, "test run")
    for earlier in session.scalars(
        select(ProcessVersion).where(
            ProcessVersion.model_id == model.id,
            ProcessVersion.is_test.is_(True),
            ProcessVersion.content_hash == version.content_hash,
        )
    ):
        if earlier.bpmn == version.bpmn and earlier.files == version.files:
            return earlier
    session.add(version)
    session.flush()
    return version


def versions(session: Session, model: ProcessModel) -> list[ProcessVersion]:
    """Published versions, newest first."""
    return list(
        session.scalars(
            select(ProcessVersion)
            .where(ProcessVersion.model_id == model.id, ProcessVersion.number.is_not(None))
            .order_by(ProcessVersion.number.desc())
        )
    )


def version(session: Session, model: ProcessModel, number: int) -> ProcessVersion:
    """One published version of a model, or NotFound."""
    found = session.scalar(
        select(ProcessVersion).where(
            ProcessVersion.model_id == model.id, ProcessVersion.number == number
        )
    )
    if found is None:
        raise NotFound(_("Version %(n)s does not exist.", n=number))
    return found
