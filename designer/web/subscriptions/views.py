"""Subscription pages: a citizen's standing order under Mine saker, staff changes, the menu.

Plain HTML forms (they work without JavaScript): a week's order per delivery day, a pause,
and for staff a late cancellation and the end. Refusals are field errors on the same page.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from designer.extensions import db, db_session
from designer.identity.auth import role_required
from designer.models import Invoice, Subscription
from designer.services.errors import Forbidden, Invalid, Missing
from designer.services.subscriptions import changes, core, menus
from designer.web import auditing as audit
from designer.web.i18n import locale
from designer.web.subscriptions import bp
from engine.models import Event, ProcessModel

STAFF = ("staff", "caseworker", "team_lead", "process_owner", "admin")


EARLIEST, LATEST = date(2000, 1, 3), date(2099, 12, 28)  # dates a person may mean
PORTIONS = re.compile(r"^[0-9]{1,2}$")


def _day(value: str | None, field: str) -> date:
    try:
        found = date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise Invalid(fields={field: _("The date is not valid.")}) from None
    if not EARLIEST <= found <= LATEST:
        raise Invalid(fields={field: _("The date is not valid.")})
    return found


def _week(value: str | None, now_day: date) -> date:
    """The Monday of the week asked for (`week=YYYY-MM-DD`), this week by default."""
    if not value:
        return core.week_start(now_day)
    try:
        found = date.fromisoformat(value)
    except ValueError:
        abort(400)
    if not EARLIEST <= found <= LATEST:
        abort(400)
    return core.week_start(found)


def _page(
    sub: Subscription,
    *,
    staff: bool,
    errors: dict[str, str] | None = None,
    status: int = 200,
    week: date | None = None,
) -> ResponseReturnValue:
    model = db_session.get(ProcessModel, sub.model_id)
    assert model is not None
    now = core.now()
    terms = core.terms_of(db_session, model)
    this_week = core.week_start(core.today(now))
    week = week or _week(request.values.get("week"), core.today(now))
    last_week = this_week + timedelta(weeks=terms.weeks_ahead)
    if not this_week <= week <= last_week:
        week = this_week
    days = core.orders(db_session, sub, week, week + timedelta(days=6), terms)
    menu = core.menu_of(db_session, model, week, week + timedelta(days=6))
    lang = locale()
    rows = [
        {
            "order": o,
            "open": core.is_open(o.day, terms, now),
            "closes": core.cutoff_of(o.day, terms),
            "menu": menu.get(o.day),
            "choices": [
                (c, terms.choice_label(c, lang), core.choice_text(menu.get(o.day), c, terms, lang))
                for c in terms.choices
            ],
        }
        for o in days
    ]
    events = db_session.scalars(
        select(Event)
        .where(Event.instance_id == sub.instance_id, Event.kind.in_(changes.EVENTS))
        .order_by(Event.at.desc(), Event.id.desc())
        .limit(100)
    ).all()
    shown = select(Invoice).where(Invoice.subscription_id == sub.id)
    if not staff:  # an unpriced invoice is never sent: the citizen has none
        shown = shown.where(Invoice.status != "no_price")
    invoices = db_session.scalars(shown.order_by(Invoice.period.desc())).all()
    return (
        render_template(
            "subscriptions/subscription.html",
            sub=sub,
            model=model,
            terms=terms,
            rows=rows,
            week=week,
            previous=week - timedelta(weeks=1) if week > this_week else None,
            following=week + timedelta(weeks=1) if week < last_week else None,
            events=events,
            invoices=invoices,
            staff=staff,
            errors=errors or {},
            max_quantity=terms.max_quantity,
            labels=event_labels(),
            value=request.form if errors else {},
        ),
        status,
    )


def _wanted(form: Any, week: date) -> dict[date, tuple[int, str]]:
    wanted: dict[date, tuple[int, str]] = {}
    errors: dict[str, str] = {}
    for offset in range(7):
        day = week + timedelta(days=offset)
        name = day.isoformat()
        if f"q-{name}" not in form:
            continue
        raw = str(form.get(f"q-{name}", "")).strip()
        if not PORTIONS.match(raw):
            errors[f"q-{name}"] = _("Write the number of portions as a whole number.")
            continue
        wanted[day] = (int(raw), str(form.get(f"c-{name}") or "A"))
    if errors:
        raise Invalid(_("The order was not changed."), fields=errors)
    return wanted


def _act(sub: Subscription, staff: bool, actor: str) -> ResponseReturnValue:
    action = request.form.get("action", "")
    today = core.today(core.now())
    week = _week(request.form.get("week"), today)
    model = db_session.get(ProcessModel, sub.model_id)
    assert model is not None
    ahead = core.week_start(today) + timedelta(weeks=core.terms_of(db_session, model).weeks_ahead)
    try:
        if action == "order":
            if not staff and not core.week_start(today) <= week <= ahead:
                raise Invalid(_("You can order for the coming weeks only."))
            done = changes.change_week(db_session, sub, _wanted(request.form, week), actor)
            message = _("The order is saved.") if done else _("Nothing was changed.")
        elif action == "pause":
            first = _day(request.form.get("first"), "first")
            last = _day(request.form.get("last"), "last")
            if first > today + timedelta(days=366):
                raise Invalid(fields={"first": _("A pause can start at most a year ahead.")})
            paused, late = changes.pause(db_session, sub, first, last, actor, staff=staff)
            message = _("Deliveries are paused: %(n)s days.", n=paused)
            if late:
                message += " " + _("%(n)s days were cancelled late and will be charged.", n=late)
        elif action == "end" and staff:
            changes.end(db_session, sub, _day(request.form.get("last"), "end_last"), actor)
            message = _("The subscription ends.")
        else:
            abort(400)
    except (StaleDataError, IntegrityError):
        db_session.rollback()  # a second submission at the same moment
        flash(_("The subscription was changed meanwhile. Look at it and try again."), "error")
        return _page(sub_again(sub.id), staff=staff, status=409, week=week)
    except Invalid as err:
        db_session.rollback()
        errors = dict(err.fields or {})
        if err.message and not errors:
            errors["form"] = err.message
        elif err.message:
            errors.setdefault("form", err.message)
        return _page(sub, staff=staff, errors=errors, status=400, week=week)
    if staff:
        audit.record(
            current_user,
            f"subscription.{action}",
            commit=False,
            object_type="subscription",
            object_id=str(sub.id),
            case_no=sub.case_no,
        )
    db.session.commit()
    flash(message, "success")
    endpoint = "subscriptions.staff" if staff else "subscriptions.mine"
    return redirect(url_for(endpoint, subscription_id=sub.id, week=week.isoformat()))


def sub_again(subscription_id: int) -> Subscription:
    """The subscription as committed, after a rollback."""
    found = db_session.get(Subscription, subscription_id, populate_existing=True)
    if found is None:
        abort(404)
    return found


@bp.route("/my/subscriptions/<int:subscription_id>", methods=["GET", "POST"])
@login_required
def mine(subscription_id: int) -> ResponseReturnValue:
    """The citizen's subscription: this and the coming weeks, changes, pauses, invoices."""
    try:
        sub = changes.of_owner(db_session, current_user, subscription_id)
    except Missing:
        abort(404)
    if request.method == "POST":
        return _act(sub, False, current_user.actor)
    return _page(sub, staff=False)


