"""Municipalities (tenants) and the platform admins who manage them.

Who is a platform super-admin (may list and create tenants): a user with the `admin` role
in the platform tenant, whose slug is config `PLATFORM_TENANT` (env FLYTVERK_PLATFORM_TENANT),
falling back to `DEFAULT_TENANT`.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from designer.models import User
from designer.services.accounts import (
    MIN_LENGTH,
    SLUG,
    AccountError,
    check_username,
    create_staff,
)
from engine.models import Tenant


def platform_slug(config: dict[str, object]) -> str:
    """Slug of the tenant whose admins manage tenants."""
    return str(config.get("PLATFORM_TENANT") or config["DEFAULT_TENANT"])


def is_super_admin(session: Session, user: User, slug: str) -> bool:
    """True when `user` is an admin in the platform tenant `slug`."""
    if not user.has_role("admin"):
        return False
    tenant = session.get(Tenant, user.tenant_id)
    return tenant is not None and tenant.slug == slug


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
    min_length: int = MIN_LENGTH,
) -> tuple[Tenant, User]:
    """Create a municipality and its first admin."""
    slug = slug.strip().lower()
    if not SLUG.match(slug):
        raise AccountError("slug", _l("Use lowercase letters, digits and hyphens."))
    if session.scalar(select(Tenant.id).where(Tenant.slug == slug)):
        raise AccountError("slug", _l("That short name is taken."))
    username = check_username(session, admin_username)
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
        min_length=min_length,
    )
    return tenant, admin
