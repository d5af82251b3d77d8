"""Which municipality a request belongs to (one default tenant for now)."""

from __future__ import annotations

from flask import current_app, g
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from designer.extensions import db
from engine.models import Tenant


def ensure_tenant(session: Session, slug: str, name: str) -> Tenant:
    """Return the tenant with `slug`, creating it if needed."""
    tenant = session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        tenant = Tenant(slug=slug, name=name)
        session.add(tenant)
        session.flush()
    return tenant


def current_tenant_id() -> int:
    """The tenant of the logged-in user, or the default tenant for visitors."""
    if current_user.is_authenticated:
        return int(current_user.tenant_id)
    if "tenant_id" not in g:
        tenant = db.session.scalar(
            select(Tenant).where(Tenant.slug == current_app.config["DEFAULT_TENANT"])
        )
        g.tenant_id = tenant.id if tenant is not None else 0
    return int(g.tenant_id)
