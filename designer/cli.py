"""Every `flask` command: seed, token, worker, retention run, notify digest, i18n sync,
package export/import.

Commands own their transaction like views do: the services they call flush, the command
commits (the retention run and the worker commit per batch / per tick).
"""

from __future__ import annotations

import os
import time
from datetime import timedelta

import click
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from designer.extensions import db_session
from designer.identity.tenancy import ensure_tenant
from designer.models import User
from designer.services import publishing
from designer.services.appeal_standing import PLATFORM_DIR
from designer.services.catalog import install, read_folder, shipped_folders
from designer.services.packages import (
    Limits,
    PackageRefused,
    from_zip,
    install_draft,
    of_version,
    to_zip,
)
from designer.worker import outbox
from designer.worker.daily import run_digest, run_retention
from designer.worker.tick import work_once
from engine.errors import ModelInvalid, NotFound
from engine.models import ProcessModel, Tenant, utcnow

DEMO_PASSWORD = "demo"
DEMO_USERS = (
    dict(
        username="kari",
        name="Kari Nordmann",
        roles="citizen",
        national_id="15818012001",
        address="Storgata 1",
        postal_code="3674",
        city="Notodden",
        email="kari@example.no",
    ),
    dict(
        username="saksbehandler",
        name="Sara Saksbehandler",
        roles="caseworker",
        groups="Saksbehandler,Tildelingskontoret",
        email="sara@example.no",
    ),
    dict(
        username="leder",
        name="Lise Leder",
        roles="caseworker,team_lead",
        groups="Saksbehandler,Teamleder",
        email="lise@example.no",
    ),
    dict(
        username="ola",
        name="Ola Olsen",
        roles="caseworker",
        groups="Saksbehandler",
        email="ola@example.no",
    ),
    dict(username="eier", name="Per Prosesseier", roles="process_owner", email="per@example.no"),
    dict(username="admin", name="Anne Admin", roles="admin", email="anne@example.no"),
    # Staff who only work the meal service's lists: the kitchen (and its menu), the drivers.
    dict(username="kokk", name="Kåre Kokk", roles="staff", groups="Kjøkkenet"),
    dict(username="sjafor", name="Siri Sjåfør", roles="staff", groups="Sjåfører"),
)


def seed_services() -> list[str]:
    """Load every shipped service, and the platform's appeal process, into the default
    tenant; return their keys."""
    tenant = ensure_tenant(
        db_session, current_app.config["DEFAULT_TENANT"], current_app.config["DEFAULT_TENANT_NAME"]
    )
    keys = []
    for folder in [*shipped_folders(), PLATFORM_DIR]:  # the appeal process has no start form
        version = install(db_session, tenant, read_folder(folder))
        keys.append(f"{version.model.key} v{version.number}")
    db_session.commit()
    return keys


def seed_demo_users() -> list[str]:
    """Create the demo users (password 'demo') if they do not exist."""
    tenant = ensure_tenant(
        db_session, current_app.config["DEFAULT_TENANT"], current_app.config["DEFAULT_TENANT_NAME"]
    )
    created = []
    for spec in DEMO_USERS:
        if db_session.scalar(select(User).where(User.username == spec["username"])):
            continue
        user = User(tenant_id=tenant.id, **spec)
        user.set_password(DEMO_PASSWORD)
        db_session.add(user)
        created.append(spec["username"])
    db_session.commit()
    return created


def init_app(app: Flask) -> None:
    """Register the CLI commands."""
    app.cli.add_command(token)
    app.cli.add_command(seed)
    app.cli.add_command(worker)
    app.cli.add_command(retention)
    app.cli.add_command(notify)
    app.cli.add_command(i18n)
    app.cli.add_command(package)


