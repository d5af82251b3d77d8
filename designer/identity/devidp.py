"""A built-in OpenID provider with test citizens, for the demo and the tests (never production).

It speaks the subset of OpenID Connect that ID-porten uses: discovery, JWKS, the authorization
code flow with mandatory PKCE (S256) and an RS256-signed ID token carrying `pid` and `acr`.
Codes live in process memory, so it serves one process (the threaded dev server is fine).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from authlib.common.urls import add_params_to_uri
from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from joserfc import jwt
from joserfc.jwk import RSAKey
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from designer.extensions import csrf
from designer.identity.pages import error_page

bp = Blueprint("devidp", __name__, url_prefix="/dev-idp")

CLIENT_ID = "flytverk-dev"
CODE_SECONDS = 60
ID_TOKEN_SECONDS = 120
ACR = "idporten-loa-substantial"
# Synthetic test national ids (month + 80, as in Skatteetaten's Tenor test data).
TEST_CITIZENS = (
    ("15818012001", "Kari Nordmann"),
    ("02829010030", "Ola Nordmann"),
    ("30847513736", "Aisha Hansen"),
)


@dataclass
class _Grant:
    """What an authorization code stands for until it is redeemed once."""

    redirect_uri: str
    code_challenge: str
    nonce: str | None
    pid: str
    name: str
    expires_at: float


@dataclass
class _State:
    """Per-app state: the signing key and the outstanding codes."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    key: RSAKey | None = None
    grants: dict[str, _Grant] = field(default_factory=dict)


class PickForm(FlaskForm):
    """Choose which test citizen to be."""

    citizen = RadioField(
        _l("Test citizen"),
        choices=[SelectChoice(value=pid, label=f"{name} ({pid})") for pid, name in TEST_CITIZENS],
        validators=[InputRequired()],
    )


def enabled() -> bool:
    """True when the dev provider may run: DEV_IDP set, or else the demo mode."""
    flag = current_app.config.get("DEV_IDP")
    if flag is None:
        return bool(current_app.config.get("DEMO"))
    return bool(flag)


def client_secret() -> str:
    """The dev client's secret, derived from SECRET_KEY so both sides know it."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, b"flytverk-dev-idp-client", hashlib.sha256).hexdigest()


def issuer() -> str:
    """This provider's issuer identifier (its base URL)."""
    return request.url_root.rstrip("/") + (bp.url_prefix or "")


def _state() -> _State:
    return current_app.extensions["flytverk.devidp"]  # type: ignore[no-any-return]


def _signing_key() -> RSAKey:
    """The RSA key, kept in the instance folder so restarts and reloads share it."""
    state = _state()
    with state.lock:
        if state.key is None:
            path = current_app.config.get("DEV_IDP_KEY_FILE") or os.path.join(
                current_app.instance_path, "dev-idp-key.json"
            )
            if os.path.exists(path):
                with open(path, encoding="ascii") as handle:
                    state.key = RSAKey.import_key(json.load(handle))
            else:
                key = RSAKey.generate_key(
                    2048, parameters={"use": "sig", "alg": "RS256"}, private=True, auto_kid=True
                )
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w", encoding="ascii") as handle:
                    json.dump(key.as_dict(private=True), handle)
                state.key = key
        return state.key


@bp.before_request
def _only_when_enabled() -> None:
    if not enabled():
        abort(404)


@bp.get("/.well-known/openid-configuration")
def discovery() -> ResponseReturnValue:
    """The discovery document."""
    return jsonify(
        issuer=issuer(),
        authorization_endpoint=url_for(".authorize", _external=True),
        token_endpoint=url_for(".token", _external=True),
        jwks_uri=url_for(".jwks", _external=True),
        response_types_supported=["code"],
        grant_types_supported=["authorization_code"],
        subject_types_supported=["pairwise"],
        id_token_signing_alg_values_supported=["RS256"],
        code_challenge_methods_supported=["S256"],
        token_endpoint_auth_methods_supported=["client_secret_basic", "client_secret_post"],
        scopes_supported=["openid", "profile"],
        claims_supported=["iss", "aud", "exp", "iat", "nonce", "sub", "pid", "name", "acr"],
        acr_values_supported=[ACR],
    )


@bp.get("/jwks")
def jwks() -> ResponseReturnValue:
    """The public signing key."""
    return jsonify(keys=[_signing_key().as_dict(private=False)])


