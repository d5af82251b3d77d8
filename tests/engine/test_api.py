"""engine.api: everything the application uses, in one module."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

import engine.api as api
from engine import live, store
from engine.models import Event, Instance, ProcessVersion
from tests.engine.helpers import PARKING_BPMN, PARKING_FORMS, Install, events_of, open_tasks
from tests.engine.test_runtime import APPROVAL
from tests.factories import PARKING_APPLICATION

# What the application imported from engine modules other than errors and models.
USED_BY_DESIGNER = {
    "": [
        "start",
        "complete",
        "cancel",
        "wake",
        "receive",
        "task_data",
        "current_data",
        "spec_for",
        "record_incident",
        "continue_with",
        "retry",
        "retry_incident",
        "run_due",
        "run_one",
        "diff",
        "dmn_problems",
        "explain",
        "DMN_NAMESPACES",
        "local_name",
        "parse_xml",
        "json_value",
        "configure",
        "configure_sandbox",
        "add_event",
        "scrub",
        "anonymise",
        "purge",
        "CASE_TABLES",
        "CallContext",
        "ConnectorFailed",
        "HttpConnector",
        "Param",
        "Registry",
        "missing_params",
        "ConnectorTask",
        "NEW_JOBS",
        "on_transition",
        "remove_listener",
        "Outcome",
    ],
    "bpmn": ["ParsedProcess", "parse", "validate"],
    "dmn": ["explain", "dmn_problems"],
    "dialects": ["detect", "foreign_parts"],
    "jobs": ["Registry", "continue_with", "retry_incident", "run_due", "run_one", "retry"],
    "tasks": ["claim", "assign", "release_all"],
    "schedules": ["schedule", "unschedule"],
    "scheduler": ["run_once", "SchedulerThread"],
    "connectors": ["CallContext", "ConnectorFailed", "HttpConnector", "Param", "Registry"],
    "servicetasks": ["ConnectorTask", "NEW_JOBS"],
    "sandbox": ["configure"],
}


@pytest.fixture
def parking(install: Install) -> ProcessVersion:
    """The shipped parking-permit process for the test tenant."""
    return install(PARKING_BPMN.read_text(), key="parking_permit", form_names=PARKING_FORMS)


@pytest.mark.parametrize("module", sorted(USED_BY_DESIGNER))
def test_every_name_the_application_uses_is_in_the_api(module: str) -> None:
    owner = getattr(api, module) if module else api
    missing = [name for name in USED_BY_DESIGNER[module] if not hasattr(owner, name)]
    assert missing == []
    if not module:
        assert set(USED_BY_DESIGNER[""]) <= set(api.__all__)


def test_the_api_names_only_what_it_holds() -> None:
    assert sorted(name for name in api.__all__ if not hasattr(api, name)) == []


def test_add_event_writes_a_note_the_caller_commits(
    session: Session, sessions: sessionmaker[Session], parking: ProcessVersion
) -> None:
    instance = api.start(session, parking, data=PARKING_APPLICATION, actor="kari")
    note = api.add_event(
        session, instance, "user:3", "information_requested", summary={"text": "Legeattest?"}
    )
    assert isinstance(note, Event) and note.id is not None
    with sessions() as other:
        assert other.get(Event, note.id) is None  # flushed, not committed
    session.commit()
    assert events_of(session, instance.id)[-1] == (
        "information_requested",
        None,
        {"text": "Legeattest?"},
    )
    assert [e.kind for e in api.history(session, instance)][-1] == "information_requested"
    assert note.tenant_id == instance.tenant_id and note.actor == "user:3"


def test_scrub_empties_every_data_of_a_closed_case_and_its_live_copy(
    session: Session, parking: ProcessVersion, tenant_id: int
) -> None:
    instance = api.start(session, parking, data=PARKING_APPLICATION, actor="kari")
    [task] = api.open_tasks(session, instance)
    done = api.complete(session, tenant_id, task.id, APPROVAL, "sara")
    assert api.current_data(session, done)["applicant_name"] == "Kari Nordmann"
    key, version = live.cache_key(session, done), done.version
    assert "Kari Nordmann" in done.state
    api.scrub(session, done)
    assert store.WORKFLOWS.checkout(key, version) is None  # the live copy went
    session.commit()
    session.expire_all()
    row = session.get(Instance, instance.id)
    assert row is not None and "Kari Nordmann" not in row.state
    assert api.current_data(session, row) == {}
    assert api.task_data(session, row, task.task_uuid) == {}
    assert row.status == "completed" and open_tasks(session, row.id) == []


def test_json_value_is_a_json_friendly_copy() -> None:
    value = {"when": date(2026, 12, 1), "amount": Decimal("12.50"), "tags": {"b"}}
    assert api.json_value(value) == {"when": "2026-12-01", "amount": 12.5, "tags": ["b"]}


def test_configure_sets_up_sqlite_and_the_sandbox(tmp_path: object) -> None:
    bind = create_engine(f"sqlite:///{tmp_path}/api.sqlite")
    api.configure(bind, synchronous="NORMAL")
    with bind.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 1
    bind.dispose()
    before = api.sandbox.LIMITS.max_items
    try:
        assert api.configure_sandbox(max_items=before + 1).max_items == before + 1
    finally:
        api.configure_sandbox(max_items=before)
