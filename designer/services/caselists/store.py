"""Saving a service's list definitions, and finding the services and lists a person may read.

A save is one conditional UPDATE of the `process_model` row: it is refused (Stale) when the
lists changed since the page was made (`checksum`) or the row changed since this request read
it. Services flush, never commit.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from designer.models import User
from designer.services.caselists import definitions
from designer.services.errors import Invalid, Missing, Stale
from engine.api import begin_write
from engine.models import ProcessModel, utcnow


def checksum(model: ProcessModel) -> str:
    """What the editor page was made from: a change to the lists since then is Stale."""
    text = json.dumps(definitions.lists_of(model), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def save(session: Session, model: ProcessModel, lists: list[Any], seen: str, actor: str) -> None:
    """Store `lists` as the service's definitions; flush.

    Invalid (fields `list-<n>`, nothing stored) when a definition has a problem; Stale when
    someone changed the lists since `seen`.
    """
    found = definitions.problems(lists)
    if found:
        fields: dict[str, str] = {}
        for problem in found:
            name = f"list-{max(problem.index, 0)}"
            fields[name] = (fields[name] + " " if name in fields else "") + problem.message
        raise Invalid(_("The lists are not saved: correct what is marked."), fields=fields)
    if seen != checksum(model):
        raise Stale(_("Someone changed the lists after you opened this page."))
    settings = {**(model.settings or {}), "lists": lists}
    read_at, model_id = model.updated_at, model.id
    now = utcnow()
    if now <= read_at:
        now = read_at + timedelta(microseconds=1)
    begin_write(session)
    done = session.execute(
        update(ProcessModel)
        .where(ProcessModel.id == model_id, ProcessModel.updated_at == read_at)
        .values(settings=settings, updated_at=now, updated_by=actor)
        .execution_options(synchronize_session=False)
    )
    session.expire(model)
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise Stale(_("Someone changed the lists after you opened this page."))
    session.flush()


def model_for(session: Session, tenant_id: int, model_id: int) -> ProcessModel:
    """A service of the tenant, or Missing."""
    model = session.get(ProcessModel, model_id)
    if model is None or model.tenant_id != tenant_id:
        raise Missing(_("No such service."))
    return model


def readable(session: Session, user: User) -> list[tuple[ProcessModel, list[dict[str, Any]]]]:
    """The services of the user's tenant with the lists the user may read (none: left out)."""
    if not definitions.may_read_lists(user):
        return []
    found = []
    models = session.scalars(
        select(ProcessModel)
        .where(ProcessModel.tenant_id == user.tenant_id, ProcessModel.archived.is_(False))
        .order_by(ProcessModel.name_nb, ProcessModel.id)
    )
    for model in models:
        shown = [d for d in definitions.lists_of(model) if definitions.may_see(user, d)]
        if shown:
            found.append((model, shown))
    return found


def menu_models(session: Session, user: User) -> list[ProcessModel]:
    """The services whose menu the user works on (settings subscription.menu_groups)."""
    models = session.scalars(
        select(ProcessModel)
        .where(ProcessModel.tenant_id == user.tenant_id)
        .order_by(ProcessModel.id)
    )
    found = []
    for model in models:
        subscription = (model.settings or {}).get("subscription")
        if not isinstance(subscription, dict):
            continue
        groups = subscription.get("menu_groups") or []
        if user.has_role(*definitions.LEADS) or (
            isinstance(groups, list) and set(user.group_list) & set(groups)
        ):
            found.append(model)
    return found
