"""Language choice: the header switch, then the browser's preference, then bokmål."""

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

from designer.extensions import babel

bp = Blueprint("i18n", __name__)
_ALIASES = {"no": "nb", "nn": "nb", "nb": "nb", "en": "en"}


def select_locale() -> str:
    """The UI language for this request (the default outside a request: workers, commands)."""
    if not has_request_context():
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    chosen = session.get("lang")
    if chosen in current_app.config["LANGUAGES"]:
        return str(chosen)
    best = request.accept_languages.best_match(list(_ALIASES))
    return _ALIASES.get(best or "", current_app.config["BABEL_DEFAULT_LOCALE"])


def locale() -> str:
    """The current UI language code ('nb' or 'en')."""
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
            "languages": [("nb", "Norsk (bokmål)"), ("en", "English")],
        }
