"""The process owners' list of services: what it shows, renaming and archiving.

Service names are unique per tenant, ignoring case (Norwegian letters too): two services
citizens cannot tell apart in the catalogue are refused with a field error.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from designer.services.errors import Invalid
from designer.services.search import folded
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


def name_taken(
    session: Session, tenant_id: int, name: str, except_model_id: int | None = None
) -> bool:
    """Whether another service of the tenant has `name` in any language (any case)."""
    wanted = name.strip().lower()
    query = select(ProcessModel.id).where(
        ProcessModel.tenant_id == tenant_id, folded(ProcessModel.name_nb) == wanted
    )
    others = select(ProcessModel.card_texts).where(ProcessModel.tenant_id == tenant_id)
    if except_model_id is not None:
        query = query.where(ProcessModel.id != except_model_id)
        others = others.where(ProcessModel.id != except_model_id)
    if session.scalar(query.limit(1)) is not None:
        return True
    return any(
        str((card or {}).get("name") or "").strip().lower() == wanted
        for texts in session.scalars(others)
        for card in (texts or {}).values()
    )


def refuse_taken(
    session: Session, tenant_id: int, name: str, except_model_id: int | None = None
) -> None:
    """Raise Invalid (field `name`) when another service of the tenant has `name`."""
    if name_taken(session, tenant_id, name, except_model_id):
        message = _("Another service already has this name. Choose a name citizens can tell apart.")
        raise Invalid(message, code="name_taken", fields={"name": message})


def rename(
    session: Session, model: ProcessModel, name: str, others: dict[str, str], actor: str
) -> None:
    """Rename a service: its own name and, in `others`, its names in other languages; flush.

    Raises Invalid when another service of the tenant has one of the names.
    """
    for text in {name, *others.values()} - {""}:
        refuse_taken(session, model.tenant_id, text, model.id)
    model.name_nb = name
    texts = {k: dict(v) for k, v in (model.card_texts or {}).items()}
    for lang, text in others.items():
        own = (
            {**texts.get(lang, {}), "name": text} if text and text != name else texts.get(lang, {})
        )
        own = {k: v for k, v in own.items() if v and not (k == "name" and v == name)}
        if own:
            texts[lang] = own
        else:
            texts.pop(lang, None)
    model.card_texts = texts
    model.updated_by = actor
    session.flush()


def archive(session: Session, model: ProcessModel, archived: bool, actor: str) -> None:
    """Archive (or bring back) a service; archived services leave the catalogue; flush."""
    model.archived = archived
    model.updated_by = actor
    session.flush()
