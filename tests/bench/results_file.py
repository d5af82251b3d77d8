"""Where every benchmark leaves its figures: tests/bench/results/<name>.json (ignored by git).

Each file holds the figures of one run with the date, the time and the machine they were
measured on, so the README's performance section can be regenerated from them.
"""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def save(name: str, figures: Any) -> Path:
    """Write `figures` of benchmark `name` with when and where they were measured."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    document = {
        "benchmark": name,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "figures": figures,
    }
    path.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
    return path


def rounded(value: Any) -> Any:
    """Floats to 4 significant digits, for a readable JSON report."""
    if isinstance(value, float):
        return float(f"{value:.4g}")
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded(v) for v in value]
    return value


def publish(name: str, figures: Any, *, as_json: bool, render: Callable[[Any], str]) -> Path:
    """Save a benchmark's figures (rounded) and print them: as JSON, or as its table."""
    figures = rounded(figures)
    path = save(name, figures)
    print(json.dumps(figures, indent=2, default=str) if as_json else render(figures))
    return path
