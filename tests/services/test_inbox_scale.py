"""The inbox's fast queries (per-lane index ranges, one pass for count and page, the SQLite
search filter, the grouped workload) give what a plain filter-and-sort gives."""

from __future__ import annotations

import random
import sys
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import create_engine, event, select, text

from designer.extensions import db
from designer.models import User
from designer.services import inbox, search
from engine.models import HumanTask, Instance, ProcessVersion, utcnow

LANES = ("Saksbehandler", "Juridisk", "Økonomi")  # the caseworker's groups in these tests
SUBJECTS = ("Kari Nordmann", "Øystein Ås", "KARI HAUGEN", "Ola Haugen", "2026-000013 – Kari")


def test_the_irregular_lowercase_table_is_python_s():
    irregular = {
        c: c.lower()
        for c in map(chr, range(sys.maxunicode + 1))
        if not (len(c.lower()) == 1 and c.isascii() == c.lower().isascii())
    }
    assert irregular == inbox.IRREGULAR_LOWER


SEARCHED = (
    "Øystein Ås Ærø", "KARI NORDMANN", "İbrahim Kılıç", "\u212aelvin Kari", "Straße", "ẞtraße",
    "Σίσυφος", "50% rabatt_x", "back\\slash", "", "i\u0307 kombinert", "ǅemal", "Ⅻ", "ＡＢＣ",
    "İİ", "ki", "kİ", "İk", "2026-000013 – Kari",
)  # fmt: skip
QUERIES = (
    "øystein", "ØYSTEIN", "ås", "ÆRØ", "kari", "KARI", "i", "k", "ki", "i\u0307", "İ", "ik",
    "kelvin", "straße", "ss", "σίσυφος", "%", "_", "\\", "50%", "rabatt_", "ıç", "ǆ", "ⅻ",
    "ａｂｃ", "ii", "i\u0307i", "2026-000013", "a",
)  # fmt: skip


def test_the_sqlite_search_filter_keeps_every_match():
    engine = create_engine("sqlite://")
    search.install(engine)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE human_task (id INTEGER PRIMARY KEY, subject TEXT)"))
        for i, subject in enumerate(SEARCHED):
            conn.execute(text("INSERT INTO human_task VALUES (:i, :s)"), {"i": i, "s": subject})
    found: dict[str, Any] = {}
    with engine.connect() as conn:
        for q in QUERIES:
            for name, condition in (
                ("fast", inbox._subject_contains(q, "sqlite")),
                ("plain", search.contains(HumanTask.subject, q)),
            ):
                # Only human_task.id and .subject are named: the table above has those.
                found[name] = set(conn.scalars(select(HumanTask.id).where(condition)))
            wanted = {i for i, s in enumerate(SEARCHED) if q.lower() in s.lower()}
            assert found["fast"] == found["plain"] == wanted, q
    engine.dispose()


def _tasks(app: Any) -> tuple[int, list[dict[str, Any]]]:
    """The caseworker in three groups; 90 tasks over their groups and one other, open and
    done, test and real, with ties in created and due dates and missing due dates."""
    rng = random.Random(17)
    now = utcnow().replace(microsecond=0)
    with app.app_context():
        sara = db.session.scalar(select(User).where(User.username == "saksbehandler"))
        other = db.session.scalar(select(User).where(User.username == "leder"))
        sara.groups = list(LANES)
        version = db.session.scalars(select(ProcessVersion)).first()
        case = Instance(
            tenant_id=sara.tenant_id,
            version_id=version.id,
            model_id=version.model_id,
            case_no="2026-000999",
            status="running",
            state="{}",
        )
        db.session.add(case)
        db.session.flush()
        rows = []
        for i in range(90):
            row = {
                "tenant_id": sara.tenant_id,
                "instance_id": case.id,
                "task_uuid": f"t{i}",
                "element_id": "review",
                "name": f"Oppgave {i}",
                "lane": rng.choice([*LANES, "Byggesak"]),
                "case_no": f"2026-{i:06d}",
                "subject": rng.choice(SUBJECTS),
                "model_id": rng.choice([version.model_id, 999_999]),
                "is_test": rng.random() < 0.1,
                "assignee": rng.choice([sara.actor, other.actor, None]),
                "status": "open" if rng.random() < 0.8 else "completed",
                "created_at": now - timedelta(days=rng.randrange(20)),  # ties
                "due_at": None
                if rng.random() < 0.25
                else now + timedelta(days=rng.choice([-3, -1, 2, 5])),  # ties, past and future
            }
            task = HumanTask(**row)
            db.session.add(task)
            db.session.flush()
            rows.append({**row, "id": task.id})
        db.session.commit()
        return sara.id, rows


