"""The e-mails Flytverk sends: task assigned, decision, more information needed, an answer
awaited from the citizen, daily digest.

Each function is safe to call right after an engine step: it returns None (and logs) instead
of raising when the person has no address, the case is a test run, or anything goes wrong.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask import current_app, url_for
from sqlalchemy import select
from werkzeug.routing import BuildError

from designer.extensions import db
from designer.models import OutboxMessage, User
from designer.notify.mail import send
from designer.services.lanes import is_citizen_lane
from engine.models import Event, HumanTask, Instance

logger = logging.getLogger(__name__)

SUBJECTS = {
    "assignment": {
        "nb": "Du har fått en oppgave i sak {case_no}",
        "en": "You have been given a task in case {case_no}",
    },
    "decision": {
        "nb": "Saken din {case_no} har fått vedtak",
        "en": "Your case {case_no} has a decision",
    },
    "more_information": {
        "nb": "Vi trenger flere opplysninger i sak {case_no}",
        "en": "We need more information in case {case_no}",
    },
    "answer_needed": {
        "nb": "Vi venter på svaret ditt i sak {case_no}",
        "en": "We are waiting for your answer in case {case_no}",
    },
    "digest": {
        "nb": "Nye oppgaver i innboksen: {count}",
        "en": "New tasks in your inbox: {count}",
    },
}


def _subject(kind: str, locale: str, **values: Any) -> str:
    texts = SUBJECTS[kind]
    return texts.get(locale, texts["nb"]).format(**values)


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute link for an e-mail; '' where none can be built (CLI without SERVER_NAME)."""
    try:
        return url_for(endpoint, _external=True, **values)
    except (RuntimeError, BuildError):
        return ""


def local_date(value: datetime | None, locale: str) -> str:
    """A stored (naive UTC) time as a long local date: '1. desember 2026'."""
    if value is None:
        return ""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Europe/Oslo"))
    local = value.replace(tzinfo=UTC).astimezone(zone)
    return str(format_date(local.date(), "long", locale=locale if locale == "en" else "nb"))


def service_name(instance: Instance, locale: str) -> str:
    """The service a case belongs to, in the e-mail's language."""
    model = instance.process_version.model
    return (model.name_en if locale == "en" else "") or model.name_nb


def _reachable(user: User | None) -> bool:
    return user is not None and user.active and "@" in (user.email or "")


def _safely(kind: str, build: Callable[[], OutboxMessage | None]) -> OutboxMessage | None:
    try:
        return build()
    except Exception:  # a notification must never fail the case step before it
        db.session.rollback()
        logger.exception("Notification %r could not be prepared", kind)
        return None


def notify_assignment(
    task: HumanTask, assignee_user: User, *, locale: str = "nb"
) -> OutboxMessage | None:
    """Tell a caseworker a task was assigned to them."""

    def build() -> OutboxMessage | None:
        instance = task.instance
        if not _reachable(assignee_user) or instance.is_test:
            return None
        context = {
            "name": assignee_user.name,
            "case_no": instance.case_no,
            "task_name": task.name,
            "service": service_name(instance, locale),
            "due": local_date(task.due_at, locale),
            "task_url": external_url("casework.task", task_id=task.id),
        }
        return send(
            assignee_user.email,
            _subject("assignment", locale, case_no=instance.case_no),
            "assignment",
            context,
            tenant_id=task.tenant_id,
            instance_id=instance.id,
            locale=locale,
        )

    return _safely("assignment", build)


def _to_citizen(
    kind: str, instance: Instance, owner_user: User, locale: str, extra: dict[str, Any]
) -> OutboxMessage | None:
    def build() -> OutboxMessage | None:
        if not _reachable(owner_user) or instance.is_test or instance.owner != owner_user.actor:
            return None
        context = {
            "name": owner_user.name,
            "case_no": instance.case_no,
            "case_url": external_url("portal.case", case_no=instance.case_no),
            **extra,
        }
        return send(
            owner_user.email,
            _subject(kind, locale, case_no=instance.case_no),
            kind,
            context,
            tenant_id=instance.tenant_id,
            instance_id=instance.id,
            locale=locale,
        )

    return _safely(kind, build)


def notify_decision(
    instance: Instance, owner_user: User, *, locale: str = "nb"
) -> OutboxMessage | None:
    """Tell a citizen their case has a decision (the e-mail says only that: read it online)."""
    outcome = (instance.result or {}).get("outcome") or instance.outcome
    return _to_citizen("decision", instance, owner_user, locale, {"outcome": outcome})


