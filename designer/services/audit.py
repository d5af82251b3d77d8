"""The audit log: every staff read of a case and every staff change, who, when and what.

A row names the actor (id and a snapshot of their name), the role they acted in, the action
(`case.view`, `task.complete`, ...), the object and its case number, the remote address and a
small JSON detail with ids only: never form data, comment text or other personal data.

A citizen reading or changing their own case is not recorded: the log answers "which staff
looked at or changed my case", and the case timeline already holds the citizen's own steps.

`record` adds the row to the caller's transaction: a change and its audit row commit together
(before an engine transition, the row is committed with the transition). Reads are recorded
after the page rendered. Views use `designer.web.auditing`, which adds the client address.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from designer.models import Attachment, AuditEvent, User
from designer.services.numbers import parse_int
from designer.services.people import has_role
from engine.models import HumanTask, Instance, utcnow

# Actions the admin page offers as a filter; others may be recorded and are shown as they are.
# Every action the log records, with what the log page says (in the UI language).
ACTION_LABELS: dict[str, Any] = {
    "case.view": _l("Read the case"),
    "case.comment": _l("Commented on the case"),
    "case.request_information": _l("Asked the applicant for information"),
    "case.view.denied": _l("Refused: read the case"),
    "task.view": _l("Read the task"),
    "task.save": _l("Saved the task form"),
    "task.complete": _l("Completed the task"),
    "task.claim": _l("Took the task"),
    "task.release": _l("Released the task"),
    "task.assign": _l("Assigned the task"),
    "task.view.denied": _l("Refused: read the task"),
    "task.release.denied": _l("Refused: release the task"),
    "attachment.download": _l("Downloaded an attachment"),
    "attachment.download.denied": _l("Refused: download an attachment"),
    "letter.download": _l("Read a decision letter"),
    "letter.download.denied": _l("Refused: read a decision letter"),
    "incident.view": _l("Read the incident"),
    "incident.retry": _l("Retried the failed step"),
    "incident.continue": _l("Continued with given data"),
    "audit.export": _l("Downloaded the audit log"),
    "model.publish": _l("Published a version"),
    "model.unpublish": _l("Hid the service from the catalogue"),
    "model.restore": _l("Restored a version into the draft"),
    "model.copy": _l("Saved the diagram as a new service"),
    "model.import": _l("Imported a diagram"),
    "model.mark_executable": _l("Marked the processes executable"),
    "model.draft.save": _l("Saved the draft"),
    "model.catalog_card": _l("Saved the catalogue card"),
    "model.texts": _l("Saved the texts in other languages"),
    "model.parameters": _l("Changed the parameters"),
    "model.form.create": _l("Created a form"),
    "model.form.save": _l("Saved a form"),
    "model.decision.create": _l("Created a decision table"),
    "model.decision.save": _l("Saved a decision table"),
    "model.decision.delete": _l("Deleted a decision table"),
    "model.share": _l("Shared the service with other municipalities"),
    "model.unshare": _l("Stopped sharing the service"),
    "model.adopt": _l("Adopted a service shared by another municipality"),
    "model.take_update": _l("Took over a new version from the origin"),
    "model.adoption_copy": _l("Made an adopted service the municipality's own copy"),
    "model.package.export": _l("Downloaded a version as a service package"),
    "model.package.import": _l("Imported a service package as a new draft"),
    "list.view": _l("Read a case list"),
    "list.download": _l("Downloaded a case list"),
    "lists.save": _l("Saved the service's case lists"),
    "subscription.view": _l("Read a subscription"),
    "menu.save": _l("Saved the menu"),
    "invoices.view": _l("Read a month's invoices"),
    "invoice.send_again": _l("Sent an invoice again"),
    "invoice.price_again": _l("Priced an invoice again"),
    "admin.user.create": _l("Created a user"),
    "admin.user.update": _l("Changed a user"),
    "admin.user.activate": _l("Activated a user"),
    "admin.user.deactivate": _l("Deactivated a user"),
    "admin.user.password": _l("Set a new password for a user"),
    "admin.group.add": _l("Added someone to a group"),
    "admin.group.remove": _l("Removed someone from a group"),
    "admin.tenant.create": _l("Created a municipality"),
    "admin.tenant.language": _l("Changed the municipality's written standard"),
    "admin.tenant.org_number": _l("Set the organisation number"),
}
ACTIONS = tuple(ACTION_LABELS)
# The role recorded is the first of these the person holds (views narrow it to their own).
ROLE_ORDER = ("admin", "process_owner", "team_lead", "caseworker", "citizen")
CASEWORK_ROLES = ("team_lead", "caseworker")
PAGE_SIZE = 50
CSV_MAX = 10000


def acting_role(user: User, roles: tuple[str, ...] = ROLE_ORDER) -> str:
    """The first of `roles` the user holds: the role they acted in."""
    return next((r for r in roles if user.has_role(r)), "")


def record(
    session: Session,
    user: User,
    action: str,
    *,
    object_type: str = "",
    object_id: int | str | None = None,
    case_no: str | None = None,
    roles: tuple[str, ...] = ROLE_ORDER,
    detail: dict[str, Any] | None = None,
    remote_addr: str = "",
) -> AuditEvent:
    """Add an audit row for `user` doing `action` to the caller's transaction."""
    event = AuditEvent(
        tenant_id=user.tenant_id,
        at=utcnow(),
        actor_id=user.id,
        actor_name=user.name[:200],
        role=acting_role(user, roles),
        action=action,
        object_type=object_type,
        object_id="" if object_id is None else str(object_id),
        case_no=case_no,
        remote_addr=remote_addr[:45],
        detail=detail or {},
    )
    session.add(event)
    return event


