#!/usr/bin/env python
"""Inbox queries at scale: the caseworker inbox and team workload over a large task table.

Run with `.venv/bin/python tests/bench/inbox.py`. This is not a test: it never
asserts on time, and every figure is printed as a ratio against a baseline
measured in the same run, on the same machine.

The same queries run at three sizes of one database, grown in stages, each
time through the code the app runs (designer.services.inbox.page and
team_workload, in a test request context with the caseworker logged in, the
query read from the query string by InboxQuery.from_args):
  base   1,000 open +     10,000 completed human tasks (the baseline);
  +done  1,000 open + --done (default 1,000,000) completed: what completed tasks cost;
  scale  --open (default 100,000) open + --done completed: what open tasks cost.
The schema comes from the app (create_app + db.create_all). Rows go in with Core
executemany inserts, with foreign keys on, so every task points at a real
instance. ANALYZE runs after each stage. Every query is timed warm, up to 40
runs; the report gives the median and the 95th percentile (p95) of each, and per
backend the worst p95 at the last stage against the target (p95 < 50 ms). The plans
of the main statements (and of any query over the target) are printed at the last
stage. The figures are saved to tests/bench/results/inbox.json. With DATABASE_URL
set to a PostgreSQL server the same runs there too, in a database
`flytverk_bench_inbox` that the script creates and drops.

Options: --open N, --done N, --json. Progress goes to stderr; the table (or JSON
with --json) to stdout.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import signal
import sqlite3
import statistics
import sys
import tempfile
import textwrap
import time
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import results_file  # noqa: E402  (beside this file)
import sqlalchemy  # noqa: E402
from flask import Flask, request  # noqa: E402
from flask_login import current_user, login_user  # noqa: E402
from sqlalchemy import create_engine, event, func, insert, select, text  # noqa: E402
from sqlalchemy.engine import Engine, make_url  # noqa: E402

from designer import create_app  # noqa: E402
from designer.extensions import db  # noqa: E402
from designer.models import User  # noqa: E402
from designer.services import inbox as inbox_queries  # noqa: E402
from designer.services.inbox import InboxQuery  # noqa: E402
from engine.models import (  # noqa: E402
    HumanTask,
    Instance,
    ProcessModel,
    ProcessVersion,
    Tenant,
    utcnow,
)
from engine.store import configure_engine  # noqa: E402

PG_DATABASE = "flytverk_bench_inbox"
BASE_OPEN, BASE_DONE = 1_000, 10_000
CHUNK = 50_000  # rows per insert transaction
REPS = 40  # timed runs per query (fewer if a query is slow, see BUDGET_S)
MIN_REPS = 10
BUDGET_S = 2.0  # stop repeating a query after this much time (once MIN_REPS are done)
TARGET_P95_MS = 50.0  # the inbox's target at 100,000 open / 1,000,000 completed tasks
WARMUP = 2
SEED = 20261122
DAY = 86_400.0
SPAN = 730 * DAY  # tasks are created over the last two years

LANES = ("Saksbehandler", "Juridisk", "Byggesak", "Økonomi", "Helse og omsorg")
USER_GROUPS = ("Saksbehandler", "Juridisk")  # the benchmark caseworker: 2 of the 5 lanes
SERVICES = (  # key, name, share of the cases
    ("parkeringstillatelse", "Parkeringstillatelse for forflytningshemmede", 5),
    ("byggesak", "Søknad om tiltak", 3),
    ("skjenkebevilling", "Skjenkebevilling", 1),
    ("startlan", "Startlån", 1),
)
STEPS = (
    ("review", "Vurder søknaden", "review.json"),
    ("docs", "Be om dokumentasjon", "docs.json"),
    ("approve", "Godkjenn vedtaket", "approve.json"),
)
FIRST = (
    "Kari", "Ola", "Ingrid", "Per", "Marit", "Lars", "Anne", "Knut", "Sigrid", "Bjørn",
    "Astrid", "Odd", "Solveig", "Arne", "Liv", "Jon", "Ragnhild", "Terje", "Hilde", "Geir",
    "Nora", "Emil", "Sofie", "Jakob", "Ida", "Magnus", "Thea", "Sander", "Maja", "Henrik",
)  # fmt: skip
LAST = (
    "Nordmann", "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen",
    "Kristiansen", "Jensen", "Karlsen", "Johnsen", "Pettersen", "Eriksen", "Berg", "Haugen",
    "Hagen", "Johannessen", "Andreassen", "Jacobsen", "Dahl", "Jørgensen", "Lund", "Halvorsen",
    "Sørensen", "Jakobsen", "Moen", "Gundersen", "Iversen", "Strand",
)  # fmt: skip
NAME_SEARCH = "haugen"  # one surname in 30: a substring search over the subject
COLLEAGUES = 10

VIEWS = ("mine", "unassigned", "overdue", "all")
PLANS = (  # always explained at the last stage; so is every query over the target
    "all, created, p1",
    "mine, created, p1",
    "all, due, p40",
    "search: name",
    "workload (team lead)",
)
CASE_SEARCH = "search: case no"  # the case-number search's name starts so (its prefix varies)


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- the data


def queries(service_id: int, case_prefix: str) -> list[tuple[str, InboxQuery | None]]:
    """What is timed: every view x sort x page 1/40, a filter, two searches, the workload."""
    out: list[tuple[str, InboxQuery | None]] = []
    for view in VIEWS:
        for sort in ("created", "due"):
            for page in (1, 40):
                out.append(
                    (f"{view}, {sort}, p{page}", InboxQuery(view=view, sort=sort, page=page))
                )
    out.append(("all, service filter", InboxQuery(service=service_id)))
    out.append((f"search: case no '{case_prefix}'", InboxQuery(q=case_prefix)))
    out.append(("search: name", InboxQuery(q=NAME_SEARCH)))
    out.append(("workload (team lead)", None))
    return out


def seed_reference(app: Flask) -> dict[str, Any]:
    """A tenant, the services with a published version each, the caseworker and colleagues."""
    with app.app_context():
        session = db.session
        tenant = Tenant(slug="bench", name="Benchmark kommune")
        session.add(tenant)
        session.flush()
        models, versions = [], []
        for key, name, _share in SERVICES:
            model = ProcessModel(
                tenant_id=tenant.id, key=key, name_nb=name, card_texts={"en": {"name": name}}
            )
            session.add(model)
            session.flush()
            version = ProcessVersion(
                tenant_id=tenant.id,
                model_id=model.id,
                number=1,
                process_id=key,
                bpmn="<definitions/>",
                content_hash="0" * 64,
            )
            session.add(version)
            session.flush()
            model.published_version_id = version.id
            models.append(model.id)
            versions.append(version.id)
        me = User(
            tenant_id=tenant.id,
            username="saksbehandler",
            name="Sara Saksbehandler",
            roles="caseworker,team_lead",
            groups=",".join(USER_GROUPS),
        )
        session.add(me)
        others = []
        for i in range(COLLEAGUES):
            other = User(
                tenant_id=tenant.id,
                username=f"kollega{i}",
                name=f"Kollega {i}",
                roles="caseworker",
                groups=",".join(LANES[j % len(LANES)] for j in (i, i + 1)),
            )
            session.add(other)
            others.append(other)
        citizen = User(tenant_id=tenant.id, username="innbygger", name="Kari Nordmann")
        session.add(citizen)
        session.commit()
        return {
            "tenant_id": tenant.id,
            "models": models,
            "versions": versions,
            "user_id": me.id,
            "me": me.actor,
            "others": [o.actor for o in others],
            "citizen": citizen.actor,
        }


class Loader:
    """The whole data set, planned up front and then inserted stage by stage.

    Each stage opens its own cases (instances): one per open task, plus one per ten
    completed tasks; its tasks belong to those cases. Open tasks are created over the
    last two years, most of them in the last few months; completed ones evenly over
    the two years. Ids (tasks and cases) and case numbers are handed out in order of
    creation over the whole data set, as production would have them: the open tasks
    added last sit among the completed ones of the same months, not after them.
    Inserts are Core executemany, one transaction per chunk, foreign keys on."""

    def __init__(self, url: str, ref: dict[str, Any], plan: list[tuple[str, int, int]]) -> None:
        self.url, self.ref = url, ref
        self.now = utcnow().replace(microsecond=0)
        rng = random.Random(SEED)
        self.age = array("d")  # per task: seconds before now it was created
        self.case = array("i")  # per task: its case (index)
        self.task_range: list[range] = []  # per stage: its tasks (indices)
        self.case_range: list[range] = []  # per stage: its cases (indices)
        self.open_tasks: list[int] = []  # per stage: its first tasks are the open ones
        for _label, n_open, n_done in plan:
            first_task = len(self.age)
            first_case = self.case_range[-1].stop if self.case_range else 0
            n_cases = max(1, n_open + n_done // 10) if n_open + n_done else 0
            for i in range(n_open):  # open task i belongs to the stage's case i
                self.age.append(min(SPAN, rng.expovariate(1 / (90 * DAY))))
                self.case.append(first_case + i)
            for _ in range(n_done):
                self.age.append(rng.uniform(0, SPAN))
                self.case.append(first_case + rng.randrange(n_cases))
            self.task_range.append(range(first_task, len(self.age)))
            self.case_range.append(range(first_case, first_case + n_cases))
            self.open_tasks.append(n_open)
        n_cases = self.case_range[-1].stop
        # A case starts with its oldest task.
        case_age = array("d", [-1.0]) * n_cases
        for age, case in zip(self.age, self.case, strict=True):
            if age > case_age[case]:
                case_age[case] = age
        self.case_created = [self.now - timedelta(seconds=age) for age in case_age]
        self.case_id = array("i", [0]) * n_cases
        self.case_no = [""] * n_cases
        per_year: dict[int, int] = {}
        ordered = sorted(range(n_cases), key=case_age.__getitem__, reverse=True)
        for number, case in enumerate(ordered, 1):
            year = self.case_created[case].year
            per_year[year] = per_year.get(year, 0) + 1
            self.case_no[case] = f"{year}-{per_year[year]:06d}"
            self.case_id[case] = number
        weights = [share for _key, _name, share in SERVICES]
        self.case_service = rng.choices(range(len(SERVICES)), weights=weights, k=n_cases)
        self.case_subject = [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(n_cases)]
        self.task_id = array("i", [0]) * len(self.age)
        ordered = sorted(range(len(self.age)), key=self.age.__getitem__, reverse=True)
        for number, k in enumerate(ordered, 1):
            self.task_id[k] = number

    def engine(self) -> Engine:
        engine = create_engine(self.url)
        if engine.dialect.name == "sqlite":
            configure_engine(engine, synchronous="OFF")  # as the app: WAL, foreign keys on

            @event.listens_for(engine, "connect")
            def _cache(dbapi_connection: Any, _record: Any) -> None:
                dbapi_connection.execute("PRAGMA cache_size=-262144")  # 256 MB while loading

        return engine

    def add(self, stage: int) -> float:
        """Insert the cases and tasks of `stage`; returns the seconds it took."""
        rng, now, ref = random.Random(SEED + stage), self.now, self.ref
        started = time.perf_counter()
        tenant_id = ref["tenant_id"]
        staff = [ref["me"], *ref["others"]]
        first_done = self.task_range[stage].start + self.open_tasks[stage]
        engine = self.engine()
        try:
            rows: list[dict[str, Any]] = []
            cases = self.case_range[stage]
            running = range(cases.start, cases.start + self.open_tasks[stage])
            for case in sorted(cases, key=self.case_id.__getitem__):
                created = self.case_created[case]
                rows.append(
                    {
                        "id": self.case_id[case],
                        "tenant_id": tenant_id,
                        "version_id": ref["versions"][self.case_service[case]],
                        "model_id": ref["models"][self.case_service[case]],
                        "case_no": self.case_no[case],
                        "status": "running" if case in running else "completed",
                        "state": "{}",
                        "version": 1,
                        "owner": ref["citizen"],
                        "subject": self.case_subject[case],
                        "is_test": False,
                        "created_at": created,
                        "updated_at": created,
                        "completed_at": None if case in running else created + timedelta(days=30),
                    }
                )
                if len(rows) == CHUNK:
                    _insert(engine, Instance, rows)
            _insert(engine, Instance, rows)

            tasks = sorted(self.task_range[stage], key=self.task_id.__getitem__)
            for done, k in enumerate(tasks, 1):
                is_open = k < first_done
                case = self.case[k]
                created = now - timedelta(seconds=self.age[k])
                r = rng.random()
                assignee = ref["me"] if r < 0.2 else rng.choice(ref["others"]) if r < 0.6 else None
                element_id, name, form = rng.choice(STEPS)
                completed_at = None
                if not is_open:
                    delay = timedelta(seconds=rng.expovariate(1 / (7 * DAY)))
                    completed_at = min(now, created + delay)
                rows.append(
                    {
                        "id": self.task_id[k],
                        "tenant_id": tenant_id,
                        "instance_id": self.case_id[case],
                        "task_uuid": f"00000000-0000-4000-8000-{k:012x}",
                        "element_id": element_id,
                        "name": name,
                        "lane": rng.choice(LANES),
                        "form": form,
                        "case_no": self.case_no[case],
                        "subject": self.case_subject[case],
                        "model_id": ref["models"][self.case_service[case]],
                        "is_test": False,
                        "instructions": "",
                        "assignee": assignee,
                        "status": "open" if is_open else "completed",
                        "created_at": created,
                        "due_at": None
                        if rng.random() < 0.15
                        else created + timedelta(days=rng.uniform(10, 90)),
                        "completed_at": completed_at,
                        "completed_by": None if is_open else assignee or rng.choice(staff),
                    }
                )
                if len(rows) == CHUNK:
                    _insert(engine, HumanTask, rows)
                    if done % (10 * CHUNK) == 0:
                        progress(f"    {done:,} of {len(tasks):,} tasks")
            _insert(engine, HumanTask, rows)
        finally:
            engine.dispose()
        return time.perf_counter() - started

    def analyse(self) -> float:
        """ANALYZE (SQLite) or VACUUM ANALYZE (PostgreSQL); returns the seconds it took."""
        started = time.perf_counter()
        engine = self.engine()
        try:
            if engine.dialect.name == "sqlite":
                with engine.begin() as conn:
                    conn.exec_driver_sql("ANALYZE")
                with engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            else:  # autovacuum would get there too: done now, so the figures are steady-state
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.exec_driver_sql("VACUUM ANALYZE")
        finally:
            engine.dispose()
        return time.perf_counter() - started

    def counts(self) -> dict[str, int]:
        engine = self.engine()
        try:
            with engine.connect() as conn:
                tasks = dict(
                    conn.execute(
                        select(HumanTask.status, func.count()).group_by(HumanTask.status)
                    ).all()
                )
                cases = conn.execute(select(func.count()).select_from(Instance)).scalar_one()
        finally:
            engine.dispose()
        return {
            "open": tasks.get("open", 0),
            "completed": tasks.get("completed", 0),
            "instances": cases,
        }


def _insert(engine: Engine, table: Any, rows: list[dict[str, Any]]) -> None:
    """One transaction per chunk; empties `rows`."""
    if rows:
        with engine.begin() as conn:
            conn.execute(insert(table), rows)
        rows.clear()


# --------------------------------------------------------------------------- measuring


def run_once(app: Flask, user_id: int, query: InboxQuery | None) -> tuple[float, int]:
    """One request's worth: the caseworker logged in, the query from the query string.
    Returns the wall time of the inbox/workload call and the number of matching tasks."""
    args = query.args() if query is not None else {}
    with app.test_request_context("/", query_string=args):
        user = db.session.get(User, user_id)  # what the user loader does, not timed
        assert user is not None
        login_user(user)
        if query is None:
            t0 = time.perf_counter()
            result = inbox_queries.team_workload(db.session(), current_user)
            elapsed = time.perf_counter() - t0
            rows = sum(result["per_person"].values()) + sum(result["unassigned"].values())
        else:
            parsed = InboxQuery.from_args(request.args)
            assert parsed == query, (parsed, query)
            t0 = time.perf_counter()
            found = inbox_queries.page(db.session(), current_user, parsed)
            elapsed = time.perf_counter() - t0
            rows = found.total
    return elapsed, rows  # leaving the context removes the session, as a request does


def measure(app: Flask, user_id: int, query: InboxQuery | None) -> dict[str, Any]:
    for _ in range(WARMUP):
        run_once(app, user_id, query)
    times: list[float] = []
    rows = 0
    spent = 0.0
    while len(times) < REPS and (len(times) < MIN_REPS or spent < BUDGET_S):
        elapsed, rows = run_once(app, user_id, query)
        times.append(elapsed)
        spent += elapsed
    return {
        "ms": 1000 * statistics.median(times),
        "p95": 1000 * percentile(times, 95),
        "rows": rows,
        "reps": len(times),
    }


def percentile(values: list[float], pct: float) -> float:
    """The `pct`th percentile, interpolated between the closest ranks (as numpy's default)."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def explain(app: Flask, user_id: int, query: InboxQuery | None) -> list[dict[str, Any]]:
    """The plans of the statements inbox() (workload() for None) sends, captured as sent."""
    sent: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        run_once(app, user_id, query)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    out = []
    sqlite_db = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        for statement, parameters in sent:
            if "human_task" not in statement:
                continue  # the user loader
            if sqlite_db:
                plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
                depth: dict[int, int] = {0: 0}
                lines = []
                for node, parent, _unused, detail in plan:
                    depth[node] = depth.get(parent, 0) + 1
                    lines.append("  " * (depth[node] - 1) + detail)
            else:
                plan = conn.exec_driver_sql("EXPLAIN " + statement, parameters).all()
                lines = [row[0] for row in plan]
            head = " ".join(statement.split()).upper()
            kind = "count" if head.startswith("SELECT COUNT") else "rows"
            if " GROUP BY " in head:
                kind = "grouped"
            out.append({"statement": f"{len(out) + 1} ({kind})", "plan": lines})
    return out


def case_prefix(app: Flask) -> str:
    """A case-number prefix shared by ten case numbers, one of them with an open task the
    caseworker sees (so the search finds something at every stage)."""
    with app.app_context():
        case_no = db.session.scalar(
            select(HumanTask.case_no)
            .where(HumanTask.status == "open", HumanTask.lane.in_(USER_GROUPS))
            .order_by(HumanTask.id)
            .limit(1)
        )
        db.session.remove()
    return (case_no or "2025-000001")[:-1]


def stages(n_open: int, n_done: int) -> list[tuple[str, int, int]]:
    """(label, open, completed) to grow to: the baseline, the completed tasks, the open ones."""
    base_open, base_done = min(BASE_OPEN, n_open), min(BASE_DONE, n_done)
    out = [("base", base_open, base_done)]
    if n_done > base_done and n_open > base_open:
        out.append(("+done", base_open, n_done))
    if (n_open, n_done) != (base_open, base_done):
        out.append(("scale", n_open, n_done))
    return out


def bench_backend(name: str, url: str, n_open: int, n_done: int, tmp: str) -> dict[str, Any]:
    """Schema via the app, then grow the data stage by stage, timing every query each time;
    the plans at the last stage."""
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLITE_SYNCHRONOUS": "OFF",
            "SCHEDULER": "off",
            "UPLOAD_FOLDER": os.path.join(tmp, "uploads"),  # never written to
        }
    )
    result: dict[str, Any] = {"stages": {}, "queries": {}, "plans": {}}
    try:
        with app.app_context():
            db.create_all()
        ref = seed_reference(app)
        plan, have_open, have_done = [], 0, 0
        for label, to_open, to_done in stages(n_open, n_done):
            plan.append((label, to_open - have_open, to_done - have_done))
            have_open, have_done = to_open, to_done
        progress(f"  {name}: planning {n_open + n_done:,} tasks")
        loader = Loader(url, ref, plan)
        timed: list[tuple[str, InboxQuery | None]] = []
        for stage, (label, add_open, add_done) in enumerate(plan):
            progress(f"  {name} {label}: adding {add_open:,} open + {add_done:,} completed tasks")
            load_s = loader.add(stage)
            if not timed:
                timed = queries(ref["models"][1], case_prefix(app))
            analyse_s = loader.analyse()
            with app.app_context():  # SQLite reads the statistics when a connection opens
                db.engine.dispose()
            result["stages"][label] = {**loader.counts(), "load_s": load_s, "analyse_s": analyse_s}
            progress(f"  {name} {label}: added in {load_s:.1f} s, analysed in {analyse_s:.1f} s")
            for _query_name, query in timed:  # one pass first: nothing is measured cold
                run_once(app, ref["user_id"], query)
            for query_name, query in timed:
                figures = measure(app, ref["user_id"], query)
                row = result["queries"].setdefault(
                    query_name, {"rows": {}, "ms": {}, "p95": {}, "reps": {}, "ratio": {}}
                )
                for key in ("rows", "ms", "p95", "reps"):
                    row[key][label] = figures[key]
            progress(f"  {name} {label}: {len(timed)} queries timed")
        by_name = dict(timed)
        last = result["stages"] and list(result["stages"])[-1]
        over = [n for n, r in result["queries"].items() if r["p95"][last] > TARGET_P95_MS]
        explained = [n for n in by_name if n in PLANS or n.startswith(CASE_SEARCH) or n in over]
        for query_name in explained:
            result["plans"][query_name] = explain(app, ref["user_id"], by_name[query_name])
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    first, last = next(iter(result["stages"])), list(result["stages"])[-1]
    for row in result["queries"].values():
        for label, ms in row["ms"].items():
            if label != first:
                row["ratio"][label] = ms / row["ms"][first] if row["ms"][first] else None
    worst = max(result["queries"], key=lambda n: result["queries"][n]["p95"][last])
    worst_ms = result["queries"][worst]["p95"][last]
    result["p95_worst"] = {
        "query": worst,
        "stage": last,
        "ms": worst_ms,
        "target_ms": TARGET_P95_MS,
        "met": worst_ms < TARGET_P95_MS,
    }
    return result


