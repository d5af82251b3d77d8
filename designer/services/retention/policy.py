"""A service's retention rule, read from its settings, and the cases it makes eligible."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, exists, or_, select

from designer.models import Subscription
from engine.models import Event, Instance, ProcessModel, ProcessVersion

logger = logging.getLogger(__name__)

DEFAULT_RETENTION_DAYS = 3650
CLOSED = ("completed", "cancelled")
ACTIONS = ("anonymise", "delete")
ANONYMISED = "anonymised"  # the marker event's kind, and the actor that replaces the applicant


@dataclass(frozen=True)
class Policy:
    """A service's retention rule: days after closing (None: keep forever) and the action."""

    days: int | None
    action: str


def policy_of(model: ProcessModel) -> Policy:
    """The retention rule in a service's settings (see the package docstring for defaults)."""
    settings = model.settings or {}
    raw = settings.get("retention_days", DEFAULT_RETENTION_DAYS)
    try:
        days = int(raw) if raw is not None else 0
    except (TypeError, ValueError):
        logger.warning("Service %s: retention_days %r is not a number; keeping", model.key, raw)
        days = 0
    action = str(settings.get("retention_action") or "anonymise").lower().replace("ize", "ise")
    if action not in ACTIONS:
        logger.warning("Service %s: retention_action %r unknown; anonymising", model.key, action)
        action = "anonymise"
    return Policy(days=days if days > 0 else None, action=action)


def eligible(model: ProcessModel, cutoff: datetime) -> Select[Any]:
    """Ids of the service's closed cases completed before `cutoff`, not yet anonymised."""
    marked = exists().where(Event.instance_id == Instance.id, Event.kind == ANONYMISED)
    # A decided case whose subscription still runs (or ended after the cut-off) is live.
    live = exists().where(
        Subscription.instance_id == Instance.id,
        or_(Subscription.ends_on.is_(None), Subscription.ends_on >= cutoff.date()),
    )
    return (
        select(Instance.id)
        .join(ProcessVersion, ProcessVersion.id == Instance.version_id)
        .where(
            ProcessVersion.model_id == model.id,
            Instance.tenant_id == model.tenant_id,
            Instance.status.in_(CLOSED),
            Instance.completed_at.is_not(None),
            Instance.completed_at < cutoff,
            ~marked,
            ~live,
        )
        .order_by(Instance.id)
    )