@bp.route("/subscriptions/<int:subscription_id>", methods=["GET", "POST"])
@role_required("caseworker", "team_lead", "admin")
def staff(subscription_id: int) -> ResponseReturnValue:
    """A subscription as staff see it: the same weeks, late cancellations and the end."""
    try:
        sub = changes.of_staff(db_session, current_user, subscription_id)
    except Missing:
        abort(404)
    except Forbidden:
        abort(403)
    if request.method == "POST":
        return _act(sub, True, current_user.actor)
    audit.record(
        current_user,
        "subscription.view",
        object_type="subscription",
        object_id=str(sub.id),
        case_no=sub.case_no,
    )
    return _page(sub, staff=True)


@bp.route("/menu/<int:model_id>", methods=["GET", "POST"])
@role_required(*STAFF)
def menu(model_id: int) -> ResponseReturnValue:
    """A service's menu for two weeks, for the kitchen to fill in."""
    model = db_session.get(ProcessModel, model_id)
    if model is None or model.tenant_id != current_user.tenant_id or not core.settings_of(model):
        abort(404)
    if not menus.may_edit(current_user, model):
        abort(403)
    now_day = core.today(core.now())
    first = _week(request.values.get("week"), now_day + timedelta(days=7))
    if not EARLIEST <= first <= LATEST - timedelta(days=14):
        abort(400)
    terms = core.terms_of(db_session, model)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            count = menus.save(db_session, model, first, request.form, current_user.actor)
        except Invalid as err:
            db_session.rollback()
            errors = dict(err.fields or {})
        else:
            audit.record(
                current_user,
                "menu.save",
                commit=False,
                object_type="service",
                object_id=str(model.id),
                detail={"week": first.isoformat(), "days": count},
            )
            db.session.commit()
            flash(_("The menu is saved."), "success")
            return redirect(
                url_for("subscriptions.menu", model_id=model.id, week=first.isoformat())
            )
    days = menus.days_of(first)
    found = core.menu_of(db_session, model, days[0], days[-1])
    return (
        render_template(
            "subscriptions/menu.html",
            model=model,
            terms=terms,
            days=days,
            found=found,
            first=first,
            previous=first - timedelta(weeks=2),
            following=first + timedelta(weeks=2),
            errors=errors,
            value=request.form if errors else None,
            lang=locale(),
        ),
        400 if errors else 200,
    )