@contextmanager
def postgres_database(url: str) -> Iterator[str | None]:
    """A database flytverk_bench_inbox created for this run and dropped at the end."""
    base = make_url(url)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    created = False
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": PG_DATABASE}
            ).scalar()
            if exists:
                progress(
                    f"  PostgreSQL: database {PG_DATABASE} already exists; not touching it "
                    f"(drop it yourself if it is a leftover: dropdb {PG_DATABASE}). Skipped."
                )
                yield None
                return
            conn.execute(text(f'CREATE DATABASE "{PG_DATABASE}"'))
            created = True
        yield base.set(database=PG_DATABASE).render_as_string(hide_password=False)
    finally:
        if created:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))
        admin.dispose()


# --------------------------------------------------------------------------- report


def render(figures: dict[str, Any]) -> str:
    meta = figures["meta"]
    lines = [
        f"Flytverk inbox queries at scale  (SQLAlchemy {meta['sqlalchemy']}, SQLite "
        f"{meta['sqlite']}, Python {meta['python']}, {meta['cpus']} CPU(s))",
        "",
        f"One tenant, {len(SERVICES)} services, tasks spread evenly over {len(LANES)} lanes. The "
        "caseworker (also team",
        f"lead) works in {' and '.join(USER_GROUPS)}, 2 of the {len(LANES)} lanes. 20% of tasks "
        "are assigned to them,",
        f"40% to {COLLEAGUES} colleagues, 40% to nobody; 15% have no due date.",
        "med/p95: median and 95th percentile (ms) of the wall time of one inbox() call (count +",
        f"page) or workload() call (its queries + colleagues), warm, up to {REPS} runs after "
        f"{WARMUP} warm-up",
        "runs (runs: how many at the last stage). rows: matching tasks (the inbox's total).",
        "x<stage>: median there / median at base. Target: p95 < "
        f"{TARGET_P95_MS:.0f} ms at the last stage.",
    ]
    for backend, result in figures["backends"].items():
        labels = list(result["stages"])
        lines += ["", backend]
        for label, stage in result["stages"].items():
            lines.append(
                f"  {label:<6}{stage['open']:>9,} open +{stage['completed']:>10,} completed tasks,"
                f"{stage['instances']:>8,} cases (added in {stage['load_s']:.1f} s, "
                f"analysed in {stage['analyse_s']:.1f} s)"
            )
        header = f"  {'query':<28}{'rows ' + labels[0]:>10}{'rows ' + labels[-1]:>12}"
        header += "".join(f"{'med ' + label:>11}" for label in labels)
        header += "".join(f"{'p95 ' + label:>11}" for label in labels)
        header += "".join(f"{'x' + label:>8}" for label in labels[1:])
        lines += ["", header + f"{'runs':>6}"]
        for name, row in result["queries"].items():
            line = f"  {name:<28}{row['rows'][labels[0]]:>10,}{row['rows'][labels[-1]]:>12,}"
            line += "".join(f"{row['ms'][label]:>11.2f}" for label in labels)
            line += "".join(f"{row['p95'][label]:>11.2f}" for label in labels)
            for label in labels[1:]:
                ratio = row["ratio"].get(label)
                line += f"{ratio:>8.1f}" if ratio is not None else f"{'n/a':>8}"
            lines.append(line + f"{row['reps'][labels[-1]]:>6}")
        lines.append("")
        worst = result["p95_worst"]
        over = [
            n for n, r in result["queries"].items() if r["p95"][labels[-1]] >= worst["target_ms"]
        ]
        lines.append(
            f"  p95 worst query: {worst['ms']:.2f} ms (target < {worst['target_ms']:.0f} ms)"
            f" -- {worst['query']}, at {worst['stage']}: "
            + ("met" if worst["met"] else f"NOT met ({len(over)} queries over)")
        )
        for label in labels[1:]:
            slow = [n for n, r in result["queries"].items() if (r["ratio"].get(label) or 0) > 10]
            if slow:
                lines += textwrap.wrap(
                    f"x{label} > 10 ({len(slow)} of {len(result['queries'])}): {'; '.join(slow)}",
                    width=98,
                    initial_indent="  ",
                    subsequent_indent="    ",
                )
            else:
                lines.append(f"  x{label}: no query got more than 10 times slower")
        for name, statements in result["plans"].items():
            lines.append("")
            lines.append(f"  plan at {labels[-1]}: {name}")
            for statement in statements:
                lines.append(f"    {statement['statement']}:")
                lines += [f"      {line}" for line in statement["plan"]]
    lines.append("")
    lines.append(f"total run time {meta['total_s']:.1f} s")
    return "\n".join(lines)


