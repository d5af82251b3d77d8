"""Retention: closed cases are anonymised or deleted once their service's period has passed.

Each service decides in its settings (processes/<key>/service.json "settings"):

- `retention_days`: days after a case was closed (completed or cancelled, `completed_at`)
  before it goes. Missing: DEFAULT_RETENTION_DAYS (10 years, a cautious default until the
  municipality's archive plan says otherwise). `0` or `null`: keep forever (retention off).
- `retention_action`: `"anonymise"` (the default, the less destructive) or `"delete"`.

Anonymise keeps what statistics need (case number, service, status, outcome, dates, the
task and event rows with their kinds, names and times) and removes the personal content:
the instance's subject, owner, error and decision details (only `outcome`/`decided_by`
stay), every task's data inside the workflow state (so the case still opens), tasks' saved
forms and the applicant as actor, event summaries beyond structural keys (comments,
information requests, reasons, decision inputs, masked e-mail recipients go), message
waits (their key may be a national id), connector jobs' parameters and errors, e-mail and
letter recipients/subjects/bodies, and attachments (rows and files). An `anonymised` event
marks the case so it is done once. The engine's rows change only through
`engine.api.anonymise`; the outbox and the attachments are ours.

Delete removes our rows of every table with an `instance_id`, then the instance and the
engine's rows (`engine.api.purge`), and the attachment files. Payment orders are
accounting records the finance system must keep (bokføringsloven), so a case with payment
orders is anonymised instead of deleted and its payment orders stay as they are; the
report counts these under `kept_for_accounting`.

This is a plain service: `batches` works tenant by tenant and service by service in
batches of BATCH_SIZE cases, flushing each and yielding it; the caller commits each batch
(one transaction each) and then removes its files (`designer.worker.daily.run_retention`
does that for `flask retention run` and the daily worker job). Nothing here commits.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from designer.models import Attachment, Invoice, PaymentOrder, Subscription
from engine.models import Instance, ProcessModel, Tenant

from .cases import anonymise, delete_cases, remove_files
from .policy import ANONYMISED, DEFAULT_RETENTION_DAYS, Policy, eligible, policy_of
from .report import Report, ServiceReport

__all__ = [
    "ANONYMISED",
    "BATCH_SIZE",
    "DEFAULT_RETENTION_DAYS",
    "Batch",
    "Policy",
    "Report",
    "ServiceReport",
    "anonymise",
    "batches",
    "delete_cases",
    "eligible",
    "policy_of",
    "remove_files",
]

BATCH_SIZE = 100


@dataclass
class Batch:
    """One flushed batch of one service: its report entry and the files to remove after commit."""

    entry: ServiceReport
    files: list[str] = field(default_factory=list)


def batches(
    session: Session,
    report: Report,
    *,
    upload_folder: str,
    tenant_id: int | None = None,
    batch_size: int = BATCH_SIZE,
) -> Iterator[Batch]:
    """Apply every service's rule (of one tenant, or all) batch by batch, filling `report`.

    `upload_folder` is where attachment files live (designer.services.uploads.folder()).

    Each batch is flushed, then yielded: the caller commits it (a dry run writes nothing;
    the caller ends its read) before asking for the next one.
    """
    query = select(ProcessModel, Tenant.slug).join(Tenant, Tenant.id == ProcessModel.tenant_id)
    if tenant_id is not None:
        query = query.where(ProcessModel.tenant_id == tenant_id)
    services = session.execute(query.order_by(Tenant.slug, ProcessModel.key)).all()
    for model, slug in services:
        policy = policy_of(model)
        if policy.days is None:
            continue
        entry = ServiceReport(slug, model.key, policy.action, policy.days)
        cases = eligible(model, report.now - timedelta(days=policy.days))
        last_id = 0
        while True:
            ids = list(session.scalars(cases.where(Instance.id > last_id).limit(batch_size)))
            if not ids:
                break
            last_id = ids[-1]
            if entry not in report.services:
                report.services.append(entry)
            yield Batch(entry, _batch(session, ids, policy, entry, report.dry_run, upload_folder))


def _batch(
    session: Session,
    ids: list[int],
    policy: Policy,
    entry: ServiceReport,
    dry_run: bool,
    upload_folder: str,
) -> list[str]:
    """One batch in the open transaction; return the attachment files to remove after commit."""
    instances = list(session.scalars(select(Instance).where(Instance.id.in_(ids))))
    paid = set(
        session.scalars(select(PaymentOrder.instance_id).where(PaymentOrder.instance_id.in_(ids)))
    )
    paid |= set(  # a subscription's invoices are accounting records too
        session.scalars(
            select(Subscription.instance_id)
            .join(Invoice, Invoice.subscription_id == Subscription.id)
            .where(Subscription.instance_id.in_(ids))
        )
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
    files = [os.path.join(upload_folder, a.storage_name) for a in attachments]
    for attachment in attachments:
        session.delete(attachment)
    session.flush()
    for instance in to_anonymise:
        anonymise(session, instance, policy.days)
    if to_delete:
        delete_cases(session, [i.id for i in to_delete])
    session.flush()
    return files
