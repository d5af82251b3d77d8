"""The engine never commits the caller's work on its own: it commits or rolls back with it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from engine import messages, runtime, store, tasks
from engine.errors import Conflict, InstanceClosed, NotFound, StepFailed
from engine.models import Instance, ProcessVersion, Tenant
from tests.engine.helpers import PARKING_BPMN, PARKING_FORMS, Install, bpmn_text, open_tasks
from tests.engine.test_runtime import APPROVAL
from tests.factories import PARKING_APPLICATION

START = bpmn_text("message_start.bpmn")
WAIT = bpmn_text("message_wait.bpmn")


@pytest.fixture
def parking(install: Install) -> ProcessVersion:
    """The shipped parking-permit process for the test tenant."""
    return install(PARKING_BPMN.read_text(), key="parking_permit", form_names=PARKING_FORMS)


@pytest.fixture
def commits(session: Session) -> Iterator[list[int]]:
    """Counts the session's commits."""
    seen: list[int] = []

    def counted(_session: Session) -> None:
        seen.append(1)

    event.listen(session, "after_commit", counted)
    yield seen
    event.remove(session, "after_commit", counted)


def _committed(sessions: sessionmaker[Session], slug: str) -> bool:
    with sessions() as other:
        return other.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None


def _unrelated(session: Session, slug: str = "orphan", *, flush: bool = False) -> Tenant:
    row = Tenant(slug=slug, name="The caller's own row")
    session.add(row)
    if flush:
        session.flush()
    return row


@pytest.mark.parametrize("flush", [False, True], ids=["pending", "flushed"])
def test_a_start_on_an_unknown_message_commits_nothing_of_the_callers(
    session: Session, sessions: sessionmaker[Session], install: Install, flush: bool
) -> None:
    version = install(START, key="message_start")
    _unrelated(session, flush=flush)
    with pytest.raises(NotFound):
        runtime.start(session, version, data={}, actor="api:x", message="something_else")
    assert not _committed(sessions, "orphan")
    session.commit()  # the caller's own commit afterwards finds nothing left to write
    assert not _committed(sessions, "orphan")


@pytest.mark.parametrize("flush", [False, True], ids=["pending", "flushed"])
def test_a_start_refused_after_the_lock_rolls_the_callers_work_back(
    session: Session,
    sessions: sessionmaker[Session],
    install: Install,
    monkeypatch: pytest.MonkeyPatch,
    flush: bool,
) -> None:
    version = install(START, key="message_start")
    monkeypatch.setattr(messages, "deliver", lambda *args, **kwargs: 0)
    _unrelated(session, flush=flush)
    with pytest.raises(NotFound):
        runtime.start(session, version, data={}, actor="api:x", message="child_born")
    assert not _committed(sessions, "orphan")
    assert session.scalar(select(Instance.id)) is None


@pytest.mark.parametrize("flush", [False, True], ids=["pending", "flushed"])
def test_a_successful_start_commits_the_callers_work_in_its_own_transaction(
    session: Session,
    sessions: sessionmaker[Session],
    parking: ProcessVersion,
    commits: list[int],
    flush: bool,
) -> None:
    _unrelated(session, flush=flush)
    instance = runtime.start(session, parking, data=PARKING_APPLICATION, actor="kari")
    assert commits == [1]  # one transaction: the caller's row and the case together
    assert _committed(sessions, "orphan")
    assert instance.status == "running"


def test_a_failed_first_step_keeps_the_application_and_the_callers_work(
    session: Session, sessions: sessionmaker[Session], install: Install, commits: list[int]
) -> None:
    version = install(bpmn_text("failing_at_start.bpmn"))
    commits.clear()
    _unrelated(session, "attachments")
    with pytest.raises(StepFailed):
        runtime.start(session, version, data={"amount": 5}, actor="kari")
    assert commits == [1]
    assert _committed(sessions, "attachments")


def test_a_conflict_on_complete_rolls_the_callers_work_back(
    session: Session, sessions: sessionmaker[Session], parking: ProcessVersion, tenant_id: int
) -> None:
    instance = runtime.start(session, parking, data=PARKING_APPLICATION, actor="kari")
    [task] = open_tasks(session, instance.id)
    _unrelated(session, flush=True)
    with pytest.raises(Conflict):
        runtime.complete(
            session, tenant_id, task.id, APPROVAL, "sara", expected_version=instance.version - 1
        )
    assert not _committed(sessions, "orphan")
    session.commit()
    assert not _committed(sessions, "orphan")