def _rounded(value: Any) -> Any:
    """Floats to 4 significant digits, for a readable JSON report."""
    if isinstance(value, float):
        return float(f"{value:.4g}")
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


# --------------------------------------------------------------------------- main


def _terminate(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)  # unwinds through the finally blocks: temp dir, PG database


def main(argv: list[str] | None = None) -> int:
    import json

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--open", type=int, default=100_000, help="open tasks (default 100000)")
    parser.add_argument(
        "--done", type=int, default=1_000_000, help="completed tasks (default 1000000)"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.open < 1 or args.done < 0:
        parser.error("--open must be at least 1 and --done at least 0")
    signal.signal(signal.SIGTERM, _terminate)
    database_url = os.environ.get("DATABASE_URL") or None
    if database_url and not database_url.startswith("postgresql"):
        driver = make_url(database_url).drivername
        progress(f"DATABASE_URL is not PostgreSQL ({driver}); PostgreSQL skipped")
        database_url = None

    started = time.perf_counter()
    backends: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="flytverk-bench-inbox-") as tmp:
        progress("SQLite")
        sqlite_file = os.path.join(tmp, "inbox.sqlite")
        backends["SQLite (file, WAL)"] = bench_backend(
            "SQLite", f"sqlite:///{sqlite_file}", args.open, args.done, tmp
        )
        for suffix in ("", "-wal", "-shm"):  # free the disk before PostgreSQL fills its own
            if os.path.exists(sqlite_file + suffix):
                os.remove(sqlite_file + suffix)
        if database_url:
            progress("PostgreSQL")
            try:
                with postgres_database(database_url) as pg_url:
                    if pg_url is not None:
                        backends["PostgreSQL"] = bench_backend(
                            "PostgreSQL", pg_url, args.open, args.done, tmp
                        )
            except sqlalchemy.exc.OperationalError as err:
                progress(f"  PostgreSQL unavailable, skipped: {str(err).splitlines()[0]}")
    figures = {
        "meta": {
            "sqlalchemy": sqlalchemy.__version__,
            "sqlite": sqlite3.sqlite_version,
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "open": args.open,
            "done": args.done,
            "reps": REPS,
            "warmup": WARMUP,
            "postgres": "PostgreSQL" in backends,
            "total_s": time.perf_counter() - started,
        },
        "backends": backends,
    }
    saved = results_file.save("inbox", _rounded(figures))
    progress(f"figures saved to {saved}")
    if args.json:
        print(json.dumps(_rounded(figures), indent=2, default=str))
    else:
        print(render(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
