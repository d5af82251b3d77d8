"""Retention: closed cases are anonymised or deleted after their service's retention period."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update

from designer.extensions import db
from designer.models import Attachment, PaymentOrder, User
from designer.services import retention, uploads
from designer.services.catalog import install, read_folder, shipped_folders
from designer.worker import run_daily, run_retention, work_once
from engine import runtime
from engine.models import Base, Event, Instance, ProcessModel, Tenant, utcnow
from tests.factories import PARKING_APPLICATION, text_of

APPLY = "/services/parking_permit/apply"
PERSONAL = ("Kari Nordmann", "15818012001", "kari@example.no", "Storgata 1")
ELEVEN_YEARS = timedelta(days=11 * 365)


def _case_no(response: Any) -> str:
    match = re.search(r"/cases/(\d{4}-\d{6})", response.headers["Location"])
    assert match, response.headers.get("Location")
    return match.group(1)


def _instance(case_no: str) -> Instance:
    db.session.expire_all()
    return db.session.scalars(select(Instance).where(Instance.case_no == case_no)).one()


def _settings(key: str, **values: Any) -> None:
    home = db.session.scalars(select(Tenant.id).order_by(Tenant.id)).first()
    model = db.session.scalars(
        select(ProcessModel).where(ProcessModel.key == key, ProcessModel.tenant_id == home)
    ).one()
    model.settings = {**(model.settings or {}), **values}
    db.session.commit()


def _age(instance_id: int, by: timedelta = ELEVEN_YEARS) -> None:
    db.session.execute(
        update(Instance)
        .where(Instance.id == instance_id)
        .values(completed_at=utcnow() - by)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _attach(instance: Instance, content: bytes = b"%PDF-1.4 legeerklaering") -> str:
    """A file as an upload leaves it: on disk under a random name, a row tied to the case."""
    row = Attachment(
        tenant_id=instance.tenant_id,
        instance_id=instance.id,
        owner=instance.owner or "",
        field_key="doctor_statement_file",
        filename="legeerklaering-kari-nordmann.pdf",
        media_type="application/pdf",
        size=len(content),
        sha256="0" * 64,
        storage_name=os.urandom(16).hex(),
    )
    db.session.add(row)
    db.session.commit()
    path = uploads.path_of(row)
    with open(path, "wb") as handle:
        handle.write(content)
    return path


def _decided_parking_case(app: Flask, login_as: Any) -> tuple[int, str]:
    """Kari applies, a caseworker comments, asks, and approves; return (instance id, file)."""
    kari = login_as("kari")
    case_no = _case_no(kari.submit(APPLY, PARKING_APPLICATION))
    sara = login_as("saksbehandler")
    with app.app_context():
        instance = _instance(case_no)
        instance_id = instance.id
        statement = db.session.scalars(
            select(Attachment).where(Attachment.instance_id == instance_id)
        ).one()  # the doctor's statement she uploaded
        path = uploads.path_of(statement)
    case_url = f"/casework/cases/{instance_id}"
    sara.submit(case_url, {"text": "Ringte Kari Nordmann om saken."}, action=f"{case_url}/comments")
    sara.submit(
        case_url,
        {"text": "Kari Nordmann: send ny legeerklæring."},
        action=f"{case_url}/information-request",
    )
    task = re.search(r'href="(/casework/tasks/\d+)"', sara.get("/casework/").get_data(as_text=True))
    assert task
    done = sara.submit(
        task.group(1),
        {
            "review_decision": "approved",
            "valid_from": "2026-12-01",
            "valid_to": "2029-11-30",
            "review_reason": "Kari Nordmann har vesentlig nedsatt gangevne.",
        },
    )
    assert done.status_code == 302
    with app.app_context():
        assert _instance(case_no).status == "completed"
        _age(instance_id)
    return instance_id, path


def _rows_of(instance_id: int) -> dict[str, list[str]]:
    """The text of every column of every row tied to a case, by table."""
    found: dict[str, list[str]] = {}
    for table in Base.metadata.sorted_tables:
        if table.name == "instance":
            rows = db.session.execute(select(table).where(table.c.id == instance_id)).all()
        elif "instance_id" in table.c:
            rows = db.session.execute(select(table).where(table.c.instance_id == instance_id)).all()
        else:
            continue
        found[table.name] = [" | ".join(str(v) for v in row) for row in rows]
    return found


def _everything() -> dict[str, list[tuple[Any, ...]]]:
    return {
        t.name: sorted((tuple(r) for r in db.session.execute(select(t)).all()), key=repr)
        for t in Base.metadata.sorted_tables
    }


def _start(version: Any, owner: str, *, cancel: bool = True, aged: bool = True) -> int:
    """A parking case started straight through the engine (cancelled: closed)."""
    data = {**PARKING_APPLICATION, "period_years": 2}
    instance = runtime.start(
        db.session, version, data=data, actor=owner, owner=owner, subject="Kari Nordmann"
    )
    if cancel:
        runtime.cancel(db.session, instance.tenant_id, instance.id, owner, "withdrawn")
        if aged:
            _age(instance.id)
    return instance.id


def test_settings_give_the_policy_with_documented_defaults(app: Flask) -> None:
    def policy(**settings: Any) -> retention.Policy:
        return retention.policy_of(ProcessModel(key="x", settings=settings))

    assert policy() == retention.Policy(retention.DEFAULT_RETENTION_DAYS, "anonymise")
    assert policy(retention_days=0).days is None
    assert policy(retention_days=None).days is None
    assert policy(retention_days="soon").days is None  # unreadable: keep, never delete
    assert policy(retention_days="30", retention_action="delete") == retention.Policy(30, "delete")
    assert policy(retention_action="anonymize").action == "anonymise"
    assert policy(retention_action="shred").action == "anonymise"


def test_only_closed_cases_past_the_period_of_their_own_service_and_tenant_qualify(
    app: Flask,
) -> None:
    with app.app_context():
        kari = db.session.scalars(select(User).where(User.username == "kari")).one()
        model = db.session.scalars(
            select(ProcessModel).where(ProcessModel.key == "parking_permit")
        ).one()
        version = model.versions[-1]
        old = _start(version, kari.actor)
        still_open = _start(version, kari.actor, cancel=False)
        recent = _start(version, kari.actor, aged=False)
        _age(still_open)  # an open case never qualifies, whatever its dates say
        other = Tenant(slug="skien", name="Skien kommune")
        db.session.add(other)
        db.session.flush()
        folder = next(f for f in shipped_folders() if f.endswith("parking_permit"))
        other_version = install(db.session, other, read_folder(folder))
        db.session.commit()
        elsewhere = _start(other_version, "user:999")
        _settings("parking_permit", retention_days=3650)
        db.session.execute(
            update(ProcessModel)
            .where(ProcessModel.tenant_id == other.id)
            .values(settings={"retention_days": 0})
        )
        db.session.commit()

        report = run_retention(db.session, dry_run=True)
        home = app.config["DEFAULT_TENANT"]
        assert [(s.tenant, s.service, s.anonymised) for s in report.services] == [
            (home, "parking_permit", 1)
        ]
        ids = set(db.session.scalars(retention.eligible(model, utcnow() - timedelta(days=3650))))
        assert ids == {old}
        assert {still_open, recent, elsewhere}.isdisjoint(ids)

        # The other tenant's rule counts only there: switched on, only its own case qualifies.
        db.session.execute(
            update(ProcessModel)
            .where(ProcessModel.tenant_id == other.id)
            .values(settings={"retention_days": 30})
        )
        db.session.commit()
        only_other = run_retention(db.session, dry_run=True, tenant_id=other.id)
        assert [(s.tenant, s.anonymised) for s in only_other.services] == [("skien", 1)]


def test_anonymise_removes_every_trace_of_the_applicant_and_keeps_statistics(
    app: Flask, login_as: Any
) -> None:
    instance_id, path = _decided_parking_case(app, login_as)
    with app.app_context():
        before = _rows_of(instance_id)
        assert any(p in " ".join(sum(before.values(), [])) for p in PERSONAL)
        events_before = len(before["event"])
        report = run_retention(db.session)
        [entry] = report.services
        assert (entry.service, entry.action, entry.anonymised, entry.deleted) == (
            "parking_permit",
            "anonymise",
            1,
            0,
        )
        assert entry.files_removed == 1 and not os.path.exists(path)
        assert entry.oldest_completed_at == entry.newest_completed_at is not None

        after = _rows_of(instance_id)
        text = " ".join(sum(after.values(), []))
        for personal in (*PERSONAL, "Ringte", "legeerklaering", "ny legeerklæring"):
            assert personal not in text, personal
        instance = db.session.get(Instance, instance_id)
        assert instance is not None
        assert instance.status == "completed" and instance.owner is None
        assert instance.result == {"outcome": "approved", "decided_by": "caseworker"}
        assert len(after["event"]) == events_before + 1  # history kept, plus the marker
        assert after["attachment"] == []
        assert runtime.current_data(db.session, instance) == {}  # the case still opens

        again = run_retention(db.session)
        assert again.services == []  # done once


def _instance_case_no(instance_id: int) -> str:
    return db.session.get(Instance, instance_id).case_no  # type: ignore[union-attr]


def test_anonymised_case_no_longer_shows_to_the_citizen_but_still_to_staff(
    app: Flask, login_as: Any
) -> None:
    instance_id, _ = _decided_parking_case(app, login_as)
    with app.app_context():
        case_no = _instance_case_no(instance_id)
        run_retention(db.session)
    kari = login_as("kari")
    assert case_no not in text_of(kari.get("/cases"))
    assert kari.get(f"/cases/{case_no}").status_code == 404
    page = login_as("saksbehandler").get(f"/casework/cases/{instance_id}")
    assert page.status_code == 200 and "Kari Nordmann" not in text_of(page)


def test_delete_removes_the_case_every_dependent_row_and_the_files(
    app: Flask, login_as: Any
) -> None:
    instance_id, path = _decided_parking_case(app, login_as)
    with app.app_context():
        kari = db.session.scalars(select(User).where(User.username == "kari")).one()
        version = db.session.get(Instance, instance_id).process_version  # type: ignore[union-attr]
        kept = _start(version, kari.actor, aged=False)
        _settings("parking_permit", retention_action="delete", retention_days=365)
        assert sum(len(v) for v in _rows_of(instance_id).values()) > 5
        report = run_retention(db.session)
        assert [(s.deleted, s.anonymised, s.files_removed) for s in report.services] == [(1, 0, 1)]
        assert report.deleted == 1
        assert all(rows == [] for rows in _rows_of(instance_id).values()), _rows_of(instance_id)
        assert not os.path.exists(path)
        assert db.session.get(Instance, kept) is not None
        assert any("Kari Nordmann" in r for r in _rows_of(kept)["instance"])


def test_a_case_with_payments_is_anonymised_instead_of_deleted(app: Flask, login_as: Any) -> None:
    from tests.processes.test_leisure_subsidy import APPLY as LEISURE
    from tests.processes.test_leisure_subsidy import FORM

    kari = login_as("kari")
    sent = kari.client.post(LEISURE, data={**kari.hidden_fields(LEISURE), **FORM, "_hidden": ""})
    case_no = _case_no(sent)
    assert work_once(app) == 1 and work_once(app) == 1
    with app.app_context():
        instance = _instance(case_no)
        assert instance.status == "completed"
        _age(instance.id)
        _settings("leisure_subsidy", retention_action="delete")
        report = run_retention(db.session)
        [entry] = report.services
        assert (entry.deleted, entry.anonymised, entry.kept_for_accounting) == (0, 1, 1)
        rows = _rows_of(instance.id)
        assert len(rows["payment_order"]) == 1  # accounting records stay as they are
        assert db.session.scalars(select(PaymentOrder)).one().amount > 0
        rest = " ".join(
            r for table, found in rows.items() if table != "payment_order" for r in found
        )
        for personal in ("Kari Nordmann", "15818012001", "Emma", "1234 56 78903", "12345678903"):
            assert personal not in rest, personal
        assert rows["outbox_message"] and rows["connector_job"]  # counted, emptied


def test_dry_run_reports_the_same_numbers_and_changes_nothing(app: Flask, login_as: Any) -> None:
    instance_id, path = _decided_parking_case(app, login_as)
    with app.app_context():
        before = _everything()
        dry = run_retention(db.session, dry_run=True)
        db.session.expire_all()
        assert _everything() == before and os.path.exists(path)
        assert dry.dry_run and [(s.anonymised, s.deleted) for s in dry.services] == [(1, 0)]
        assert dry.lines()[0].startswith("DRY RUN")
        real = run_retention(db.session)
        assert [(s.anonymised, s.deleted) for s in real.services] == [(1, 0)]
        assert real.services[0].oldest_completed_at == dry.services[0].oldest_completed_at


@pytest.fixture
def cli(app: Flask) -> Any:
    return app.test_cli_runner()


def test_the_command_prints_the_report_and_honours_dry_run(
    app: Flask, login_as: Any, cli: Any
) -> None:
    instance_id, path = _decided_parking_case(app, login_as)
    dry = cli.invoke(args=["retention", "run", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert (
        "DRY RUN" in dry.output and "parking_permit" in dry.output and "anonymised 1" in dry.output
    )
    assert os.path.exists(path)
    real = cli.invoke(args=["retention", "run"])
    assert real.exit_code == 0 and "DRY RUN" not in real.output
    assert "total: anonymised 1, deleted 0" in real.output
    assert not os.path.exists(path)
    with app.app_context():
        marker = db.session.scalars(select(Event).where(Event.kind == "anonymised")).one()
        assert marker.instance_id == instance_id
    unknown = cli.invoke(args=["retention", "run", "--tenant", "nowhere"])
    assert unknown.exit_code != 0 and "nowhere" in unknown.output


def test_the_background_worker_applies_retention_once_a_day(app: Flask, login_as: Any) -> None:
    instance_id, _ = _decided_parking_case(app, login_as)
    now = utcnow()
    work_once(app, now)  # the first tick of the day anonymises the old case
    with app.app_context():
        assert _instance(_instance_case_no(instance_id)).subject == ""
    assert run_daily(app, now + timedelta(hours=23)) == []  # not again the same day
    assert run_daily(app, now + timedelta(days=1)) == ["retention"]


def test_the_engine_purges_a_case_only_once_our_rows_are_gone(app: Flask, login_as: Any) -> None:
    from engine.api import CASE_TABLES, purge
    from engine.errors import Conflict

    instance_id, _ = _decided_parking_case(app, login_as)
    with app.app_context():
        ours = [
            t.name
            for t in Base.metadata.sorted_tables
            if "instance_id" in t.c and t.name not in CASE_TABLES
        ]
        assert {"attachment", "outbox_message", "payment_order"} <= set(ours)
        with pytest.raises(Conflict):
            purge(db.session, [instance_id])  # the attachment row still refers to the case
        db.session.rollback()
        assert db.session.get(Instance, instance_id) is not None
        retention.delete_cases(db.session, [instance_id])
        db.session.commit()
        assert all(rows == [] for rows in _rows_of(instance_id).values())
