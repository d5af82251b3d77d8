"""E-mail notifications: SMTP when MAIL_SERVER is set, an outbox table and page always.

Call the `notify_*` functions after an engine runtime call has returned; they commit
`db.session` (see `designer.notify.mail`) and never raise.
"""

from __future__ import annotations

from datetime import timedelta

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from designer.extensions import db
from designer.notify.mail import DEFAULTS, mask, render, send
from designer.notify.messages import (
    notify_answer_needed,
    notify_assignment,
    notify_decision,
    notify_more_information,
    send_daily_digest,
)
from engine.models import Tenant, utcnow

__all__ = [
    "init_app",
    "mask",
    "notify_answer_needed",
    "notify_assignment",
    "notify_decision",
    "notify_more_information",
    "render",
    "send",
    "send_daily_digest",
]

cli = AppGroup("notify", help="E-mail notifications.")


@cli.command("digest")
@click.option(
    "--since-hours",
    default=24,
    show_default=True,
    type=click.IntRange(min=1),
    help="Tasks created this many hours back or less.",
)
@click.option("--tenant", "tenant_slug", default=None, help="Only this municipality (slug).")
def digest(since_hours: int, tenant_slug: str | None) -> None:
    """Mail caseworkers the open tasks new in their groups (run daily, e.g. from cron)."""
    since = utcnow() - timedelta(hours=since_hours)
    query = select(Tenant).order_by(Tenant.id)
    if tenant_slug:
        query = query.where(Tenant.slug == tenant_slug)
    tenants = [(t.id, t.slug) for t in db.session.scalars(query)]
    if not tenants:
        raise click.ClickException(f"No municipality '{tenant_slug}'.")
    for tenant_id, slug in tenants:
        click.echo(f"{slug}: {send_daily_digest(tenant_id, since)} digest e-mail(s)")


def init_app(app: Flask) -> None:
    """Fill in the MAIL_* defaults, register the outbox pages and `flask notify digest`."""
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.cli.add_command(cli)

