"""engine.api.anonymise and purge: retention changes the engine's rows only through the engine."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from engine import api, live, store
from engine.errors import Conflict
from engine.models import ConnectorJob, Event, HumanTask, Instance, MessageWait, ProcessVersion
from tests.engine.helpers import PARKING_BPMN, PARKING_FORMS, Install, open_tasks
from tests.factories import PARKING_APPLICATION

KEEP = frozenset({"name", "outcome"})
NOTIFICATION = frozenset({"template", "status"})
RESULT = frozenset({"outcome", "decided_by"})
ENGINE_ROWS = (HumanTask, Event, MessageWait, ConnectorJob)


@pytest.fixture
def parking(install: Install) -> ProcessVersion:
    """The shipped parking-permit process for the test tenant."""
    return install(PARKING_BPMN.read_text(), key="parking_permit", form_names=PARKING_FORMS)


def _closed_case(session: Session, version: ProcessVersion, tenant_id: int) -> Instance:
    """Kari's case with her name everywhere the engine keeps it, then cancelled (closed)."""
    instance = api.start(
        session, version, data=PARKING_APPLICATION, actor="kari", owner="kari", subject="Kari N"
    )
    [task] = open_tasks(session, instance.id)
    api.tasks.claim(session, tenant_id, task.id, "kari")
    task = session.get(HumanTask, task.id)  # type: ignore[assignment]
    task.saved_form = [["comment", "Kari Nordmann"]]
    api.add_event(session, instance, "kari", "comment", summary={"name": "x", "text": "Kari N"})
    api.add_event(
        session,
        instance,
        "system",
        "notification",
        summary={"template": "decided", "status": "sent", "to": "k***@example.no"},
    )
    session.commit()
    api.cancel(session, tenant_id, instance.id, "sara", reason="Kari N moved")
    instance = session.get(Instance, instance.id)  # type: ignore[assignment]
    instance.result = {"outcome": "approved", "decided_by": "sara", "reason": "Kari N"}
    instance.error = "Kari N failed"
    session.add(
        MessageWait(
            tenant_id=tenant_id,
            instance_id=instance.id,
            name="documents",
            correlation_key="15818012001",
            element_id="wait",
        )
    )
    session.add(
        ConnectorJob(
            tenant_id=tenant_id,
            instance_id=instance.id,
            task_uuid="00000000-0000-0000-0000-000000000001",
            element_id="letter",
            connector="letter",
            params={"to": "Kari Nordmann"},
            result_variable="sent",
            status="done",
            last_error="Kari N: no address",
        )
    )
    session.commit()
    return instance


def _anonymise(session: Session, instance: Instance, **overrides: Any) -> Event:
    arguments: dict[str, Any] = {
        "keep_event_keys": KEEP,
        "keep_notification_keys": NOTIFICATION,
        "keep_result_keys": RESULT,
        "replace_actor": "anonymised",
        "marker": "anonymised",
        "marker_summary": {"retention_days": 30},
        **overrides,
    }
    return api.anonymise(session, instance, **arguments)


def _texts(session: Session, instance_id: int) -> str:
    rows: list[str] = [repr(session.get(Instance, instance_id).__dict__)]  # type: ignore[union-attr]
    for model in ENGINE_ROWS:
        for row in session.scalars(select(model).where(model.instance_id == instance_id)):
            rows.append(repr({k: v for k, v in vars(row).items() if not k.startswith("_")}))
    return " ".join(rows)


def _count(session: Session, model: Any, instance_id: int) -> int:
    query = select(func.count()).select_from(model).where(model.instance_id == instance_id)
    return int(session.scalar(query) or 0)


