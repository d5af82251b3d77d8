#!/usr/bin/env python
"""What running scripts in sandbox processes costs, against running them in-process.

Run with `.venv/bin/python tests/bench/sandbox_cost.py [--n 20000] [--instances 200]`.
Not a test: it never asserts on time; every figure is printed with its ratio to the
in-process baseline measured in the same run.

Part 1, per evaluation (median of 5 rounds of --n calls each):
  (a) a gateway condition `amount > 10 and status == 'new'` run in-process the old
      way (compiled restricted code + eval), the baseline;
  (b) the same through ScriptEnvironment.evaluate: provably cheap, so in-process;
  (c) the same forced through a sandbox process (one round trip);
  (d) a non-cheap expression `sorted(items)[0] == 1`: in-process vs a round trip;
  (e) a small script task (`total = amount * 2`) with small task data (3 fields)
      and with ~10 KB of task data: in-process vs a round trip.
Part 2, per completed parking-permit instance (processes/parking_permit, raw
SpiffWorkflow in memory with our script engine, so script cost is not hidden by
commits), with scripts in sandbox processes vs all in-process; and the round trips
per instance.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
for path in (ROOT, ROOT / "tests" / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import results_file  # noqa: E402
import step_cost  # noqa: E402

import engine.scripting as scripting  # noqa: E402
from engine.sandbox import compile_code, runner  # noqa: E402
from engine.sandbox.pool import POOL  # noqa: E402

CONDITION = "amount > 10 and status == 'new'"
SORTED = "sorted(items)[0] == 1"
SCRIPT = "total = amount * 2"
SMALL = {"amount": 11, "status": "new", "items": [3, 1, 2]}
LARGE = {**SMALL, **{f"field_{i}": f"value {i} " * 10 for i in range(100)}}


def per_call(n: int, one: Callable[[], Any]) -> float:
    """Median microseconds per call over 5 rounds of n calls."""
    for _ in range(min(n, 200)):
        one()
    rounds = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(n):
            one()
        rounds.append((time.perf_counter() - started) / n * 1e6)
    return statistics.median(rounds)


_CODES = scripting.CodeCache()


def _in_process(mode: str, source: str, context: dict[str, Any], external: Any) -> Any:
    """What run_in_sandbox did before there were sandbox processes (for the baseline)."""
    compiled = _CODES.get(source, mode)
    if mode == "eval":
        return runner.evaluate(compiled, context, external)
    data = dict(context)
    runner.execute(compiled, data, external)
    return data


def part1(n: int) -> list[tuple[str, float, float]]:
    env = scripting.ScriptEnvironment()
    cond = compile_code(CONDITION, "eval")
    srt = compile_code(SORTED, "eval")
    script = compile_code(SCRIPT, "exec")
    few = max(n // 10, 1)

    def trip() -> Any:
        return scripting.run_in_sandbox("eval", CONDITION, SMALL, None)

    base = per_call(n, lambda: runner.evaluate(cond, SMALL, None))
    rows = [("(a) condition, in-process (old path)", base, base)]
    cheap = per_call(n, lambda: env.evaluate(CONDITION, SMALL))
    rows.append(("(b) condition via evaluate (cheap)", cheap, base))
    rows.append(("(c) condition, sandbox round trip", per_call(few, trip), base))
    sorted_base = per_call(n, lambda: runner.evaluate(srt, SMALL, None))
    rows.append(("(d) sorted(...) in-process", sorted_base, sorted_base))
    pooled = per_call(few, lambda: env.evaluate(SORTED, SMALL))
    rows.append(("(d) sorted(...) via evaluate (sandbox)", pooled, sorted_base))
    for name, data in (("3 fields", SMALL), ("~10 KB data", LARGE)):
        inproc = per_call(few, lambda d=data: runner.execute(script, dict(d), None))
        rows.append((f"(e) script, {name}, in-process", inproc, inproc))
        pooled = per_call(few, lambda d=data: env.execute(SCRIPT, dict(d)))
        rows.append((f"(e) script, {name}, sandbox", pooled, inproc))
    return rows


def part2(instances: int) -> list[tuple[str, float, float]]:
    spec, subprocess_specs = step_cost.raw_spec(
        step_cost.PERMIT_DIR / "process.bpmn", "parking_permit"
    )

    def one() -> int:
        return step_cost.raw_permit(spec, subprocess_specs, None)

    sandboxed = scripting.run_in_sandbox
    calls = [0]

    def counting(*args: Any) -> Any:
        calls[0] += 1
        return sandboxed(*args)

    scripting.run_in_sandbox = counting  # type: ignore[assignment]
    one()
    trips = calls[0]
    pooled_runs, inproc_runs = [], []
    try:
        for _ in range(3):  # interleaved, so that a change in the machine's load hits both
            scripting.run_in_sandbox = sandboxed  # type: ignore[assignment]
            pooled_runs.append(per_call(instances, one) / 1000)
            scripting.run_in_sandbox = _in_process  # type: ignore[assignment]
            inproc_runs.append(per_call(instances, one) / 1000)
    finally:
        scripting.run_in_sandbox = sandboxed  # type: ignore[assignment]
    pooled, inproc = statistics.median(pooled_runs), statistics.median(inproc_runs)
    return [
        ("permit instance, all in-process", inproc, inproc),
        (f"permit instance, sandbox ({trips} round trips)", pooled, inproc),
        ("  the difference per instance", pooled - inproc, inproc),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--instances", type=int, default=200)
    args = parser.parse_args(argv)
    first, second = part1(args.n), part2(args.instances)
    print("Part 1: per evaluation                       µs      ratio")
    for name, value, base in first:
        print(f"  {name:<42} {value:8.2f}  {value / base:7.2f}")
    print("Part 2: per completed instance               ms      ratio")
    for name, value, base in second:
        print(f"  {name:<42} {value:8.3f}  {value / base:7.2f}")
    print(f"(sandbox processes started: {POOL.started})")
    results_file.save(
        "sandbox_cost",
        {
            "per_evaluation_us": [
                {"what": name, "value": value, "ratio": value / base} for name, value, base in first
            ],
            "per_instance_ms": [
                {"what": name, "value": value, "ratio": value / base}
                for name, value, base in second
            ],
            "sandbox_processes_started": POOL.started,
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