@click.command("token")
@click.argument("name")
@click.option("--scope", "scopes", multiple=True, default=["messages"], help="e.g. messages")
@click.option("--revoke", is_flag=True, help="Revoke the tokens with this name instead.")
@with_appcontext
def token(name: str, scopes: tuple[str, ...], revoke: bool) -> None:
    """Create an API token for an integration (printed once), or revoke it."""
    from designer.models import ApiToken
    from designer.web.api.views import hash_token, new_token

    tenant = ensure_tenant(
        db_session,
        current_app.config["DEFAULT_TENANT"],
        current_app.config["DEFAULT_TENANT_NAME"],
    )
    if revoke:
        for row in db_session.scalars(select(ApiToken).where(ApiToken.name == name)):
            row.revoked_at = utcnow()
        db_session.commit()
        click.echo(f"revoked tokens named {name}")
        return
    secret = new_token()
    db_session.add(
        ApiToken(
            tenant_id=tenant.id,
            name=name,
            token_hash=hash_token(secret),
            scopes=",".join(scopes),
        )
    )
    db_session.commit()
    click.echo(secret)


@click.command("seed")
@click.option("--demo-users/--no-demo-users", default=False, help="Also create demo users.")
@with_appcontext
def seed(demo_users: bool) -> None:
    """Load shipped services (and demo users) into the database."""
    for key in seed_services():
        click.echo(f"service {key}")
    if demo_users:
        for name in seed_demo_users():
            click.echo(f"demo user {name} (password '{DEMO_PASSWORD}')")
        made = seed_demo_subscriptions()
        if made:
            click.echo(f"demo subscriptions: {made} granted meal cases")


def seed_demo_subscriptions() -> int:
    """A few granted meal cases (the connector run by the worker), and the menu."""
    from designer.services.subscriptions import demo

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    kari = db_session.scalar(select(User).where(User.username == "kari"))
    sara = db_session.scalar(select(User).where(User.username == "saksbehandler"))
    if kari is None or sara is None:
        return 0
    made = demo.seed(db_session, kari.tenant_id, kari, sara)
    db_session.commit()
    for _attempt in range(3 * max(made, 1)):  # the subscriptions' connector jobs
        if not work_once(app):
            break
    return made


@click.command("worker")
@click.option("--once", is_flag=True, help="Do what is due now and stop.")
@with_appcontext
def worker(once: bool) -> None:
    """Fire due timers, run connectors, send notices and daily jobs apart from the web server."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    while True:
        done = work_once(app)
        if done:
            click.echo(f"did {done} piece(s) of background work")
        if once:
            return
        time.sleep(float(app.config["SCHEDULER_INTERVAL"]))


@click.group("retention")
def retention() -> None:
    """Anonymise or delete closed cases after their service's retention period."""


@retention.command("run")
@click.option("--dry-run", is_flag=True, help="Report what would go; change nothing.")
@click.option("--tenant", "slug", default=None, help="Only this tenant (its slug).")
@with_appcontext
def retention_run(dry_run: bool, slug: str | None) -> None:
    """Apply every service's retention rule now and print what was removed."""
    tenant_id = None
    if slug is not None:
        tenant_id = db_session.scalar(select(Tenant.id).where(Tenant.slug == slug))
        if tenant_id is None:
            raise click.BadParameter(f"no tenant '{slug}'", param_hint="--tenant")
    report = run_retention(db_session, dry_run=dry_run, tenant_id=tenant_id)
    for line in report.lines():
        click.echo(line)


@click.group("notify")
def notify() -> None:
    """E-mail notifications."""


@notify.command("digest")
@click.option(
    "--since-hours",
    default=24,
    show_default=True,
    type=click.IntRange(min=1),
    help="Tasks created this many hours back or less.",
)
@click.option("--tenant", "tenant_slug", default=None, help="Only this municipality (slug).")
@with_appcontext
def digest(since_hours: int, tenant_slug: str | None) -> None:
    """Mail caseworkers the open tasks new in their groups (run daily, e.g. from cron)."""
    sent = run_digest(db_session, utcnow(), tenant_slug, since=timedelta(hours=since_hours))
    if not sent:
        raise click.ClickException(f"No municipality '{tenant_slug}'.")
    for slug, count in sent.items():
        click.echo(f"{slug}: {count} digest e-mail(s)")


@notify.command("send")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(min=1))
@with_appcontext
def send(limit: int) -> None:
    """Send what waits in the outbox now (the worker does this every tick)."""
    click.echo(f"{outbox.deliver_pending(db_session, current_app.config, limit=limit)} sent")


TRANSLATIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "translations")
# Where the texts are, by folder of the repository: one catalogue per language for all.
SOURCES = {
    "designer": [
        ("**.py", "python"),
        ("templates/**.html", "jinja2"),
        ("templates/**.txt", "jinja2"),
    ],
    "forms": [("**.py", "python")],
    # The editors' JavaScript texts (designer/web/editor_texts.py).
    "static": [("src/texts/*.json", "designer.web.editor_texts:extract")],
}
# Param(name, bokmål, English): the English label (designer/integrations) is the text.
KEYWORDS = {
    "_": None,
    "_l": None,
    "N_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "Param": (3,),
}


def extract_texts() -> Catalog:
    """Every translatable text of the sources, as a catalogue template."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    template = Catalog()
    for folder, method_map in SOURCES.items():
        for filename, lineno, message, comments, context in extract_from_dir(
            os.path.join(root, folder), method_map, keywords=KEYWORDS
        ):
            location = (f"{folder}/{filename}", lineno)
            template.add(message, None, [location], auto_comments=comments, context=context)
    return template


@click.group("i18n")
def i18n() -> None:
    """The translation catalogues (designer/translations/<language>/LC_MESSAGES/messages.po)."""


@i18n.command("sync")
def i18n_sync() -> None:
    """Extract every text, update each language's catalogue (English: the text itself)."""
    template = extract_texts()
    for language in current_app.config["LANGUAGES"]:
        path = os.path.join(TRANSLATIONS, language, "LC_MESSAGES", "messages.po")
        with open(path, "rb") as handle:
            catalog = read_po(handle, locale=language)
        catalog.update(template, no_fuzzy_matching=True)
        for message in catalog:
            if language == "en" and message.id and not message.string:
                message.string = message.id  # the source texts are English
        with open(path, "wb") as handle:
            write_po(handle, catalog, width=100, omit_header=False, ignore_obsolete=True)
        missing = [m.id for m in catalog if m.id and not m.string]
        click.echo(f"{language}: {len(catalog)} texts, {len(missing)} untranslated")


@click.group("package")
def package() -> None:
    """Service packages: a published version as a .zip, imported elsewhere as a new draft."""


def _package_tenant(slug: str) -> Tenant:
    tenant = db_session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise click.ClickException(f"No municipality '{slug}'.")
    return tenant


@package.command("export")
@click.argument("slug")
@click.argument("key")
@click.option("--version", "number", type=click.IntRange(min=1), help="Default: the live one.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True)
@with_appcontext
def package_export(slug: str, key: str, number: int | None, output: str) -> None:
    """Write a published version of a municipality's service as a package (.zip)."""
    tenant = _package_tenant(slug)
    model = db_session.scalar(
        select(ProcessModel).where(ProcessModel.tenant_id == tenant.id, ProcessModel.key == key)
    )
    if model is None:
        raise click.ClickException(f"No service '{key}' in '{slug}'.")
    versions = publishing.versions(db_session, model)  # the newest first
    live = [v.number for v in versions if v.id == model.published_version_id]
    wanted = number or next(iter([*live, *(v.number for v in versions)]), None)
    if wanted is None:
        raise click.ClickException(f"'{key}' has no published version.")
    try:
        version = publishing.version(db_session, model, wanted)
    except NotFound:
        raise click.ClickException(f"'{key}' has no version {wanted}.") from None
    found = of_version(db_session, version)
    data = to_zip(found)
    with open(output, "wb") as handle:
        handle.write(data)
    click.echo(f"{output}: {key} v{version.number}, {len(found.files)} files, {len(data)} bytes")


@package.command("import")
@click.argument("slug")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def package_import(slug: str, path: str) -> None:
    """Import a package (.zip) as a new draft service of a municipality (never overwrites)."""
    tenant = _package_tenant(slug)
    limits = Limits.of(current_app.config)
    with open(path, "rb") as handle:
        data = handle.read(limits.packed_bytes + 1)
    try:
        model = install_draft(db_session, tenant, from_zip(data, limits), "system")
    except PackageRefused as err:
        raise click.ClickException(str(err.message)) from None
    except ModelInvalid as err:
        raise click.ClickException("; ".join(p.message for p in err.problems)) from None
    db_session.commit()
    click.echo(
        f"draft '{model.key}' (id {model.id}): check the groups and parameters, then publish"
    )