def _checked_authorize_request() -> dict[str, str]:
    """The authorization request's parameters, or a 400 page (never a redirect to a stranger)."""
    args = request.args
    if args.get("client_id") != CLIENT_ID:
        abort(error_page(400, _("Unknown client"), _("This client is not registered here.")))
    if args.get("redirect_uri") != url_for("oidc.callback", _external=True):
        abort(error_page(400, _("Wrong return address"), _("The redirect_uri is not allowed.")))
    challenge = args.get("code_challenge", "")
    if (
        args.get("response_type") != "code"
        or "openid" not in args.get("scope", "").split()
        or args.get("code_challenge_method") != "S256"
        or not 43 <= len(challenge) <= 128
        or not args.get("state")
    ):
        abort(
            error_page(
                400,
                _("Invalid login request"),
                _("The request needs response_type=code, scope openid, state and PKCE (S256)."),
            )
        )
    return {k: args.get(k, "") for k in ("redirect_uri", "state", "nonce", "code_challenge")}


@bp.route("/authorize", methods=["GET", "POST"])
def authorize() -> ResponseReturnValue:
    """Let the person pick a test citizen, then send them back with a one-time code."""
    params = _checked_authorize_request()
    form = PickForm()
    back = params["redirect_uri"]
    if request.method == "POST" and request.form.get("cancel"):
        # CSRFProtect has already checked this POST's token.
        return redirect(
            add_params_to_uri(back, {"error": "access_denied", "state": params["state"]})
        )
    if form.validate_on_submit():
        names = dict(TEST_CITIZENS)
        code = secrets.token_urlsafe(32)
        state = _state()
        with state.lock:
            now = time.time()
            for stale in [c for c, g in state.grants.items() if g.expires_at < now]:
                del state.grants[stale]
            state.grants[code] = _Grant(
                redirect_uri=back,
                code_challenge=params["code_challenge"],
                nonce=params["nonce"] or None,
                pid=form.citizen.data,
                name=names[form.citizen.data],
                expires_at=now + CODE_SECONDS,
            )
        query = {"code": code, "state": params["state"], "iss": issuer()}
        return redirect(add_params_to_uri(back, query))
    return render_template("devidp/authorize.html", form=form), 400 if form.errors else 200


def _oauth_error(error: str, status: int = 400) -> ResponseReturnValue:
    response = jsonify(error=error)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="dev-idp"'
    return response


def _client_credentials() -> tuple[str, str]:
    auth = request.authorization
    if auth is not None and auth.type == "basic":
        return auth.username or "", auth.password or ""
    return request.form.get("client_id", ""), request.form.get("client_secret", "")


def _pkce_matches(verifier: str, challenge: str) -> bool:
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return 43 <= len(verifier) <= 128 and hmac.compare_digest(expected, challenge)


@bp.post("/token")
@csrf.exempt
def token() -> ResponseReturnValue:
    """Redeem a code (once) for an ID token: client, redirect_uri and PKCE verifier must match."""
    client_id, secret = _client_credentials()
    if client_id != CLIENT_ID or not hmac.compare_digest(secret, client_secret()):
        return _oauth_error("invalid_client", 401)
    if request.form.get("grant_type") != "authorization_code":
        return _oauth_error("unsupported_grant_type")
    state = _state()
    with state.lock:
        # Popped before any check: a code is spent by its first use, right or wrong.
        grant = state.grants.pop(request.form.get("code", ""), None)
    if (
        grant is None
        or grant.expires_at < time.time()
        or grant.redirect_uri != request.form.get("redirect_uri")
        or not _pkce_matches(request.form.get("code_verifier", ""), grant.code_challenge)
    ):
        return _oauth_error("invalid_grant")
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer(),
        "aud": client_id,
        "sub": hmac.new(client_secret().encode(), grant.pid.encode(), "sha256").hexdigest(),
        "iat": now,
        "exp": now + ID_TOKEN_SECONDS,
        "auth_time": now,
        "pid": grant.pid,
        "name": grant.name,
        "acr": ACR,
        "amr": ["TestID"],
    }
    if grant.nonce:
        claims["nonce"] = grant.nonce
    key = _signing_key()
    id_token = jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "JWT"}, claims, key)
    response = jsonify(
        access_token=secrets.token_urlsafe(32),
        token_type="Bearer",
        expires_in=ID_TOKEN_SECONDS,
        scope="openid profile",
        id_token=id_token,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.record_once
def _setup(setup: BlueprintSetupState) -> None:
    setup.app.extensions["flytverk.devidp"] = _State()
