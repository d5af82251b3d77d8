"""Retention: closed cases are anonymised or deleted once their service's period has passed.

Each service decides in its settings (processes/<key>/service.json "settings"):

- `retention_days`: days after a case was closed (completed or cancelled, `completed_at`)
  before it goes. Missing: DEFAULT_RETENTION_DAYS (10 years, a cautious default until the
  municipality's archive plan says otherwise). `0` or `null`: keep forever (retention off).
- `retention_action`: `"anonymise"` (the default, the less destructive) or `"delete"`.

Anonymise keeps what statistics need (case number, service, status, outcome, dates, the
task and event rows with their kinds, names and times) and removes the personal content:
the instance's subject, owner, error and decision details (only `outcome`/`decided_by`
stay), every task's data inside the workflow state (the state is loaded, cleared and saved
again, so the case still opens), tasks' saved forms and the applicant as actor, event
summaries beyond structural keys (comments, information requests, reasons, decision
inputs, masked e-mail recipients go), message waits (their key may be a national id),
connector jobs' parameters and errors, e-mail and letter recipients/subjects/bodies, and
attachments (rows and files). An `anonymised` event marks the case so it is done once.

Delete removes the instance and every row of every table with an `instance_id`, and the
attachment files. Payment orders are accounting records the finance system must keep
(bokføringsloven), so a case with payment orders is anonymised instead of deleted and its
payment orders stay as they are; the report counts these under `kept_for_accounting`.

The job works tenant by tenant and service by service, in batches of BATCH_SIZE cases, each
batch one transaction; files are removed after their batch committed. Run it daily from
cron, e.g. `15 2 * * * cd /srv/flytverk && .venv/bin/flask retention run`; `--dry-run`
reports what would go and changes nothing.
"""

from __future__ import annotations

import logging
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

import click
from flask import Flask
from sqlalchemy import Select, delete, exists, select, update
from sqlalchemy.orm import Session

from designer.extensions import db
from designer.models import Attachment, OutboxMessage, PaymentOrder
from designer.services import uploads
from engine import runtime
from engine.models import (
    Base,
    ConnectorJob,
    Event,
    HumanTask,
    Instance,
    MessageWait,
    ProcessModel,
    ProcessVersion,
    Tenant,
    utcnow,
)
from engine.serialization import dump_state, load_state

logger = logging.getLogger(__name__)

DEFAULT_RETENTION_DAYS = 3650
BATCH_SIZE = 100
CLOSED = ("completed", "cancelled")
ACTIONS = ("anonymise", "delete")
ANONYMISED = "anonymised"  # the marker event's kind, and the actor that replaces the applicant
# Event summary keys that describe the process, never the person.
STRUCTURAL_KEYS = frozenset(
    {"name", "type", "to", "outcome", "fields", "lane", "connector", "due", "job", "task"}
)
NOTIFICATION_KEYS = frozenset({"template", "status"})  # "to" there is a (masked) address
RESULT_KEYS = ("outcome", "decided_by")


@dataclass(frozen=True)
class Policy:
    """A service's retention rule: days after closing (None: keep forever) and the action."""

    days: int | None
    action: str


@dataclass
class ServiceReport:
    """What retention did (or, in a dry run, would do) to one service's cases."""

    tenant: str
    service: str
    action: str
    retention_days: int
    anonymised: int = 0
    deleted: int = 0
    kept_for_accounting: int = 0
    files_removed: int = 0
    oldest_completed_at: datetime | None = None
    newest_completed_at: datetime | None = None

    def count(self, instance: Instance) -> None:
        """Widen the completed_at range by one case."""
        at = instance.completed_at
        if at is None:
            return
        if self.oldest_completed_at is None or at < self.oldest_completed_at:
            self.oldest_completed_at = at
        if self.newest_completed_at is None or at > self.newest_completed_at:
            self.newest_completed_at = at


