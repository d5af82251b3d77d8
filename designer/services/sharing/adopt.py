"""Taking a shared service into use (*Ta i bruk*): the adopter's own service from the origin's.

The adopter maps each group of the origin's tasks to a group of its own (or names a new
one, which its administrator fills with people), sets each parameter (the origin's value is
the suggestion), and sees that every connector the service calls is there. The result is a
new, unpublished service of the adopter's that follows the origin's version: its draft is
the origin's with the groups mapped and the adopter's values in parameters.json, its
settings name the origin (`settings["origin"]`). Publishing it is the process owner's next
step (after previewing the form and the letter).

A repeated submission (the same submission key) finds the service the first one made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from designer.models import Adoption, is_citizen_lane
from designer.services import submissions
from designer.services.errors import Forbidden, Invalid, Missing
from designer.services.packages import install_draft, map_groups, map_settings_groups
from designer.services.sharing import values
from designer.services.sharing.catalogue import Connector, Offer, is_own
from designer.services.sharing.following import FOLLOWING, ORIGIN
from engine.models import ProcessModel, Tenant

MAX_GROUP = 100


@dataclass
class Choices:
    """What the adopter chose: origin group -> own group, parameter name -> value."""

    groups: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)


def scope(shared_id: int) -> str:
    """The submission-key scope of adopting one shared service."""
    return f"adopt:{shared_id}"


def group_error(name: str) -> str | None:
    """What is wrong with a new group's name (None: it will do)."""
    if not name:
        return _("Name the new group, or choose one of your groups.")
    if "," in name or len(name) > MAX_GROUP or name.startswith("="):
        return _("A group name has no commas and at most 100 characters.")
    if is_citizen_lane(name):
        return _("The citizen's lane cannot be a staff group.")
    return None


def read_groups(
    origin: list[str], own: list[str], typed: dict[str, tuple[str, str]]
) -> tuple[dict[str, str], dict[str, str]]:
    """The mapping the adopter chose and the error of each group that has none.

    `typed` holds, per origin group, the own group chosen ("" for a new one) and the new
    group's name.
    """
    mapping: dict[str, str] = {}
    errors: dict[str, str] = {}
    for group in origin:
        chosen, new = typed.get(group, ("", ""))
        chosen, new = " ".join(chosen.split()), " ".join(new.split())
        if chosen:
            if chosen in own:
                mapping[group] = chosen
            else:
                errors[group] = _("Choose one of your groups, or name a new one.")
            continue
        problem = group_error(new)
        if problem:
            errors[group] = problem
        else:
            mapping[group] = new
    return mapping, errors


def suggested_group(group: str, own: list[str]) -> str:
    """The own group offered first for an origin group: one with the same name."""
    return next((g for g in own if g.casefold() == group.casefold()), "")


def existing(session: Session, tenant_id: int, shared_id: int) -> ProcessModel | None:
    """The municipality's service that follows `shared_id` already (not archived)."""
    return session.scalar(
        select(ProcessModel)
        .join(Adoption, Adoption.model_id == ProcessModel.id)
        .where(
            Adoption.tenant_id == tenant_id,
            Adoption.shared_id == shared_id,
            Adoption.status == FOLLOWING,
            ProcessModel.archived.is_(False),
        )
    )


def missing_connectors(found: list[Connector]) -> list[Connector]:
    """The connectors a service needs that this installation cannot call."""
    return [c for c in found if not c.available]


def origin_mark(item: Offer) -> dict[str, Any]:
    """What `settings["origin"]` says of a followed service."""
    return {
        "tenant": item.origin.slug,
        "municipality": item.origin.name,
        "key": item.model.key,
        "shared_id": item.shared.id,
    }


def adopt(
    session: Session,
    tenant: Tenant,
    item: Offer,
    choices: Choices,
    actor: str,
    submission_key: str,
    connectors: list[Connector],
) -> tuple[ProcessModel, bool]:
    """The adopter's new service following `item`, and True when this call made it (False:
    a repeated submission, its first service). Flushed; the caller audits and commits."""
    if is_own(item, tenant.id):
        raise Forbidden(_("This is your own municipality's service: you cannot adopt it."))
    lacking = missing_connectors(connectors)
    if lacking:
        raise Invalid(
            _(
                "The service calls connectors this installation does not have: %(names)s. "
                "Ask your administrator to set them up before you adopt it.",
                names=", ".join(c.label for c in lacking),
            ),
            code="connector_missing",
        )
    package = item.package(session)
    try:
        files = values.with_values(package.version_files(), choices.values)
    except ValueError as err:
        raise Invalid(str(err), code="parameters_invalid") from None
    number, mark, shared_id = item.number, origin_mark(item), item.shared.id
    row, first = submissions.claim(session, tenant.id, scope(shared_id), submission_key, actor)
    if not first:
        earlier = session.get(ProcessModel, int((row.response or {}).get("model_id") or 0))
        if earlier is None or earlier.tenant_id != tenant.id:
            raise Missing(_("No such process."))
        return earlier, False
    if existing(session, tenant.id, shared_id) is not None:
        raise Invalid(_("Your municipality uses this service already."), code="adopted")
    model = install_draft(session, tenant, package, actor)
    model.draft_bpmn = map_groups(model.draft_bpmn, choices.groups)
    model.draft_files = files
    settings = map_settings_groups(dict(model.settings or {}), dict(choices.groups))
    settings[ORIGIN] = mark
    model.settings = settings
    session.add(
        Adoption(
            tenant_id=tenant.id,
            model_id=model.id,
            shared_id=shared_id,
            origin_version=number,
            group_map=dict(choices.groups),
            status=FOLLOWING,
            adopted_by=actor,
        )
    )
    session.flush()
    submissions.settle(session, row, response={"model_id": model.id})
    return model, True
