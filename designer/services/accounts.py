"""User, group and tenant administration: every query is scoped to one tenant.

Services change objects and return what changed (field names and ids, never values of
personal data or passwords) so that the views can write the audit row in the same transaction.
They flush, never commit.

Tenants and platform admins: designer/services/tenants.py. Who holds a role or is in a
group: designer/services/people.py.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from designer.models import User, is_citizen_lane
from designer.services import passwords, search
from designer.services.errors import Invalid, Missing
from designer.services.people import STAFF_ROLES, has_role
from engine.models import Tenant

GROUPS_MAX = 50  # groups per person
PAGE_SIZE = 50
SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
MIN_LENGTH = 12  # config PASSWORD_MIN_LENGTH; views pass the configured value


class AccountError(Invalid):
    """A request an admin may not make; `field` names the form field to blame."""

    def __init__(self, field: str, message: object) -> None:
        super().__init__(str(message), fields={field: str(message)})
        self.field = field


def is_citizen_only(user: User) -> bool:
    """True for citizens: they are listed but only their activation is managed here."""
    return not user.has_role(*STAFF_ROLES)


def _search(tenant_id: int, q: str, role: str) -> Any:
    query = select(User).where(User.tenant_id == tenant_id)
    if q:
        query = query.where(or_(search.contains(User.name, q), search.contains(User.username, q)))
    if role:
        query = query.where(has_role(role))
    return query


def users(session: Session, tenant_id: int, q: str = "", role: str = "") -> list[User]:
    """The tenant's users, searched by name or username (Norwegian letters folded) and
    filtered by role, by name; unpaged (see `user_page`)."""
    return list(session.scalars(_search(tenant_id, q, role).order_by(User.name, User.id)))


@dataclass
class UserPage:
    """One page of the admin's user list."""

    users: list[User] = field(default_factory=list)
    page: int = 1
    has_next: bool = False


def user_page(
    session: Session,
    tenant_id: int,
    q: str = "",
    role: str = "",
    page: int = 1,
    size: int = PAGE_SIZE,
) -> UserPage:
    """One page of `users` (roles and groups come with them in one more query each)."""
    page = max(1, page)
    rows = list(
        session.scalars(
            _search(tenant_id, q, role)
            .order_by(User.name, User.id)
            .offset((page - 1) * size)
            .limit(size + 1)
        )
    )
    return UserPage(users=rows[:size], page=page, has_next=len(rows) > size)


def counts(session: Session, tenant_id: int) -> tuple[int, int]:
    """How many users and how many staff users the tenant has."""
    total = session.scalar(select(func.count()).where(User.tenant_id == tenant_id))
    staff = session.scalar(
        select(func.count()).where(User.tenant_id == tenant_id, has_role(*STAFF_ROLES))
    )
    return int(total or 0), int(staff or 0)


def user_for(session: Session, tenant_id: int, user_id: int) -> User:
    """The user `user_id` of this tenant; another tenant's user does not exist here."""
    user = session.get(User, user_id)
    if user is None or user.tenant_id != tenant_id:
        raise Missing(f"user {user_id}")
    return user


def clean_groups(names: Iterable[str]) -> list[str]:
    """Validate and de-duplicate group names, keeping their order."""
    cleaned: list[str] = []
    for raw in names:
        name = " ".join(str(raw).split())
        if not name:
            continue
        if "," in name or len(name) > 100:
            raise AccountError(
                "groups", _l("A group name has no commas and at most 100 characters.")
            )
        if is_citizen_lane(name):
            raise AccountError("groups", _l("The citizen's lane cannot be a staff group."))
        if name not in cleaned:
            cleaned.append(name)
    if len(cleaned) > GROUPS_MAX:
        raise AccountError("groups", _l("Too many groups for one person."))
    return cleaned


def _staff_roles(roles: Iterable[str]) -> list[str]:
    chosen = [r for r in STAFF_ROLES if r in set(roles)]
    if not chosen:
        raise AccountError("roles", _l("Choose at least one role."))
    return chosen


def check_username(session: Session, username: str) -> str:
    username = username.strip()
    if session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        raise AccountError("username", _l("That username is taken."))
    return username


