"""The process owners' list of services: what it shows, renaming and archiving."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.models import Instance, ProcessModel, ProcessVersion


@dataclass
class Listing:
    """The tenant's services, their running cases and their live version numbers, by model id."""

    models: list[ProcessModel]
    running: dict[int, int]
    live: dict[int, int]


def listing(session: Session, tenant_id: int) -> Listing:
    """Three queries however many services the tenant has."""
    models = list(
        session.scalars(
            select(ProcessModel)
            .where(ProcessModel.tenant_id == tenant_id)
            .order_by(ProcessModel.archived, ProcessModel.name_nb)
        )
    )
    running: dict[int, int] = {
        model_id: count
        for model_id, count in session.execute(
            select(ProcessVersion.model_id, func.count(Instance.id))
            .join(Instance, Instance.version_id == ProcessVersion.id)
            .where(
                Instance.tenant_id == tenant_id,
                Instance.is_test.is_(False),
                Instance.status.in_(("running", "incident")),
            )
            .group_by(ProcessVersion.model_id)
        )
    }
    live: dict[int, int] = {
        model_id: number
        for model_id, number in session.execute(
            select(ProcessVersion.model_id, ProcessVersion.number)
            .join(ProcessModel, ProcessModel.published_version_id == ProcessVersion.id)
            .where(ProcessModel.tenant_id == tenant_id, ProcessVersion.number.is_not(None))
        )
        if number is not None
    }
    return Listing(models, running, live)


def rename(session: Session, model: ProcessModel, name_nb: str, name_en: str, actor: str) -> None:
    """Rename a service (bokmål, and English or the bokmål name again); flush."""
    model.name_nb, model.name_en = name_nb, name_en or name_nb
    model.updated_by = actor
    session.flush()


def archive(session: Session, model: ProcessModel, archived: bool, actor: str) -> None:
    """Archive (or bring back) a service; archived services leave the catalogue; flush."""
    model.archived = archived
    model.updated_by = actor
    session.flush()
