"""Inbox queries: views, filters, sorting, search and pages over the human-task index.

Plain functions over a session (`page`, `service_choices`, `team_workload`); search folds
Norwegian letters alike on SQLite and PostgreSQL (designer/services/search.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from designer.models import User
from designer.services import people, search
from designer.services.numbers import parse_int
from engine.models import HumanTask, ProcessModel, utcnow

VIEWS = ("mine", "unassigned", "overdue", "all")
SORTS = {"created": HumanTask.created_at, "due": HumanTask.due_at}
PAGE_SIZE = 25
COUNT_CAP = 1000


@dataclass
class InboxQuery:
    """What the caseworker asked the inbox for (from the query string, cleaned)."""

    view: str = "all"
    sort: str = "created"
    service: int | None = None
    status: str = "any"
    q: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args: Any) -> InboxQuery:
        """Read and clean request arguments; unknown values fall back to defaults."""
        service = args.get("service", "")
        page = args.get("page", "1")
        return cls(
            view=args.get("view") if args.get("view") in VIEWS else "all",
            sort=args.get("sort") if args.get("sort") in SORTS else "created",
            service=parse_int(service),
            status=args.get("status")
            if args.get("status") in ("any", "assigned", "free")
            else "any",
            q=str(args.get("q", "")).strip()[:100],
            page=max(1, min(parse_int(page) or 1, 10_000)),
        )

    def args(self, **changes: Any) -> dict[str, Any]:
        """Query-string arguments for a link to this inbox with `changes`."""
        values = {
            "view": self.view,
            "sort": self.sort,
            "service": self.service,
            "status": self.status,
            "q": self.q,
            "page": self.page,
            **changes,
        }
        return {k: v for k, v in values.items() if v not in (None, "", "any")}


@dataclass
class InboxPage:
    """One page of tasks and what is needed to page through them."""

    tasks: list[HumanTask] = field(default_factory=list)
    total: int = 0
    query: InboxQuery = field(default_factory=InboxQuery)

    @property
    def capped(self) -> bool:
        """True when there are more matches than were counted."""
        return self.total > COUNT_CAP

    @property
    def pages(self) -> int:
        """How many pages the result has (at least; see `capped`)."""
        return max(1, -(-min(self.total, COUNT_CAP) // PAGE_SIZE))

    @property
    def has_next(self) -> bool:
        """Whether a next page exists."""
        return self.query.page < self.pages or (self.capped and len(self.tasks) == PAGE_SIZE)


def _filters(user: User, query: InboxQuery) -> list[Any]:
    conditions: list[Any] = [
        HumanTask.tenant_id == user.tenant_id,
        HumanTask.status == "open",
        HumanTask.is_test.is_(False),
        HumanTask.lane.in_(user.group_list),
    ]
    if query.view == "mine":
        conditions.append(HumanTask.assignee == user.actor)
    elif query.view == "unassigned":
        conditions.append(HumanTask.assignee.is_(None))
    elif query.view == "overdue":
        conditions.append(HumanTask.due_at < utcnow())
    if query.status == "assigned":
        conditions.append(HumanTask.assignee.is_not(None))
    elif query.status == "free":
        conditions.append(HumanTask.assignee.is_(None))
    if query.service is not None:
        conditions.append(HumanTask.model_id == query.service)
    if query.q:
        conditions.append(
            or_(
                HumanTask.case_no.like(f"{search.escape(query.q)}%", escape="\\"),
                search.contains(HumanTask.subject, query.q),
            )
        )
    return conditions


def page(session: Session, user: User, query: InboxQuery) -> InboxPage:
    """The tasks of the caseworker's groups that match the query, one page of them."""
    if not user.group_list:
        return InboxPage(query=query)
    conditions = _filters(user, query)
    # Counting is capped: beyond COUNT_CAP nobody reads the exact number, and an exact
    # count would visit every matching row.
    capped = select(HumanTask.id).where(*conditions).limit(COUNT_CAP + 1).subquery()
    total = session.scalar(select(func.count()).select_from(capped)) or 0
    order = SORTS[query.sort]
    ordering = [order.nulls_last(), HumanTask.id] if query.sort == "due" else [order, HumanTask.id]
    tasks = session.scalars(
        select(HumanTask)
        .where(*conditions)
        .order_by(*ordering)
        .offset((query.page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    return InboxPage(tasks=list(tasks), total=total, query=query)


def service_choices(session: Session, user: User) -> list[ProcessModel]:
    """Services to filter by: the tenant's models."""
    return list(
        session.scalars(
            select(ProcessModel)
            .where(ProcessModel.tenant_id == user.tenant_id)
            .order_by(ProcessModel.name_nb)
        )
    )


def team_workload(session: Session, user: User) -> dict[str, Any]:
    """For a team lead: open tasks per person and group, and the oldest open task."""
    groups = user.group_list
    base = [
        HumanTask.tenant_id == user.tenant_id,
        HumanTask.status == "open",
        HumanTask.is_test.is_(False),
        HumanTask.lane.in_(groups),
    ]
    per_person = dict(
        session.execute(
            select(HumanTask.assignee, func.count())
            .where(*base, HumanTask.assignee.is_not(None))
            .group_by(HumanTask.assignee)
        ).all()
    )
    unassigned = dict(
        session.execute(
            select(HumanTask.lane, func.count())
            .where(*base, HumanTask.assignee.is_(None))
            .group_by(HumanTask.lane)
        ).all()
    )
    overdue = (
        session.scalar(
            select(func.count()).select_from(HumanTask).where(*base, HumanTask.due_at < utcnow())
        )
        or 0
    )
    oldest = session.scalars(
        select(HumanTask).where(*base).order_by(HumanTask.created_at).limit(1)
    ).first()
    members = people.colleagues(session, user)
    return {
        "members": members,
        "per_person": per_person,
        "unassigned": unassigned,
        "overdue": overdue,
        "oldest": oldest,
    }
