"""Sharing a published service with the other municipalities, and what they see of it.

Another municipality sees a shared service only while it is shared (`active`) and its
origin has a version live: the live version's name, description, parameters, groups,
connectors and rules, the origin municipality's name and how many municipalities use it.
Never the origin's cases, people, figures or who published what.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from designer.models import Adoption, SharedService
from designer.services.errors import Invalid, Missing
from designer.services.packages import Package, of_version
from designer.services.sharing.following import FOLLOWING, adoption_of
from engine.api import Registry, host_allowed
from engine.models import ProcessModel, ProcessVersion, Tenant, utcnow

MAX_NOTE = 2000


@dataclass
class Offer:
    """A shared service as other municipalities see it (its live version)."""

    shared: SharedService
    model: ProcessModel
    version: ProcessVersion
    origin: Tenant
    users: int = 0  # municipalities that use it
    _package: Package | None = field(default=None, repr=False)

    @property
    def number(self) -> int:
        """The number of the origin's live version."""
        return int(self.version.number or 0)

    def package(self, session: Session) -> Package:
        """The live version as a package (its manifest says what an adopter binds)."""
        if self._package is None:
            self._package = of_version(session, self.version, self.shared.licence)
        return self._package


@dataclass
class Connector:
    """A connector the service calls, and whether this installation can call it."""

    name: str
    label: str
    known: bool
    hosts: list[tuple[str, bool]] = field(default_factory=list)  # (host, allowed)

    @property
    def available(self) -> bool:
        """Whether a service calling it works here."""
        return self.known and all(ok for _host, ok in self.hosts)


def shared_of(session: Session, model_id: int) -> SharedService | None:
    """The sharing row of a municipality's own service (None: never shared)."""
    return session.scalar(select(SharedService).where(SharedService.model_id == model_id))


def can_share(session: Session, model: ProcessModel) -> bool:
    """A live service of the municipality's own (not one it follows from another)."""
    if model.published_version_id is None or model.archived:
        return False
    adoption = adoption_of(session, model.id)
    return adoption is None or adoption.status != FOLLOWING


def share(session: Session, model: ProcessModel, actor: str, note: str = "") -> SharedService:
    """Offer the service to the other municipalities (again); flushed."""
    if not can_share(session, model):
        raise Invalid(
            _(
                "Only a published service of your own can be shared. A service you follow "
                "from another municipality is shared by that municipality."
            ),
            code="share_not_allowed",
        )
    shared = shared_of(session, model.id)
    if shared is None:
        shared = SharedService(tenant_id=model.tenant_id, model_id=model.id, shared_by=actor)
        session.add(shared)
    shared.active, shared.shared_by, shared.shared_at = True, actor, utcnow()
    shared.note = note.strip()[:MAX_NOTE]
    session.flush()
    return shared


def unshare(session: Session, model: ProcessModel) -> SharedService:
    """Withdraw the service from the shared catalogue (adopters keep what they have)."""
    shared = shared_of(session, model.id)
    if shared is None or not shared.active:
        raise Invalid(_("The service is not shared."), code="not_shared")
    shared.active = False
    session.flush()
    return shared


def usage(session: Session, shared_ids: list[int]) -> dict[int, int]:
    """How many municipalities use each shared service (adopted, followed or copied)."""
    if not shared_ids:
        return {}
    rows = session.execute(
        select(Adoption.shared_id, func.count(func.distinct(Adoption.tenant_id)))
        .where(Adoption.shared_id.in_(shared_ids))
        .group_by(Adoption.shared_id)
    )
    return {int(shared_id): int(count) for shared_id, count in rows}


def _offered(session: Session) -> Any:
    return (
        select(SharedService, ProcessModel, ProcessVersion, Tenant)
        .join(ProcessModel, SharedService.model_id == ProcessModel.id)
        .join(ProcessVersion, ProcessVersion.id == ProcessModel.published_version_id)
        .join(Tenant, Tenant.id == SharedService.tenant_id)
        .where(
            SharedService.active.is_(True),
            ProcessModel.archived.is_(False),
            ProcessModel.tenant_id == SharedService.tenant_id,
            ProcessVersion.model_id == ProcessModel.id,
        )
    )


def offers(session: Session, tenant_id: int) -> list[Offer]:
    """The services other municipalities share now, by origin and name."""
    found = [
        Offer(shared, model, version, origin)
        for shared, model, version, origin in session.execute(
            _offered(session).where(SharedService.tenant_id != tenant_id)
        )
    ]
    counts = usage(session, [o.shared.id for o in found])
    for item in found:
        item.users = counts.get(item.shared.id, 0)
    return sorted(found, key=lambda o: (o.origin.name.casefold(), o.model.name_nb.casefold()))


def offer(session: Session, tenant_id: int, shared_id: int) -> Offer:
    """One shared service as `tenant_id` sees it; Missing unless it is offered now (a
    municipality's own shared service is found too: `is_own` tells)."""
    row = session.execute(_offered(session).where(SharedService.id == shared_id)).first()
    if row is None:
        raise Missing(_("No such shared service."))
    found = Offer(row[0], row[1], row[2], row[3])
    found.users = usage(session, [shared_id]).get(shared_id, 0)
    return found


def is_own(item: Offer, tenant_id: int) -> bool:
    """Whether the shared service is `tenant_id`'s own."""
    return item.shared.tenant_id == tenant_id


def published(session: Session, shared: SharedService, number: int) -> ProcessVersion:
    """A published version of a shared service (for the comparison of an update)."""
    version = session.scalar(
        select(ProcessVersion).where(
            ProcessVersion.model_id == shared.model_id,
            ProcessVersion.tenant_id == shared.tenant_id,
            ProcessVersion.number == number,
            ProcessVersion.is_test.is_(False),
            ProcessVersion.published_at.is_not(None),
        )
    )
    if version is None:
        raise Missing(_("Version %(n)s does not exist.", n=number))
    return version


def visible(session: Session, tenant_id: int, shared_id: int) -> SharedService:
    """A shared service `tenant_id` may read published versions of: offered now, or one
    the municipality has adopted; Missing otherwise."""
    shared = session.get(SharedService, shared_id)
    if shared is None:
        raise Missing(_("No such shared service."))
    if shared.active:
        return shared
    adopted = session.scalar(
        select(Adoption.id).where(Adoption.shared_id == shared_id, Adoption.tenant_id == tenant_id)
    )
    if adopted is None:
        raise Missing(_("No such shared service."))
    return shared


def connectors(
    needed: list[dict[str, Any]], registry: Registry | None, hosts: list[str], lang: str
) -> list[Connector]:
    """Each connector a package needs, with whether this installation has it (and, for the
    HTTP connector, whether each host it calls is allowed)."""
    found = []
    for item in needed:
        name = str(item.get("name") or "")
        connector = registry.get(name) if registry is not None else None
        label = name
        if connector is not None:
            label = str(connector.label_en if lang == "en" else connector.label_nb)
        found.append(
            Connector(
                name=name,
                label=label,
                known=connector is not None,
                hosts=[(str(h), host_allowed(str(h), hosts)) for h in item.get("hosts") or []],
            )
        )
    return found
