#!/usr/bin/env python
"""Long runs: a parallel review of 1,000 lines and a 10,000-iteration loop, on the engine.

`.venv/bin/python tests/bench/long_runs.py [--items 1000] [--loop 10000] [--json] [--profile]`

Not a test: it never asserts on time, and every figure that has a target is a ratio
against a baseline measured in the same run, on the same machine. It does check that
every run gets the right result (all reviews collected, the loop counted to its limit).

Part 1, a parallel multi-instance user task (tests/data/multi_review.bpmn): the start
data holds `items` (a list of N dicts), the user task opens one review per item, all at
once, and collects each review's `verdict` into `reviews`. One instance is started with
runtime.start and its N human tasks are completed one by one with runtime.complete, each
in its own session (as a web request has), on a SQLite file in a temp dir on disk (WAL,
synchronous=FULL). N = --items (default 1000) once, and N = 100 ten times as the baseline
(five runs before the big one and five after, so a change in machine load hits both), after
one untimed warm-up run. Figures: wall (and CPU) ms per completion around items 10, 100
and N (median of five), the stored state (len(instance.state)) there and its maximum,
the total time of a run. Targets: state max < 1 MB, a completion at item N < 50 ms,
total(N) / (N/100 x total(100)) <= 3 (3 allows for some growth; linear cost would be 1).
For the record, raw SpiffWorkflow does the same with its serializer, a JSON round trip
(serialize_json + deserialize_json) after each completion, at 100 and 300 items.

Part 2, a --loop (default 10000) iteration loop through a user task (tests/data/loop.bpmn
with {'limit': N}), runtime.complete each iteration. Step ms = median of the five steps
around iterations 10, 100, 1000 and N. Target: step(N) / step(10) <= 1.3. Raw
SpiffWorkflow cannot run it (it loses its ready task near iteration 250: step_cost.py).

With --profile, a second N-item instance is started and completions 11-30 of it run under
cProfile (outside the timed runs); the functions that take the most time per completion
are printed to stderr and kept in the JSON.

Progress goes to stderr; the table (or JSON with --json) to stdout; the figures also go
to tests/bench/results/long_runs.json. About 4 minutes on 2 (shared) cores.
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import gc
import json
import os
import platform
import pstats
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import results_file  # noqa: E402  (beside this file)
import sqlalchemy  # noqa: E402
import step_cost  # noqa: E402  (beside this file: the same databases, install and raw helpers)
from SpiffWorkflow.bpmn import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from engine import runtime  # noqa: E402
from engine.models import Event, HumanTask, Instance, ProcessVersion  # noqa: E402
from engine.scripting import SCRIPT_ENGINE  # noqa: E402
from engine.store import WORKFLOWS  # noqa: E402

MULTI_BPMN = ROOT / "tests" / "data" / "multi_review.bpmn"
LOOP_BPMN = ROOT / "tests" / "data" / "loop.bpmn"
VERDICT = {"verdict": {"approved": True, "note": "ok"}}
LOOP_FORM = {"note": "ok"}
BASELINE_ITEMS = 100
BASELINE_RUNS = 10
RAW_ITEMS = (100, 300)
PROFILED = range(11, 31)  # completions profiled with --profile (of a fresh instance)

TARGET_STATE_BYTES = 1_000_000
TARGET_LAST_MS = 50.0
TARGET_TOTAL_RATIO = 3.0
TARGET_LOOP_RATIO = 1.3

progress = step_cost.progress


def items_of(n: int) -> list[dict[str, Any]]:
    """N lines to review, like the lines of an invoice or a list of applicants."""
    return [{"line": i, "text": f"Line {i}", "amount": 100 + i} for i in range(1, n + 1)]


def windows(limit: int, points: tuple[int, ...]) -> dict[int, range]:
    """Each point (<= limit) with a window of 5 steps around it, as step_cost.windows."""
    result = {}
    for point in sorted({p for p in (*points, limit) if 1 <= p <= limit}):
        low = max(1, min(point - 2, limit - 4))
        result[point] = range(low, min(limit, low + 4) + 1)
    return result


def summarise(
    wall: dict[int, float], cpu: dict[int, float], sizes: dict[int, int], wins: dict[int, range]
) -> dict[str, Any]:
    out = {}
    for point, window in wins.items():
        walls = [wall[i] for i in window if i in wall]
        cpus = [cpu[i] for i in window if i in cpu]
        out[str(point)] = {
            "window": [window[0], window[-1]],
            "step_ms": 1000 * statistics.median(walls) if walls else None,
            "cpu_ms": 1000 * statistics.median(cpus) if cpus else None,
            "state_bytes": sizes.get(point),
        }
    return out


class Clock:
    """Wall and CPU time of one call."""

    def __init__(self) -> None:
        self.wall = self.cpu = 0.0

    def __enter__(self) -> Clock:
        self._w, self._c = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_: object) -> None:
        self.wall = time.perf_counter() - self._w
        self.cpu = time.process_time() - self._c


# --------------------------------------------------------------------------- part 1, engine


def start_review(engine: Engine, version_id: int, n: int) -> tuple[int, list[int], int]:
    """Start one instance over n items; return its id, its open task ids and state size."""
    with Session(engine) as session:
        version = session.get(ProcessVersion, version_id)
        assert version is not None
        instance = runtime.start(session, version, data={"items": items_of(n)}, actor="bench")
        assert instance.status == "running", (instance.status, instance.error)
        instance_id, size = instance.id, len(instance.state)
    with Session(engine) as session:  # what the caseworkers' inbox lists
        task_ids = list(
            session.scalars(
                select(HumanTask.id)
                .where(HumanTask.instance_id == instance_id, HumanTask.status == "open")
                .order_by(HumanTask.id)
            )
        )
    assert len(task_ids) == n, f"{len(task_ids)} open review tasks, expected {n}"
    return instance_id, task_ids, size


def complete_one(engine: Engine, tenant_id: int, task_id: int) -> tuple[Clock, int]:
    """One completion as a web request makes it: its own session; timed, then the size of
    the stored state read (outside the timing: the commit expired the row)."""
    with Session(engine) as session:
        with Clock() as step:
            instance = runtime.complete(session, tenant_id, task_id, VERDICT, "caseworker:bench")
        return step, len(instance.state)


def check_review(engine: Engine, instance_id: int, n: int) -> None:
    """Every review collected, every task closed: the run measured the real thing."""
    with Session(engine) as session:
        instance = session.get(Instance, instance_id)
        assert instance is not None and instance.status == "completed", instance
        reviews = runtime.current_data(session, instance).get("reviews")
        assert reviews == [VERDICT["verdict"]] * n, f"reviews: {str(reviews)[:200]}"
        by_status = dict(
            session.execute(
                select(HumanTask.status, func.count())
                .where(HumanTask.instance_id == instance_id)
                .group_by(HumanTask.status)
            ).all()
        )
        assert by_status == {"completed": n}, by_status


def engine_review(engine: Engine, tenant_id: int, version_id: int, n: int) -> dict[str, Any]:
    """One instance over n items, start to end; per-completion wall, CPU and state size."""
    wall: dict[int, float] = {}
    cpu: dict[int, float] = {}
    sizes: dict[int, int] = {}
    gc.collect()
    with Clock() as total:
        with Clock() as started:
            instance_id, task_ids, start_size = start_review(engine, version_id, n)
        for i, task_id in enumerate(task_ids, 1):
            step, sizes[i] = complete_one(engine, tenant_id, task_id)
            wall[i], cpu[i] = step.wall, step.cpu
            if n >= 500 and i % 250 == 0:
                progress(f"    {i}/{n}")
    check_review(engine, instance_id, n)
    WORKFLOWS.clear()
    return {
        "items": n,
        "points": summarise(wall, cpu, sizes, windows(n, (10, 100))),
        "start_ms": 1000 * started.wall,
        "state_bytes_at_start": start_size,
        "max_state_bytes": max([start_size, *sizes.values()]),
        "total_s": total.wall,
        "total_cpu_s": total.cpu,
        "complete_s": sum(wall.values()),
    }


def _median_points(runs: list[dict[str, Any]]) -> dict[str, Any]:
    out = {}
    for point, first in runs[0]["points"].items():
        rows = [r["points"][point] for r in runs]
        out[point] = {
            "window": first["window"],
            "step_ms": statistics.median(r["step_ms"] for r in rows),
            "cpu_ms": statistics.median(r["cpu_ms"] for r in rows),
            "state_bytes": first["state_bytes"],
        }
    return out


def part1(n: int, tmp: str, profile: bool) -> dict[str, Any]:
    bpmn_text = MULTI_BPMN.read_text(encoding="utf-8")
    WORKFLOWS.clear()
    baseline: list[dict[str, Any]] = []
    with (
        step_cost.sqlite_database(tmp, "review_base.sqlite") as small,
        step_cost.sqlite_database(tmp, "review_big.sqlite") as big,
    ):
        small_ids = step_cost.install(small, "multi_review", bpmn_text, "multi_review")
        big_ids = step_cost.install(big, "multi_review", bpmn_text, "multi_review")
        progress(f"part 1: warm-up, one run of {BASELINE_ITEMS} items (not counted)")
        engine_review(small, *small_ids, BASELINE_ITEMS)

        def baseline_runs(count: int) -> None:
            for _ in range(count):
                baseline.append(engine_review(small, *small_ids, BASELINE_ITEMS))
                progress(
                    f"  baseline run {len(baseline)}/{BASELINE_RUNS}: {BASELINE_ITEMS} items "
                    f"in {baseline[-1]['total_s']:.2f} s"
                )

        baseline_runs(BASELINE_RUNS // 2)
        progress(f"part 1: engine, {n} items, completed one by one")
        large = engine_review(big, *big_ids, n)
        progress(f"  {n} items in {large['total_s']:.1f} s")
        baseline_runs(BASELINE_RUNS - BASELINE_RUNS // 2)
        profiled = profile_review(big, *big_ids, n) if profile else None

    scale = n / BASELINE_ITEMS
    base_total = statistics.fmean(r["total_s"] for r in baseline)
    base_cpu = statistics.fmean(r["total_cpu_s"] for r in baseline)
    last = large["points"][str(n)]
    return {
        "items": n,
        "engine": large,
        "baseline": {
            "items": BASELINE_ITEMS,
            "runs": len(baseline),
            "total_s": [r["total_s"] for r in baseline],
            "mean_total_s": base_total,
            "mean_total_cpu_s": base_cpu,
            "points": _median_points(baseline),
            "max_state_bytes": max(r["max_state_bytes"] for r in baseline),
        },
        "total_ratio": large["total_s"] / (scale * base_total),
        "total_cpu_ratio": large["total_cpu_s"] / (scale * base_cpu),
        "last_ms": last["step_ms"],
        "targets": {
            "state_max_lt_1mb": large["max_state_bytes"] < TARGET_STATE_BYTES,
            "last_ms_lt_50": last["step_ms"] < TARGET_LAST_MS,
            "total_ratio_le_3": large["total_s"] / (scale * base_total) <= TARGET_TOTAL_RATIO,
        },
        "profile": profiled,
    }


def profile_review(engine: Engine, tenant_id: int, version_id: int, n: int) -> dict[str, Any]:
    """Completions 11-30 of a fresh n-item instance under cProfile: where the time goes."""
    progress(f"profile: completions {PROFILED[0]}-{PROFILED[-1]} of a fresh {n}-item instance")
    _, task_ids, _ = start_review(engine, version_id, n)
    profiler = cProfile.Profile()
    for i, task_id in enumerate(task_ids[: PROFILED[-1]], 1):
        if i in PROFILED:
            profiler.enable()
        complete_one(engine, tenant_id, task_id)
        profiler.disable()
    WORKFLOWS.clear()
    return top_functions(profiler, len(PROFILED))


def top_functions(profiler: cProfile.Profile, steps: int, count: int = 25) -> dict[str, Any]:
    """The functions with the most cumulative time, in ms per step (profiled)."""
    stats = pstats.Stats(profiler)
    total = stats.total_tt  # type: ignore[attr-defined]
    rows = []
    for (path, line, name), (_cc, calls, own, cum, _) in stats.stats.items():  # type: ignore[attr-defined]
        where = path.replace(str(ROOT) + "/", "")
        where = where.split("site-packages/")[-1]
        rows.append(
            {
                "function": f"{where}:{line}({name})",
                "calls_per_step": calls / steps,
                "cum_ms_per_step": 1000 * cum / steps,
                "own_ms_per_step": 1000 * own / steps,
            }
        )
    rows.sort(key=lambda r: -r["cum_ms_per_step"])
    own = sorted(rows, key=lambda r: -r["own_ms_per_step"])[:count]
    progress(f"  profiled: {1000 * total / steps:.1f} ms per completion (with cProfile overhead)")
    progress(f"  {'cum ms':>8} {'own ms':>8} {'calls':>9}  function (per completion)")
    for row in rows[:count]:
        progress(
            f"  {row['cum_ms_per_step']:>8.2f} {row['own_ms_per_step']:>8.2f} "
            f"{row['calls_per_step']:>9.0f}  {row['function']}"
        )
    return {"ms_per_step": 1000 * total / steps, "by_cumulative": rows[:count], "by_own": own}


# --------------------------------------------------------------------------- part 1, raw


def raw_review(n: int) -> dict[str, Any]:
    """Raw SpiffWorkflow + its serializer: a JSON round trip after every completion."""
    spec, subprocess_specs = step_cost.raw_spec(MULTI_BPMN, "multi_review")
    serializer = step_cost.raw_serializer()
    wall: dict[int, float] = {}
    cpu: dict[int, float] = {}
    sizes: dict[int, int] = {}
    gc.collect()
    with Clock() as total:
        workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=SCRIPT_ENGINE)
        workflow.get_next_task(state=TaskState.READY).data.update({"items": items_of(n)})
        workflow.do_engine_steps()
        workflow, start_size = step_cost.roundtrip(serializer, workflow)
        for i in range(1, n + 1):
            with Clock() as step:
                task = workflow.get_next_task(state=TaskState.READY, manual=True)
                assert task is not None, f"raw: no ready review at completion {i}"
                task.task_spec.add_data_from_form(task, copy.deepcopy(VERDICT))
                task.run()
                workflow.do_engine_steps()
                workflow, size = step_cost.roundtrip(serializer, workflow)
            wall[i], cpu[i], sizes[i] = step.wall, step.cpu, size
    assert workflow.is_completed(), "raw: the review did not complete"
    assert workflow.data.get("reviews") == [VERDICT["verdict"]] * n, "raw: reviews missing"
    return {
        "items": n,
        "points": summarise(wall, cpu, sizes, windows(n, (10, 100))),
        "state_bytes_at_start": start_size,
        "max_state_bytes": max([start_size, *sizes.values()]),
        "total_s": total.wall,
        "total_cpu_s": total.cpu,
    }


def raw_part(sizes: tuple[int, ...]) -> dict[str, Any]:
    runs = {}
    for n in sizes:
        progress(f"part 1: raw SpiffWorkflow + serializer round trips, {n} items")
        runs[str(n)] = raw_review(n)
    low, high = min(sizes), max(sizes)
    ratio = runs[str(high)]["total_s"] / (high / low * runs[str(low)]["total_s"])
    return {"runs": runs, "total_ratio": ratio, "low": low, "high": high}


# --------------------------------------------------------------------------- part 2


def engine_loop(limit: int, tmp: str) -> dict[str, Any]:
    bpmn_text = LOOP_BPMN.read_text(encoding="utf-8")
    wall: dict[int, float] = {}
    cpu: dict[int, float] = {}
    sizes: dict[int, int] = {}
    with step_cost.sqlite_database(tmp, "loop.sqlite") as engine:
        tenant_id, version_id = step_cost.install(engine, "loop", bpmn_text, "loop")
        WORKFLOWS.clear()
        gc.collect()
        with Clock() as total:
            instance_id = step_cost.start_loop(engine, version_id, limit)
            status = "running"
            for i in range(1, limit + 1):
                with Session(engine) as session:
                    task_id = step_cost.open_task(session, instance_id)
                    with Clock() as step:
                        instance = runtime.complete(session, tenant_id, task_id, LOOP_FORM, "bench")
                    wall[i], cpu[i], sizes[i] = step.wall, step.cpu, len(instance.state)
                    status = instance.status
                if i % 1000 == 0:
                    progress(f"  engine loop: {i}/{limit}")
        with Session(engine) as session:
            events = session.scalar(
                select(func.count()).select_from(Event).where(Event.instance_id == instance_id)
            )
            final = session.get(Instance, instance_id)
            assert final is not None
            count = runtime.current_data(session, final).get("count")
        WORKFLOWS.clear()
    assert status == "completed" and count == limit, (status, count)
    points = summarise(wall, cpu, sizes, windows(limit, (10, 100, 1000)))
    first, last = points[str(min(int(p) for p in points))], points[str(limit)]
    return {
        "limit": limit,
        "points": points,
        "ratio_last_to_10": last["step_ms"] / first["step_ms"],
        "cpu_ratio_last_to_10": last["cpu_ms"] / first["cpu_ms"] if first["cpu_ms"] else None,
        "max_state_bytes": max(sizes.values()),
        "total_s": total.wall,
        "complete_s": sum(wall.values()),
        "final_status": status,
        "final_count": count,
        "events_recorded": events,
        "targets": {"ratio_le_1_3": last["step_ms"] / first["step_ms"] <= TARGET_LOOP_RATIO},
    }


# --------------------------------------------------------------------------- output


fmt_bytes = step_cost.fmt_bytes
fmt_ms = step_cost.fmt_ms


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def render(figures: dict[str, Any]) -> str:
    meta, p1, raw, loop = figures["meta"], figures["part1"], figures["raw"], figures["part2"]
    n, eng, base = p1["items"], p1["engine"], p1["baseline"]
    bn = base["items"]
    load = meta["load_average"]
    lines = [
        f"Flytverk long runs  (SpiffWorkflow {meta['spiffworkflow']}, SQLAlchemy "
        f"{meta['sqlalchemy']}, Python {meta['python']}, {meta['cpus']} CPU(s), SQLite on "
        f"{meta['sqlite_filesystem']}; load average {load['start']} at start, {load['end']} "
        "at end)",
        "",
        f"Part 1: parallel multi-instance review (multi_review.bpmn), {n} items once and "
        f"{bn} items {base['runs']} times;",
        "  each review task completed with runtime.complete in its own session; step = median "
        "of the window",
        "",
        f"  {'completion':<12}{'window':<11}{f'ms ({n})':>11}{'CPU ms':>9}{'state':>11}"
        f"{f'ms ({bn})':>11}{'CPU ms':>9}{'state':>11}",
    ]
    points = sorted({*eng["points"], *base["points"]}, key=int)
    for point in points:
        row, brow = eng["points"].get(point, {}), base["points"].get(point, {})
        window = row.get("window") or brow.get("window")
        lines.append(
            f"  {point:<12}{f'{window[0]}-{window[1]}':<11}{fmt_ms(row.get('step_ms')):>11}"
            f"{fmt_ms(row.get('cpu_ms')):>9}{fmt_bytes(row.get('state_bytes')):>11}"
            f"{fmt_ms(brow.get('step_ms')):>11}{fmt_ms(brow.get('cpu_ms')):>9}"
            f"{fmt_bytes(brow.get('state_bytes')):>11}"
        )
    targets = p1["targets"]
    scale = n / bn
    lines += [
        f"  ({bn}: median over the {base['runs']} runs of each run's window median)",
        "",
        f"  start: {eng['start_ms']:.1f} ms, state {fmt_bytes(eng['state_bytes_at_start'])}; "
        f"total {n} items: {eng['total_s']:.2f} s (CPU {eng['total_cpu_s']:.2f} s); "
        f"total {bn} items: mean {base['mean_total_s']:.3f} s (CPU "
        f"{base['mean_total_cpu_s']:.3f} s), runs " + " ".join(f"{t:.2f}" for t in base["total_s"]),
        f"  state max ({n} items):           {fmt_bytes(eng['max_state_bytes']):>10}   "
        f"target < 1 MB: {_verdict(targets['state_max_lt_1mb'])}",
        f"  completion ms at item {n}:       {p1['last_ms']:>10.2f}   target < 50 ms: "
        f"{_verdict(targets['last_ms_lt_50'])}",
        f"  total({n}) / ({scale:g} x total({bn})): {p1['total_ratio']:>7.2f}   target <= 3: "
        f"{_verdict(targets['total_ratio_le_3'])}   (CPU time: {p1['total_cpu_ratio']:.2f})",
        "",
        "  raw SpiffWorkflow + serializer (serialize_json + deserialize_json after every "
        "completion):",
        f"  {'items':<8}{'total s':>9}{'ms @10':>9}{'ms @100':>9}{'ms @N':>9}{'state @N':>11}"
        f"{'state max':>11}",
    ]
    for size, run in raw["runs"].items():
        pts = run["points"]
        lines.append(
            f"  {size:<8}{run['total_s']:>9.2f}{fmt_ms(pts.get('10', {}).get('step_ms')):>9}"
            f"{fmt_ms(pts.get('100', {}).get('step_ms')):>9}"
            f"{fmt_ms(pts[size]['step_ms']):>9}{fmt_bytes(pts[size]['state_bytes']):>11}"
            f"{fmt_bytes(run['max_state_bytes']):>11}"
        )
    lo, hi = raw["low"], raw["high"]
    lines += [
        f"  raw total({hi}) / ({hi / lo:g} x total({lo})): {raw['total_ratio']:.2f}"
        " (1 = linear in the number of items)",
        "",
        f"Part 2: loop.bpmn, {loop['limit']} iterations through its user task; step = median "
        "wall time of the window",
        "",
        f"  {'iteration':<12}{'window':<14}{'ms':>8}{'CPU ms':>9}{'state':>11}",
    ]
    for point, row in loop["points"].items():
        window = f"{row['window'][0]}-{row['window'][1]}"
        lines.append(
            f"  {point:<12}{window:<14}{fmt_ms(row['step_ms']):>8}{fmt_ms(row['cpu_ms']):>9}"
            f"{fmt_bytes(row['state_bytes']):>11}"
        )
    cpu_ratio = loop["cpu_ratio_last_to_10"]
    lines += [
        "",
        f"  step({loop['limit']}) / step(10): {loop['ratio_last_to_10']:.2f}   target <= 1.3: "
        f"{_verdict(loop['targets']['ratio_le_1_3'])}   (CPU time: "
        + (f"{cpu_ratio:.2f})" if cpu_ratio else "n/a)"),
        f"  state max over the loop: {fmt_bytes(loop['max_state_bytes'])}; final status "
        f"{loop['final_status']}, count {loop['final_count']}; {loop['events_recorded']} "
        f"events; {loop['complete_s']:.1f} s in runtime.complete, {loop['total_s']:.1f} s in all",
        "",
        f"total run time {meta['total_s']:.1f} s",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def _terminate(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)  # unwinds through the finally blocks: the temp dir


def _load() -> str:
    try:
        return "/".join(f"{v:.1f}" for v in os.getloadavg())
    except OSError:
        return "n/a"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--items", type=int, default=1000, help="review items (default 1000)")
    parser.add_argument("--loop", type=int, default=10000, help="loop iterations (default 10000)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--profile", action="store_true", help="profile 20 completions of an --items instance"
    )
    args = parser.parse_args(argv)
    if args.items < BASELINE_ITEMS or args.loop < 10:
        parser.error(f"--items must be at least {BASELINE_ITEMS} and --loop at least 10")
    signal.signal(signal.SIGTERM, _terminate)

    started = time.perf_counter()
    load_start = _load()
    with tempfile.TemporaryDirectory(prefix="flytverk-bench-") as tmp:
        filesystem = step_cost._filesystem(tmp)
        if filesystem in ("tmpfs", "ramfs"):
            progress(
                f"warning: {tmp} is on {filesystem}: fsync is free there, so commits are not "
                "durable; set TMPDIR to a directory on disk"
            )
        p1 = part1(args.items, tmp, args.profile)
        raw = raw_part(RAW_ITEMS)
        progress(f"part 2: engine loop, {args.loop} iterations")
        loop = engine_loop(args.loop, tmp)
    figures = {
        "meta": {
            "spiffworkflow": step_cost._dist_version("SpiffWorkflow"),
            "sqlalchemy": sqlalchemy.__version__,
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "sqlite_filesystem": filesystem,
            "load_average": {"start": load_start, "end": _load()},
            "total_s": time.perf_counter() - started,
        },
        "part1": p1,
        "raw": raw,
        "part2": loop,
    }
    rounded = results_file.rounded(figures)
    results_file.save("long_runs", rounded)
    if args.json:
        print(json.dumps(rounded, indent=2, default=str))
    else:
        print(render(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
