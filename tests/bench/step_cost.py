#!/usr/bin/env python
"""What a workflow step costs: raw SpiffWorkflow against Flytverk's engine.

Run with `make bench` (= `.venv/bin/python tests/bench/step_cost.py`). This is
not a test: it never asserts on time, and every figure is printed as a ratio
against baselines measured in the same run, on the same machine.

Part 1, throughput of the parking-permit process (start with the citizen's
form -> script + gateway -> caseworker review -> script + gateway -> end):
  (a)   raw SpiffWorkflow in memory (the floor);
  (b)   raw SpiffWorkflow with its own serializer, a JSON round trip
        (serialize_json + deserialize_json) after each of the two transitions;
  (c)   our engine, runtime.start + runtime.complete, each one durable
        committed transaction on a SQLite file (WAL, synchronous=FULL);
  (c')  the same with the live workflow cache cleared before every transition,
        so each step loads the workflow from the database;
  (c'') the same as (c) on PostgreSQL when DATABASE_URL is set (in a database
        `flytverk_bench` created for the run and dropped afterwards).

Part 2, loop cost: tests/data/loop.bpmn driven through its user task
--loop times (default 1000) by runtime.complete, against raw SpiffWorkflow +
its serializer (no history pruning), which loses its ready task near
iteration 250; it is then driven on by scanning `workflow.tasks` directly
(not a public-API path) to show what the state would grow to.

Options: --n N (instances per variant), --loop N (loop iterations), --json.
Progress goes to stderr; the table (or JSON with --json) to stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import datetime as _dt
import gc
import os
import platform
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import results_file  # noqa: E402  (beside this file)
import sqlalchemy  # noqa: E402
from SpiffWorkflow.bpmn import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer  # noqa: E402
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser  # noqa: E402
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402
from sqlalchemy import create_engine, select, text  # noqa: E402
from sqlalchemy.engine import Engine, make_url  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from engine import bpmn, runtime  # noqa: E402
from engine.models import Base, HumanTask, Instance, ProcessModel, ProcessVersion, Tenant  # noqa: E402
from engine.scripting import SCRIPT_ENGINE  # noqa: E402
from engine.store import WORKFLOWS, configure_engine  # noqa: E402

PERMIT_DIR = ROOT / "processes" / "parking_permit"
LOOP_BPMN = ROOT / "tests" / "data" / "loop.bpmn"
PG_DATABASE = "flytverk_bench"
WARMUP = 20

APPLICATION: dict[str, Any] = {
    "applicant_name": "Kari Nordmann",
    "national_id": "01017012345",
    "address": "Storgata 1",
    "postal_code": "0155",
    "city": "Oslo",
    "role": "driver",
    "need_description": "Jeg kan ikke gå mer enn 50 meter uten hjelpemidler.",
    "doctor_statement": "yes",
    "period_years": "2",
}
REVIEW: dict[str, Any] = {
    "review_decision": "approved",
    "review_reason": "Legeerklæringen dokumenterer vesentlig nedsatt gangevne.",
    "valid_from": "2026-12-01",
    "valid_to": None,  # empty: the script derives it from period_years with `date`
}
EXPECTED_DECISION = {
    "outcome": "approved",
    "decided_by": "caseworker",
    "reason": REVIEW["review_reason"],
    "valid_from": "2026-12-01",
    "valid_to": "2028-12-01",
}
LOOP_FORM = {"note": "ok"}


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- raw SpiffWorkflow


def raw_spec(path: Path, process_id: str) -> tuple[Any, dict[str, Any]]:
    """Parse with SpiffWorkflow's own parser (XSD-validated), once."""
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_file(str(path))
    return parser.get_spec(process_id), parser.get_subprocess_specs(process_id)


def raw_serializer() -> BpmnWorkflowSerializer:
    """The library's serializer. The permit's decision script leaves a `date` (its local
    `first`) in the task data, and the library only knows datetime, timedelta and UUID:
    without this one converter serialize_json raises TypeError on that process."""
    registry = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)
    registry.register(
        _dt.date,
        lambda v: {"value": v.isoformat()},
        lambda v: _dt.date.fromisoformat(v["value"]),
        typename="date",
    )
    return BpmnWorkflowSerializer(registry)


