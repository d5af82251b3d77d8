"""Language choice: the header switch (remembered on the profile), the profile, the browser's
preference, then the municipality's målform."""

from __future__ import annotations

import json
from datetime import date
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
    has_request_context,
    redirect,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import format_date, format_datetime, get_locale
from flask_login import current_user

from designer import languages
from designer.extensions import babel, db_session
from designer.identity.tenancy import current_tenant_id
from engine.models import Tenant

bp = Blueprint("i18n", __name__)
# What browsers send for Norwegian: "no" (and "nb-NO", "nn-NO"); "no" means the målform.
_BROWSER = ["nb", "nn", "no", "en"]


def _offered(code: str | None) -> str | None:
    return code if code in current_app.config["LANGUAGES"] else None


def _tenant_language() -> str:
    tenant = db_session.get(Tenant, current_tenant_id())
    return _offered(languages.of_tenant(tenant)) or str(current_app.config["BABEL_DEFAULT_LOCALE"])


def select_locale() -> str:
    """The UI language for this request (the default outside a request: workers, commands).

    The choice made in this session, then the person's profile, then the browser's
    preference, then the municipality's målform.
    """
    if not has_request_context():
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    chosen = _offered(session.get("lang"))
    if chosen:
        return chosen
    if current_user.is_authenticated:
        mine = _offered(getattr(current_user, "language", None))
        if mine:
            return mine
    best = request.accept_languages.best_match(_BROWSER)
    return _offered(best) or _tenant_language()


def locale() -> str:
    """The current UI language code ('nb', 'nn' or 'en')."""
    return str(get_locale() or "nb")


def same_site(target: str | None) -> str | None:
    """Return `target` only if it is a path on this site (no open redirects)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.post("/lang")
def switch() -> ResponseReturnValue:
    """Remember the chosen language and go back where the user was."""
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated and current_user.language != lang:
            current_user.language = lang  # remembered for notices and letters sent later
            db_session.commit()
    back = same_site(request.form.get("next")) or url_for("portal.index")
    return redirect(back)


def init_app(app: Flask) -> None:
    """Bind Flask-Babel and the language switch."""
    babel.init_app(app, locale_selector=select_locale)
    app.register_blueprint(bp)

    @app.template_filter("isodate")
    def _isodate(value: object) -> str:
        if not value:
            return "–"
        try:
            return str(format_date(date.fromisoformat(str(value)), "long"))
        except ValueError:
            return str(value)

    @app.template_filter("pretty_json")
    def _pretty_json(value: object, indent: int | None = None) -> str:
        return json.dumps(value, ensure_ascii=False, indent=indent, sort_keys=True, default=str)

    @app.template_filter("datetimeformat")
    def _datetimeformat(value: object) -> str:
        return str(format_datetime(value, "medium")) if value else "–"

    @app.context_processor
    def _languages() -> dict[str, object]:
        return {
            "current_locale": locale(),
            "languages": [
                (code, languages.NAMES[code]) for code in current_app.config["LANGUAGES"]
            ],
        }
