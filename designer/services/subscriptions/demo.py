"""Demo subscriptions for `flask seed --demo-users`: a few granted meal cases, run for real.

Each goes the service's own way (application, the allocation office's decision, the
`subscription` connector), so the lists and Mine saker are not empty in the demo.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from designer.models import MenuDay, Subscription, User
from designer.services.subscriptions import core
from engine.api import complete, start
from engine.models import HumanTask, ProcessModel, ProcessVersion

PEOPLE: tuple[tuple[Any, ...], ...] = (
    ("Kari Nordmann", "Storgata 1", "nord", 3, ["0", "3"], ["gluten_free"], "normal", "low"),
    ("Per Hansen", "Kirkegata 14", "nord", 5, ["0", "3"], [], "normal", "high"),
    ("Astrid Berg", "Skolevegen 2", "sor", 2, ["1", "4"], ["soft"], "small", "low"),
    ("Nils Dahl", "Torget 7", "sentrum", 1, ["0", "2", "4"], ["diabetic"], "normal", "low"),
    ("Ingrid Moe", "Parkvegen 9", "sentrum", 4, ["0", "2", "4"], ["lactose_free"], "small", "high"),
)
DISHES = (
    ("Kjøttkaker i brun saus", "Fiskegrateng", "Karamellpudding"),
    ("Lapskaus", "Ovnsbakt laks", "Rabarbrasuppe"),
    ("Kyllinggryte", "Fiskeboller i hvit saus", "Sviskekrem"),
    ("Fårikål", "Torsk med gulrot", "Riskrem"),
    ("Kjøttsuppe", "Seibiff med løk", "Fruktsalat"),
)


def seed(session: Session, tenant_id: int, owner: User, caseworker: User) -> int:
    """Grant the demo people their meals (once); fill the menu six weeks ahead."""
    model = session.scalar(
        select(ProcessModel).where(
            ProcessModel.tenant_id == tenant_id, ProcessModel.key == "meal_delivery"
        )
    )
    if model is None or model.published_version_id is None:
        return 0
    _menu(session, model)
    if session.scalar(select(Subscription.id).where(Subscription.model_id == model.id)):
        return 0
    version = session.get(ProcessVersion, model.published_version_id)
    assert version is not None
    monday = core.week_start(core.today(core.now()))
    made = 0
    for stop, person in enumerate(PEOPLE, start=1):
        case = start(
            session,
            version,
            data=_application(*person),
            actor=owner.actor,
            owner=owner.actor,
            subject=person[0],
        )
        task_id = session.scalar(
            select(HumanTask.id).where(HumanTask.instance_id == case.id, HumanTask.status == "open")
        )
        if task_id is None:
            continue
        complete(session, tenant_id, task_id, _review(person, stop, monday), caseworker.actor)
        made += 1
    return made


def _application(
    name: str,
    street: str,
    route: str,
    stop: int,
    days: list[str],
    diets: list[str],
    size: str,
    income: str,
) -> dict[str, Any]:
    del route, stop
    return {
        "applicant_name": name,
        "address": street,
        "postal_code": "3674",
        "city": "Notodden",
        "phone": "91234567",
        "portion_size": size,
        "diets": diets,
        "allergies": "",
        "access_notes": "Nøkkelboks ved døra" if diets else "",
        "delivery_days": days,
        "portions": 1,
        "income_level": income,
        "need_description": "Klarer ikke å lage middag selv.",
    }


def _review(person: tuple[Any, ...], stop: int, monday: date) -> dict[str, Any]:
    _name, _street, route, _stop, days, _diets, size, income = person
    return {
        "outcome": "approved",
        "review_reason": "Du har behov for middag levert hjem som praktisk bistand.",
        "start_date": monday.isoformat(),
        "route": route,
        "stop": stop,
        "weekdays": days,
        "portions_per_day": 2 if route != "sentrum" else 1,
        "size": size,
        "income_tier": income,
    }


def _menu(session: Session, model: ProcessModel) -> None:
    first = core.week_start(core.today(core.now()))
    entered = core.menu_of(session, model, first, first + timedelta(days=41))
    for offset in range(42):
        day = first + timedelta(days=offset)
        if day.weekday() > 4 or day in entered:
            continue
        one, two, dessert = DISHES[(offset // 7 + day.weekday()) % len(DISHES)]
        session.add(
            MenuDay(
                tenant_id=model.tenant_id,
                model_id=model.id,
                day=day,
                choices={"A": one, "B": two},
                note=dessert,
                updated_by="system:demo",
            )
        )
    session.flush()
