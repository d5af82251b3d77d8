"""The daily jobs (retention, the caseworkers' digest), run once per installation.

Without a broker each worker tick asks `run_daily`: a job runs only in the process that
wins its `worker_lease` row (see designer.worker.leases). With a broker, Celery beat sends
`flytverk.daily` once a day, which takes the same leases. A job that fails keeps its lease
until it runs out (HOLD), so it is tried again then, not on every tick.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from designer.extensions import db, db_session
from designer.notify import send_daily_digest
from designer.services import retention, uploads
from designer.worker.leases import claim, finish, holder_name
from engine.models import Tenant, utcnow

log = logging.getLogger(__name__)

DAY = timedelta(days=1)
HOLD = timedelta(hours=1)  # longer than any daily job takes
RETENTION = "retention"
DIGEST = "digest"


def run_retention(
    session: Session,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    tenant_id: int | None = None,
    batch_size: int = retention.BATCH_SIZE,
) -> retention.Report:
    """Apply the retention rules, one transaction per batch; remove files after each commit.

    Needs an app context (the upload folder is the app's).
    """
    report = retention.Report(dry_run=dry_run, now=now or utcnow())
    found = retention.batches(
        session, report, upload_folder=uploads.folder(), tenant_id=tenant_id, batch_size=batch_size
    )
    for batch in found:
        if dry_run:
            session.rollback()
            continue
        session.commit()
        batch.entry.files_removed += retention.remove_files(batch.files)
    session.rollback()  # end the last read
    return report


def run_digest(
    session: Session,
    now: datetime,
    tenant_slug: str | None = None,
    *,
    since: timedelta = DAY,
) -> dict[str, int]:
    """Send the digest of tasks new since `now - since` for every tenant (or one); commit.

    Returns the e-mails recorded per tenant slug (empty: no such tenant).
    """
    query = select(Tenant.id, Tenant.slug).order_by(Tenant.id)
    if tenant_slug:
        query = query.where(Tenant.slug == tenant_slug)
    sent = {}
    for tenant_id, slug in session.execute(query).all():
        sent[slug] = send_daily_digest(tenant_id, now - since, session=session)
    session.commit()
    return sent


def jobs_of(app: Flask) -> list[str]:
    """The daily jobs this installation's settings switch on."""
    found = []
    if app.config.get("RETENTION_DAILY", True):
        found.append(RETENTION)
    if app.config.get("DIGEST_DAILY", False):
        found.append(DIGEST)
    return found


def run_daily(app: Flask, now: datetime | None = None, *, every: timedelta = DAY) -> list[str]:
    """Run each daily job whose lease this process wins; return the names of those it ran."""
    now = now or utcnow()
    ran = []
    with app.app_context():
        try:
            for name in jobs_of(app):
                if _run_leased(app, name, now, every):
                    ran.append(name)
        finally:
            db.session.remove()
    return ran


def _run_leased(app: Flask, name: str, now: datetime, every: timedelta) -> bool:
    holder = holder_name()
    if not claim(db_session, name, holder, now, every=every, hold=HOLD):
        return False
    try:
        if name == RETENTION:
            report = run_retention(db_session, now=now)
            for line in report.lines() if (report.anonymised or report.deleted) else []:
                app.logger.info("retention: %s", line)
        else:
            for slug, count in run_digest(db_session, now).items():
                app.logger.info("digest: %s: %s e-mail(s)", slug, count)
    except Exception:  # noqa: BLE001 - the lease runs out and the job is tried again then
        db_session.rollback()
        app.logger.exception("daily job %s failed", name)
        return False
    finish(db_session, name, holder, now)
    return True
