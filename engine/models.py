"""SQLAlchemy 2.0 tables on a plain DeclarativeBase, shared with the web app."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Naive UTC now: stored the same way in SQLite and PostgreSQL."""
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    """Declarative base for every Flytverk table."""

    metadata = MetaData(naming_convention=NAMING)


class Tenant(Base):
    """A municipality."""

    __tablename__ = "tenant"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # The municipality's målform: nb or nn (designer.services.languages).
    language: Mapped[str] = mapped_column(String(8), default="nb", server_default="nb")
    # The organisasjonsnummer (Enhetsregisteret), set by its administrator; None until then.
    org_number: Mapped[str | None] = mapped_column(String(9), default=None)


@event.listens_for(Tenant, "load")
def _keep_tenant(tenant: Tenant, context: Any) -> None:
    """Hold a loaded tenant for its session's life: the identity map holds objects weakly,
    so each look-up of one request (language, letter, mail, case reads) read it again."""
    context.session.info.setdefault("flytverk.kept_tenants", {})[tenant.id] = tenant


class ProcessModel(Base):
    """A service as a process owner sees it: a name and its versions."""

    __tablename__ = "process_model"
    __table_args__ = (UniqueConstraint("tenant_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    key: Mapped[str] = mapped_column(String(100))
    # The catalogue card in the service's own language (name_nb is its name whatever that
    # language is; the column keeps its old name), other languages in card_texts:
    # {"nn": {"name": ..., "description": ...}, "en": {...}}.
    name_nb: Mapped[str] = mapped_column(String(200))
    description_nb: Mapped[str] = mapped_column(Text, default="")
    card_texts: Mapped[dict[str, dict[str, str]]] = mapped_column(JSON, default=dict)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    published_version_id: Mapped[int | None] = mapped_column(Integer, default=None)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str] = mapped_column(String(100), default="system")
    # The draft a process owner edits; published versions are immutable snapshots of it.
    draft_bpmn: Mapped[str] = mapped_column(Text, default="")
    draft_files: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    draft_revision: Mapped[int] = mapped_column(Integer, default=0)
    draft_updated_by: Mapped[str] = mapped_column(String(200), default="")
    draft_updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    versions: Mapped[list[ProcessVersion]] = relationship(
        back_populates="model", order_by="ProcessVersion.number"
    )
    tenant: Mapped[Tenant] = relationship()


class ProcessVersion(Base):
    """An immutable snapshot of a service: BPMN, forms and decisions."""

    __tablename__ = "process_version"
    __table_args__ = (UniqueConstraint("model_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("process_model.id"))
    # None for the snapshots test runs use: they are never listed or published.
    number: Mapped[int | None] = mapped_column(Integer, default=None)
    is_test: Mapped[bool] = mapped_column(Boolean, default=False)
    process_id: Mapped[str] = mapped_column(String(200))
    bpmn: Mapped[str] = mapped_column(Text)
    files: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    content_hash: Mapped[str] = mapped_column(String(64))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100), default="system")
    published_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    model: Mapped[ProcessModel] = relationship(back_populates="versions")

    def forms(self) -> dict[str, str]:
        """Form definitions of this version by file name."""
        return {k[6:]: v for k, v in self.files.items() if k.startswith("forms/")}

    def decisions(self) -> dict[str, str]:
        """DMN files of this version by file name."""
        return {k: v for k, v in self.files.items() if k.endswith(".dmn")}


class Instance(Base):
    """A running or finished case: the workflow state and what the lists show."""

    __tablename__ = "instance"
    __table_args__ = (
        UniqueConstraint("tenant_id", "case_no"),
        Index("ix_instance_owner", "tenant_id", "owner", "created_at"),
        Index("ix_instance_status", "tenant_id", "status"),
        Index("ix_instance_timer", "status", "next_timer_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"), index=True)
    model_id: Mapped[int | None] = mapped_column(Integer, default=None)
    case_no: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    owner: Mapped[str | None] = mapped_column(String(100), default=None)
    subject: Mapped[str] = mapped_column(String(200), default="")
    outcome: Mapped[str | None] = mapped_column(String(100), default=None)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    is_test: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    # When the earliest timer the workflow waits for falls due (None: no timer).
    next_timer_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    process_version: Mapped[ProcessVersion] = relationship()
    __mapper_args__ = {"version_id_col": version}


def _open_only(name: str, *columns: str) -> Index:
    """An index of open tasks only (status = 'open'; queries must say it literally)."""
    where = text("status = 'open'")
    return Index(name, *columns, sqlite_where=where, postgresql_where=where)


class HumanTask(Base):
    """One open or finished human task, indexed for inbox queries."""

    __tablename__ = "human_task"
    __table_args__ = (
        UniqueConstraint("instance_id", "task_uuid"),
        # The inbox's indexes hold the open tasks only, and every column an inbox filter
        # or search reads, so a page, its count and the workload come from the index
        # alone. Per lane they are in the inbox's order (created, due, assignee); queries
        # must say status = 'open' literally to use them (designer/services/inbox.py).
        # status comes last: PostgreSQL drops the condition the index's WHERE implies, so
        # a key column before the lane would leave the lane unbounded; SQLite needs it in
        # the index to read the index alone.
        _open_only(
            "ix_human_task_inbox",
            *("tenant_id", "is_test", "lane", "created_at", "id"),
            *("assignee", "due_at", "model_id", "case_no", "subject", "status"),
        ),
        _open_only(
            "ix_human_task_due",
            *("tenant_id", "is_test", "lane", "due_at", "id"),
            *("assignee", "created_at", "model_id", "case_no", "subject", "status"),
        ),
        _open_only(
            "ix_human_task_workload",
            *("tenant_id", "is_test", "lane", "assignee", "created_at", "id", "due_at", "status"),
        ),
        # A case's open tasks, read under its row lock at every completed task: with a
        # long loop the case has thousands of finished tasks this index never holds.
        _open_only(
            "ix_human_task_open",
            *("instance_id", "id", "task_uuid", "status"),
        ),
        Index("ix_human_task_assignee", "tenant_id", "status", "is_test", "assignee", "created_at"),
        Index("ix_human_task_case", "tenant_id", "case_no"),
        Index("ix_human_task_done", "tenant_id", "completed_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    instance_id: Mapped[int] = mapped_column(ForeignKey("instance.id"), index=True)
    task_uuid: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    lane: Mapped[str | None] = mapped_column(String(200), default=None)
    form: Mapped[str | None] = mapped_column(String(200), default=None)
    # Copied from the instance so inbox filters and searches need no joins.
    case_no: Mapped[str] = mapped_column(String(20), default="")
    subject: Mapped[str] = mapped_column(String(200), default="")
    model_id: Mapped[int | None] = mapped_column(Integer, default=None)
    is_test: Mapped[bool] = mapped_column(Boolean, default=False)
    instructions: Mapped[str] = mapped_column(Text, default="")
    assignee: Mapped[str | None] = mapped_column(String(100), default=None)
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    completed_by: Mapped[str | None] = mapped_column(String(100), default=None)
    # What a caseworker saved without completing: the raw form fields, restored next time.
    saved_form: Mapped[list[list[str]] | None] = mapped_column(JSON, default=None)
    instance: Mapped[Instance] = relationship()


class Event(Base):
    """Append-only history of an instance: who did what, when, where."""

    __tablename__ = "event"
    __table_args__ = (Index("ix_event_instance", "instance_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instance.id"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(40))
    element_id: Mapped[str | None] = mapped_column(String(200), default=None)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class MessageWait(Base):
    """An instance waiting for a named message, with the correlation key it expects."""

    __tablename__ = "message_wait"
    __table_args__ = (Index("ix_message_wait_lookup", "tenant_id", "name", "correlation_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    instance_id: Mapped[int] = mapped_column(ForeignKey("instance.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    correlation_key: Mapped[str | None] = mapped_column(String(200), default=None)
    element_id: Mapped[str] = mapped_column(String(200))


class CaseCounter(Base):
    """The last case number handed out per tenant, year and series ('' real, 'TEST')."""

    __tablename__ = "case_counter"
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Test runs count in their own series so they never use up real case numbers.
    series: Mapped[str] = mapped_column(String(10), primary_key=True, default="", server_default="")
    last: Mapped[int] = mapped_column(Integer, default=0)


class ConnectorJob(Base):
    """A service task's call to a connector: queued, retried with backoff, done or failed.

    The engine stops at a service task and queues a job; a worker makes the call outside any
    lock and then completes the task through the runtime. A failed job is an incident until a
    process owner retries it or continues with data of their own.
    """

    __tablename__ = "connector_job"
    __table_args__ = (
        UniqueConstraint("instance_id", "task_uuid"),
        Index("ix_connector_job_due", "status", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instance.id"), index=True)
    task_uuid: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200), default="")
    connector: Mapped[str] = mapped_column(String(100))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result_variable: Mapped[str] = mapped_column(String(200))
    # queued -> running -> done | queued (retry) | failed (incident); cancelled when the task went.
    status: Mapped[str] = mapped_column(String(20), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    backoff_seconds: Mapped[int] = mapped_column(Integer, default=10)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    # A running job whose worker died is taken over when its lease has passed.
    locked_until: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    is_test: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
