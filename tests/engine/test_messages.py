"""Messages: delivered only with the right correlation key, and message start events."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from engine import runtime
from engine.errors import NotFound
from engine.models import Instance
from tests.engine.conftest import Install
from tests.engine.helpers import DATA, events_of

WAIT = (DATA / "engine" / "message_wait.bpmn").read_text(encoding="utf-8")
START = (DATA / "engine" / "message_start.bpmn").read_text(encoding="utf-8")


def test_a_message_reaches_only_the_instance_with_its_key(
    session: Session, install: Install, tenant_id: int, restore: bool
) -> None:
    version = install(WAIT, key="message_wait")
    first = runtime.start(session, version, data={"case_ref": "2026-000001"}, actor="kari")
    second = runtime.start(session, version, data={"case_ref": "2026-000002"}, actor="kari")
    if restore:
        runtime.WORKFLOWS.clear()
    wrong = runtime.receive(
        session, tenant_id, "documents_received", "2026-000099", {"pages": 3}, "api:archive"
    )
    assert wrong is None
    assert runtime.receive(session, tenant_id, "unknown_message", "2026-000001", {}, "x") is None
    done = runtime.receive(
        session, tenant_id, "documents_received", "2026-000002", {"pages": 3}, "api:archive"
    )
    assert done is not None and done.id == second.id and done.status == "completed"
    assert runtime.current_data(session, done)["pages"] == 3
    assert "message_received" in [e[0] for e in events_of(session, second.id)]
    session.expire_all()
    assert session.get(Instance, first.id).status == "running"  # type: ignore[union-attr]
    # Delivered once: the second instance no longer waits.
    assert (
        runtime.receive(session, tenant_id, "documents_received", "2026-000002", {}, "api:archive")
        is None
    )


def test_a_message_start_event_starts_a_case(
    session: Session, install: Install, tenant_id: int
) -> None:
    version = install(START, key="message_start")
    started = runtime.start(
        session,
        version,
        data={"child_name": "Emma"},
        actor="api:folkeregister",
        message="child_born",
    )
    assert started.status == "completed"
    assert runtime.current_data(session, started)["offer"] == "Barnehageplass for Emma"
    with pytest.raises(NotFound):
        runtime.start(session, version, data={}, actor="api:x", message="something_else")


def test_a_process_without_message_events_never_touches_message_wait(
    session: Session, install: Install, tenant_id: int
) -> None:
    from sqlalchemy import event

    from tests.engine.helpers import process_xml

    plain = process_xml(
        '<bpmn:startEvent id="start" /><bpmn:userTask id="review" name="Vurder" />'
        '<bpmn:endEvent id="end" />'
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />'
        '<bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="end" />'
    )
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    bind = session.get_bind()
    event.listen(bind, "before_cursor_execute", seen)
    try:
        waiting = runtime.start(
            session, install(WAIT, key="waits"), data={"case_ref": "x"}, actor="k"
        )
        assert any("message_wait" in s for s in statements)  # a process that waits keeps its rows
        statements.clear()
        runtime.start(session, install(plain, key="plain"), data={}, actor="kari")
    finally:
        event.remove(bind, "before_cursor_execute", seen)
    assert statements and not [s for s in statements if "message_wait" in s]
    assert runtime.receive(session, tenant_id, "documents_received", "x", {}, "api") is not None
    assert waiting.id
