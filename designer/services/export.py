"""A citizen downloads everything Flytverk holds about them as one JSON file (GDPR art. 15).

Included: the profile (all of the user row but the password hash), every case they own with
what they submitted, the current case data, the decision, the timeline events that concern
them, their answers to the municipality's questions, attachments (metadata and a download
link, not the bytes), letters and e-mails sent to them, their subscriptions (plan, changed days,
invoices) and their unfinished applications.

Left out: caseworkers' internal comments and the internal workings of case handling
(incidents, task assignment between staff, connector calls). Notes made for the internal
preparation of a case are exempt from self-service access (personopplysningsloven § 16
first paragraph e, forvaltningsloven § 18 a); a citizen who wants them asks the municipality,
which assesses them by hand. Other people's data never enters: only rows tied to the user or
to cases they own are read, within their tenant.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from designer.models import (
    Invoice,
    OutboxMessage,
    Subscription,
    SubscriptionDay,
    User,
    is_citizen_lane,
)
from designer.services import applications, cases, citizen_tasks
from engine import api as engine
from engine.models import Event, HumanTask, Instance, utcnow

Link = Callable[[int], str]  # attachment id -> an absolute download link

EXPORT_FORMAT = 1
PROFILE_SKIP = {"password_hash"}
# Timeline entries that concern the citizen; internal comments and staff work are left out.
TIMELINE_KINDS = (
    "started",
    "task_completed",
    "completed",
    "cancelled",
    "information_requested",
    "message_received",
    "step",
)


def profile(user: User) -> dict[str, Any]:
    """Every column of the user's row except the password hash."""
    return {
        column.name: getattr(user, column.key)
        for column in User.__mapper__.columns
        if column.key not in PROFILE_SKIP
    }


def _timeline(session: Session, instance: Instance, locale: str) -> list[dict[str, Any]]:
    events = session.scalars(
        select(Event)
        .where(Event.instance_id == instance.id, Event.kind.in_(TIMELINE_KINDS))
        .order_by(Event.id)
    )
    rows = []
    for event in events:
        summary = event.summary or {}
        if event.kind == "step" and not summary.get("decision"):
            continue  # automated plumbing; only decisions are about the citizen
        row: dict[str, Any] = {"at": event.at, "kind": event.kind, "by": _who(event, instance)}
        if summary.get("name"):
            row["name"] = summary["name"]
        if event.kind == "step":
            row["explanation"] = engine.explain(summary, locale)
        elif event.kind == "information_requested":
            row["text"] = summary.get("text", "")
        elif event.kind == "cancelled":
            row["reason"] = summary.get("reason", "")
        elif event.kind == "completed":
            row["outcome"] = summary.get("outcome")
        rows.append(row)
    return rows


def _who(event: Event, instance: Instance) -> str:
    if event.actor == instance.owner:
        return "you"
    return "system" if event.actor == "system" else "municipality"


def _tasks_answered(
    session: Session, instance: Instance, data: dict[str, Any], locale: str
) -> list[dict[str, Any]]:
    tasks = session.scalars(
        select(HumanTask)
        .where(HumanTask.instance_id == instance.id, HumanTask.completed_by == instance.owner)
        .order_by(HumanTask.id)
    )
    answers = {
        a["name"]: a["rows"] for a in citizen_tasks.my_answers(session, instance, data, locale)
    }
    return [
        {
            "name": t.name,
            "opened_at": t.created_at,
            "answered_at": t.completed_at,
            "answers": answers.get(t.name, []),
        }
        for t in tasks
        if is_citizen_lane(t.lane)
    ]


def _messages(session: Session, user: User, instance_ids: list[int]) -> list[dict[str, Any]]:
    """Letters to the citizen's cases and e-mails to their address (not staff notices)."""
    to_me = OutboxMessage.recipient.in_([r for r in (user.email, user.national_id) if r])
    query = select(OutboxMessage).where(
        OutboxMessage.tenant_id == user.tenant_id,
        or_(
            to_me
            & (OutboxMessage.instance_id.is_(None) | OutboxMessage.instance_id.in_(instance_ids)),
            OutboxMessage.instance_id.in_(instance_ids) & OutboxMessage.kind.like("letter:%"),
        ),
    )
    return [
        {
            "kind": "letter" if m.kind.startswith("letter:") else m.kind,
            "case_id": m.instance_id,
            "to": m.recipient,
            "subject": m.subject,
            "text": m.body_text,
            "created_at": m.created_at,
            "sent_at": m.sent_at,
            "status": m.status,
        }
        for m in session.scalars(query.order_by(OutboxMessage.id))
    ]


def _case(session: Session, instance: Instance, locale: str, link: Link) -> dict[str, Any]:
    data = engine.current_data(session, instance)
    definition = cases.start_definition(instance.process_version)
    submitted = {k: data[k] for k in definition.keys if k in data} if definition else {}
    model = instance.process_version.model
    return {
        "id": instance.id,
        "case_no": instance.case_no,
        "service": {"key": model.key, "name": model.name_nb},
        "status": cases.status_key(session, instance),
        "created_at": instance.created_at,
        "completed_at": instance.completed_at,
        "subject": instance.subject,
        "decision": instance.result,
        "submitted": submitted,
        "current_data": data,
        "timeline": _timeline(session, instance, locale),
        "tasks_answered": _tasks_answered(session, instance, data, locale),
        "attachments": [
            {
                "filename": a.filename,
                "media_type": a.media_type,
                "size": a.size,
                "sha256": a.sha256,
                "uploaded_at": a.created_at,
                "download": link(a.id),
            }
            for a in applications.attachments_of(session, instance)
        ],
        "subscription": _subscription(session, instance),
    }


def _subscription(session: Session, instance: Instance) -> dict[str, Any] | None:
    """The standing order the case's decision started: plan, changed days, invoices."""
    sub = session.scalar(select(Subscription).where(Subscription.instance_id == instance.id))
    if sub is None:
        return None
    days = session.scalars(
        select(SubscriptionDay)
        .where(SubscriptionDay.subscription_id == sub.id)
        .order_by(SubscriptionDay.day)
    )
    invoices = session.scalars(
        select(Invoice).where(Invoice.subscription_id == sub.id).order_by(Invoice.period)
    )
    return {
        "for": sub.name,
        "status": sub.status,
        "starts_on": sub.starts_on,
        "ends_on": sub.ends_on,
        "weekdays": sub.weekdays,
        "plan": sub.plan,
        "details": sub.attributes,
        "changed_days": [
            {"day": d.day, "quantity": d.quantity, "choice": d.choice, "kind": d.kind} for d in days
        ],
        "invoices": [
            {"period": i.period, "amount": i.amount, "lines": i.lines, "status": i.status}
            for i in invoices
        ],
    }


def collect(session: Session, user: User, locale: str, link: Link) -> dict[str, Any]:
    """Everything held about `user`, as plain JSON-ready data."""
    mine = cases.my_cases(session, user)
    return engine.json_value(
        {
            "format": EXPORT_FORMAT,
            "exported_at": utcnow(),
            "profile": profile(user),
            "cases": [_case(session, i, locale, link) for i in mine],
            "drafts": [
                {
                    "service_id": d.model_id,
                    "created_at": d.created_at,
                    "updated_at": d.updated_at,
                    "fields": d.formdata,
                }
                for d in applications.my_drafts(session, user)
            ],
            "messages": _messages(session, user, [i.id for i in mine]),
        }
    )