def roundtrip(
    serializer: BpmnWorkflowSerializer, workflow: BpmnWorkflow
) -> tuple[BpmnWorkflow, int]:
    """What the library's persistence costs: to JSON and back (script engine set again)."""
    state = serializer.serialize_json(workflow)
    loaded = serializer.deserialize_json(state)
    loaded.script_engine = SCRIPT_ENGINE
    return loaded, len(state)


def raw_permit(
    spec: Any, subprocess_specs: dict[str, Any], serializer: BpmnWorkflowSerializer | None
) -> int:
    """One parking-permit instance, start to end; returns the JSON size while waiting (b only)."""
    size = 0
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=SCRIPT_ENGINE)
    workflow.get_next_task(state=TaskState.READY).data.update(copy.deepcopy(APPLICATION))
    workflow.do_engine_steps()
    if serializer is not None:
        workflow, size = roundtrip(serializer, workflow)
    task = workflow.get_next_task(state=TaskState.READY, manual=True)
    assert task is not None and task.task_spec.bpmn_id == "review", task
    task.task_spec.add_data_from_form(task, copy.deepcopy(REVIEW))
    task.run()
    workflow.do_engine_steps()
    if serializer is not None:
        workflow, _ = roundtrip(serializer, workflow)
    assert workflow.is_completed(), "raw instance did not complete"
    assert workflow.data.get("decision") == EXPECTED_DECISION, workflow.data.get("decision")
    return size


def _run_automatic_steps(
    workflow: BpmnWorkflow, serializer: BpmnWorkflowSerializer
) -> BpmnWorkflow:
    """Run ready automatic tasks one by one, persisting (round trip) after each."""
    while True:
        task = workflow.get_next_task(state=TaskState.READY, manual=False)
        if task is None:
            return workflow
        task.run()
        workflow, _ = roundtrip(serializer, workflow)


def raw_permit_every_step(
    spec: Any, subprocess_specs: dict[str, Any], serializer: BpmnWorkflowSerializer
) -> int:
    """(b2): the library persisting after every single task it runs (TOOLCHAIN's method)."""
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=SCRIPT_ENGINE)
    workflow.get_next_task(state=TaskState.READY).data.update(copy.deepcopy(APPLICATION))
    workflow = _run_automatic_steps(workflow, serializer)
    task = workflow.get_next_task(state=TaskState.READY, manual=True)
    assert task is not None and task.task_spec.bpmn_id == "review", task
    task.task_spec.add_data_from_form(task, copy.deepcopy(REVIEW))
    task.run()
    workflow, size = roundtrip(serializer, workflow)
    workflow = _run_automatic_steps(workflow, serializer)
    assert workflow.is_completed(), "raw instance did not complete"
    assert workflow.data.get("decision") == EXPECTED_DECISION, workflow.data.get("decision")
    return size


# --------------------------------------------------------------------------- our engine


@contextmanager
def sqlite_database(directory: str, name: str) -> Iterator[Engine]:
    """A fresh SQLite file with the full schema, durable commits (synchronous=FULL)."""
    engine = create_engine(f"sqlite:///{os.path.join(directory, name)}")
    configure_engine(engine)  # default synchronous=FULL: every commit is fsynced
    try:
        Base.metadata.create_all(engine)
        yield engine
    finally:
        engine.dispose()


@contextmanager
def postgres_database(url: str) -> Iterator[Engine | None]:
    """A database flytverk_bench created for this run and dropped at the end."""
    base = make_url(url)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    created = False
    engine = None
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
        engine = create_engine(base.set(database=PG_DATABASE))
        configure_engine(engine)  # a no-op on PostgreSQL
        Base.metadata.create_all(engine)
        yield engine
    finally:
        if engine is not None:
            engine.dispose()
        if created:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))
        admin.dispose()


def install(
    engine: Engine, key: str, bpmn_text: str, process_id: str, files: dict[str, str] | None = None
) -> tuple[int, int]:
    """A tenant (reused), a process model and a published version; returns (tenant, version) ids."""
    parsed = bpmn.parse({"process.bpmn": bpmn_text}, {}, process_id=process_id)
    with Session(engine) as session:
        tenant = session.scalar(select(Tenant).where(Tenant.slug == "bench"))
        if tenant is None:
            tenant = Tenant(slug="bench", name="Benchmark kommune")
            session.add(tenant)
            session.flush()
        model = ProcessModel(tenant_id=tenant.id, key=key, name_nb=key)
        session.add(model)
        session.flush()
        version = ProcessVersion(
            tenant_id=tenant.id,
            model_id=model.id,
            number=1,
            process_id=parsed.process_id,
            bpmn=bpmn_text,
            files=files or {},
            content_hash=parsed.content_hash,
        )
        session.add(version)
        session.flush()
        model.published_version_id = version.id
        session.commit()
        return tenant.id, version.id


