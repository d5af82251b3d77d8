"""Inbox queries: views, filters, sorting, search and pages over the human-task index.

Plain functions over a session (`page`, `service_choices`, `team_workload`); search folds
Norwegian letters alike on SQLite and PostgreSQL (designer/services/search.py).

Every query reads the partial indexes of open tasks on HumanTask (engine/models.py) alone,
one index range per group of the user, in the inbox's order: 100,000 open and a million
completed tasks cost a page a few milliseconds (tests/bench/inbox.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, String, and_, case, func, literal_column, or_, select, union_all
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


def _filters(user: User, query: InboxQuery, dialect: str) -> list[Any]:
    """The query's conditions on the user's open tasks, all but the lane (see `_ordered`)."""
    conditions: list[Any] = [*_open(user)]
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
                _subject_contains(query.q, dialect),
            )
        )
    return conditions


def _open(user: User) -> list[Any]:
    """The tenant's open real tasks. 'open' is written into the SQL, not bound: the inbox
    indexes are partial (status = 'open'), and a planner only uses a partial index when it
    can see that the query asks for what the index holds."""
    return [
        HumanTask.tenant_id == user.tenant_id,
        HumanTask.status == literal_column("'open'", String),
        HumanTask.is_test.is_(False),
    ]


# What Python's str.lower() (SQLite's lower() in this app, see search.py) maps irregularly:
# every other character lowers to exactly one character, ASCII to ASCII and the rest to the
# rest (tests/services/test_inbox_scale.py checks this against the running Python).
IRREGULAR_LOWER = {"\u0130": "i\u0307", "\u212a": "k"}
_FROM_IRREGULAR = set("".join(IRREGULAR_LOWER.values()))


def _subject_contains(text: str, dialect: str) -> Any:
    """`search.contains(subject, text)`, on SQLite with a cheap filter in front.

    SQLite's lower() is a Python function here: about half a microsecond a row, the most
    of a search over every open task of the user's groups. SQLite's own LIKE ignores case
    for ASCII letters, so `subject LIKE rough` (rough: the lowered text with '_' for every
    character that is not ASCII or that an irregular character lowers to) is true of every
    subject whose lowered form contains the text, as long as no single character of the
    subject stands for two of the text (only U+0130 does, lowered to 'i' + U+0307; then no
    filter). The exact condition decides; the filter only spares it most rows."""
    exact = search.contains(HumanTask.subject, text)
    folded = text.lower()
    if dialect != "sqlite" or "i\u0307" in folded:
        return exact
    rough = "".join(
        "_" if not ch.isascii() or ch in _FROM_IRREGULAR else search.escape(ch) for ch in folded
    )
    return and_(HumanTask.subject.like(f"%{rough}%", escape="\\"), exact)


MAX_ARMS = 50  # lane sets per statement (SQLite allows 500 compound terms)


def _lane_sets(lanes: list[str]) -> list[list[str]]:
    """The user's groups, one per set (a set per index range), at most MAX_ARMS sets."""
    unique = list(dict.fromkeys(lanes))
    size = -(-len(unique) // MAX_ARMS)
    return [unique[i : i + size] for i in range(0, len(unique), size)]


def _ordered(conditions: list[Any], lanes: list[str], sort: str, limit: int) -> Select[Any]:
    """The ids of the first `limit` matching tasks in the inbox's order.

    `lane IN (...)` with ORDER BY created_at (or due_at) makes both databases read every
    matching task and sort them. Per lane the index is in that order already, so each lane
    gives its first `limit` tasks straight from the index and only those are merged. Due
    dates sort missing ones last, which SQLite's index order does not: per lane one range
    with a due date and one without."""
    key = SORTS[sort]
    arms = []
    for lane_set in _lane_sets(lanes):
        lane = HumanTask.lane == lane_set[0] if len(lane_set) == 1 else HumanTask.lane.in_(lane_set)
        ranges = [[]] if sort == "created" else [[key.is_not(None)], [key.is_(None)]]
        for extra in ranges:
            arm = (
                select(HumanTask.id, key.label("key"))
                .where(*conditions, lane, *extra)
                .order_by(key, HumanTask.id)
                .limit(limit)
                .subquery()
            )
            arms.append(select(arm.c.id, arm.c.key))
    merged = union_all(*arms).subquery()
    order = merged.c.key.nulls_last() if sort == "due" else merged.c.key
    return select(merged.c.id).order_by(order, merged.c.id).limit(limit)


def page(session: Session, user: User, query: InboxQuery) -> InboxPage:
    """The tasks of the caseworker's groups that match the query, one page of them."""
    if not user.group_list:
        return InboxPage(query=query)
    conditions = _filters(user, query, session.get_bind().dialect.name)
    # Counting is capped: beyond COUNT_CAP nobody reads the exact number, and an exact
    # count would visit every matching row. One statement gives the count and the page:
    # the ids of the first max(COUNT_CAP + 1, end of the page) matches, in order, read
    # from the index alone; then the page's rows by id.
    offset = (query.page - 1) * PAGE_SIZE
    ids = session.scalars(
        _ordered(conditions, user.group_list, query.sort, max(COUNT_CAP + 1, offset + PAGE_SIZE))
    ).all()
    wanted = ids[offset : offset + PAGE_SIZE]
    rows = {}
    if wanted:
        rows = {t.id: t for t in session.scalars(select(HumanTask).where(HumanTask.id.in_(wanted)))}
    tasks = [rows[i] for i in wanted if i in rows]
    return InboxPage(tasks=tasks, total=min(len(ids), COUNT_CAP + 1), query=query)


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
    """For a team lead: open tasks per person and group, and the oldest open task.

    One grouped pass per group (lane, assignee) over the workload index, which holds the
    open tasks in that order, so the counts need no sorting; then the oldest task."""
    per_person: dict[str, int] = {}
    unassigned: dict[str, int] = {}
    overdue = 0
    oldest = None
    if user.group_list:
        base = _open(user)
        now = utcnow()
        arms = [
            select(
                HumanTask.lane,
                HumanTask.assignee,
                func.count(),
                func.count(case((HumanTask.due_at < now, 1))),
            )
            .where(
                *base,
                HumanTask.lane == lane_set[0]
                if len(lane_set) == 1
                else HumanTask.lane.in_(lane_set),
            )
            .group_by(HumanTask.lane, HumanTask.assignee)
            for lane_set in _lane_sets(user.group_list)
        ]
        groups = session.execute(union_all(*arms)).all()
        for lane, assignee, count, late in sorted(groups, key=lambda g: (g[0], g[1] or "")):
            if assignee is None:  # the lane is one of the user's groups: never None
                unassigned[str(lane)] = unassigned.get(str(lane), 0) + count
            else:
                per_person[assignee] = per_person.get(assignee, 0) + count
            overdue += late
        if groups:
            first = _ordered(base, user.group_list, "created", 1).scalar_subquery()
            oldest = session.scalars(select(HumanTask).where(HumanTask.id == first)).first()
    members = people.colleagues(session, user)
    return {
        "members": members,
        "per_person": per_person,
        "unassigned": unassigned,
        "overdue": overdue,
        "oldest": oldest,
    }
