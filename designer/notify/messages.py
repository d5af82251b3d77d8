"""The e-mails Flytverk sends: task assigned, decision, more information needed, an answer
awaited from the citizen, daily digest.

Each function writes an outbox row in the caller's session (committed with the change it
tells about; the worker sends it after commit). It returns None (and logs) instead of
raising when the person has no address, the case is a test run, or rendering fails.
Each e-mail is in its recipient's language (`designer.languages.for_person`): subject,
body and dates alike, also when a background job sends it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from werkzeug.routing import BuildError

from designer import languages
from designer.extensions import db_session
from designer.models import OutboxMessage, User
from designer.notify.mail import enqueue
from engine.models import HumanTask, Instance

logger = logging.getLogger(__name__)


def language(session: Session, person: User, tenant_id: int, locale: str | None = None) -> str:
    """`locale` if it is one Flytverk speaks, else the person's language."""
    return languages.known(locale) or languages.for_person(session, person, tenant_id)


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute link for an e-mail: PUBLIC_BASE_URL when set (also outside a request).

    Without it, the request's host; '' where none can be built (a worker without either).
    """
    base = current_app.config.get("PUBLIC_BASE_URL")
    try:
        if base:
            path = current_app.url_map.bind("localhost").build(endpoint, values)
            return str(base).rstrip("/") + path
        if not has_request_context() and not current_app.config.get("SERVER_NAME"):
            return ""
        return url_for(endpoint, _external=True, **values)
    except (RuntimeError, BuildError):
        return ""


def local_date(value: datetime | None, locale: str) -> str:
    """A stored (naive UTC) time as a long local date: '1. desember 2026' (nb, nn)."""
    if value is None:
        return ""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Europe/Oslo"))
    local = value.replace(tzinfo=UTC).astimezone(zone)
    lang = languages.known(locale) or languages.DEFAULT
    return str(format_date(local.date(), "long", locale=lang))


def service_name(instance: Instance, locale: str) -> str:
    """The service a case belongs to, in the e-mail's language (else the målform's)."""
    model = instance.process_version.model
    return languages.card_text(model, "name", locale, languages.of_tenant(model.tenant))


TaskNames = Callable[[Session, HumanTask, str], str]
_task_names: list[TaskNames] = []  # plugged in by create_app (the service texts)


def use_task_names(resolve: TaskNames) -> None:
    """Name tasks in e-mails with `resolve(session, task, lang)` (the service's texts)."""
    _task_names[:] = [resolve]


def task_name(session: Session, task: HumanTask, lang: str) -> str:
    """A task's name in the e-mail's language (as written in the diagram without texts)."""
    return _task_names[0](session, task, lang) if _task_names else task.name


def reachable(user: User | None) -> bool:
    """True for an active person with an e-mail address."""
    return user is not None and user.active and "@" in (user.email or "")


def _safely(kind: str, build: Callable[[], OutboxMessage | None]) -> OutboxMessage | None:
    try:
        return build()
    except SQLAlchemyError:
        raise  # the transaction is broken: the step must fail, not go on half-written
    except Exception:  # a notice must never fail the case step it tells about
        logger.exception("Notification %r could not be prepared", kind)
        return None


def notify_assignment(
    task: HumanTask,
    assignee_user: User,
    *,
    locale: str | None = None,
    session: Session | None = None,
) -> OutboxMessage | None:
    """Tell a caseworker a task was assigned to them (in their language unless `locale`)."""
    session = session or db_session

    def build() -> OutboxMessage | None:
        instance = task.instance
        if not reachable(assignee_user) or instance.is_test:
            return None
        lang = language(session, assignee_user, task.tenant_id, locale)
        with force_locale(lang):
            context = {
                "name": assignee_user.name,
                "case_no": instance.case_no,
                "task_name": task_name(session, task, lang),
                "service": service_name(instance, lang),
                "due": local_date(task.due_at, lang),
                "task_url": external_url("casework.task", task_id=task.id),
            }
            return enqueue(
                session,
                assignee_user.email,
                _("You have been given a task in case %(case_no)s", case_no=instance.case_no),
                "assignment",
                context,
                tenant_id=task.tenant_id,
                instance_id=instance.id,
                locale=lang,
            )

    return _safely("assignment", build)


def to_citizen(
    session: Session,
    kind: str,
    subject: Any,
    instance: Instance,
    owner_user: User,
    locale: str | None,
    extra: Callable[[str], dict[str, Any]],
) -> OutboxMessage | None:
    """One notice to the case's owner (none for test runs or people without an address).

    `subject` is a lazy catalogue text; `extra(language)` the template's own values.
    """

    def build() -> OutboxMessage | None:
        if not reachable(owner_user) or instance.is_test or instance.owner != owner_user.actor:
            return None
        lang = language(session, owner_user, instance.tenant_id, locale)
        with force_locale(lang):
            context = {
                "name": owner_user.name,
                "case_no": instance.case_no,
                "case_url": external_url("portal.case", case_no=instance.case_no),
                **extra(lang),
            }
            return enqueue(
                session,
                owner_user.email,
                str(subject),
                kind,
                context,
                tenant_id=instance.tenant_id,
                instance_id=instance.id,
                locale=lang,
            )

    return _safely(kind, build)


def notify_decision(
    instance: Instance,
    owner_user: User,
    *,
    locale: str | None = None,
    session: Session | None = None,
) -> OutboxMessage | None:
    """Tell a citizen their case has a decision (the e-mail says only that: read it online)."""
    outcome = (instance.result or {}).get("outcome") or instance.outcome
    subject = _l("Your case %(case_no)s has a decision", case_no=instance.case_no)
    return to_citizen(
        session or db_session,
        "decision",
        subject,
        instance,
        owner_user,
        locale,
        lambda lang: {"outcome": outcome},
    )


def notify_handled_again(
    instance: Instance,
    owner_user: User,
    first_case_no: str,
    *,
    session: Session | None = None,
) -> OutboxMessage | None:
    """Tell a citizen their upheld appeal's application is handled again in a new case."""
    subject = _l("Your application is handled again in case %(case_no)s", case_no=instance.case_no)
    return to_citizen(
        session or db_session,
        "handled_again",
        subject,
        instance,
        owner_user,
        None,
        lambda lang: {"first_case_no": first_case_no},
    )


def notify_more_information(
    instance: Instance,
    owner_user: User,
    message: str,
    *,
    locale: str | None = None,
    session: Session | None = None,
) -> OutboxMessage | None:
    """Tell a citizen the caseworker needs more from them.

    `message` reaches the template as `message`, but the shipped templates leave it out:
    a caseworker's free text may hold health details, so the citizen reads it online.
    """
    subject = _l("We need more information in case %(case_no)s", case_no=instance.case_no)
    return to_citizen(
        session or db_session,
        "more_information",
        subject,
        instance,
        owner_user,
        locale,
        lambda lang: {"message": message},
    )


def notify_answer_needed(
    instance: Instance,
    owner_user: User,
    task: HumanTask,
    *,
    locale: str | None = None,
    session: Session | None = None,
) -> OutboxMessage | None:
    """Tell a citizen that `task` (just opened in a citizen lane) waits for their answer."""
    subject = _l("We are waiting for your answer in case %(case_no)s", case_no=instance.case_no)
    task_url = external_url("portal.task", case_no=instance.case_no, task_id=task.id)
    return to_citizen(
        session or db_session,
        "answer_needed",
        subject,
        instance,
        owner_user,
        locale,
        lambda lang: {"due": local_date(task.due_at, lang), "task_url": task_url},
    )