def check_password(
    session: Session, password: str, user: User, *, min_length: int = MIN_LENGTH
) -> str:
    """Return `password` if it meets the password policy for `user`, else raise.

    The policy is designer/services/passwords.py (length, zxcvbn's estimate with the
    person's own words, the username or e-mail address), the same as for password resets.
    """
    tenant = session.get(Tenant, user.tenant_id) if user.tenant_id else None
    problem = passwords.problem(
        password,
        min_length=min_length,
        username=user.username,
        email=user.email,
        user_inputs=passwords.own_words(
            user.username, user.name, user.email, tenant.name if tenant else ""
        ),
    )
    if problem is not None:
        raise AccountError("password", problem.message(min_length, own=False))
    return password


def temporary_password() -> str:
    """A random password (16 URL-safe characters) for an admin to hand over once."""
    return secrets.token_urlsafe(12)


def create_staff(
    session: Session,
    tenant_id: int,
    *,
    username: str,
    name: str,
    email: str,
    roles: Iterable[str],
    groups: Iterable[str],
    password: str,
    min_length: int = MIN_LENGTH,
) -> User:
    """Add a staff user to the tenant with a temporary password."""
    user = User(
        tenant_id=tenant_id,
        username=check_username(session, username),
        name=name.strip(),
        email=email.strip(),
        roles=_staff_roles(roles),
        groups=clean_groups(groups),
    )
    user.set_password(check_password(session, password, user, min_length=min_length))
    session.add(user)
    session.flush()
    return user


def _snapshot(user: User) -> dict[str, Any]:
    return {
        "name": user.name,
        "email": user.email,
        "roles": sorted(user.role_set),
        "groups": sorted(user.group_list),
        "active": bool(user.active),
        "absent": bool(user.absent),
    }


def change_detail(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Audit detail for a user change: the changed field names, and roles and groups
    added or removed (role keys and group names identify, they are not personal data).

    Empty when nothing changed. Never holds a name, e-mail address or password.
    """
    fields = [key for key in before if before[key] != after[key]]
    if not fields:
        return {}
    detail: dict[str, Any] = {"fields": fields}
    for key in ("roles", "groups"):
        added = [v for v in after[key] if v not in before[key]]
        removed = [v for v in before[key] if v not in after[key]]
        if added:
            detail[f"{key}_added"] = added
        if removed:
            detail[f"{key}_removed"] = removed
    return detail


def update_staff(
    actor: User,
    user: User,
    *,
    name: str,
    email: str,
    roles: Iterable[str],
    groups: Iterable[str],
    active: bool,
    absent: bool,
) -> dict[str, Any]:
    """Change a staff user's details; an admin cannot lock themselves out.

    Returns the audit detail of what changed (see `change_detail`).
    """
    if is_citizen_only(user):
        raise AccountError("roles", _l("Citizens are managed through their own login."))
    chosen = _staff_roles(roles)
    if user.id == actor.id and "admin" not in chosen:
        raise AccountError("roles", _l("You cannot remove your own admin role."))
    cleaned = clean_groups(groups)
    before = _snapshot(user)
    set_active(actor, user, active)
    # A staff user who also applies as a citizen keeps that role.
    keep = ["citizen"] if user.has_role("citizen") else []
    user.name = name.strip()
    user.email = email.strip()
    user.roles = keep + chosen
    user.groups = cleaned
    user.absent = absent
    return change_detail(before, _snapshot(user))


def set_active(actor: User, user: User, active: bool) -> bool:
    """Activate or deactivate a user (users are never deleted: history names them).

    Returns True when the user's activity changed.
    """
    if user.id == actor.id and not active:
        raise AccountError("active", _l("You cannot deactivate yourself."))
    changed = bool(user.active) != active
    user.active = active
    return changed


def set_password(
    session: Session, user: User, password: str, *, min_length: int = MIN_LENGTH
) -> None:
    """Give a staff user a new temporary password that meets the password policy."""
    if is_citizen_only(user):
        raise AccountError("password", _l("Citizens are managed through their own login."))
    user.set_password(check_password(session, password, user, min_length=min_length))


def add_member(user: User, group: str) -> bool:
    """Put a staff user into a group; True when they were not in it before."""
    if is_citizen_only(user):
        raise AccountError("user_id", _l("Citizens cannot be members of a staff group."))
    before = user.group_list
    user.groups = clean_groups([*before, group])
    return user.group_list != before


def remove_member(user: User, group: str) -> bool:
    """Take a user out of a group; True when they were in it."""
    before = user.group_list
    user.groups = [g for g in before if g != group]
    return user.group_list != before
