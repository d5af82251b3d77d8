"""decline: the engine rolls back only its own reads and locks, never the caller's writes.

Before: a caller's own `begin_write` on a clean session left the flag "no work of the
caller's" behind; writes the caller made afterwards were then rolled back by the next
decline (designer publishing: begin_write, write the version, `schedules.unschedule` ->
decline -> the publish was gone).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from engine import api, runtime, schedules, store, tasks
from engine.models import ProcessVersion, Tenant
from tests.engine.helpers import PARKING_BPMN, PARKING_FORMS, Install, bpmn_text, open_tasks
from tests.factories import PARKING_APPLICATION

Declining = Callable[[Session, int], object]


def _committed(sessions: sessionmaker[Session], slug: str) -> bool:
    with sessions() as other:
        return other.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None


def _unschedule(session: Session, tenant_id: int) -> object:
    return schedules.unschedule(session, tenant_id, model_id=999_999)


def _receive(session: Session, tenant_id: int) -> object:
    return runtime.receive(session, tenant_id, "documents_received", "x", {}, "api:x")


@pytest.mark.parametrize("write", ["pending", "flushed", "statement"])
@pytest.mark.parametrize("call", [_unschedule, _receive], ids=["unschedule", "receive"])
def test_writes_after_the_callers_own_begin_write_survive_a_decline(
    session: Session,
    sessions: sessionmaker[Session],
    install: Install,
    tenant_id: int,
    call: Declining,
    write: str,
) -> None:
    install(bpmn_text("message_wait.bpmn"), key="message_wait")
    session.commit()
    api.begin_write(session)  # nothing of the caller's yet: a fresh write transaction
    if write == "statement":
        session.execute(update(Tenant).where(Tenant.id == tenant_id).values(slug="kept"))
    else:
        session.add(Tenant(slug="kept", name="The caller's row"))
        if write == "flushed":
            session.flush()
    call(session, tenant_id)  # nothing to do: the engine declines
    assert not _committed(sessions, "kept")  # the engine committed nothing of the caller's
    session.commit()
    assert _committed(sessions, "kept")  # and it rolled nothing back


def test_a_claim_of_ones_own_task_keeps_writes_after_the_callers_begin_write(
    session: Session, sessions: sessionmaker[Session], install: Install, tenant_id: int
) -> None:
    version = install(PARKING_BPMN.read_text(), key="parking_permit", form_names=PARKING_FORMS)
    instance = runtime.start(session, version, data=PARKING_APPLICATION, actor="kari")
    [task] = open_tasks(session, instance.id)
    tasks.claim(session, tenant_id, task.id, "user:1")
    store.begin_write(session)
    session.add(Tenant(slug="kept", name="The caller's row"))
    session.flush()
    tasks.claim(session, tenant_id, task.id, "user:1")  # yours already: declined
    session.commit()
    assert _committed(sessions, "kept")


@pytest.fixture
def parking(install: Install) -> ProcessVersion:
    """The shipped parking-permit process for the test tenant."""
    return install(PARKING_BPMN.read_text(), key="parking_permit", form_names=PARKING_FORMS)


@pytest.mark.parametrize("callers_begin", [False, True], ids=["engine-only", "after-begin"])
def test_a_decline_still_ends_the_engines_own_lock(
    session: Session, install: Install, tenant_id: int, callers_begin: bool
) -> None:
    version = install(bpmn_text("escalation.bpmn"), key="escalation")
    instance = runtime.start(session, version, data={"escalate_after": "P3D"}, actor="kari")
    if callers_begin:
        store.begin_write(session)  # a caller's begin_write that wrote nothing
    assert runtime.wake(session, tenant_id, instance.id, instance.created_at) is None
    assert not session.in_transaction()  # the row lock is released


def test_a_claim_declined_ends_its_own_write(
    session: Session, parking: ProcessVersion, tenant_id: int
) -> None:
    instance = runtime.start(session, parking, data=PARKING_APPLICATION, actor="kari")
    [task] = open_tasks(session, instance.id)
    tasks.claim(session, tenant_id, task.id, "user:1")
    tasks.claim(session, tenant_id, task.id, "user:1")
    assert not session.in_transaction()


def test_the_flag_goes_with_the_transaction(session: Session, tenant_id: int) -> None:
    store.begin_write(session)
    assert session.info.get(store.CALLER_WORK) is False
    session.execute(update(Tenant).where(Tenant.id == tenant_id).values(name="Changed"))
    assert session.info.get(store.CALLER_WORK) is True
    session.rollback()
    assert store.CALLER_WORK not in session.info
