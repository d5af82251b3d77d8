"""User, group and tenant administration: every query is scoped to one tenant.

Services change objects and return what changed (field names and ids, never values of
personal data or passwords) so that the views can write the audit row in the same transaction.

Who is a platform super-admin (may list and create tenants): a user with the `admin` role
in the platform tenant, whose slug is config `PLATFORM_TENANT` (env FLYTVERK_PLATFORM_TENANT),
falling back to `DEFAULT_TENANT`. Everything else an admin does stays inside their own tenant.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from designer.identity import login_security
from designer.models import ROLES, User
from designer.services.drafts import lanes
from designer.services.lanes import is_citizen_lane
from engine.errors import NotFound
from engine.models import ProcessModel, ProcessVersion, Tenant

STAFF_ROLES = tuple(r for r in ROLES if r != "citizen")
GROUPS_MAX = 500  # the width of user_account.groups
SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


class AccountError(ValueError):
    """A request an admin may not make; `field` names the form field to blame."""

    def __init__(self, field: str, message: object) -> None:
        super().__init__(str(message))
        self.field = field
        self.message = str(message)


def is_citizen_only(user: User) -> bool:
    """True for citizens: they are listed but only their activation is managed here."""
    return not user.has_role(*STAFF_ROLES)


def platform_slug(config: dict[str, object]) -> str:
    """Slug of the tenant whose admins manage tenants."""
    return str(config.get("PLATFORM_TENANT") or config["DEFAULT_TENANT"])


def is_super_admin(session: Session, user: User, slug: str) -> bool:
    """True when `user` is an admin in the platform tenant `slug`."""
    if not user.has_role("admin"):
        return False
    tenant = session.get(Tenant, user.tenant_id)
    return tenant is not None and tenant.slug == slug


def users(session: Session, tenant_id: int, q: str = "", role: str = "") -> list[User]:
    """The tenant's users, searched by name or username and filtered by role."""
    query = select(User).where(User.tenant_id == tenant_id)
    if q:
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(User.name.ilike(like, escape="\\"), User.username.ilike(like, escape="\\"))
        )
    users = session.scalars(query.order_by(User.name, User.id)).all()
    # Roles live in a comma list; filter in Python so 'admin' never matches a longer name.
    return [u for u in users if not role or u.has_role(role)]


def user_for(session: Session, tenant_id: int, user_id: int) -> User:
    """The user `user_id` of this tenant; another tenant's user does not exist here."""
    user = session.get(User, user_id)
    if user is None or user.tenant_id != tenant_id:
        raise NotFound(f"user {user_id}")
    return user


def offered_groups(session: Session, tenant_id: int) -> list[str]:
    """Group names to offer: lanes of the tenant's services and groups already in use."""
    names: set[str] = set()
    models = session.scalars(
        select(ProcessModel).where(
            ProcessModel.tenant_id == tenant_id, ProcessModel.archived.is_(False)
        )
    ).all()
    for model in models:
        names.update(lanes(model.draft_bpmn or ""))
        if model.published_version_id:
            version = session.get(ProcessVersion, model.published_version_id)
            if version is not None and version.tenant_id == tenant_id:
                names.update(lanes(version.bpmn))
    for user in users(session, tenant_id):
        names.update(user.group_list)
    return sorted((n for n in names if not is_citizen_lane(n)), key=str.casefold)


def groups_with_members(session: Session, tenant_id: int) -> dict[str, list[User]]:
    """Each group of the tenant with its members (empty groups included)."""
    members: dict[str, list[User]] = {name: [] for name in offered_groups(session, tenant_id)}
    for user in users(session, tenant_id):
        for group in user.group_list:
            members.setdefault(group, []).append(user)
    return members


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
    if len(",".join(cleaned)) > GROUPS_MAX:
        raise AccountError("groups", _l("Too many groups for one person."))
    return cleaned


def _staff_roles(roles: Iterable[str]) -> list[str]:
    chosen = [r for r in STAFF_ROLES if r in set(roles)]
    if not chosen:
        raise AccountError("roles", _l("Choose at least one role."))
    return chosen


def _check_username(session: Session, username: str) -> str:
    username = username.strip()
    if session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        raise AccountError("username", _l("That username is taken."))
    return username


def check_password(password: str, user: User | None = None) -> str:
    """Return `password` if it meets the password policy for `user`, else raise.

    The policy lives in `login_security.password_problem` (length, common passwords, too few
    distinct characters, the username or e-mail address), the same as for password resets.
    """
    problem = login_security.password_problem(password, user)
    if problem == "short":
        count = int(login_security.setting("PASSWORD_MIN_LENGTH"))
        raise AccountError(
            "password", _l("The password must be at least %(count)d characters long.", count=count)
        )
    if problem == "personal":
        raise AccountError(
            "password", _l("The password must not be the person's username or e-mail address.")
        )
    if problem is not None:
        raise AccountError(
            "password", _l("That password is too common. Choose one that is harder to guess.")
        )
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
) -> User:
    """Add a staff user to the tenant with a temporary password."""
    user = User(
        tenant_id=tenant_id,
        username=_check_username(session, username),
        name=name.strip(),
        email=email.strip(),
        roles=",".join(_staff_roles(roles)),
        groups=",".join(clean_groups(groups)),
    )
    user.set_password(check_password(password, user))
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
    user.roles = ",".join(keep + chosen)
    user.groups = ",".join(cleaned)
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


def set_password(user: User, password: str) -> None:
    """Give a staff user a new temporary password that meets the password policy."""
    if is_citizen_only(user):
        raise AccountError("password", _l("Citizens are managed through their own login."))
    user.set_password(check_password(password, user))


def add_member(user: User, group: str) -> bool:
    """Put a staff user into a group; True when they were not in it before."""
    if is_citizen_only(user):
        raise AccountError("user_id", _l("Citizens cannot be members of a staff group."))
    before = user.group_list
    user.groups = ",".join(clean_groups([*before, group]))
    return user.group_list != before


def remove_member(user: User, group: str) -> bool:
    """Take a user out of a group; True when they were in it."""
    before = user.group_list
    user.groups = ",".join(g for g in before if g != group)
    return user.group_list != before


def tenants(session: Session) -> list[tuple[Tenant, int]]:
    """All tenants with how many users each has."""
    counts = dict(
        session.execute(select(User.tenant_id, func.count()).group_by(User.tenant_id)).all()
    )
    rows = session.scalars(select(Tenant).order_by(Tenant.name)).all()
    return [(t, int(counts.get(t.id, 0))) for t in rows]


def create_tenant(
    session: Session,
    *,
    slug: str,
    name: str,
    admin_username: str,
    admin_name: str,
    admin_email: str,
    password: str,
) -> tuple[Tenant, User]:
    """Create a municipality and its first admin."""
    slug = slug.strip().lower()
    if not SLUG.match(slug):
        raise AccountError("slug", _l("Use lowercase letters, digits and hyphens."))
    if session.scalar(select(Tenant.id).where(Tenant.slug == slug)):
        raise AccountError("slug", _l("That short name is taken."))
    username = _check_username(session, admin_username)
    tenant = Tenant(slug=slug, name=name.strip())
    session.add(tenant)
    session.flush()
    admin = create_staff(
        session,
        tenant.id,
        username=username,
        name=admin_name,
        email=admin_email,
        roles=["admin"],
        groups=[],
        password=password,
    )
    return tenant, admin
