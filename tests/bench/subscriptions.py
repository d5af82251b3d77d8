#!/usr/bin/env python
"""Subscriptions at scale: the kitchen list, the driving list and the monthly invoice run.

Run with `.venv/bin/python tests/bench/subscriptions.py`. Not a test: it never asserts on
time; every figure is a ratio against the baseline measured in the same run.

For each size (default 50, the baseline, and 500 active meal subscriptions) an app on its
own SQLite file gets the shipped services and N subscriptions (Core inserts: a case row, a
subscription with a route, stop, diet and two or three delivery days, one changed day in
ten, the month's menu). Then, through the code the app runs:
  kitchen   designer.services.caselists.evaluate(..., "kitchen", a delivery day) — median
            of 20 runs;
  driving   the same for "driving";
  invoice   designer.services.subscriptions.invoicing.run for the month (one invoice per
            subscription, priced by the service's DMN table), rolled back and repeated 3 times.
The report gives milliseconds and the cost per subscription against the baseline's
("per-sub ratio" 1.0 = linear; the target: the lists and the run stay linear or better).
Figures go to tests/bench/results/subscriptions.json. Options: --sizes 50,500 --json.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import results_file  # noqa: E402  (beside this file)

MONTH = "2027-01"
DAY = date(2027, 1, 14)  # a Thursday
ROUTES = {"nord": [0, 3], "sor": [1, 4], "sentrum": [0, 2, 4]}
DIETS = ["gluten_free", "lactose_free", "soft", "diabetic", "low_salt"]


def build(tmp: str, n: int) -> Any:
    """An app with the shipped services and `n` subscriptions of the meal service."""
    from sqlalchemy import insert, select

    from designer import create_app
    from designer.cli import seed_demo_users, seed_services
    from designer.extensions import db
    from designer.models import MenuDay, Subscription, SubscriptionDay
    from engine.models import Instance, ProcessModel

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "SQLITE_SYNCHRONOUS": "OFF",
            "SCHEDULER": "off",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{os.path.join(tmp, f'subs{n}.sqlite')}",
            "UPLOAD_FOLDER": os.path.join(tmp, "uploads"),
            "ARCHIVE_FOLDER": os.path.join(tmp, "archive"),
        }
    )
    rng = random.Random(n)
    with app.app_context():
        db.create_all()
        seed_demo_users()
        seed_services()
        model = db.session.scalars(
            select(ProcessModel).where(ProcessModel.key == "meal_delivery")
        ).one()
        tenant, version = model.tenant_id, model.published_version_id
        db.session.execute(
            insert(Instance),
            [
                {
                    "tenant_id": tenant,
                    "version_id": version,
                    "model_id": model.id,
                    "case_no": f"2026-{i:06d}",
                    "status": "completed",
                    "state": "{}",
                    "owner": "user:1",
                    "subject": f"Person {i}",
                }
                for i in range(1, n + 1)
            ],
        )
        ids = db.session.scalars(select(Instance.id).order_by(Instance.id)).all()
        subs = []
        for i, instance_id in enumerate(ids, start=1):
            route = rng.choice(sorted(ROUTES))
            days = ROUTES[route]
            subs.append(
                {
                    "tenant_id": tenant,
                    "model_id": model.id,
                    "instance_id": instance_id,
                    "case_no": f"2026-{i:06d}",
                    "owner": "user:1",
                    "name": f"Person {i}",
                    "status": "active",
                    "starts_on": date(2026, 12, 1),
                    "weekdays": days,
                    "plan": {
                        str(d): {"quantity": rng.choice([1, 2]), "choice": rng.choice("AB")}
                        for d in days
                    },
                    "attributes": {
                        "size": rng.choice(["normal", "small"]),
                        "diet": rng.sample(DIETS, rng.choice([0, 1, 2])),
                        "address": f"Gate {i}, 3674 Notodden",
                        "access_notes": "Nøkkelboks" if i % 3 else "",
                        "route": route,
                        "stop": i,
                        "income_tier": rng.choice(["low", "high"]),
                        "allergies": "",
                    },
                }
            )
        db.session.execute(insert(Subscription), subs)
        sub_ids = db.session.scalars(select(Subscription.id).order_by(Subscription.id)).all()
        db.session.execute(
            insert(SubscriptionDay),
            [
                {
                    "tenant_id": tenant,
                    "subscription_id": sub_id,
                    "day": DAY,
                    "quantity": 0,
                    "choice": "A",
                    "kind": "pause",
                }
                for sub_id in sub_ids[::10]
            ],
        )
        first = date(2027, 1, 1)
        db.session.execute(
            insert(MenuDay),
            [
                {
                    "tenant_id": tenant,
                    "model_id": model.id,
                    "day": first + timedelta(days=k),
                    "choices": {"A": f"Rett A {k}", "B": f"Rett B {k}"},
                    "note": "Dessert",
                }
                for k in range(31)
            ],
        )
        db.session.commit()
        model_id = model.id
    return app, model_id


def measure(app: Any, model_id: int) -> dict[str, float]:
    """Milliseconds of the two lists (median of 20) and the invoice run (median of 3)."""
    from designer.extensions import db
    from designer.services.caselists import evaluate
    from designer.services.subscriptions import invoicing
    from engine.models import ProcessModel

    figures: dict[str, float] = {}
    with app.test_request_context("/"):
        session = db.session()
        model = session.get(ProcessModel, model_id)
        for key in ("kitchen", "driving"):
            times = []
            for _ in range(20):
                started = time.perf_counter()
                result = evaluate.evaluate(session, model, key, DAY, {}, "nb")
                times.append(time.perf_counter() - started)
            figures[key] = statistics.median(times) * 1000
            figures[f"{key}_rows"] = float(len(getattr(result, "rows", []) or []))
        [work] = invoicing.works_of(model)
        times = []
        for _ in range(3):
            started = time.perf_counter()
            made = invoicing.run(session, model, work, MONTH)
            times.append(time.perf_counter() - started)
            figures["invoices"] = float(made.count)
            session.rollback()
        figures["invoice"] = statistics.median(times) * 1000
    return figures


def render(figures: dict[str, Any]) -> str:
    """The table: ms per size and the per-subscription ratio to the baseline."""
    sizes = figures["sizes"]
    base = sizes[0]
    lines = [
        f"Subscriptions (meal service), {figures['machine']}",
        f"{'work':<10}"
        + "".join(f"{str(n) + ' subs (ms)':>16}" for n in sizes)
        + f"{'per-sub ratio':>16}",
    ]
    for key in ("kitchen", "driving", "invoice"):
        row = figures["runs"]
        cells = "".join(f"{row[str(n)][key]:>16.1f}" for n in sizes)
        ratio = (row[str(sizes[-1])][key] / sizes[-1]) / (row[str(base)][key] / base)
        lines.append(f"{key:<10}{cells}{ratio:>16.2f}")
    lines.append("per-sub ratio: cost per subscription at the largest size / at the baseline")
    return "\n".join(lines)


def main() -> None:
    """Build, measure, report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,500")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    runs = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            print(f"building {n} subscriptions ...", file=sys.stderr)
            app, model_id = build(tmp, n)
            runs[str(n)] = measure(app, model_id)
    import platform

    figures = {
        "sizes": sizes,
        "runs": runs,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
    }
    results_file.publish("subscriptions", figures, as_json=args.json, render=render)


if __name__ == "__main__":
    main()
