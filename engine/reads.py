"""What a case page shows, read the same way everywhere: its history and its open tasks."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Event, HumanTask, Instance


def history(session: Session, instance: Instance) -> list[Event]:
    """Every event of an instance, oldest first."""
    return list(
        session.scalars(select(Event).where(Event.instance_id == instance.id).order_by(Event.id))
    )


def open_tasks(session: Session, instance: Instance) -> list[HumanTask]:
    """The open human tasks of an instance, oldest first."""
    return list(
        session.scalars(
            select(HumanTask)
            .where(HumanTask.instance_id == instance.id, HumanTask.status == "open")
            .order_by(HumanTask.id)
        )
    )
