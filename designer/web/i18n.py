"""Language choice: the header switch (remembered on the profile), the profile, the browser's
preference, then the municipality's målform."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
    g,
    has_request_context,
    redirect,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import format_date, format_datetime, get_locale
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

import forms
from designer import languages
from designer.extensions import babel, db_session
from designer.identity.tenancy import current_tenant_id
from designer.services import localised, service_texts
from designer.web import editor_texts
from engine.models import HumanTask, Instance, ProcessVersion, Tenant

bp = Blueprint("i18n", __name__)
# What browsers send for Norwegian: "no" (and "nb-NO", "nn-NO"); "no" means the målform.
_BROWSER = ["nb", "nn", "no", "en"]


def _offered(code: str | None) -> str | None:
    return code if code in current_app.config["LANGUAGES"] else None


def _tenant_language() -> str:
    """The målform of the request's municipality (read once per request)."""
    if "malform" not in g:
        default = str(current_app.config["BABEL_DEFAULT_LOCALE"])
        try:
            tenant = db_session.get(Tenant, current_tenant_id())
        except SQLAlchemyError:  # an error page must still render when the database cannot
            db_session.rollback()
            return default
        g.malform = _offered(languages.of_tenant(tenant)) or default
    return str(g.malform)


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

    # Numbers and amounts as every other place writes them (forms/formats.py, by Babel).
    @app.template_filter("number")
    def _number(value: object) -> str:
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            return forms.format_number(value, locale())
        return "–" if value is None else str(value)

    @app.template_filter("amount")
    def _amount(value: object) -> str:
        return "–" if value is None else forms.format_amount(value, locale())

    @app.template_filter("datetimeformat")
    def _datetimeformat(value: object) -> str:
        return str(format_datetime(value, "medium")) if value else "–"

    def card_text(model: object, name: str) -> str:
        """The catalogue card's name or description in the page's language."""
        return languages.card_text(model, name, locale(), _tenant_language())  # type: ignore[arg-type]

    def texts_of(instance: Instance) -> service_texts.Texts:
        return _version_texts(instance.version_id)

    def _version_texts(version_id: int) -> service_texts.Texts:
        cache = g.setdefault("service_texts", {})
        key = (version_id, locale())
        if key not in cache:
            version = db_session.get(ProcessVersion, version_id)
            assert version is not None
            cache[key] = localised.version_texts(db_session, version, locale())
        return cache[key]  # type: ignore[no-any-return]

    def task_names(tasks: list[HumanTask]) -> dict[int, str]:
        """A list's tasks' names in the page's language, by task id (one query for the
        versions of their cases; the texts are read once per version)."""
        ids = {t.instance_id for t in tasks}
        rows = db_session.execute(
            select(Instance.id, Instance.version_id).where(Instance.id.in_(ids))
        ).all()
        versions = {row.id: row.version_id for row in rows}
        return {
            t.id: _version_texts(versions[t.instance_id])(f"task/{t.element_id}/name", t.name)
            if t.instance_id in versions
            else t.name
            for t in tasks
        }

    def task_text(task: HumanTask, name: str) -> str:
        """A task's name or instructions in the page's language."""
        base = task.name if name == "name" else task.instructions
        return texts_of(task.instance)(f"task/{task.element_id}/{name}", base or "")

    def decision_text(instance: Instance, name: str) -> str:
        """The decision's reason, legal basis or appeal text in the page's language."""
        texts = texts_of(instance)
        if name == "reason":
            return service_texts.reason_text(instance.result or {}, texts)
        settings = instance.process_version.model.settings or {}
        return service_texts.setting_text(settings, name, texts)

    def decision_lang(instance: Instance, name: str) -> str:
        """The language of a decision text as shown (it may be a fallback's)."""
        texts = texts_of(instance)
        if name == "reason":
            rule = (instance.result or {}).get("rule")
            if not (isinstance(rule, str) and texts.has(f"reason/{rule}")):
                return texts.base if rule else _tenant_language()  # a person's own words
            return texts.language_of(f"reason/{rule}")
        return texts.language_of(f"service/{name}")

    app.jinja_env.globals.update(
        decision_lang=decision_lang,
        diagram_i18n=lambda: json.dumps(editor_texts.diagram(), ensure_ascii=False),
        task_text=task_text,
        task_names=task_names,
        decision_text=decision_text,
        card_text=card_text,
        card_languages=languages.card_languages,
        language_label=languages.label,
    )

    @app.context_processor
    def _languages() -> dict[str, object]:
        return {
            "current_locale": locale(),
            "languages": [
                (code, languages.NAMES[code]) for code in current_app.config["LANGUAGES"]
            ],
        }
