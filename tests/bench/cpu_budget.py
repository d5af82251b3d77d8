"""Where the CPU of one instance goes: the engine's durable path, profiled and bucketed.

Runs the parking-permit instance of `step_cost.py` (start -> checks -> the caseworker's
review -> end, two transitions, a session each, SQLite with fsync on every commit) under
cProfile and sums each function's own time (tottime) into buckets by where its code
lives: SpiffWorkflow stepping, our engine, the sandbox, serialization, history pruning,
SQLAlchemy (ORM and Core), the database driver and its commits, JSON and the rest. With
`--raw` the same buckets are shown for raw SpiffWorkflow serializing after each
transition (variant (b) of step_cost.py), the baseline the targets are ratios of.

    .venv/bin/python tests/bench/cpu_budget.py [--n 300] [--json]

Writes tests/bench/results/cpu_budget.json (ignored by git). Not a test: nothing is
asserted on time; it only says where the time goes, as shares of the total.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import results_file  # noqa: E402  (beside this file)
import step_cost  # noqa: E402  (beside this file: the same instance and databases)

OURS = str(Path(__file__).resolve().parents[2])  # the checkout: engine/, designer/, tests/
# First match wins: (bucket, fragment of the code's file path).
BUCKETS = (
    ("sandbox evaluation", f"{OURS}/engine/sandbox/"),
    ("sandbox evaluation", f"{OURS}/engine/scripting.py"),
    ("sandbox evaluation", "RestrictedPython"),
    ("serialization", f"{OURS}/engine/serialization"),
    ("serialization", "SpiffWorkflow/bpmn/serializer"),
    ("history pruning", f"{OURS}/engine/history.py"),
    ("SpiffWorkflow stepping", "SpiffWorkflow"),
    ("engine (transitions, index, events)", f"{OURS}/engine/"),
    ("SQLAlchemy ORM", "sqlalchemy/orm"),
    ("SQLAlchemy Core and pool", "sqlalchemy"),
    ("JSON", "/json/"),
    ("JSON", "{built-in method _json"),
    ("database driver and commits", "sqlite3"),
    ("database driver and commits", "psycopg"),
    ("database driver and commits", "{method 'commit'"),
    ("database driver and commits", "{method 'execute'"),
    ("database driver and commits", "posix.write"),
    ("database driver and commits", "posix.fsync"),
    ("benchmark harness", f"{OURS}/tests/bench/"),
    ("UUIDs (SpiffWorkflow's task ids)", "/uuid.py"),
)


def bucket_of(filename: str, name: str) -> str:
    where = f"{filename}:{name}"
    if filename == "~":  # a built-in: named by what it is
        where = name
    for bucket, fragment in BUCKETS:
        if fragment in where:
            return bucket
    return "Python and the rest"


def budget(profile: cProfile.Profile, n: int) -> dict[str, Any]:
    """Own time per bucket: ms per instance and share of the total."""
    stats = pstats.Stats(profile)
    totals: dict[str, float] = defaultdict(float)
    for (filename, _line, name), row in stats.stats.items():  # type: ignore[attr-defined]
        totals[bucket_of(filename, name)] += row[2]  # tottime
    totals.pop("benchmark harness", None)
    whole = sum(totals.values()) or 1.0
    return {
        "ms_per_instance": round(1000 * whole / n, 3),
        "buckets": {
            name: {"ms": round(1000 * seconds / n, 3), "share": round(seconds / whole, 3)}
            for name, seconds in sorted(totals.items(), key=lambda kv: -kv[1])
        },
    }


def profile_engine(n: int, tmp: str) -> dict[str, Any]:
    with step_cost.sqlite_database(tmp, "budget.db") as engine:
        bpmn_text = (step_cost.PERMIT_DIR / "process.bpmn").read_text(encoding="utf-8")
        tenant_id, version_id = step_cost.install(engine, "permit", bpmn_text, "parking_permit")
        for _ in range(step_cost.WARMUP):
            step_cost.engine_permit(engine, tenant_id, version_id, True)
        profile = cProfile.Profile()
        started = time.process_time()
        profile.enable()
        for _ in range(n):
            step_cost.engine_permit(engine, tenant_id, version_id, True)
        profile.disable()
        cpu = time.process_time() - started
    found = budget(profile, n)
    found["cpu_ms_per_instance_profiled"] = round(1000 * cpu / n, 3)
    return found


def profile_raw(n: int) -> dict[str, Any]:
    spec, subprocesses = step_cost.raw_spec(step_cost.PERMIT_DIR / "process.bpmn", "parking_permit")
    serializer = step_cost.raw_serializer()
    for _ in range(step_cost.WARMUP):
        step_cost.raw_permit(spec, subprocesses, serializer)
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(n):
        step_cost.raw_permit(spec, subprocesses, serializer)
    profile.disable()
    return budget(profile, n)


def render(figures: dict[str, Any]) -> str:
    engine, raw = figures["engine"], figures.get("raw")
    lines = [
        f"CPU budget of one parking-permit instance, {figures['n']} instances, "
        f"{figures['date']} (own time under cProfile; the profiler itself inflates small calls)",
        "",
        "| where | engine ms | engine share |" + (" raw (b) ms |" if raw else ""),
        "|---|---|---|" + ("---|" if raw else ""),
    ]
    names = list(engine["buckets"])
    for name in raw["buckets"] if raw else []:
        if name not in names:
            names.append(name)
    for name in names:
        row = engine["buckets"].get(name, {"ms": 0.0, "share": 0.0})
        line = f"| {name} | {row['ms']:.2f} | {100 * row['share']:.0f} % |"
        if raw:
            line += f" {raw['buckets'].get(name, {'ms': 0.0})['ms']:.2f} |"
        lines.append(line)
    total = f"| total | {engine['ms_per_instance']:.2f} | 100 % |"
    if raw:
        total += f" {raw['ms_per_instance']:.2f} |"
    lines.append(total)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--raw", action="store_true", help="also profile raw SpiffWorkflow (b)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        figures: dict[str, Any] = {
            "n": args.n,
            "date": date.today().isoformat(),
            "cpus": os.cpu_count(),
            "engine": profile_engine(args.n, tmp),
        }
    if args.raw:
        figures["raw"] = profile_raw(args.n)
    results_file.save("cpu_budget", figures)
    print(json.dumps(figures, indent=2) if args.json else render(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