def open_task(session: Session, instance_id: int) -> int:
    task_id = session.scalar(
        select(HumanTask.id).where(HumanTask.instance_id == instance_id, HumanTask.status == "open")
    )
    assert task_id is not None, f"instance {instance_id} has no open task"
    return task_id


def engine_permit(engine: Engine, tenant_id: int, version_id: int, cached: bool) -> int:
    """One instance through runtime.start and runtime.complete, a session per transition
    (as a web request has); returns the stored state size while waiting for the review."""
    if not cached:
        WORKFLOWS.clear()
    with Session(engine) as session:
        version = session.get(ProcessVersion, version_id)
        assert version is not None
        instance = runtime.start(
            session,
            version,
            data=APPLICATION,
            actor="citizen:bench",
            owner="citizen:bench",
            subject=APPLICATION["applicant_name"],
        )
        instance_id, size = instance.id, len(instance.state)
        assert instance.status == "running", (instance.status, instance.error)
    if not cached:
        WORKFLOWS.clear()
    with Session(engine) as session:
        task_id = open_task(session, instance_id)
        instance = runtime.complete(session, tenant_id, task_id, REVIEW, "caseworker:bench")
        assert instance.status == "completed", (instance.status, instance.error)
        assert instance.outcome == "approved", instance.outcome
        assert instance.result == EXPECTED_DECISION, instance.result
    return size


# --------------------------------------------------------------------------- part 1


def measure(n: int, one: Callable[[], int], into: dict[str, Any] | None = None) -> dict[str, Any]:
    """Warm up (first round only), then time n instances (wall and CPU), added to `into`."""
    if into is None:
        for _ in range(min(WARMUP, n)):
            one()
    gc.collect()
    wall0, cpu0 = time.perf_counter(), time.process_time()
    size = 0
    for _ in range(n):
        size = one()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    if into is not None:
        n, wall, cpu = into["instances"] + n, into["wall_s"] + wall, into["cpu_s"] + cpu
    return {
        "instances": n,
        "wall_s": wall,
        "cpu_s": cpu,
        "per_s": n / wall,
        "ms_per_instance": 1000 * wall / n,
        "cpu_ms_per_instance": 1000 * cpu / n,
        "state_bytes_waiting": size or None,
    }


ROUNDS = 3  # the variants take turns, so a change in the machine's load hits all of them


