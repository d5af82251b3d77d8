"""The README's performance figures, regenerated from tests/bench/results/*.json.

    .venv/bin/python tests/bench/report.py            # print the tables (make bench does)
    .venv/bin/python tests/bench/report.py --write    # replace them in README.md

Every table names the run it comes from (date, machine); a benchmark that has not been run
is listed as missing, never filled in. The text between the markers in README.md is
replaced whole; the reading of the figures stays outside the markers, by hand.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
README = Path(__file__).resolve().parents[2] / "README.md"
BEGIN, END = "<!-- performance:begin -->", "<!-- performance:end -->"

Doc = dict[str, Any]


def load(name: str) -> Doc | None:
    path = RESULTS / f"{name}.json"
    if not path.exists():
        return None
    doc: Doc = json.loads(path.read_text(encoding="utf-8"))
    return doc


def when(doc: Doc) -> str:
    machine = doc.get("machine", {})
    return (
        f"_{doc['benchmark']}, {doc['measured_at'][:16].replace('T', ' ')} UTC, "
        f"{machine.get('cpus')} CPUs, Python {machine.get('python')}_"
    )


def yes(met: bool) -> str:
    return "met" if met else "**not met**"


def num(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def kb(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value / 1024:,.1f} KB" if value < 1024 * 1024 else f"{value / 1048576:.2f} MB"


def step_cost(doc: Doc, targets: list[list[str]]) -> list[str]:
    part1, loop = doc["figures"]["part1"], doc["figures"]["part2"]
    names = {
        "a": "(a) raw SpiffWorkflow in memory",
        "b": "(b) raw SpiffWorkflow + its serializer after each of the 2 transitions",
        "b_step": "(b2) raw SpiffWorkflow + its serializer after every task",
        "c": "(c) **Flytverk engine, SQLite, fsync on every commit**",
        "c_nocache": "(c') engine, SQLite, live workflow cache off",
        "c_pg": "(c'') **Flytverk engine, PostgreSQL**",
    }
    lines = [
        "Parking permit, start → automated checks → caseworker decision → end; the variants "
        "take turns in 3 rounds:",
        "",
        "| variant | instances/s | ms wall | ms CPU | vs (b) | stored state |",
        "|---|---|---|---|---|---|",
    ]
    for key, name in names.items():
        row = part1.get(key)
        if row:
            lines.append(
                f"| {name} | {num(row['per_s'], 0)} | {num(row['ms_per_instance'], 2)} | "
                f"{num(row['cpu_ms_per_instance'], 2)} | {num(row['vs_b'], 2)} | "
                f"{kb(row.get('state_bytes_waiting'))} |"
            )
    c = part1["c"]
    cpu_ratio = part1["b"]["cpu_ms_per_instance"] / c["cpu_ms_per_instance"]
    targets.append(
        [
            "engine (c) ≥ 0.5 × raw with serializer (b)",
            f"{c['vs_b']:.2f} (CPU: {cpu_ratio:.2f})",
            yes(c["vs_b"] >= 0.5),
        ]
    )
    if "c_pg" in part1:
        pg = part1["c_pg"]["vs_c"]
        targets.append(["PostgreSQL ≥ 0.8 × SQLite, in-process", f"{pg:.2f}", yes(pg >= 0.8)])
    lines += ["", when(doc), ""]
    engine = loop["engine"]["points"]
    lines += [
        f"A loop of {loop['limit']:,} iterations through a user task (`tests/data/loop.bpmn`), "
        "median step of a window:",
        "",
        "| iteration | Flytverk step | Flytverk state | raw SpiffWorkflow step | raw state |",
        "|---|---|---|---|---|",
    ]
    raw = loop.get("raw", {}).get("points", {})
    for it, point in engine.items():
        other = raw.get(it, {})
        lines.append(
            f"| {int(it):,} | {num(point['step_ms'], 2)} ms | {kb(point['state_bytes'])} | "
            f"{num(other.get('step_ms'), 1)} ms | {kb(other.get('state_bytes'))} |"
        )
    lines += ["", when(doc), ""]
    return lines


def cpu_budget(doc: Doc, _targets: list[list[str]]) -> list[str]:
    figures = doc["figures"]
    engine, raw = figures["engine"], figures.get("raw") or {"buckets": {}}
    lines = [
        f"Where the CPU of one instance goes ({figures['n']} instances under cProfile, which "
        "inflates small calls: read the shares):",
        "",
        "| where | engine | share | raw (b) |",
        "|---|---|---|---|",
    ]
    for name, row in engine["buckets"].items():
        other = raw["buckets"].get(name, {}).get("ms")
        lines.append(
            f"| {name} | {row['ms']:.2f} ms | {100 * row['share']:.0f} % | "
            f"{'–' if other is None else f'{other:.2f} ms'} |"
        )
    total = raw.get("ms_per_instance")
    lines.append(
        f"| total | {engine['ms_per_instance']:.2f} ms | 100 % | "
        f"{'–' if total is None else f'{total:.2f} ms'} |"
    )
    return [*lines, "", when(doc), ""]


def long_runs(doc: Doc, targets: list[list[str]]) -> list[str]:
    figures = doc["figures"]
    part1, part2 = figures["part1"], figures["part2"]
    big, base = part1["engine"], part1["baseline"]
    lines = [
        f"A parallel multi-instance review over {big['items']:,} items (one user task per "
        f"item, `tests/data/multi_review.bpmn`), against {base['items']} items × {base['runs']}:",
        "",
        "| completion | ms wall | ms CPU | stored state |",
        "|---|---|---|---|",
    ]
    for it, point in big["points"].items():
        lines.append(
            f"| {int(it):,} | {num(point['step_ms'], 1)} | {num(point['cpu_ms'], 1)} | "
            f"{kb(point['state_bytes'])} |"
        )
    lines += [
        "",
        f"Total {num(big['total_s'])} s against {num(base['mean_total_s'], 2)} s per "
        f"{base['items']} items: ratio {part1['total_ratio']:.1f} (CPU "
        f"{part1['total_cpu_ratio']:.1f}); largest state {kb(big['max_state_bytes'])}.",
        "",
    ]
    t = part1["targets"]
    targets += [
        [
            "1,000-item multi-instance: state < 1 MB",
            kb(big["max_state_bytes"]),
            yes(t["state_max_lt_1mb"]),
        ],
        [
            "… each completion < 50 ms at item 1,000",
            f"{part1['last_ms']:.1f} ms",
            yes(t["last_ms_lt_50"]),
        ],
        [
            "… total ≤ 3 × (100 items × 10)",
            f"{part1['total_ratio']:.1f}",
            yes(t["total_ratio_le_3"]),
        ],
    ]
    lines += [
        f"A loop of {part2['limit']:,} iterations (engine only):",
        "",
        "| iteration | ms wall | ms CPU | stored state |",
        "|---|---|---|---|",
    ]
    for it, point in part2["points"].items():
        lines.append(
            f"| {int(it):,} | {num(point['step_ms'], 2)} | {num(point['cpu_ms'], 2)} | "
            f"{kb(point['state_bytes'])} |"
        )
    ratio = part2["ratio_last_to_10"]
    targets.append(
        [
            f"{part2['limit']:,}-iteration loop: step {part2['limit']:,} / step 10 ≤ 1.3",
            f"{ratio:.2f} (CPU {part2['cpu_ratio_last_to_10']:.2f})",
            yes(ratio <= 1.3),
        ]
    )
    return [*lines, "", when(doc), ""]


def http(doc: Doc, targets: list[list[str]]) -> list[str]:
    figures = doc["figures"]
    base = figures["in_process"]["instances_per_s"]
    lines = [
        "Through HTTP: a citizen posts the parking-permit application (instant-rejection path) "
        "and loads the receipt, client processes on loopback with kept-alive connections, "
        "SQLite with fsync on every commit:",
        "",
        "| server | clients | instances/s | vs in-process | p95 latency |",
        "|---|---|---|---|---|",
        f"| in-process `cases.apply`, one thread | – | {num(base, 0)} | 1.00 | – |",
    ]
    best = 0.0
    # --matrix writes every gunicorn setting; a plain run writes its few variants.
    for row in figures.get("matrix") or figures.get("variants") or []:
        ratio = row["instances_per_s"] / base
        if "gunicorn" in row["variant"]:
            best = max(best, ratio)
        lines.append(
            f"| {row['variant']} | {row['clients']} | {num(row['instances_per_s'], 0)} | "
            f"{ratio:.2f} | {num(row.get('latency_p95_ms'), 0)} ms |"
        )
    setting = figures.get("best_setting") or {}
    if setting.get("worst"):
        # The best setting's worse client count: what a deployment can count on.
        best = setting["worst"] / base
        lines += [
            "",
            f"Best on this machine: {setting['workers']} worker(s) × {setting['threads']} "
            f"thread(s), {setting['worst']:.0f}–{setting['best']:.0f} instances/s.",
        ]
    targets.append(["HTTP ≥ 0.8 × in-process (gunicorn, SQLite)", f"{best:.2f}", yes(best >= 0.8)])
    return [*lines, "", when(doc), ""]


def inbox(doc: Doc, targets: list[list[str]]) -> list[str]:
    figures = doc["figures"]
    meta = figures["meta"]
    lines = [
        f"The inbox at {meta['open']:,} open and {meta['done']:,} completed tasks "
        "(p95 of the warm runs, ms):",
        "",
    ]
    backends = figures["backends"]
    names = list(backends)
    lines += [
        "| query | " + " | ".join(f"{n} median | {n} p95" for n in names) + " |",
        "|---|" + "---|---|" * len(names),
    ]
    queries = backends[names[0]]["queries"]
    for query in queries:
        cells = []
        for name in names:
            row = backends[name]["queries"].get(query, {})
            cells += [
                num(row.get("ms", {}).get("scale"), 1),
                num(row.get("p95", {}).get("scale"), 1),
            ]
        lines.append(f"| {query} | " + " | ".join(cells) + " |")
    for name in names:
        worst = backends[name]["p95_worst"]
        targets.append(
            [
                f"inbox p95 < 50 ms at scale, {name}",
                f"{worst['ms']:.1f} ms ({worst['query']})",
                yes(worst["met"]),
            ]
        )
    return [*lines, "", when(doc), ""]


def designer(doc: Doc, targets: list[list[str]]) -> list[str]:
    figures = doc["figures"]
    lines = [
        "The designer opening a diagram in headless Chromium (navigation to all elements on "
        "the canvas, median of 5):",
        "",
        "| browser | " + " | ".join(f"{size} elements" for size in ("10", "100", "300")) + " |",
        "|---|---|---|---|",
    ]
    for data in figures["modes"].values():
        sizes = data["sizes"]
        cells = [
            f"{num(sizes[s]['wall_ms_median'], 0)} ms" for s in ("10", "100", "300") if s in sizes
        ]
        lines.append(f"| {data['description']} | " + " | ".join(cells) + " |")
    profile = figures["modes"].get("profile", {}).get("sizes", {}).get("300")
    if profile:
        ms = profile["wall_ms_median"]
        targets.append(
            ["designer opens 300 elements < 1 s (browser profile)", f"{ms:.0f} ms", yes(ms < 1000)]
        )
    return [*lines, "", when(doc), ""]


def sandbox(doc: Doc, _targets: list[list[str]]) -> list[str]:
    figures = doc["figures"]
    lines = [
        "Scripts in sandbox processes:",
        "",
        "| evaluation | cost | vs in-process |",
        "|---|---|---|",
    ]
    for row in figures["per_evaluation_us"]:
        lines.append(f"| {row['what']} | {row['value']:.2f} µs | {row['ratio']:.2f} |")
    for row in figures["per_instance_ms"]:
        lines.append(f"| {row['what']} | {row['value']:.3f} ms | {row['ratio']:.2f} |")
    return [*lines, "", when(doc), ""]


SECTIONS: list[tuple[str, Callable[[Doc, list[list[str]]], list[str]]]] = [
    ("step_cost", step_cost),
    ("cpu_budget", cpu_budget),
    ("long_runs", long_runs),
    ("http_throughput", http),
    ("inbox", inbox),
    ("designer_open", designer),
    ("sandbox_cost", sandbox),
]


def render() -> str:
    targets: list[list[str]] = []
    body: list[str] = []
    missing = []
    for name, section in SECTIONS:
        doc = load(name)
        if doc is None:
            missing.append(name)
            continue
        body += section(doc, targets)
    head = [
        "Regenerated by `tests/bench/report.py --write` from the last run of each benchmark "
        "(`make bench`); figures are ratios measured within one run.",
        "",
        "| target | measured | |",
        "|---|---|---|",
        *(f"| {a} | {b} | {c} |" for a, b, c in targets),
        "",
    ]
    if missing:
        head += [f"Not run: {', '.join(missing)}.", ""]
    return "\n".join(head + body).rstrip() + "\n"


def write(text: str) -> None:
    readme = README.read_text(encoding="utf-8")
    if BEGIN not in readme or END not in readme:
        raise SystemExit(f"README.md has no {BEGIN} … {END} markers")
    start, end = readme.index(BEGIN) + len(BEGIN), readme.index(END)
    README.write_text(readme[:start] + "\n" + text + readme[end:], encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="replace the figures in README.md")
    args = parser.parse_args(argv)
    text = render()
    if args.write:
        write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
