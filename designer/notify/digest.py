"""The daily digest: each caseworker's list of new tasks in their groups, in their language."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from designer.extensions import db_session
from designer.models import GroupMember, User, UserRole
from designer.notify.mail import enqueue
from designer.notify.messages import (
    external_url,
    language,
    local_date,
    reachable,
    service_name,
    task_name,
)
from engine.models import HumanTask, Instance

Listing = dict[str, list[dict[str, str]]]


def _new_tasks(
    session: Session, tenant_id: int, since: datetime
) -> dict[str, list[tuple[HumanTask, Instance]]]:
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
    by_lane: dict[str, list[tuple[HumanTask, Instance]]] = {}
    for task, instance in rows:
        by_lane.setdefault(str(task.lane), []).append((task, instance))
    return by_lane


def _listing(
    session: Session, by_lane: dict[str, list[tuple[HumanTask, Instance]]], lang: str
) -> Listing:
    """The new tasks as the digest lists them, task and service names and dates in `lang`."""
    return {
        lane: [
            {
                "case_no": instance.case_no,
                "task_name": task_name(session, task, lang),
                "service": service_name(instance, lang),
                "due": local_date(task.due_at, lang),
            }
            for task, instance in rows
        ]
        for lane, rows in by_lane.items()
    }


def _caseworkers(session: Session, tenant_id: int, lanes: list[str]) -> list[User]:
    """Active caseworkers in a group with new tasks, in one query (no scan of all users)."""
    return list(
        session.scalars(
            select(User)
            .join(UserRole, (UserRole.user_id == User.id) & (UserRole.role == "caseworker"))
            .where(
                User.tenant_id == tenant_id,
                User.active.is_(True),
                User.id.in_(
                    select(GroupMember.user_id).where(
                        GroupMember.tenant_id == tenant_id, GroupMember.group_name.in_(lanes)
                    )
                ),
            )
            .order_by(User.id)
        )
    )


def send_daily_digest(tenant_id: int, since: datetime, *, session: Session | None = None) -> int:
    """Mail each caseworker one list of the open tasks new since `since` in their groups.

    `since` is naive UTC like every stored time. Each e-mail is in its recipient's
    language. Returns how many e-mails were recorded into the outbox; the caller commits
    (the worker sends them after commit).
    """
    session = session or db_session
    if since.tzinfo is not None:
        since = since.astimezone(UTC).replace(tzinfo=None)
    by_lane = _new_tasks(session, tenant_id, since)
    if not by_lane:
        return 0
    inbox_url = external_url("casework.inbox")
    listings: dict[str, Listing] = {}
    count = 0
    for user in _caseworkers(session, tenant_id, list(by_lane)):
        groups = [g for g in user.group_list if g in by_lane]
        if not groups or not reachable(user):
            continue
        lang = language(session, user, tenant_id)
        if lang not in listings:
            listings[lang] = _listing(session, by_lane, lang)
        listing = listings[lang]
        total = sum(len(listing[g]) for g in groups)
        context = {
            "name": user.name,
            "count": total,
            "groups": [{"name": g, "tasks": listing[g]} for g in groups],
            "inbox_url": inbox_url,
        }
        with force_locale(lang):
            subject = _("New tasks in your inbox: %(count)s", count=total)
        enqueue(
            session,
            user.email,
            subject,
            "digest",
            context,
            tenant_id=tenant_id,
            instance_id=None,
            locale=lang,
        )
        count += 1
    return count