def part1(n: int, tmp: str, database_url: str | None) -> dict[str, Any]:
    bpmn_path = PERMIT_DIR / "process.bpmn"
    bpmn_text = bpmn_path.read_text(encoding="utf-8")
    forms = {
        f"forms/{p.name}": p.read_text(encoding="utf-8")
        for p in sorted((PERMIT_DIR / "forms").glob("*.json"))
    }
    spec, subprocess_specs = raw_spec(bpmn_path, "parking_permit")
    serializer = raw_serializer()
    results: dict[str, Any] = {}

    with contextlib.ExitStack() as stack:
        engine = stack.enter_context(sqlite_database(tmp, "permit.sqlite"))
        tenant_id, version_id = install(
            engine, "parking_permit", bpmn_text, "parking_permit", forms
        )
        variants: dict[str, tuple[str, Callable[[], int]]] = {
            "a": (
                "(a) raw SpiffWorkflow in memory",
                lambda: raw_permit(spec, subprocess_specs, None),
            ),
            "b": (
                "(b) raw SpiffWorkflow + serializer round trips",
                lambda: raw_permit(spec, subprocess_specs, serializer),
            ),
            "b_step": (
                "(b2) raw SpiffWorkflow persisting after every task",
                lambda: raw_permit_every_step(spec, subprocess_specs, serializer),
            ),
            "c": (
                "(c) engine on SQLite (synchronous=FULL)",
                lambda: engine_permit(engine, tenant_id, version_id, True),
            ),
            "c_nocache": (
                "(c') engine on SQLite, workflow cache off",
                lambda: engine_permit(engine, tenant_id, version_id, False),
            ),
        }
        pg = None
        if database_url:
            try:
                pg = stack.enter_context(postgres_database(database_url))
            except sqlalchemy.exc.OperationalError as err:
                progress(f"  PostgreSQL unavailable, skipped: {str(err).splitlines()[0]}")
        if pg is not None:
            pg_ids = install(pg, "parking_permit", bpmn_text, "parking_permit", forms)
            variants["c_pg"] = (
                "(c'') engine on PostgreSQL",
                lambda: engine_permit(pg, pg_ids[0], pg_ids[1], True),
            )
        WORKFLOWS.clear()  # the cache key names the database: both can share it
        share = max(1, n // ROUNDS)
        for round_no in range(ROUNDS):
            for key, (name, one) in variants.items():
                progress(f"part 1, round {round_no + 1}/{ROUNDS}: {name}, {share} instances")
                results[key] = measure(share, one, results.get(key))
                if key == "c_nocache":
                    WORKFLOWS.clear()

    for row in results.values():
        row["vs_a"] = row["per_s"] / results["a"]["per_s"]
        row["vs_b"] = row["per_s"] / results["b"]["per_s"]
        row["vs_b2"] = row["per_s"] / results["b_step"]["per_s"]
        row["vs_c"] = row["per_s"] / results["c"]["per_s"]
    return results


# --------------------------------------------------------------------------- part 2


def windows(limit: int) -> dict[int, range]:
    """Iterations 10, 100 and `limit`, each with a window of 5 steps around it."""
    points = sorted({p for p in (10, 100, limit) if 1 <= p <= limit})
    result = {}
    for point in points:
        low = max(1, min(point - 2, limit - 4))
        result[point] = range(low, min(limit, low + 4) + 1)
    return result


def summarise(times: dict[int, float], sizes: dict[int, int], limit: int) -> dict[str, Any]:
    out = {}
    for point, window in windows(limit).items():
        measured = [times[i] for i in window if i in times]
        out[str(point)] = {
            "window": [window[0], window[-1]],
            "step_ms": 1000 * statistics.median(measured) if measured else None,
            "state_bytes": sizes.get(point),
        }
    return out


def start_loop(engine: Engine, version_id: int, limit: int) -> int:
    """Start one instance of loop.bpmn with `limit` iterations; return its id."""
    with Session(engine) as session:
        version = session.get(ProcessVersion, version_id)
        assert version is not None
        return runtime.start(session, version, data={"limit": limit}, actor="bench").id


def engine_loop(limit: int, tmp: str) -> dict[str, Any]:
    bpmn_text = LOOP_BPMN.read_text(encoding="utf-8")
    times: dict[int, float] = {}
    sizes: dict[int, int] = {}
    with sqlite_database(tmp, "loop.sqlite") as engine:
        tenant_id, version_id = install(engine, "loop", bpmn_text, "loop")
        WORKFLOWS.clear()
        instance_id = start_loop(engine, version_id, limit)
        status = "running"
        for i in range(1, limit + 1):
            with Session(engine) as session:
                task_id = open_task(session, instance_id)
                t0 = time.perf_counter()
                instance = runtime.complete(session, tenant_id, task_id, LOOP_FORM, "bench")
                times[i] = time.perf_counter() - t0
                sizes[i] = len(instance.state)
                status = instance.status
            if i % 250 == 0:
                progress(f"  engine loop: {i}/{limit}")
        with Session(engine) as session:
            events = session.execute(text("SELECT count(*) FROM event")).scalar()
            final = session.get(Instance, instance_id)
            assert final is not None
            final_count = runtime.current_data(session, final).get("count")
        WORKFLOWS.clear()
    summary = summarise(times, sizes, limit)
    first, last = summary[str(min(windows(limit)))], summary[str(limit)]
    return {
        "points": summary,
        "ratio_last_to_10": (last["step_ms"] / first["step_ms"]) if first["step_ms"] else None,
        "max_state_bytes": max(sizes.values()),
        "total_s": sum(times.values()),
        "final_status": status,
        "final_count": final_count,
        "events_recorded": events,
    }


def _run_ready_automatic(workflow: BpmnWorkflow) -> None:
    """do_engine_steps without the depth-limited iterator: scan workflow.tasks."""
    while True:
        ready = [
            t
            for t in workflow.tasks.values()
            if t.state == TaskState.READY and not t.task_spec.manual
        ]
        if not ready:
            return
        for task in ready:
            task.run()


def _live(workflow: BpmnWorkflow) -> list[Any]:
    return [t for t in workflow.tasks.values() if t.state & TaskState.NOT_FINISHED_MASK]


def raw_loop(limit: int) -> dict[str, Any]:
    """The loop with raw SpiffWorkflow + its serializer, no pruning.

    Public API (get_tasks, do_engine_steps) with a JSON round trip after every
    step until the ready task is lost; then driven on by scanning
    workflow.tasks, with round trips only around the measured points (to keep
    the run short: the state is the same either way)."""
    spec, subprocess_specs = raw_spec(LOOP_BPMN, "loop")
    serializer = raw_serializer()
    measured = {i for window in windows(limit).values() for i in window}
    times: dict[int, float] = {}
    sizes: dict[int, int] = {}
    report: dict[str, Any] = {
        "false_completion_at": None,
        "lost_ready_task_at": None,
        "error": None,
        "ready_task_at_300": None,
        "note": None,
    }
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=SCRIPT_ENGINE)
    workflow.get_next_task(state=TaskState.READY).data.update({"limit": limit})
    workflow.do_engine_steps()
    workflow, _ = roundtrip(serializer, workflow)
    forced = False
    for i in range(1, limit + 1):
        t0 = time.perf_counter()
        try:
            if not forced:
                ready = workflow.get_tasks(state=TaskState.READY, manual=True)
                if not ready:
                    live = _live(workflow)
                    report["lost_ready_task_at"] = i
                    report["note"] = (
                        f"iteration {i}: get_tasks(READY, manual=True) is empty, is_completed()="
                        f"{workflow.is_completed()}, yet {len(live)} unfinished task(s) exist in "
                        f"workflow.tasks: "
                        + ", ".join(
                            f"{t.task_spec.bpmn_id or t.task_spec.name} "
                            f"{TaskState.get_name(t.state)} (count={t.data.get('count')})"
                            for t in live
                        )
                    )
                    forced = True
            if forced:
                _run_ready_automatic(workflow)
                ready = [
                    t
                    for t in workflow.tasks.values()
                    if t.state == TaskState.READY and t.task_spec.manual
                ]
            if not ready:
                report["error"] = (
                    f"iteration {i}: no ready user task even by scanning workflow.tasks"
                )
                break
            task = ready[0]
            task.task_spec.add_data_from_form(task, copy.deepcopy(LOOP_FORM))
            task.run()
            if forced:
                _run_ready_automatic(workflow)
            else:
                workflow.do_engine_steps()
            if not forced or i in measured:
                workflow, size = roundtrip(serializer, workflow)
                sizes[i] = size
        except Exception as err:  # report what the library does, whatever it is
            report["error"] = f"iteration {i}: {type(err).__name__}: {err}"
            break
        if not forced or i in measured:
            times[i] = time.perf_counter() - t0
        if (
            not forced
            and report["false_completion_at"] is None
            and i < limit
            and workflow.is_completed()
        ):
            report["false_completion_at"] = i
        if i == 300:
            report["ready_task_at_300"] = not forced
        if i % 250 == 0:
            progress(f"  raw loop: {i}/{limit}")
    count = workflow.data.get("count")
    if count is None:
        counts = [t.data.get("count") for t in workflow.tasks.values() if "count" in t.data]
        count = max(counts) if counts else None
    report.update(
        {
            "points": summarise(times, sizes, limit),
            "forced_from": report["lost_ready_task_at"],
            "final_count": count,
            "completed": workflow.is_completed(),
            "tasks_in_tree": len(workflow.tasks),
        }
    )
    first, last = report["points"][str(min(windows(limit)))], report["points"][str(limit)]
    report["ratio_last_to_10"] = (
        last["step_ms"] / first["step_ms"] if first["step_ms"] and last["step_ms"] else None
    )
    return report


