"""Notices to citizens that follow engine outcomes, whatever moved the case.

One transition listener (`tell_citizen`): a decision, or a task that opened in a citizen
lane, writes one outbox row to the case's owner inside the transition's transaction —
alike for a caseworker's step, a timer, a connector job, a delivered message, a retry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy.orm import Session

from designer.extensions import db
from designer.models import User, is_citizen_lane
from designer.notify.messages import notify_answer_needed, notify_decision
from engine.api import Outcome, on_transition, remove_listener

logger = logging.getLogger(__name__)

_APPS: list[Flask] = []  # the app(s) whose database the listener serves, newest last


def _owner(session: Session, instance: Any) -> User | None:
    owner = instance.owner or ""
    owner_id = owner[5:] if owner.startswith("user:") else ""
    return session.get(User, int(owner_id)) if owner_id.isdigit() else None


def _serves(app: Flask, session: Session) -> bool:
    return bool(app.extensions.get("flytverk_notices")) and (
        db.engine.url == session.get_bind().engine.url
    )


def _app_for(session: Session) -> Flask | None:
    """The app whose database `session` writes to (the listener ignores other databases)."""
    if has_app_context():
        app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
        return app if _serves(app, session) else None
    for app in reversed(_APPS):
        with app.app_context():
            if _serves(app, session):
                return app
    return None


def in_app_of(session: Session, work: Callable[[], None]) -> None:
    """Run `work` in the context of the app whose database `session` writes to (if any)."""
    app = _app_for(session)
    if app is None:
        return
    if has_app_context():
        work()
        return
    with app.app_context():
        work()


def notices_for(session: Session, outcome: Outcome) -> None:
    """Write the notices one outcome calls for (the app context is set up)."""
    instance = outcome.instance
    if instance.is_test:
        return
    owner = _owner(session, instance)
    if owner is None:
        return
    if outcome.completed:
        result = instance.result or {}
        if result and result.get("decided_by") != "applicant":
            notify_decision(instance, owner, session=session)
        return
    opened = [t for t in outcome.opened if is_citizen_lane(t.lane)]
    if opened and instance.status == "running":
        notify_answer_needed(instance, owner, opened[0], session=session)


def tell_citizen(session: Session, outcome: Outcome) -> None:
    """The transition listener: notices in the outbox, committed with the transition."""
    if outcome.instance.is_test or not (outcome.completed or outcome.opened):
        return
    app = _app_for(session)
    if app is None:
        return
    if has_app_context():
        notices_for(session, outcome)
        return
    with app.app_context():
        notices_for(session, outcome)


def init_app(app: Flask) -> None:
    """Register the listener (once per process) and serve this app's database."""
    app.extensions["flytverk_notices"] = True
    _APPS.append(app)
    del _APPS[:-8]  # tests build many apps; the newest few are enough
    on_transition(tell_citizen)


def stop() -> None:
    """Unregister the listener (for tests that must see the engine alone)."""
    remove_listener(tell_citizen)
