"""Every `flask` command is registered from designer.cli and runs against the app's database."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select

from designer import cli
from designer.extensions import db
from designer.models import ApiToken
from designer.worker import work_once
from engine.models import Instance
from tests.processes.test_leisure_subsidy import _apply


def test_every_command_lives_in_designer_cli(app: Flask) -> None:
    """Before: worker, retention and notify commands were defined in their own packages."""
    commands = app.cli.commands
    assert {"seed", "token", "worker", "retention", "notify"} <= set(commands)
    for name in ("seed", "token", "worker", "retention"):
        command = commands[name]
        found = command.commands["run"] if name == "retention" else command  # type: ignore[attr-defined]
        assert found.callback.__module__ == cli.__name__, name  # type: ignore[union-attr]


def test_flask_worker_once_does_what_is_due(app: Flask, login_as: Any) -> None:
    case_no = _apply(login_as("kari"))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["worker", "--once"])
    assert first.exit_code == 0, first.output
    assert "did 1 piece(s) of background work" in first.output  # the letter
    assert runner.invoke(args=["worker", "--once"]).exit_code == 0  # the payment
    assert work_once(app) == 0
    with app.app_context():
        instance = db.session.scalars(select(Instance).where(Instance.case_no == case_no)).one()
        assert instance.status == "completed"


def test_flask_token_creates_and_revokes(app: Flask) -> None:
    runner = app.test_cli_runner()
    made = runner.invoke(args=["token", "archive"])
    assert made.exit_code == 0 and made.output.strip()
    revoked = runner.invoke(args=["token", "archive", "--revoke"])
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    with app.app_context():
        [row] = db.session.scalars(select(ApiToken)).all()
        assert row.revoked_at is not None


def test_flask_notify_digest_reports_per_municipality(app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["notify", "digest"])
    assert result.exit_code == 0, result.output
    assert "default: " in result.output and "digest e-mail(s)" in result.output
    unknown = runner.invoke(args=["notify", "digest", "--tenant", "nowhere"])
    assert unknown.exit_code != 0 and "nowhere" in unknown.output


def test_flask_package_exports_a_version_and_imports_it_as_a_new_draft(
    app: Flask, tmp_path: Any
) -> None:
    from designer.services.packages import from_zip
    from engine.models import ProcessModel, Tenant

    with app.app_context():
        db.session.add(Tenant(slug="nabo", name="Nabokommune"))
        db.session.commit()
    runner = app.test_cli_runner()
    path = str(tmp_path / "parking.zip")
    made = runner.invoke(args=["package", "export", "default", "parking_permit", "-o", path])
    assert made.exit_code == 0, made.output
    assert "parking_permit v1" in made.output
    with open(path, "rb") as handle:
        data = handle.read()
    assert from_zip(data).manifest["version"] == 1
    for slug, key in (("nabo", "parking_permit"), ("default", "parking_permit_2")):
        done = runner.invoke(args=["package", "import", slug, path])
        assert done.exit_code == 0, done.output
        assert f"draft '{key}'" in done.output
        with app.app_context():
            model = db.session.scalars(
                select(ProcessModel)
                .join(Tenant, Tenant.id == ProcessModel.tenant_id)
                .where(Tenant.slug == slug, ProcessModel.key == key)
            ).one()
            assert model.published_version_id is None and model.draft_bpmn
    with open(path, "wb") as handle:
        handle.write(data.replace(b"manifest.json", b"manifest.jsox"))
    refused = runner.invoke(args=["package", "import", "nabo", path])
    assert refused.exit_code != 0 and "manifest.json" in refused.output
    for args, said in (
        (["package", "export", "nowhere", "parking_permit", "-o", path], "No municipality"),
        (["package", "export", "default", "nothing", "-o", path], "No service 'nothing'"),
        (["package", "export", "default", "parking_permit", "--version", "9", "-o", path],
         "has no version 9"),
        (["package", "import", "nowhere", path], "No municipality 'nowhere'"),
    ):  # fmt: skip
        failed = runner.invoke(args=args)
        assert failed.exit_code != 0 and said in failed.output, failed.output
