"""Case list pages: the lists a person may read, each as a page, a CSV and an A4 PDF.

Leads (team_lead, process_owner, admin) read every list of their municipality's services;
staff and caseworkers the lists shown to one of their groups. Every read is audited.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Response, abort, g, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from designer import languages
from designer.extensions import db_session
from designer.identity.auth import role_required
from designer.integrations import pdf
from designer.services import workdays
from designer.services.caselists import definitions, export, store
from designer.services.caselists.evaluate import ListResult, display, run
from designer.services.caselists.sources import SOURCES
from designer.services.errors import Invalid
from designer.services.subscriptions import invoices
from designer.web import auditing as audit
from designer.web.i18n import locale
from designer.web.lists import bp
from engine.models import ProcessModel

READERS = ("staff", "caseworker", "team_lead", "process_owner", "admin")
AUDIT_ROLES = ("admin", "process_owner", "team_lead", "caseworker", "staff")
ZONE = workdays.ZONE
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def tomorrow() -> date:
    """Tomorrow in Norway (the default delivery day)."""
    return datetime.now(ZONE).date() + timedelta(days=1)


def local_time(moment: datetime) -> str:
    """A naive UTC moment as Norwegian local time: 31.12.2026 kl. 14:00."""
    local = moment.replace(tzinfo=UTC).astimezone(ZONE)
    return local.strftime("%d.%m.%Y %H:%M")


@bp.app_context_processor
def _navigation() -> dict[str, Any]:
    def may_see_lists() -> bool:
        """Whether the header shows "Lists" (cached for the request)."""
        if not current_user.is_authenticated or not definitions.may_read_lists(current_user):
            return False
        if "may_see_lists" not in g:
            g.may_see_lists = current_user.has_role("staff") or bool(
                store.readable(db_session, current_user)
            )
        return bool(g.may_see_lists)

    return {"may_see_lists": may_see_lists}


def _definition(model_id: int, key: str) -> tuple[ProcessModel, dict[str, Any]]:
    model = store.model_for(db_session, current_user.tenant_id, model_id)
    definition = definitions.find(model, key)
    if not definitions.may_see(current_user, definition):
        abort(403)
    if definitions.problems([definition]):
        abort(404)  # a broken definition is not shown (its owner sees why in the editor)
    return model, definition


def _day(definition: dict[str, Any]) -> date | None:
    """The day asked for (needs_day sources only); Invalid when it is no date."""
    if not SOURCES[definition["source"]].needs_day:
        return None
    raw = request.args.get("day", "").strip()
    if not raw:
        return tomorrow()
    try:
        if not DAY.match(raw):
            raise ValueError(raw)
        found = date.fromisoformat(raw)
        if not date(2000, 1, 3) <= found <= date(2099, 12, 28):  # dates a person may mean
            raise ValueError(raw)
        return found
    except ValueError:
        raise Invalid(
            _("The date is not valid."), fields={"day": _("Write the date as YYYY-MM-DD.")}
        ) from None


def _result(model: ProcessModel, definition: dict[str, Any]) -> ListResult:
    asked = definition.get("ask") or []
    filters = {name: request.args.get(name, "") for name in asked if name in request.args}
    return run(db_session, model, definition, _day(definition), filters, locale())


def _record(action: str, model: ProcessModel, result: ListResult, kind: str) -> None:
    audit.record(
        current_user,
        action,
        object_type="list",
        object_id=f"{model.id}/{result.key}"[:64],
        roles=AUDIT_ROLES,
        detail={
            "model_id": model.id,
            "list": result.key,
            "format": kind,
            **({"day": result.day.isoformat()} if result.day else {}),
            "rows": result.count,
        },
    )


def _status(result: ListResult) -> str:
    if result.cutoff is None:
        return ""
    when = local_time(result.cutoff)
    if result.final:
        return _("Final: changes closed at %(when)s.", when=when)
    return _("Preliminary: changes are possible until %(when)s.", when=when)


def _day_text(result: ListResult | None) -> str:
    return result.day.isoformat() if result and result.day else tomorrow().isoformat()


def _title(result: ListResult) -> str:
    return f"{result.name} {display(result.day)}".strip()


@bp.get("/")
@role_required(*READERS)
def index() -> ResponseReturnValue:
    """The lists the person may read, per service, and the menus they work on."""
    lang = locale()
    readable = store.readable(db_session, current_user)
    menus = store.menu_models(db_session, current_user)
    billing = invoices.invoicing_models(db_session, current_user)
    billed = {m.id for m in billing}
    models = {m.id: m for m, _unused in readable} | {m.id: m for m in menus}
    models |= {m.id: m for m in billing}
    shown = {m.id: lists for m, lists in readable}
    services = [
        {
            "model": model,
            "name": languages.card_text(model, "name", lang) or model.name_nb,
            "lists": [
                {
                    "key": d["key"],
                    "name": definitions.text_in(d.get("name"), lang),
                    "description": definitions.text_in(d.get("description"), lang),
                }
                for d in shown.get(model.id, [])
            ],
            "menu": model.id in {m.id for m in menus},
            "invoices": model.id in billed,
        }
        for model in models.values()
    ]
    return render_template("lists/index.html", services=services)


@bp.get("/<int:model_id>/<key>")
@role_required(*READERS)
def show(model_id: int, key: str) -> ResponseReturnValue:
    """One list as a page: a table (sections with headings), sums, filters, print and CSV."""
    model, definition = _definition(model_id, key)
    source = SOURCES[definition["source"]]
    errors: dict[str, str] = {}
    result: ListResult | None = None
    try:
        result = _result(model, definition)
    except Invalid as err:
        errors = err.fields or {"day": err.message}
    asked = definition.get("ask") or []
    query = {k: v for k, v in request.args.items() if k == "day" or k in asked}
    # The day before and after, the filters kept: the kitchen steps through its week.
    days = [
        (rel, label, day, {**query, "day": day.isoformat()})
        for rel, label, step in (("prev", _("Previous day"), -1), ("next", _("Next day"), 1))
        for day in ([result.day + timedelta(days=step)] if result and result.day else [])
    ]
    page = render_template(
        "lists/show.html",
        model=model,
        definition=definition,
        name=definitions.text_in(definition.get("name"), locale()),
        source=source,
        result=result,
        errors=errors,
        day=request.args.get("day", "") if errors.get("day") else _day_text(result),
        status=_status(result) if result else "",
        query=query,
        days=days,
        display=display,
    )
    if result is None:
        return page, 400
    _record("list.view", model, result, "html")
    return page


@bp.get("/<int:model_id>/<key>.csv")
@role_required(*READERS)
def csv(model_id: int, key: str) -> ResponseReturnValue:
    """One list as CSV (UTF-8 with BOM, `;`), for Excel."""
    model, definition = _definition(model_id, key)
    result = _result(model, definition)
    response = Response(export.csv_bytes(result), mimetype="text/csv; charset=utf-8")
    name = export.file_name(model.key, result, "csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    _record("list.download", model, result, "csv")
    return response


@bp.get("/<int:model_id>/<key>.pdf")
@role_required(*READERS)
def pdf_file(model_id: int, key: str) -> ResponseReturnValue:
    """One list as an A4 PDF (PDF/UA: tagged, language and title set, headers on each page)."""
    model, definition = _definition(model_id, key)
    result = _result(model, definition)
    lang, title = locale(), _title(result)
    body = render_template(
        "lists/pdf.html", result=result, title=title, status=_status(result), display=display
    )
    author = model.tenant.name if model.tenant is not None else "Flytverk"
    content = pdf.pdf(pdf.document(body, lang=lang, title=title, author=author))
    response = Response(content, mimetype="application/pdf")
    name = export.file_name(model.key, result, "pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    _record("list.download", model, result, "pdf")
    return response