def notify_more_information(
    instance: Instance, owner_user: User, message: str, *, locale: str = "nb"
) -> OutboxMessage | None:
    """Tell a citizen the caseworker needs more from them.

    `message` reaches the template as `message`, but the shipped templates leave it out:
    a caseworker's free text may hold health details, so the citizen reads it online.
    """
    return _to_citizen("more_information", instance, owner_user, locale, {"message": message})


def _unannounced_citizen_task(instance: Instance) -> HumanTask | None:
    """The oldest open citizen task of the case that no 'answer_needed' e-mail followed."""
    tasks = [
        t
        for t in db.session.scalars(
            select(HumanTask)
            .where(HumanTask.instance_id == instance.id, HumanTask.status == "open")
            .order_by(HumanTask.created_at, HumanTask.id)
        )
        if is_citizen_lane(t.lane)
    ]
    if not tasks:
        return None
    announced = [
        e.at
        for e in db.session.scalars(
            select(Event).where(
                Event.instance_id == instance.id,
                Event.kind == "notification",
                Event.at >= tasks[0].created_at,
            )
        )
        if e.summary.get("template") == "answer_needed"
    ]
    return next((t for t in tasks if not any(at >= t.created_at for at in announced)), None)


def notify_answer_needed(
    instance: Instance, owner_user: User, *, locale: str = "nb"
) -> OutboxMessage | None:
    """Tell a citizen that a task of their case waits for their answer (once per task).

    Safe to call after any step: it mails only about an open citizen task not yet announced.
    """
    try:
        task = _unannounced_citizen_task(instance)
    except Exception:  # a notification must never fail the case step before it
        db.session.rollback()
        logger.exception("Notification 'answer_needed' could not be prepared")
        return None
    if task is None:
        return None
    extra = {
        "due": local_date(task.due_at, locale),
        "task_url": external_url("portal.task", case_no=instance.case_no, task_id=task.id),
    }
    return _to_citizen("answer_needed", instance, owner_user, locale, extra)


def _new_tasks(tenant_id: int, since: datetime, locale: str) -> dict[str, list[dict[str, str]]]:
    rows = db.session.execute(
        select(HumanTask, Instance)
        .join(Instance, HumanTask.instance_id == Instance.id)
        .where(
            HumanTask.tenant_id == tenant_id,
            HumanTask.status == "open",
            HumanTask.created_at >= since,
            HumanTask.lane.is_not(None),
            Instance.is_test.is_(False),
        )
        .order_by(HumanTask.lane, HumanTask.created_at, HumanTask.id)
    )
    by_lane: dict[str, list[dict[str, str]]] = {}
    for task, instance in rows:
        by_lane.setdefault(str(task.lane), []).append(
            {
                "case_no": instance.case_no,
                "task_name": task.name,
                "service": service_name(instance, locale),
                "due": local_date(task.due_at, locale),
            }
        )
    return by_lane


def send_daily_digest(tenant_id: int, since: datetime, *, locale: str = "nb") -> int:
    """Mail each caseworker one list of the open tasks new since `since` in their groups.

    `since` is naive UTC like every stored time. Returns how many e-mails were recorded
    (sent, kept in the outbox, or failed: see the outbox for which).
    """
    if since.tzinfo is not None:
        since = since.astimezone(UTC).replace(tzinfo=None)
    by_lane = _new_tasks(tenant_id, since, locale)
    if not by_lane:
        return 0
    users = db.session.scalars(
        select(User).where(User.tenant_id == tenant_id, User.active.is_(True)).order_by(User.id)
    ).all()
    inbox_url = external_url("casework.inbox")
    count = 0
    for user in users:
        groups = [g for g in user.group_list if g in by_lane]
        if not groups or not user.has_role("caseworker") or not _reachable(user):
            continue
        total = sum(len(by_lane[g]) for g in groups)
        context = {
            "name": user.name,
            "count": total,
            "groups": [{"name": g, "tasks": by_lane[g]} for g in groups],
            "inbox_url": inbox_url,
        }
        send(
            user.email,
            _subject("digest", locale, count=total),
            "digest",
            context,
            tenant_id=tenant_id,
            instance_id=None,
            locale=locale,
        )
        count += 1
    return count