@dataclass
class Report:
    """The whole run: one entry per service that had eligible cases."""

    dry_run: bool
    now: datetime
    services: list[ServiceReport] = field(default_factory=list)

    @property
    def anonymised(self) -> int:
        """Cases anonymised in all services."""
        return sum(s.anonymised for s in self.services)

    @property
    def deleted(self) -> int:
        """Cases deleted in all services."""
        return sum(s.deleted for s in self.services)

    def as_dict(self) -> dict[str, Any]:
        """The report as plain data (for JSON or logs)."""
        return asdict(self)

    def lines(self) -> list[str]:
        """The report as text, one line per service and a total."""
        head = "DRY RUN, nothing changed: " if self.dry_run else ""
        out = []
        for s in self.services:
            out.append(
                f"{head}{s.tenant}/{s.service}: {s.action} after {s.retention_days} days, "
                f"anonymised {s.anonymised}, deleted {s.deleted}, "
                f"kept for accounting {s.kept_for_accounting}, files removed {s.files_removed}, "
                f"completed {_day(s.oldest_completed_at)} .. {_day(s.newest_completed_at)}"
            )
        out.append(f"{head}total: anonymised {self.anonymised}, deleted {self.deleted}")
        return out


def _day(value: datetime | None) -> str:
    return value.date().isoformat() if value else "-"


def policy_of(model: ProcessModel) -> Policy:
    """The retention rule in a service's settings (see the module docstring for defaults)."""
    settings = model.settings or {}
    raw = settings.get("retention_days", DEFAULT_RETENTION_DAYS)
    try:
        days = int(raw) if raw is not None else 0
    except (TypeError, ValueError):
        logger.warning("Service %s: retention_days %r is not a number; keeping", model.key, raw)
        days = 0
    action = str(settings.get("retention_action") or "anonymise").lower().replace("ize", "ise")
    if action not in ACTIONS:
        logger.warning("Service %s: retention_action %r unknown; anonymising", model.key, action)
        action = "anonymise"
    return Policy(days=days if days > 0 else None, action=action)


def eligible(model: ProcessModel, cutoff: datetime) -> Select[Any]:
    """Ids of the service's closed cases completed before `cutoff`, not yet anonymised."""
    marked = exists().where(Event.instance_id == Instance.id, Event.kind == ANONYMISED)
    return (
        select(Instance.id)
        .join(ProcessVersion, ProcessVersion.id == Instance.version_id)
        .where(
            ProcessVersion.model_id == model.id,
            Instance.tenant_id == model.tenant_id,
            Instance.status.in_(CLOSED),
            Instance.completed_at.is_not(None),
            Instance.completed_at < cutoff,
            ~marked,
        )
        .order_by(Instance.id)
    )


def run(
    session: Session,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    tenant_id: int | None = None,
    batch_size: int = BATCH_SIZE,
) -> Report:
    """Apply every service's retention rule (of one tenant, or all); return the report."""
    report = Report(dry_run=dry_run, now=now or utcnow())
    query = select(ProcessModel, Tenant.slug).join(Tenant, Tenant.id == ProcessModel.tenant_id)
    if tenant_id is not None:
        query = query.where(ProcessModel.tenant_id == tenant_id)
    services = session.execute(query.order_by(Tenant.slug, ProcessModel.key)).all()
    for model, slug in services:
        policy = policy_of(model)
        if policy.days is None:
            continue
        entry = ServiceReport(slug, model.key, policy.action, policy.days)
        _run_service(session, model, policy, report.now, entry, dry_run, batch_size)
        if entry.anonymised or entry.deleted:
            report.services.append(entry)
    session.commit()
    return report


def _run_service(
    session: Session,
    model: ProcessModel,
    policy: Policy,
    now: datetime,
    entry: ServiceReport,
    dry_run: bool,
    batch_size: int,
) -> None:
    assert policy.days is not None
    query = eligible(model, now - timedelta(days=policy.days))
    last_id = 0
    while True:
        ids = list(session.scalars(query.where(Instance.id > last_id).limit(batch_size)))
        if not ids:
            return
        last_id = ids[-1]
        files = _batch(session, ids, policy, entry, dry_run)
        if dry_run:
            session.rollback()
            continue
        session.commit()
        entry.files_removed += _remove_files(files)


def _batch(
    session: Session, ids: list[int], policy: Policy, entry: ServiceReport, dry_run: bool
) -> list[str]:
    """One batch in the open transaction; return the attachment files to remove after commit."""
    instances = list(session.scalars(select(Instance).where(Instance.id.in_(ids))))
    paid = set(
        session.scalars(select(PaymentOrder.instance_id).where(PaymentOrder.instance_id.in_(ids)))
    )
    attachments = list(session.scalars(select(Attachment).where(Attachment.instance_id.in_(ids))))
    to_delete = [i for i in instances if policy.action == "delete" and i.id not in paid]
    to_anonymise = [i for i in instances if i not in to_delete]
    for instance in instances:
        entry.count(instance)
    entry.deleted += len(to_delete)
    entry.anonymised += len(to_anonymise)
    if policy.action == "delete":
        entry.kept_for_accounting += len(to_anonymise)
    if dry_run:
        return []
    files = [uploads.path_of(a) for a in attachments]
    for attachment in attachments:
        session.delete(attachment)
    session.flush()
    for instance in to_anonymise:
        anonymise(session, instance, policy.days)
    if to_delete:
        delete_cases(session, [i.id for i in to_delete])
    return files


