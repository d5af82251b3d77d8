"""Engine fixtures: a real database per test and installed process versions.

SQLite (a file in tmp_path) by default. With DATABASE_URL set, the schema is
created once per run by `shared_database` (tests/conftest.py) and emptied with
TRUNCATE ... RESTART IDENTITY CASCADE before each test, so the same tests prove
that PostgreSQL behaves identically.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from engine import bpmn, outcomes, runtime, store
from engine.models import Base, Instance, ProcessModel, ProcessVersion, Tenant
from engine.sandbox import LIMITS, Limits
from engine.scripting import ScriptEnvironment
from tests.engine.helpers import Install


def _clear_engine_caches() -> None:
    store.WORKFLOWS.clear()
    runtime._PARSED.clear()


@pytest.fixture
def db_engine(tmp_path: Path, shared_database: str | None) -> Iterator[Engine]:
    """A SQLAlchemy engine on an empty schema (SQLite file or the shared PostgreSQL)."""
    if shared_database:
        bind = create_engine(shared_database)
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        with bind.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    else:
        bind = create_engine(f"sqlite:///{tmp_path / 'engine.sqlite'}")
        store.configure_engine(bind, synchronous="OFF")
        Base.metadata.create_all(bind)
    _clear_engine_caches()
    yield bind
    _clear_engine_caches()
    bind.dispose()


@pytest.fixture
def sessions(db_engine: Engine) -> sessionmaker[Session]:
    """A session factory, for tests that need several writers at once."""
    return sessionmaker(db_engine)


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session on a fresh database holding one tenant (id 1)."""
    with sessions() as db:
        db.add(Tenant(slug="notodden", name="Notodden kommune"))
        db.commit()
        yield db
        db.rollback()


@pytest.fixture
def tenant_id(session: Session) -> int:
    """The id of the test tenant."""
    return int(session.scalars(select(Tenant.id)).one())


def install_version(
    session: Session,
    tenant_id: int,
    bpmn_xml: str,
    *,
    key: str = "service",
    files: dict[str, str] | None = None,
    form_names: set[str] | None = None,
) -> ProcessVersion:
    """Create a ProcessModel with one published ProcessVersion of `bpmn_xml`."""
    parsed = bpmn.parse({"process.bpmn": bpmn_xml}, form_names=form_names)
    model = ProcessModel(tenant_id=tenant_id, key=key, name_nb=key)
    session.add(model)
    session.flush()
    version = ProcessVersion(
        tenant_id=tenant_id,
        model_id=model.id,
        number=1,
        process_id=parsed.process_id,
        bpmn=bpmn_xml,
        files=files or {},
        content_hash=parsed.content_hash,
    )
    session.add(version)
    session.flush()
    model.published_version_id = version.id
    session.commit()
    return version


@pytest.fixture
def install(session: Session, tenant_id: int) -> Install:
    """install(bpmn_xml, key=...) -> a committed ProcessVersion of the test tenant."""

    def _install(bpmn_xml: str, **kwargs: Any) -> ProcessVersion:
        return install_version(session, tenant_id, bpmn_xml, **kwargs)

    return _install


@pytest.fixture(params=[False, True], ids=["cached", "restored"])
def restore(request: pytest.FixtureRequest) -> bool:
    """Run a test twice: with the live workflow cache, and restoring from the row."""
    return bool(request.param)


@dataclass(frozen=True)
class Told:
    """What a listener was told, copied while the transaction was open."""

    kind: str
    actor: str
    instance: Instance
    instance_id: int
    status: str
    completed: bool
    incident: bool
    opened: list[str]
    events: tuple[outcomes.Written, ...]

    @property
    def kinds(self) -> list[str]:
        """The kinds of the events written, in order."""
        return [written.kind for written in self.events]


@pytest.fixture
def seen() -> Iterator[list[Told]]:
    """Every transition outcome the engine tells, in order (a registered listener)."""
    told: list[Told] = []

    def listener(_session: Session, outcome: outcomes.Outcome) -> None:
        told.append(
            Told(
                kind=outcome.kind,
                actor=outcome.actor,
                instance=outcome.instance,
                instance_id=outcome.instance.id,
                status=outcome.instance.status,
                completed=outcome.completed,
                incident=outcome.incident,
                opened=[task.element_id for task in outcome.opened],
                events=outcome.events,
            )
        )

    outcomes.on_transition(listener)
    yield told
    outcomes.remove_listener(listener)


@pytest.fixture
def env() -> ScriptEnvironment:
    """A fresh script environment (the sandbox under every script)."""
    return ScriptEnvironment()


@pytest.fixture
def limits() -> Iterator[Limits]:
    """The live sandbox limits, put back as they were after the test."""
    saved = dataclasses.replace(LIMITS)
    yield LIMITS
    for field in dataclasses.fields(Limits):
        setattr(LIMITS, field.name, getattr(saved, field.name))
