"""Every engine error names its situation with a stable code the application translates."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from engine import errors, jobs, runtime, tasks
from engine.errors import (
    Conflict,
    EngineError,
    InstanceClosed,
    InstanceCorrupt,
    ModelInvalid,
    NotFound,
    Problem,
    StepFailed,
    TaskNotReady,
)
from engine.models import Instance, ProcessVersion
from tests.engine.helpers import PARKING_BPMN, PARKING_FORMS, Install, bpmn_text, open_tasks
from tests.engine.test_connectors import SERVICE, Ledger, _job, _registry
from tests.engine.test_runtime import APPROVAL
from tests.factories import PARKING_APPLICATION


@pytest.fixture
def parking(install: Install) -> ProcessVersion:
    """The shipped parking-permit process for the test tenant."""
    return install(PARKING_BPMN.read_text(), key="parking_permit", form_names=PARKING_FORMS)


def test_each_error_type_has_a_default_code_and_takes_a_specific_one() -> None:
    assert [
        cls("x").code for cls in (NotFound, Conflict, TaskNotReady, InstanceClosed, StepFailed)
    ] == ["not_found", "conflict", "task_not_open", "case_closed", "step_failed"]
    assert InstanceCorrupt("x").code == "case_corrupt"
    assert ModelInvalid([Problem("bad")]).code == "model_invalid"
    taken = Conflict("Someone else has already taken this task.", code=errors.TASK_TAKEN)
    assert (taken.code, taken.message) == (
        "task_taken",
        "Someone else has already taken this task.",
    )
    assert NotFound("x").code == "not_found"  # an instance's code never changes its class's
    codes = [v for k, v in vars(errors).items() if k.isupper() and isinstance(v, str)]
    assert len(codes) == len(set(codes))


def _code(call: object) -> str:
    assert callable(call)
    with pytest.raises(EngineError) as caught:
        call()
    return caught.value.code


def test_task_and_case_situations_have_their_codes(
    session: Session, parking: ProcessVersion, tenant_id: int
) -> None:
    instance = runtime.start(session, parking, data=PARKING_APPLICATION, actor="kari")
    [task] = open_tasks(session, instance.id)
    version = instance.version
    tasks.claim(session, tenant_id, task.id, "user:1")
    assert _code(lambda: tasks.claim(session, tenant_id, task.id, "user:2")) == "task_taken"
    assert (
        _code(lambda: tasks.assign(session, tenant_id, task.id, None, "user:2", expected="user:2"))
        == "task_changed_hands"
    )
    assert _code(lambda: tasks.claim(session, tenant_id, task.id + 99, "user:2")) == (
        "task_not_found"
    )
    assert (
        _code(
            lambda: runtime.complete(
                session, tenant_id, task.id, APPROVAL, "sara", expected_version=version - 1
            )
        )
        == "case_changed"
    )
    assert _code(lambda: runtime.complete(session, tenant_id, task.id + 99, {}, "sara")) == (
        "task_not_found"
    )
    runtime.complete(session, tenant_id, task.id, APPROVAL, "sara")
    with pytest.raises(TaskNotReady) as caught:
        runtime.complete(session, tenant_id, task.id, APPROVAL, "sara")
    assert caught.value.code == "task_completed"
    assert caught.value.message == "This task has already been completed."
    assert _code(lambda: runtime.cancel(session, tenant_id, instance.id, "sara")) == "case_closed"
    assert _code(lambda: runtime.cancel(session, tenant_id, instance.id + 99, "sara")) == (
        "case_not_found"
    )
    assert _code(lambda: tasks.claim(session, tenant_id, task.id, "user:3")) == "task_not_open"


def test_a_cancelled_task_is_not_open(
    session: Session, parking: ProcessVersion, tenant_id: int
) -> None:
    instance = runtime.start(session, parking, data=PARKING_APPLICATION, actor="kari")
    [task] = open_tasks(session, instance.id)
    runtime.cancel(session, tenant_id, instance.id, "sara")
    assert _code(lambda: runtime.complete(session, tenant_id, task.id, APPROVAL, "sara")) == (
        "task_not_open"
    )


def test_start_message_step_and_job_situations_have_their_codes(
    session: Session, sessions: sessionmaker[Session], install: Install, tenant_id: int
) -> None:
    start = install(bpmn_text("message_start.bpmn"), key="message_start")
    assert (
        _code(lambda: runtime.start(session, start, data={}, actor="x", message="nothing"))
        == "no_message_start"
    )
    failing = install(bpmn_text("failing_at_start.bpmn"), key="failing")
    assert _code(lambda: runtime.start(session, failing, data={"amount": 1}, actor="x")) == (
        "step_failed"
    )
    service = install(SERVICE, key="service")
    instance = runtime.start(session, service, data={"amount": 1, "who": "kari"}, actor="kari")
    job = _job(session, instance.id)
    assert _code(lambda: jobs.retry(session, tenant_id, job.id, "user:1")) == "job_not_failed"
    assert _code(lambda: jobs.continue_with(session, tenant_id, job.id, {}, "user:1")) == (
        "job_not_waiting"
    )
    assert _code(lambda: jobs.retry(session, tenant_id, job.id + 99, "user:1")) == ("job_not_found")
    assert (
        _code(lambda: jobs.retry_incident(session, tenant_id, instance.id, "user:1"))
        == "no_incident"
    )
    assert jobs.run_due(sessions, _registry(Ledger())) == 1
    assert session.get(Instance, instance.id) is not None


def test_a_writer_on_an_old_row_gets_a_concurrent_change(
    session: Session, sessions: sessionmaker[Session], parking: ProcessVersion, tenant_id: int
) -> None:
    from engine import transact
    from engine.steps import StepLog
    from engine.transition import Writes

    instance = runtime.start(session, parking, data=PARKING_APPLICATION, actor="kari")
    workflow = runtime.workflow_of(session, instance)
    with sessions() as other:
        runtime.record_incident(other, tenant_id, instance.id, "user:1", "meanwhile")
    outcome = transact.settle(workflow, StepLog())
    with pytest.raises(Conflict) as caught:
        transact.save_transition(
            session, instance, workflow, StepLog(), Writes(tenant_id), "sara", outcome
        )
    assert caught.value.code == "concurrent_change"
    session.rollback()