def case_no_of(session: Session, tenant_id: int, object_type: str, object_id: int) -> str | None:
    """The case number behind a case, task or attachment id in the tenant (None if unknown)."""
    instance_id: int | None = object_id if object_type == "case" else None
    if object_type == "task":
        task = session.get(HumanTask, object_id)
        if task is not None and task.tenant_id == tenant_id:
            return task.case_no
    elif object_type == "attachment":
        attachment = session.get(Attachment, object_id)
        if attachment is not None and attachment.tenant_id == tenant_id:
            instance_id = attachment.instance_id
    if instance_id is None:
        return None
    instance = session.get(Instance, instance_id)
    return instance.case_no if instance is not None and instance.tenant_id == tenant_id else None


@dataclass
class AuditQuery:
    """The admin page's filters, read from the query string."""

    case_no: str = ""
    actor_id: int | None = None
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None
    before: int | None = None  # keyset cursor: show rows older than this row

    @classmethod
    def from_args(cls, args: Any) -> AuditQuery:
        """Parse request arguments; anything malformed is ignored, never an error."""

        def _int(name: str) -> int | None:
            raw = (args.get(name) or "").strip()
            return parse_int(raw)

        def _date(name: str) -> date | None:
            try:
                return date.fromisoformat((args.get(name) or "").strip())
            except ValueError:
                return None

        return cls(
            case_no=(args.get("case_no") or "").strip()[:20],
            actor_id=_int("user"),
            action=(args.get("action") or "").strip()[:60],
            date_from=_date("from"),
            date_to=_date("to"),
            before=_int("before"),
        )

    def args(self, **changes: Any) -> dict[str, Any]:
        """Query-string arguments for links that keep the filters (None drops one)."""
        values: dict[str, Any] = {
            "case_no": self.case_no or None,
            "user": self.actor_id,
            "action": self.action or None,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "before": self.before,
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v is not None}


def _filtered(tenant_id: int, query: AuditQuery) -> Any:
    stmt = select(AuditEvent).where(AuditEvent.tenant_id == tenant_id)
    if query.case_no:
        stmt = stmt.where(AuditEvent.case_no == query.case_no)
    if query.actor_id is not None:
        stmt = stmt.where(AuditEvent.actor_id == query.actor_id)
    if query.action:
        stmt = stmt.where(AuditEvent.action == query.action)
    if query.date_from:
        stmt = stmt.where(AuditEvent.at >= datetime.combine(query.date_from, time.min))
    if query.date_to:
        end = datetime.combine(query.date_to + timedelta(days=1), time.min)
        stmt = stmt.where(AuditEvent.at < end)
    return stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


@dataclass
class AuditPage:
    """One page of rows, newest first, and the cursor of the next (older) page."""

    events: list[AuditEvent]
    next_before: int | None


def page(session: Session, tenant_id: int, query: AuditQuery, size: int = PAGE_SIZE) -> AuditPage:
    """The rows matching `query` in the tenant, one keyset page at a time."""
    stmt = _filtered(tenant_id, query)
    if query.before is not None:
        cursor = session.get(AuditEvent, query.before)
        if cursor is not None and cursor.tenant_id == tenant_id:
            stmt = stmt.where(
                or_(
                    AuditEvent.at < cursor.at,
                    and_(AuditEvent.at == cursor.at, AuditEvent.id < cursor.id),
                )
            )
    rows = list(session.scalars(stmt.limit(size + 1)))
    has_more = len(rows) > size
    rows = rows[:size]
    return AuditPage(events=rows, next_before=rows[-1].id if has_more and rows else None)


def export_rows(session: Session, tenant_id: int, query: AuditQuery) -> Iterator[AuditEvent]:
    """Every row matching `query` (without the page cursor), newest first, at most CSV_MAX."""
    unpaged = AuditQuery(**{**query.__dict__, "before": None})
    yield from session.scalars(_filtered(tenant_id, unpaged).limit(CSV_MAX))


def actors(session: Session, tenant_id: int) -> list[User]:
    """Staff of the tenant, for the user filter."""
    return list(
        session.scalars(
            select(User)
            .where(
                User.tenant_id == tenant_id,
                has_role("caseworker", "team_lead", "process_owner", "admin"),
            )
            .order_by(User.name, User.id)
        )
    )