def test_complete_commits_the_callers_work_with_the_task(
    session: Session,
    sessions: sessionmaker[Session],
    parking: ProcessVersion,
    tenant_id: int,
    commits: list[int],
) -> None:
    instance = runtime.start(session, parking, data=PARKING_APPLICATION, actor="kari")
    [task] = open_tasks(session, instance.id)
    commits.clear()
    _unrelated(session)
    runtime.complete(session, tenant_id, task.id, APPROVAL, "sara")
    assert commits == [1] and _committed(sessions, "orphan")


def test_cancelling_a_closed_case_rolls_the_callers_work_back(
    session: Session, sessions: sessionmaker[Session], parking: ProcessVersion, tenant_id: int
) -> None:
    instance = runtime.start(session, parking, data=PARKING_APPLICATION, actor="kari")
    runtime.cancel(session, tenant_id, instance.id, "sara")
    _unrelated(session)
    with pytest.raises(InstanceClosed):
        runtime.cancel(session, tenant_id, instance.id, "sara")
    session.commit()
    assert not _committed(sessions, "orphan")


def test_a_taken_task_rolls_the_callers_work_back_and_a_claim_commits_it(
    session: Session, sessions: sessionmaker[Session], parking: ProcessVersion, tenant_id: int
) -> None:
    instance = runtime.start(session, parking, data=PARKING_APPLICATION, actor="kari")
    [task] = open_tasks(session, instance.id)
    _unrelated(session, "with-claim")
    tasks.claim(session, tenant_id, task.id, "user:1")
    assert _committed(sessions, "with-claim")
    _unrelated(session)
    with pytest.raises(Conflict):
        tasks.claim(session, tenant_id, task.id, "user:2")
    session.commit()
    assert not _committed(sessions, "orphan")


def test_a_message_nobody_waits_for_leaves_the_callers_work_to_the_caller(
    session: Session, sessions: sessionmaker[Session], install: Install, tenant_id: int
) -> None:
    install(WAIT, key="message_wait")
    row = _unrelated(session, "audit")
    assert runtime.receive(session, tenant_id, "documents_received", "x", {}, "api:x") is None
    assert row in session and not _committed(sessions, "audit")  # neither committed nor lost
    session.commit()
    assert _committed(sessions, "audit")


def test_a_timer_not_due_leaves_the_callers_work_to_the_caller(
    session: Session, sessions: sessionmaker[Session], install: Install, tenant_id: int
) -> None:
    version = install(bpmn_text("escalation.bpmn"), key="escalation")
    instance = runtime.start(session, version, data={"escalate_after": "P3D"}, actor="kari")
    _unrelated(session, "kept")
    assert runtime.wake(session, tenant_id, instance.id, instance.created_at) is None
    assert not _committed(sessions, "kept")
    session.commit()
    assert _committed(sessions, "kept")


def test_begin_write_ends_a_read_and_keeps_writes(session: Session, tenant_id: int) -> None:
    session.get(Tenant, tenant_id)
    read = session.get_transaction()
    assert read is not None
    store.begin_write(session)
    # Only read: the read is over (on SQLite a write transaction begins with the writer lock).
    assert session.get_transaction() is not read
    assert session.in_transaction() == (store.SERIAL in session.info)
    _unrelated(session, flush=True)
    assert store.has_writes(session) and not session.new
    store.begin_write(session)
    assert session.in_transaction() and store.has_writes(session)
    session.rollback()
    assert not store.has_writes(session)


def test_writes_are_seen_in_any_session_class(sessions: sessionmaker[Session]) -> None:
    class AppSession(Session):
        """Like Flask-SQLAlchemy's: a subclass of Session."""

    bind: Any = sessions.kw["bind"]
    with AppSession(bind) as own:
        own.add(Tenant(slug="sub", name="Sub"))
        own.flush()
        assert store.has_writes(own)
        own.commit()
        assert not store.has_writes(own)
        own.execute(select(Tenant.id)).all()
        assert not store.has_writes(own)
        own.execute(Tenant.__table__.update().values(name="Changed"))
        assert store.has_writes(own)
        own.rollback()
