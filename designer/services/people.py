"""Who is who: users by role and group, colleagues, and the groups of a tenant.

Queries join the `user_role` and `group_member` tables instead of loading every user.
Plain functions over a session; they never commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from designer.models import ROLES, GroupMember, User, UserRole, is_citizen_lane
from designer.services.drafts import lanes
from engine.models import ProcessModel, ProcessVersion

STAFF_ROLES = tuple(r for r in ROLES if r != "citizen")
GROUP_PAGE_SIZE = 20


def has_role(*roles: str) -> ColumnElement[bool]:
    """A WHERE clause: the user holds one of `roles`."""
    return User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(roles)))


def users_with_role(session: Session, tenant_id: int, *roles: str) -> list[User]:
    """Active users of the tenant holding one of `roles`, by name."""
    return list(
        session.scalars(
            select(User)
            .where(User.tenant_id == tenant_id, User.active.is_(True), has_role(*roles))
            .order_by(User.name, User.id)
        )
    )


def users_in_group(
    session: Session, tenant_id: int, group: str, role: str = "caseworker"
) -> list[User]:
    """Active users of the tenant in `group` who hold `role` (any role when empty)."""
    query = (
        select(User)
        .join(GroupMember, GroupMember.user_id == User.id)
        .where(
            GroupMember.tenant_id == tenant_id,
            GroupMember.group_name == group,
            User.tenant_id == tenant_id,
            User.active.is_(True),
        )
        .order_by(User.name, User.id)
    )
    if role:
        query = query.where(has_role(role))
    return list(session.scalars(query))


def members_of(
    session: Session, tenant_id: int, groups: list[str], role: str = "caseworker"
) -> list[User]:
    """Active users of the tenant in any of `groups` who hold `role` (the daily digest)."""
    if not groups:
        return []
    return list(
        session.scalars(
            select(User)
            .where(
                User.tenant_id == tenant_id,
                User.active.is_(True),
                has_role(role),
                User.id.in_(
                    select(GroupMember.user_id).where(
                        GroupMember.tenant_id == tenant_id, GroupMember.group_name.in_(groups)
                    )
                ),
            )
            .order_by(User.id)
        )
    )


def colleagues(session: Session, user: User) -> list[User]:
    """Active caseworkers who share at least one group with `user` (themselves included)."""
    mine = user.group_list
    if not mine:
        return []
    return list(
        session.scalars(
            select(User)
            .where(
                User.tenant_id == user.tenant_id,
                User.active.is_(True),
                has_role("caseworker"),
                User.id.in_(
                    select(GroupMember.user_id).where(
                        GroupMember.tenant_id == user.tenant_id,
                        GroupMember.group_name.in_(mine),
                    )
                ),
            )
            .order_by(User.name, User.id)
        )
    )


def staff(session: Session, tenant_id: int) -> list[User]:
    """Every staff user of the tenant (active or not), by name."""
    return list(
        session.scalars(
            select(User)
            .where(User.tenant_id == tenant_id, has_role(*STAFF_ROLES))
            .order_by(User.name, User.id)
        )
    )


def offered_groups(session: Session, tenant_id: int) -> list[str]:
    """Group names to offer: lanes of the tenant's services and groups already in use."""
    names: set[str] = set()
    models = session.scalars(
        select(ProcessModel).where(
            ProcessModel.tenant_id == tenant_id, ProcessModel.archived.is_(False)
        )
    ).all()
    version_ids = [m.published_version_id for m in models if m.published_version_id]
    for model in models:
        names.update(lanes(model.draft_bpmn or ""))
    if version_ids:
        for bpmn in session.scalars(
            select(ProcessVersion.bpmn).where(
                ProcessVersion.id.in_(version_ids), ProcessVersion.tenant_id == tenant_id
            )
        ):
            names.update(lanes(bpmn))
    names.update(
        session.scalars(
            select(GroupMember.group_name).where(GroupMember.tenant_id == tenant_id).distinct()
        )
    )
    return sorted((n for n in names if not is_citizen_lane(n)), key=str.casefold)


@dataclass
class GroupPage:
    """One page of groups, each with its members."""

    members: dict[str, list[User]] = field(default_factory=dict)
    page: int = 1
    pages: int = 1

    @property
    def has_next(self) -> bool:
        """Whether a next page exists."""
        return self.page < self.pages


def groups_with_members(
    session: Session, tenant_id: int, page: int = 1, size: int = GROUP_PAGE_SIZE
) -> GroupPage:
    """One page of the tenant's groups (empty ones included), each with its members."""
    names = offered_groups(session, tenant_id)
    pages = max(1, -(-len(names) // size))
    page = max(1, min(page, pages))
    shown = names[(page - 1) * size : page * size]
    members: dict[str, list[User]] = {name: [] for name in shown}
    if shown:
        rows = session.execute(
            select(GroupMember.group_name, User)
            .join(User, User.id == GroupMember.user_id)
            .where(GroupMember.tenant_id == tenant_id, GroupMember.group_name.in_(shown))
            .order_by(User.name, User.id)
        ).all()
        for name, user in rows:
            members[name].append(user)
    return GroupPage(members=members, page=page, pages=pages)
