"""Citizen login with OpenID Connect (ID-porten): authorization code flow with PKCE, via Authlib.

Configured by FLYTVERK_OIDC_ISSUER (the issuer or its discovery URL), FLYTVERK_OIDC_CLIENT_ID,
FLYTVERK_OIDC_CLIENT_SECRET and FLYTVERK_OIDC_SCOPES. Without them, and with the development
provider enabled (designer/devidp.py), the app logs citizens in through its own /dev-idp/.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from authlib.integrations.flask_client import OAuth, OAuthError
from authlib.integrations.flask_client.apps import FlaskOAuth2App
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    request,
    session,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from joserfc.errors import JoseError
from requests import RequestException
from sqlalchemy import select

from designer.extensions import db
from designer.identity import devidp, sessions
from designer.identity.pages import error_page
from designer.identity.tenancy import current_tenant_id
from designer.models import User
from designer.web.i18n import locale, same_site
from forms.validators import is_valid_fodselsnummer

bp = Blueprint("oidc", __name__, url_prefix="/login/oidc")
log = logging.getLogger(__name__)

WELL_KNOWN = "/.well-known/openid-configuration"
DEFAULT_SCOPES = "openid profile"
# ID-porten gives no name; the citizen's name is filled in later from the population register.
UNNAMED = "Innbygger"
_NEXT = "oidc_next"


@dataclass(frozen=True)
class Provider:
    """Where and as whom the app logs citizens in."""

    metadata_url: str
    client_id: str
    client_secret: str
    scopes: str


def provider() -> Provider | None:
    """The configured provider, the built-in dev provider, or None (citizen login is off)."""
    config = current_app.config
    scopes = str(config.get("OIDC_SCOPES") or DEFAULT_SCOPES)
    issuer = str(config.get("OIDC_ISSUER") or "").rstrip("/")
    if issuer and config.get("OIDC_CLIENT_ID"):
        return Provider(
            metadata_url=issuer if issuer.endswith(WELL_KNOWN) else issuer + WELL_KNOWN,
            client_id=str(config["OIDC_CLIENT_ID"]),
            client_secret=str(config.get("OIDC_CLIENT_SECRET") or ""),
            scopes=scopes,
        )
    if not issuer and devidp.enabled():
        return Provider(
            metadata_url=devidp.issuer() + WELL_KNOWN,
            client_id=devidp.CLIENT_ID,
            client_secret=devidp.client_secret(),
            scopes=scopes,
        )
    return None


def _required_provider() -> Provider:
    found = provider()
    if found is None:
        abort(
            error_page(
                404,
                _("Citizen login is not set up"),
                _("Login with ID-porten is not configured for this site."),
            )
        )
    return found


def _client(found: Provider) -> FlaskOAuth2App:
    """The Authlib client for `found` (cached per app, metadata URL and client)."""
    oauth: OAuth = current_app.extensions["authlib.integrations.flask_client"]
    wanted = f"{found.metadata_url} {found.client_id}".encode()
    name = "oidc_" + hashlib.sha256(wanted).hexdigest()[:12]
    client = oauth.create_client(name)
    if client is None:
        client = oauth.register(
            name,
            client_id=found.client_id,
            client_secret=found.client_secret,
            server_metadata_url=found.metadata_url,
            client_kwargs={
                "scope": found.scopes,
                "code_challenge_method": "S256",
                "default_timeout": 10,
            },
        )
    return client  # type: ignore[no-any-return]


def _provider_unreachable() -> Response:
    return error_page(
        502,
        _("The login service is not answering"),
        _("We could not reach the login service. Please try again in a little while."),
    )


@bp.get("")
def login() -> ResponseReturnValue:
    """Send the citizen to the identity provider."""
    client = _client(_required_provider())
    session[_NEXT] = same_site(request.args.get("next")) or ""
    try:
        return client.authorize_redirect(
            url_for(".callback", _external=True),
            nonce=secrets.token_urlsafe(24),
            ui_locales=locale(),
        )
    except (RequestException, OAuthError, ValueError, KeyError) as err:
        log.warning("OIDC discovery failed: %s", type(err).__name__)
        return _provider_unreachable()


def _verified_claims(client: FlaskOAuth2App) -> dict[str, Any]:
    """Redeem the code and return the ID token's checked claims, or abort with a 4xx/502."""
    refused = _("The login could not be completed")
    if request.args.get("error"):
        abort(error_page(400, refused, _("The login was cancelled or refused.")))
    try:
        metadata = client.load_server_metadata()
        token = client.authorize_access_token(
            claims_options={
                "iss": {"essential": True, "value": metadata.get("issuer")},
                "aud": {"essential": True, "value": client.client_id},
            }
        )
    except (OAuthError, JoseError) as err:
        # state, code, signature, iss/aud/exp/nonce: all end here, without personal data.
        log.info("OIDC callback refused: %s", type(err).__name__)
        abort(error_page(400, refused, _("Start the login again from the login page.")))
    except (RequestException, ValueError) as err:
        log.warning("OIDC token request failed: %s", type(err).__name__)
        abort(_provider_unreachable())
    claims = token.get("userinfo")
    if not claims or not metadata.get("issuer"):
        abort(error_page(400, refused, _("The login service sent no ID token.")))
    return dict(claims)


def _citizen(pid: str, claims: dict[str, Any]) -> User:
    """The tenant's citizen with national id `pid`, created on first login; staff refused."""
    tenant_id = current_tenant_id()
    found = list(
        db.session.scalars(
            select(User)
            .where(User.tenant_id == tenant_id, User.national_id == pid)
            .order_by(User.id)
        )
    )
    if any(u.role_set != {"citizen"} for u in found):
        abort(
            error_page(
                403,
                _("Staff cannot log in here"),
                _("ID-porten login is for citizens. Staff log in with username and password."),
            )
        )
    named = str(claims.get("name") or "").strip()[:200]
    if found:
        user = found[0]
        if named and user.name != named:
            user.name = named
    else:
        user = User(
            tenant_id=tenant_id,
            username="innbygger-" + secrets.token_hex(8),
            name=named or UNNAMED,
            roles="citizen",
            national_id=pid,
        )
        db.session.add(user)
    db.session.flush()
    return user


@bp.get("/callback")
def callback() -> ResponseReturnValue:
    """Check the provider's answer, find or create the citizen and log them in."""
    claims = _verified_claims(_client(_required_provider()))
    pid = str(claims.get("pid") or "")
    if not is_valid_fodselsnummer(pid):
        abort(
            error_page(
                400,
                _("The login could not be completed"),
                _("The login service sent no valid national identity number."),
            )
        )
    user = _citizen(pid, claims)
    if not user.active:
        abort(403)
    target = session.pop(_NEXT, "") or ""
    sessions.login(db.session(), user)  # a server-side session: logout ends every copy
    db.session.commit()
    log.info("citizen user:%s logged in with OIDC (acr %s)", user.id, claims.get("acr"))
    flash(_("You are logged in as %(name)s.", name=user.name), "success")
    return redirect(same_site(target) or url_for("portal.my_cases"))


def available() -> bool:
    """True when citizens can log in with OpenID Connect (templates: `oidc_available()`)."""
    return provider() is not None


@bp.record_once
def _setup(setup: BlueprintSetupState) -> None:
    OAuth(setup.app)
    setup.app.add_template_global(available, "oidc_available")