def _expected(rows: list[dict[str, Any]], me: str, query: inbox.InboxQuery) -> list[int]:
    now = utcnow()
    kept = []
    for r in rows:
        if r["status"] != "open" or r["is_test"] or r["lane"] not in LANES:
            continue
        if query.view == "mine" and r["assignee"] != me:
            continue
        if query.view == "unassigned" and r["assignee"] is not None:
            continue
        if query.view == "overdue" and not (r["due_at"] is not None and r["due_at"] < now):
            continue
        if query.status == "assigned" and r["assignee"] is None:
            continue
        if query.status == "free" and r["assignee"] is not None:
            continue
        if query.service is not None and r["model_id"] != query.service:
            continue
        q = query.q
        if q and not (r["case_no"].startswith(q) or q.lower() in r["subject"].lower()):
            continue
        kept.append(r)
    if query.sort == "due":
        kept.sort(key=lambda r: (r["due_at"] is None, r["due_at"] or now, r["id"]))
    else:
        kept.sort(key=lambda r: (r["created_at"], r["id"]))
    return [r["id"] for r in kept]


def test_pages_and_counts_are_those_of_a_plain_filter_and_sort(app, monkeypatch):
    monkeypatch.setattr(inbox, "PAGE_SIZE", 4)
    monkeypatch.setattr(inbox, "COUNT_CAP", 9)
    user_id, rows = _tasks(app)
    model_id = rows[0]["model_id"]
    with app.app_context():
        sara = db.session.get(User, user_id)
        assert sara.group_list == list(LANES)
        for view in inbox.VIEWS:
            for sort in inbox.SORTS:
                for status in ("any", "assigned", "free"):
                    for q in ("", "kari", "2026-00001", "ØYSTEIN"):
                        for service in (None, model_id):
                            for number in (1, 2, 3, 5):
                                query = inbox.InboxQuery(
                                    view=view, sort=sort, status=status, q=q, service=service,
                                    page=number,
                                )  # fmt: skip
                                found = inbox.page(db.session, sara, query)
                                wanted = _expected(rows, sara.actor, query)
                                start = (number - 1) * 4
                                assert [t.id for t in found.tasks] == wanted[start : start + 4], (
                                    query
                                )
                                assert found.total == min(len(wanted), 10), query


def test_the_workload_is_that_of_a_plain_count(app):
    user_id, rows = _tasks(app)
    now = utcnow()
    with app.app_context():
        sara = db.session.get(User, user_id)
        load = inbox.team_workload(db.session, sara)
    mine = [r for r in rows if r["status"] == "open" and not r["is_test"] and r["lane"] in LANES]
    per_person: dict[str, int] = {}
    unassigned: dict[str, int] = {}
    for r in mine:
        if r["assignee"] is None:
            unassigned[r["lane"]] = unassigned.get(r["lane"], 0) + 1
        else:
            per_person[r["assignee"]] = per_person.get(r["assignee"], 0) + 1
    assert load["per_person"] == per_person
    assert load["unassigned"] == unassigned and list(load["unassigned"]) == sorted(unassigned)
    assert load["overdue"] == sum(1 for r in mine if r["due_at"] and r["due_at"] < now)
    oldest = min(mine, key=lambda r: (r["created_at"], r["id"]))
    assert load["oldest"].id == oldest["id"]


def test_a_caseworker_without_groups_has_an_empty_inbox_and_workload(app):
    with app.app_context():
        sara = db.session.scalar(select(User).where(User.username == "saksbehandler"))
        sara.groups = []
        db.session.commit()
        assert inbox.page(db.session, sara, inbox.InboxQuery()).total == 0
        load = inbox.team_workload(db.session, sara)
        assert load["per_person"] == load["unassigned"] == {} and load["oldest"] is None


def test_on_sqlite_the_inbox_reads_its_open_task_indexes_alone(app):
    user_id, _rows = _tasks(app)
    sent: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "human_task" in statement and "count(" not in statement.lower()[:40]:
            sent.append((statement, parameters))

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's plans")
        db.session.execute(text("ANALYZE"))
        sara = db.session.get(User, user_id)
        event.listen(db.engine, "before_cursor_execute", capture)
        try:
            inbox.page(db.session, sara, inbox.InboxQuery(view="mine", sort="due", q="kari"))
            inbox.team_workload(db.session, sara)
        finally:
            event.remove(db.engine, "before_cursor_execute", capture)
        ranges = [s for s in sent if "UNION ALL" in s[0]]
        assert len(ranges) == 3  # the page's ids, the workload's groups, the oldest task
        for statement, parameters in ranges:
            plan = [
                row[3]
                for row in db.session.connection().exec_driver_sql(
                    "EXPLAIN QUERY PLAN " + statement, parameters
                )
            ]
            # Every range over human_task comes from an inbox index alone (the oldest task
            # is then read by its id).
            reads = [line for line in plan if "human_task" in line and "PRIMARY KEY" not in line]
            assert reads and all("USING COVERING INDEX ix_human_task_" in r for r in reads), plan
            assert not any("GROUP BY" in line for line in plan), plan
