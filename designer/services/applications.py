"""The catalogue, citizens' unfinished applications and the files attached to cases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from designer.models import ApplicationDraft, Attachment, User
from designer.services.cases import instance_for_caseworker
from engine import api as engine
from engine.errors import NotFound
from engine.models import Instance, ProcessModel, ProcessVersion, utcnow

DRAFT_SKIP = {"csrf_token", "save_draft", "nav", "submission_key"}


def open_for_application(session: Session, tenant_id: int) -> list[ProcessModel]:
    """The catalogue: published services with an application form.

    Services started by a message (a proactive offer) have none: citizens do not apply for
    them, they answer them under "My cases".
    """
    rows = session.execute(
        select(ProcessModel, ProcessVersion)
        .join(ProcessVersion, ProcessVersion.id == ProcessModel.published_version_id)
        .where(ProcessModel.tenant_id == tenant_id, ProcessModel.archived.is_(False))
        .order_by(ProcessModel.name_nb)
    ).all()
    return [model for model, version in rows if engine.spec_for(version).start_form]


def save_application_draft(
    session: Session, user: User, model: ProcessModel, formdata: Any, draft_id: int | None
) -> ApplicationDraft:
    """Keep what the citizen has typed so far (files are not kept in drafts)."""
    draft = application_draft(session, user, draft_id) if draft_id else None
    if draft is None:
        draft = ApplicationDraft(tenant_id=user.tenant_id, owner=user.actor, model_id=model.id)
        session.add(draft)
    draft.formdata = [
        [k, v] for k, v in formdata.items(multi=True) if k not in DRAFT_SKIP and isinstance(v, str)
    ]
    draft.updated_at = utcnow()
    session.flush()
    return draft


def application_draft(session: Session, user: User, draft_id: int) -> ApplicationDraft:
    """One of the citizen's own drafts, or NotFound."""
    draft = session.get(ApplicationDraft, draft_id)
    if draft is None or draft.owner != user.actor or draft.tenant_id != user.tenant_id:
        raise NotFound("No such draft.")
    return draft


def my_drafts(session: Session, user: User) -> list[ApplicationDraft]:
    """The citizen's unfinished applications, newest first."""
    return list(
        session.scalars(
            select(ApplicationDraft)
            .where(
                ApplicationDraft.owner == user.actor, ApplicationDraft.tenant_id == user.tenant_id
            )
            .order_by(ApplicationDraft.updated_at.desc())
        )
    )


def delete_draft(session: Session, user: User, draft_id: int) -> None:
    """Throw a draft away (flushed; the caller commits)."""
    session.delete(application_draft(session, user, draft_id))
    session.flush()


def attachments_of(session: Session, instance: Instance) -> list[Attachment]:
    """Files attached to a case."""
    return list(
        session.scalars(
            select(Attachment).where(Attachment.instance_id == instance.id).order_by(Attachment.id)
        )
    )


def attachment_for(session: Session, user: User, attachment_id: int) -> Attachment:
    """An attachment the user may download: the applicant, or staff who work the case."""
    attachment = session.get(Attachment, attachment_id)
    if (
        attachment is None
        or attachment.tenant_id != user.tenant_id
        or attachment.instance_id is None
    ):
        raise NotFound("No such file.")
    instance = session.get(Instance, attachment.instance_id)
    assert instance is not None
    if instance.owner == user.actor:
        return attachment
    if instance.is_test and user.has_role("process_owner"):
        return attachment
    if user.has_role("caseworker"):
        instance_for_caseworker(session, user, instance.id)  # 403 outside the case's groups
        return attachment
    raise NotFound("No such file.")