# --------------------------------------------------------------------------- output


def fmt_bytes(value: int | None) -> str:
    if value is None:
        return "n/a"
    if value >= 1_000_000:
        return f"{value / 1_000_000:.2f} MB"
    if value >= 1000:
        return f"{value / 1000:.1f} KB"
    return f"{value} B"


def fmt_ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


LABELS = {
    "a": "(a)   raw SpiffWorkflow, in memory",
    "b": "(b)   raw SpiffWorkflow + serializer",
    "b_step": "(b2)  raw + serializer after every task",
    "c": "(c)   engine, SQLite FULL, cache on",
    "c_nocache": "(c')  engine, SQLite FULL, cache off",
    "c_pg": "(c'') engine, PostgreSQL, cache on",
}


def render(figures: dict[str, Any]) -> str:
    meta, p1, loop = figures["meta"], figures["part1"], figures["part2"]
    lines = [
        f"Flytverk step cost  (SpiffWorkflow {meta['spiffworkflow']}, "
        f"SQLAlchemy {meta['sqlalchemy']}, Python {meta['python']}, {meta['cpus']} CPU(s), "
        f"SQLite on {meta['sqlite_filesystem']})",
        "",
        f"Part 1: parking permit, {meta['n']} instances per variant after {meta['warmup']} warm-up "
        "instances",
        "  (b) = one serialize_json + deserialize_json after each of the 2 transitions;",
        "  (b2) = serialize_json + deserialize_json after every task the library runs;",
        "  (c*) = runtime.start + runtime.complete, each a committed transaction,"
        " one session each.",
        "",
        f"  {'variant':<38}{'inst/s':>9}{'ms/inst':>9}{'CPU ms':>8}{'vs (a)':>8}{'vs (b)':>8}"
        f"{'vs (b2)':>9}"
        f"{'state':>10}",
    ]
    for key, label in LABELS.items():
        row = p1.get(key)
        if row is None:
            continue
        lines.append(
            f"  {label:<38}{row['per_s']:>9.1f}{row['ms_per_instance']:>9.2f}"
            f"{row['cpu_ms_per_instance']:>8.2f}{row['vs_a']:>8.3f}{row['vs_b']:>8.3f}"
            f"{row['vs_b2']:>9.3f}"
            f"{fmt_bytes(row['state_bytes_waiting']):>10}"
        )
    if "c_pg" not in p1:
        lines.append("  (c'') skipped: DATABASE_URL not set (or PostgreSQL unavailable)")
    c, nc = p1["c"], p1["c_nocache"]
    off_cpu = max(0.0, c["ms_per_instance"] - c["cpu_ms_per_instance"])
    lines += [
        "  vs (a)/(b): throughput as a fraction of (a)/(b); state: stored bytes while waiting for",
        "  the review (b: the library's JSON incl. spec; c*: our row, spec kept out).",
        f"  the workflow cache buys x{c['per_s'] / nc['per_s']:.2f} throughput "
        f"({nc['ms_per_instance'] - c['ms_per_instance']:.2f} ms/instance); "
        f"wall not spent on CPU in (c): {off_cpu:.2f} ms/instance (fsync, I/O)",
        f"  targets: (c) vs (b) {c['vs_b']:.2f} (>= 0.5)"
        + (f"; (c'') vs (c) {p1['c_pg']['vs_c']:.2f} (>= 0.8)" if "c_pg" in p1 else ""),
        "",
        f"Part 2: loop.bpmn, {loop['limit']} iterations through its user task; "
        "step = median wall time of the window",
        "",
        f"  {'iteration':<12}{'window':<12}{'engine ms':>10}{'engine state':>14}"
        f"{'raw ms':>10}{'raw state':>12}",
    ]
    eng, raw = loop["engine"], loop["raw"]
    for point, row in eng["points"].items():
        rrow = raw["points"].get(point, {})
        window = f"{row['window'][0]}-{row['window'][1]}"
        lines.append(
            f"  {point:<12}{window:<12}{fmt_ms(row['step_ms']):>10}"
            f"{fmt_bytes(row['state_bytes']):>14}{fmt_ms(rrow.get('step_ms')):>10}{fmt_bytes(rrow.get('state_bytes')):>12}"
        )
    last = str(loop["limit"])
    first = str(min(int(p) for p in eng["points"]))
    ratio = eng["ratio_last_to_10"]
    lines += [
        "",
        f"  engine step cost ratio {last}/{first}: {ratio:.2f}"
        if ratio
        else f"  engine step cost ratio {last}/{first}: n/a",
        f"  engine: largest stored state over the loop {fmt_bytes(eng['max_state_bytes'])}; "
        f"final status {eng['final_status']}, count {eng['final_count']}; "
        f"{eng['events_recorded']} events; "
        f"{eng['total_s']:.1f} s in runtime.complete",
    ]
    if raw["ratio_last_to_10"]:
        lines.append(
            f"  raw step cost ratio {last}/{first}: {raw['ratio_last_to_10']:.2f}"
            + (" (after the loss: driven by scanning workflow.tasks)" if raw["forced_from"] else "")
        )
    if raw["false_completion_at"]:
        lines.append(
            f"  raw: is_completed() turned True after iteration "
            f"{raw['false_completion_at']} of {loop['limit']} (the loop was not finished)"
        )
    if raw["lost_ready_task_at"]:
        lines.append(f"  raw: lost its ready user task at iteration {raw['lost_ready_task_at']}")
        lines.append(f"       {raw['note']}")
    else:
        lines.append("  raw: kept its ready task throughout")
    if raw["ready_task_at_300"] is not None:
        lines.append(
            f"  raw: ready task via the public API at iteration 300: "
            f"{'yes' if raw['ready_task_at_300'] else 'no'}"
        )
    if raw["error"]:
        lines.append(f"  raw: stopped with {raw['error']}")
    lines.append(
        f"  raw: final count {raw['final_count']}, is_completed() {raw['completed']}, "
        f"{raw['tasks_in_tree']} tasks kept in the tree"
    )
    lines.append("")
    lines.append(f"total run time {meta['total_s']:.1f} s")
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def _terminate(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)  # unwinds through the finally blocks: temp dirs, PG database


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=300, help="instances per variant (default 300)")
    parser.add_argument("--loop", type=int, default=1000, help="loop iterations (default 1000)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.n < 1 or args.loop < 1:
        parser.error("--n and --loop must be at least 1")
    signal.signal(signal.SIGTERM, _terminate)
    database_url = os.environ.get("DATABASE_URL") or None
    if database_url and not database_url.startswith("postgresql"):
        driver = make_url(database_url).drivername
        progress(f"DATABASE_URL is not PostgreSQL ({driver}); (c'') skipped")
        database_url = None

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="flytverk-bench-") as tmp:
        filesystem = _filesystem(tmp)
        if filesystem in ("tmpfs", "ramfs"):
            progress(
                f"warning: {tmp} is on {filesystem}: fsync is free there, so (c) is not "
                "measuring durable commits; set TMPDIR to a directory on disk"
            )
        p1 = part1(args.n, tmp, database_url)
        progress(f"part 2: engine loop, {args.loop} iterations")
        engine_figures = engine_loop(args.loop, tmp)
        progress(f"part 2: raw SpiffWorkflow loop, {args.loop} iterations")
        raw_figures = raw_loop(args.loop)
    figures = {
        "meta": {
            "spiffworkflow": _dist_version("SpiffWorkflow"),
            "sqlalchemy": sqlalchemy.__version__,
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "n": args.n,
            "warmup": min(WARMUP, args.n),
            "postgres": bool(database_url),
            "sqlite_filesystem": filesystem,
            "total_s": time.perf_counter() - started,
        },
        "part1": p1,
        "part2": {"limit": args.loop, "engine": engine_figures, "raw": raw_figures},
    }
    results_file.publish("step_cost", figures, as_json=args.json, render=render)
    return 0


def _filesystem(path: str) -> str | None:
    """The type of the filesystem holding `path` (Linux /proc/mounts), for the report."""
    try:
        with open("/proc/mounts", encoding="utf-8") as mounts:
            entries = [line.split() for line in mounts]
    except OSError:
        return None
    real = os.path.realpath(path)
    best = None
    for entry in entries:
        if len(entry) >= 3 and (real == entry[1] or real.startswith(entry[1].rstrip("/") + "/")):
            if best is None or len(entry[1]) > len(best[1]):
                best = entry
    return best[2] if best else None


def _dist_version(name: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None


if __name__ == "__main__":
    sys.exit(main())
