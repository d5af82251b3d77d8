"""The retention service is a plain service: it flushes, the command or the worker commits."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from designer.extensions import db
from designer.services import retention, uploads
from engine.models import Event, Instance, utcnow
from tests.services.test_retention_policy import _decided_parking_case

PACKAGE = Path(__file__).resolve().parents[2] / "designer" / "services" / "retention"
FORBIDDEN = (
    "flask",
    "click",
    "designer.web",
    "designer.worker",
    "designer.services.uploads",
    "engine.serialization",
    "engine.runtime",
)


def test_batches_leave_the_commit_to_the_caller(app: Flask, login_as: Any) -> None:
    """Before: retention.run committed each batch itself (and a CLI lived in the service)."""
    instance_id, path = _decided_parking_case(app, login_as)
    with app.app_context():
        report = retention.Report(dry_run=False, now=utcnow())
        batches = list(retention.batches(db.session, report, upload_folder=uploads.folder()))
        assert [b.entry.anonymised for b in batches] == [1] and batches[0].files == [path]
        db.session.rollback()  # the caller decides: nothing was committed
        instance = db.session.get(Instance, instance_id)
        assert instance is not None and instance.subject != ""
        anonymised = select(Event).where(
            Event.instance_id == instance_id, Event.kind == "anonymised"
        )
        assert db.session.scalars(anonymised).first() is None
        assert Path(path).exists()  # files go only after the caller's commit


def test_the_service_imports_no_flask_click_worker_or_engine_internals() -> None:
    for module in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                assert not name.startswith(FORBIDDEN), f"{module.name} imports {name}"