def anonymise(session: Session, instance: Instance, days: int | None = None) -> None:
    """Strip the personal content from one closed case, keeping what statistics need."""
    owner = instance.owner
    if instance.state:
        instance.state = _cleared_state(session, instance)
    instance.subject, instance.owner, instance.error = "", None, None
    if instance.result is not None:
        instance.result = {k: instance.result[k] for k in RESULT_KEYS if k in instance.result}
    for task in session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)):
        task.subject, task.saved_form = "", None
        if owner and task.completed_by == owner:
            task.completed_by = ANONYMISED
        if owner and task.assignee == owner:
            task.assignee = ANONYMISED
    for event in session.scalars(select(Event).where(Event.instance_id == instance.id)):
        keep = NOTIFICATION_KEYS if event.kind == "notification" else STRUCTURAL_KEYS
        event.summary = {k: v for k, v in (event.summary or {}).items() if k in keep}
        if owner and event.actor == owner:
            event.actor = ANONYMISED
    session.execute(delete(MessageWait).where(MessageWait.instance_id == instance.id))
    session.execute(
        update(ConnectorJob)
        .where(ConnectorJob.instance_id == instance.id)
        .values(params={}, last_error=None)
    )
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.instance_id == instance.id)
        .values(recipient="", subject="", body_text="", body_html=None, error=None)
    )
    session.add(
        Event(
            tenant_id=instance.tenant_id,
            instance_id=instance.id,
            actor="system",
            kind=ANONYMISED,
            summary={"retention_days": days} if days else {},
        )
    )


def _cleared_state(session: Session, instance: Instance) -> str:
    """The workflow state with every task's and (sub)process's data emptied."""
    parsed = runtime.spec_for(instance.process_version)
    workflow = load_state(instance.state, parsed.spec, parsed.subprocess_specs)
    for flow in (workflow, *workflow.subprocesses.values()):
        flow.data = {}
        for task in flow.tasks.values():
            task.data = {}
            task.internal_data = {}
    workflow.bpmn_events = []
    # A cached live copy still holds the old data: drop it (the key is the runtime's own).
    runtime.WORKFLOWS.evict(runtime._cache_key(session, instance))
    return dump_state(workflow)


def delete_cases(session: Session, ids: list[int]) -> None:
    """Delete cases and every row of every table that refers to them."""
    dependents = [
        t
        for t in reversed(Base.metadata.sorted_tables)
        if "instance_id" in t.c and t.name != Instance.__tablename__
    ]
    for table in dependents:
        session.execute(delete(table).where(table.c.instance_id.in_(ids)))
    session.execute(delete(Instance).where(Instance.id.in_(ids)))


def _remove_files(paths: list[str]) -> int:
    removed = 0
    for path in paths:
        try:
            os.remove(path)
            removed += 1
        except FileNotFoundError:
            continue
        except OSError:
            logger.exception("Could not remove %s", path)
    return removed


def init_app(app: Flask) -> None:
    """Register `flask retention run [--dry-run] [--tenant SLUG]`."""

    @app.cli.group("retention")
    def retention() -> None:
        """Anonymise or delete closed cases after their service's retention period."""

    @retention.command("run")
    @click.option("--dry-run", is_flag=True, help="Report what would go; change nothing.")
    @click.option("--tenant", "slug", default=None, help="Only this tenant (its slug).")
    def run_command(dry_run: bool, slug: str | None) -> None:
        """Apply every service's retention rule now and print what was removed."""
        tenant_id = None
        if slug is not None:
            tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == slug))
            if tenant_id is None:
                raise click.BadParameter(f"no tenant '{slug}'", param_hint="--tenant")
        report = run(db.session, dry_run=dry_run, tenant_id=tenant_id)
        for line in report.lines():
            click.echo(line)