def test_anonymise_removes_the_applicant_from_every_engine_row(
    session: Session, parking: ProcessVersion, tenant_id: int
) -> None:
    instance = _closed_case(session, parking, tenant_id)
    events = _count(session, Event, instance.id)
    assert "Kari N" in _texts(session, instance.id)
    marker = _anonymise(session, instance)
    session.commit()
    session.expire_all()
    text = _texts(session, instance.id)
    for personal in ("Kari N", "15818012001", "example.no", "'kari'"):
        assert personal not in text, personal
    row = session.get(Instance, instance.id)
    assert row is not None and row.status == "cancelled"
    assert (row.subject, row.owner, row.error) == ("", None, None)
    assert row.result == {"outcome": "approved", "decided_by": "sara"}
    [task] = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id))
    assert (task.subject, task.saved_form, task.assignee) == ("", None, "anonymised")
    history = list(session.scalars(select(Event).where(Event.instance_id == instance.id)))
    assert len(history) == events + 1 and history[-1].id == marker.id
    assert (marker.kind, marker.actor, marker.summary) == (
        "anonymised",
        "system",
        {"retention_days": 30},
    )
    by_kind = {e.kind: e for e in history}
    assert by_kind["comment"].summary == {"name": "x"} and by_kind["comment"].actor == "anonymised"
    assert by_kind["notification"].summary == {"template": "decided", "status": "sent"}
    assert by_kind["cancelled"].actor == "sara" and by_kind["cancelled"].summary == {}
    assert _count(session, MessageWait, instance.id) == 0
    job = session.scalars(select(ConnectorJob).where(ConnectorJob.instance_id == instance.id)).one()
    assert (job.params, job.last_error, job.status) == ({}, None, "done")
    assert api.current_data(session, row) == {}  # the case still opens


def test_anonymise_without_a_replacement_keeps_the_actors(
    session: Session, parking: ProcessVersion, tenant_id: int
) -> None:
    instance = _closed_case(session, parking, tenant_id)
    _anonymise(session, instance, replace_actor=None)
    [task] = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id))
    assert task.assignee == "kari" and instance.owner is None


def test_anonymise_and_purge_flush_and_leave_the_commit_to_the_caller(
    session: Session, sessions: sessionmaker[Session], parking: ProcessVersion, tenant_id: int
) -> None:
    instance = _closed_case(session, parking, tenant_id)
    instance_id = instance.id
    _anonymise(session, instance)
    with sessions() as other:
        assert other.get(Instance, instance_id).subject == "Kari N"  # type: ignore[union-attr]
    session.rollback()
    assert api.purge(session, [instance_id]) == 1
    assert session.in_transaction()
    session.rollback()
    assert session.get(Instance, instance_id).subject == "Kari N"  # type: ignore[union-attr]


def test_a_running_case_is_neither_anonymised_nor_purged(
    session: Session, parking: ProcessVersion
) -> None:
    instance = api.start(session, parking, data=PARKING_APPLICATION, actor="kari", owner="kari")
    with pytest.raises(Conflict):
        _anonymise(session, instance)
    with pytest.raises(Conflict):
        api.purge(session, [instance.id])
    session.rollback()
    assert session.get(Instance, instance.id).owner == "kari"  # type: ignore[union-attr]


def test_purge_deletes_the_cases_and_every_engine_row_of_theirs_only(
    session: Session, parking: ProcessVersion, tenant_id: int
) -> None:
    gone = _closed_case(session, parking, tenant_id)
    kept = _closed_case(session, parking, tenant_id)
    gone_id, kept_id = gone.id, kept.id
    live.current_data(session, gone)  # a live copy in the cache
    key = live.cache_key(session, gone)
    assert all(_count(session, model, gone_id) for model in ENGINE_ROWS)
    assert api.purge(session, [gone_id, gone_id, 999_999]) == 1
    session.commit()
    assert session.get(Instance, gone_id) is None
    assert all(_count(session, model, gone_id) == 0 for model in ENGINE_ROWS)
    assert all(_count(session, model, kept_id) for model in ENGINE_ROWS)
    assert store.WORKFLOWS.checkout(key, gone.version) is None
    assert api.purge(session, []) == 0


def test_case_tables_name_the_tables_purge_empties() -> None:
    assert api.CASE_TABLES == {"instance", "human_task", "event", "message_wait", "connector_job"}
