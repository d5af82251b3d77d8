"""Command-line tasks: `flask seed` loads the shipped services and demo users."""

from __future__ import annotations

import click
from flask import Flask, current_app
from sqlalchemy import select

from designer.extensions import db
from designer.identity.tenancy import ensure_tenant
from designer.models import User
from designer.services.catalog import install, read_folder, shipped_folders

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
        groups="Saksbehandler",
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
)


def seed_services() -> list[str]:
    """Load every shipped service into the default tenant; return their keys."""
    tenant = ensure_tenant(
        db.session, current_app.config["DEFAULT_TENANT"], current_app.config["DEFAULT_TENANT_NAME"]
    )
    keys = []
    for folder in shipped_folders():
        version = install(db.session, tenant, read_folder(folder))
        keys.append(f"{version.model.key} v{version.number}")
    db.session.commit()
    return keys


def seed_demo_users() -> list[str]:
    """Create the demo users (password 'demo') if they do not exist."""
    tenant = ensure_tenant(
        db.session, current_app.config["DEFAULT_TENANT"], current_app.config["DEFAULT_TENANT_NAME"]
    )
    created = []
    for spec in DEMO_USERS:
        if db.session.scalar(select(User).where(User.username == spec["username"])):
            continue
        user = User(tenant_id=tenant.id, **spec)
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        created.append(spec["username"])
    db.session.commit()
    return created


def init_app(app: Flask) -> None:
    """Register the CLI commands."""

    @app.cli.command("token")
    @click.argument("name")
    @click.option("--scope", "scopes", multiple=True, default=["messages"], help="e.g. messages")
    @click.option("--revoke", is_flag=True, help="Revoke the tokens with this name instead.")
    def token(name: str, scopes: tuple[str, ...], revoke: bool) -> None:
        """Create an API token for an integration (printed once), or revoke it."""
        from designer.models import ApiToken, utcnow
        from designer.web.api.views import hash_token, new_token

        tenant = ensure_tenant(
            db.session,
            current_app.config["DEFAULT_TENANT"],
            current_app.config["DEFAULT_TENANT_NAME"],
        )
        if revoke:
            for row in db.session.scalars(select(ApiToken).where(ApiToken.name == name)):
                row.revoked_at = utcnow()
            db.session.commit()
            click.echo(f"revoked tokens named {name}")
            return
        secret = new_token()
        db.session.add(
            ApiToken(
                tenant_id=tenant.id,
                name=name,
                token_hash=hash_token(secret),
                scopes=",".join(scopes),
            )
        )
        db.session.commit()
        click.echo(secret)

    @app.cli.command("seed")
    @click.option("--demo-users/--no-demo-users", default=False, help="Also create demo users.")
    def seed(demo_users: bool) -> None:
        """Load shipped services (and demo users) into the database."""
        for key in seed_services():
            click.echo(f"service {key}")
        if demo_users:
            for name in seed_demo_users():
                click.echo(f"demo user {name} (password '{DEMO_PASSWORD}')")
