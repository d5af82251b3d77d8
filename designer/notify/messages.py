"""The e-mails Flytverk sends: task assigned, decision, more information needed, an answer
awaited from the citizen, daily digest.

Each function writes an outbox row in the caller's session (committed with the change it
tells about; the worker sends it after commit). It returns None (and logs) instead of
raising when the person has no address, the case is a test run, or rendering fails.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask import current_app, has_request_context, url_for
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from werkzeug.routing import BuildError

from designer.extensions import db_session
from designer.models import GroupMember, OutboxMessage, User, UserRole
from designer.notify.mail import enqueue
from engine.models import HumanTask, Instance

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
    """An absolute link for an e-mail: PUBLIC_BASE_URL when set (also outside a request).

    Without it, the request's host; '' where none can be built (a worker without either).
    """
    base = current_app.config.get("PUBLIC_BASE_URL")
    try:
        if base:
            path = current_app.url_map.bind("localhost").build(endpoint, values)
            return str(base).rstrip("/") + path
        if not has_request_context() and not current_app.config.get("SERVER_NAME"):
            return ""
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


def reachable(user: User | None) -> bool:
    """True for an active person with an e-mail address."""
    return user is not None and user.active and "@" in (user.email or "")


def _safely(kind: str, build: Callable[[], OutboxMessage | None]) -> OutboxMessage | None:
    try:
        return build()
    except SQLAlchemyError:
        raise  # the transaction is broken: the step must fail, not go on half-written
    except Exception:  # a notice must never fail the case step it tells about
        logger.exception("Notification %r could not be prepared", kind)
        return None


def notify_assignment(
    task: HumanTask, assignee_user: User, *, locale: str = "nb", session: Session | None = None
) -> OutboxMessage | None:
    """Tell a caseworker a task was assigned to them."""

    def build() -> OutboxMessage | None:
        instance = task.instance
        if not reachable(assignee_user) or instance.is_test:
            return None
        context = {
            "name": assignee_user.name,
            "case_no": instance.case_no,
            "task_name": task.name,
            "service": service_name(instance, locale),
            "due": local_date(task.due_at, locale),
            "task_url": external_url("casework.task", task_id=task.id),
        }
        return enqueue(
            session or db_session,
            assignee_user.email,
            _subject("assignment", locale, case_no=instance.case_no),
            "assignment",
            context,
            tenant_id=task.tenant_id,
            instance_id=instance.id,
            locale=locale,
        )

    return _safely("assignment", build)


def to_citizen(
    session: Session,
    kind: str,
    instance: Instance,
    owner_user: User,
    locale: str,
    extra: dict[str, Any],
) -> OutboxMessage | None:
    """One notice to the case's owner (none for test runs or people without an address)."""

    def build() -> OutboxMessage | None:
        if not reachable(owner_user) or instance.is_test or instance.owner != owner_user.actor:
            return None
        context = {
            "name": owner_user.name,
            "case_no": instance.case_no,
            "case_url": external_url("portal.case", case_no=instance.case_no),
            **extra,
        }
        return enqueue(
            session,
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
    instance: Instance, owner_user: User, *, locale: str = "nb", session: Session | None = None
) -> OutboxMessage | None:
    """Tell a citizen their case has a decision (the e-mail says only that: read it online)."""
    outcome = (instance.result or {}).get("outcome") or instance.outcome
    extra = {"outcome": outcome}
    return to_citizen(session or db_session, "decision", instance, owner_user, locale, extra)


def notify_more_information(
    instance: Instance,
    owner_user: User,
    message: str,
    *,
    locale: str = "nb",
    session: Session | None = None,
) -> OutboxMessage | None:
    """Tell a citizen the caseworker needs more from them.

    `message` reaches the template as `message`, but the shipped templates leave it out:
    a caseworker's free text may hold health details, so the citizen reads it online.
    """
    extra = {"message": message}
    return to_citizen(
        session or db_session, "more_information", instance, owner_user, locale, extra
    )


def notify_answer_needed(
    instance: Instance,
    owner_user: User,
    task: HumanTask,
    *,
    locale: str = "nb",
    session: Session | None = None,
) -> OutboxMessage | None:
    """Tell a citizen that `task` (just opened in a citizen lane) waits for their answer."""
    extra = {
        "due": local_date(task.due_at, locale),
        "task_url": external_url("portal.task", case_no=instance.case_no, task_id=task.id),
    }
    return to_citizen(session or db_session, "answer_needed", instance, owner_user, locale, extra)


def _new_tasks(
    session: Session, tenant_id: int, since: datetime, locale: str
) -> dict[str, list[dict[str, str]]]:
    rows = session.execute(
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


def send_daily_digest(
    tenant_id: int, since: datetime, *, locale: str = "nb", session: Session | None = None
) -> int:
    """Mail each caseworker one list of the open tasks new since `since` in their groups.

    `since` is naive UTC like every stored time. Returns how many e-mails were recorded
    into the outbox; the caller commits (the worker sends them after commit).
    """
    session = session or db_session
    if since.tzinfo is not None:
        since = since.astimezone(UTC).replace(tzinfo=None)
    by_lane = _new_tasks(session, tenant_id, since, locale)
    if not by_lane:
        return 0
    # Active caseworkers in a group with new tasks, in one query (no scan of all users).
    users = session.scalars(
        select(User)
        .join(UserRole, (UserRole.user_id == User.id) & (UserRole.role == "caseworker"))
        .where(
            User.tenant_id == tenant_id,
            User.active.is_(True),
            User.id.in_(
                select(GroupMember.user_id).where(
                    GroupMember.tenant_id == tenant_id, GroupMember.group_name.in_(list(by_lane))
                )
            ),
        )
        .order_by(User.id)
    ).all()
    inbox_url = external_url("casework.inbox")
    count = 0
    for user in users:
        groups = [g for g in user.group_list if g in by_lane]
        if not groups or not reachable(user):
            continue
        total = sum(len(by_lane[g]) for g in groups)
        context = {
            "name": user.name,
            "count": total,
            "groups": [{"name": g, "tasks": by_lane[g]} for g in groups],
            "inbox_url": inbox_url,
        }
        enqueue(
            session,
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
