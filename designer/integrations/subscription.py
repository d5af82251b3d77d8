"""The `subscription` connector: a granted standing order becomes a subscription.

A service task calls it after the decision (e.g. meals on fixed weekdays); the worker makes
the call after commit. One subscription per case: a repeated call finds the first.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from designer.extensions import db_session
from designer.integrations.common import N_
from designer.models import Subscription
from engine.api import CallContext, ConnectorFailed, Param, add_event
from engine.models import Instance

MAX_QUANTITY = 3
ZONE = ZoneInfo("Europe/Oslo")


def _weekdays(value: Any) -> list[int]:
    items = value if isinstance(value, list | tuple) else [value]
    try:
        days = sorted({int(item) for item in items if str(item).strip() != ""})
    except (TypeError, ValueError):
        raise ConnectorFailed("The weekdays are not numbers 0-6.", retry=False) from None
    if not days or any(not 0 <= d <= 6 for d in days):
        raise ConnectorFailed("Give at least one weekday, 0 (Monday) to 6.", retry=False)
    return days


def checked(params: dict[str, Any]) -> dict[str, Any]:
    """The subscription the parameters describe; ConnectorFailed for what no retry fixes."""
    try:
        starts_on = date.fromisoformat(str(params.get("starts_on") or ""))
    except ValueError:
        raise ConnectorFailed("The start date is not a date (YYYY-MM-DD).", retry=False) from None
    try:
        quantity = int(params.get("quantity") or 1)
    except (TypeError, ValueError):
        raise ConnectorFailed("The quantity is not a whole number.", retry=False) from None
    if not 1 <= quantity <= MAX_QUANTITY:
        raise ConnectorFailed(f"The quantity must be 1 to {MAX_QUANTITY}.", retry=False)
    attributes = params.get("attributes") or {}
    if not isinstance(attributes, dict):
        raise ConnectorFailed("The attributes are not a dictionary.", retry=False)
    weekdays = _weekdays(params.get("weekdays"))
    # A decision made after its start day: nothing was delivered before it is started.
    starts_on = max(starts_on, datetime.now(ZONE).date())
    choice = str(params.get("choice") or "A")[:40]
    return {
        "starts_on": starts_on,
        "weekdays": weekdays,
        "plan": {str(d): {"quantity": quantity, "choice": choice} for d in weekdays},
        "name": str(params.get("name") or "")[:200],
        "attributes": {str(k)[:60]: v for k, v in attributes.items()},
    }


class SubscriptionConnector:
    """Start the case's subscription (or find the one an earlier attempt started)."""

    label_nb, label_en = "Opprett abonnement", N_("Start a subscription")
    params: tuple[Param, ...] = (
        Param("starts_on", "Første dag (ÅÅÅÅ-MM-DD)", "First day (YYYY-MM-DD)"),
        Param("weekdays", "Leveringsdager (0 = mandag)", "Delivery days (0 = Monday)"),
        Param("quantity", "Antall per dag", "Quantity per day", required=False),
        Param("choice", "Standardvalg", "Default choice", required=False),
        Param("name", "Mottaker", "Recipient", required=False),
        Param("attributes", "Opplysninger til listene", "Details for the lists", required=False),
    )

    def __init__(self, app: Flask) -> None:
        self.app = app

    def call(self, params: dict[str, Any], context: CallContext) -> Any:
        """Write the subscription row and its timeline event; commit (a worker's call)."""
        wanted = checked(params)
        with self.app.app_context():
            session = db_session
            case = session.get(Instance, context.instance_id)
            if case is None:
                raise ConnectorFailed("The case is gone.", retry=False)
            found = session.scalar(select(Subscription).where(Subscription.instance_id == case.id))
            if found is None:
                found = Subscription(
                    tenant_id=case.tenant_id,
                    model_id=case.model_id or 0,
                    instance_id=case.id,
                    case_no=case.case_no,
                    owner=case.owner or "",
                    **wanted,
                )
                session.add(found)
                summary = {
                    "starts_on": wanted["starts_on"].isoformat(),
                    "weekdays": wanted["weekdays"],
                }
                add_event(session, case, "system", "subscription_started", None, summary)
                try:
                    session.commit()
                except IntegrityError:
                    session.rollback()
                    found = session.scalars(
                        select(Subscription).where(Subscription.instance_id == case.id)
                    ).one()
            return {"subscription_id": found.id, "starts_on": found.starts_on.isoformat()}