@bp.app_template_global("my_subscriptions")
def my_subscriptions() -> list[tuple[Subscription, ProcessModel | None]]:
    """The logged-in citizen's subscriptions, for Mine saker."""
    if not current_user.is_authenticated:
        return []
    subs = db_session.scalars(
        select(Subscription)
        .where(
            Subscription.tenant_id == current_user.tenant_id,
            Subscription.owner == current_user.actor,
        )
        .order_by(Subscription.id.desc())
    ).all()
    return [(s, db_session.get(ProcessModel, s.model_id)) for s in subs]


@bp.app_template_global("subscription_of_case")
def subscription_of_case(instance_id: int) -> Subscription | None:
    """The subscription a case's decision started, if any."""
    return db_session.scalar(select(Subscription).where(Subscription.instance_id == instance_id))


@bp.app_template_filter("dayname")
def dayname(day: date) -> str:
    """A date as "tirsdag 8. desember" in the page's language."""
    return core.day_text(day)


@bp.app_template_filter("closing")
def closing(moment: datetime) -> str:
    """A deadline (naive UTC) as "fredag 8. januar kl. 12.00" in local time."""
    local = core.local_now(moment)
    return _("%(day)s at %(time)s", day=core.day_text(local.date()), time=local.strftime("%H:%M"))


@bp.app_template_global("subscription_active")
def subscription_active(sub: Subscription) -> bool:
    """True while the subscription delivers (its last day has not passed)."""
    return core.status_of(sub, core.today(core.now())) == "active"


@bp.app_template_global("weekday_name")
def weekday_name(number: int) -> str:
    """A weekday's name (0 = Monday) in the page's language."""
    return str(format_date(date(2024, 1, 1 + int(number)), "EEEE"))


@bp.app_template_global("subscription_labels")
def event_labels() -> dict[str, str]:
    """Timeline labels of the subscription events."""
    return {
        "subscription_started": _("Subscription started"),
        "order_changed": _("Order changed"),
        "subscription_paused": _("Deliveries paused"),
        "late_cancelled": _("Cancelled after the deadline (charged)"),
        "subscription_ended": _("Subscription ended"),
        "invoiced": _("Invoice made"),
        "invoice_resent": _("Invoice sent again"),
        "invoice_priced": _("Invoice priced again"),
    }
