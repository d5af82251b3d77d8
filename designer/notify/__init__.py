"""Notices through a transactional outbox: written with the change, sent after commit.

`notify_*` add an outbox row to the caller's session (the caller commits once);
`designer.notify.citizen.tell_citizen` does so for every engine outcome that decides a
case or opens a citizen task; each e-mail is in its recipient's language (their own choice,
else the municipality's målform); the worker (`designer.worker.outbox`) sends them over SMTP.
The `flask notify digest|send` commands live in `designer.cli`.
"""

from __future__ import annotations

from flask import Flask

from designer.notify import citizen
from designer.notify.digest import send_daily_digest
from designer.notify.mail import DEFAULTS, enqueue, mask, render, send
from designer.notify.messages import (
    notify_answer_needed,
    notify_assignment,
    notify_decision,
    notify_handled_again,
    notify_more_information,
    use_task_names,
)

__all__ = [
    "enqueue",
    "init_app",
    "mask",
    "notify_answer_needed",
    "notify_assignment",
    "notify_decision",
    "notify_handled_again",
    "notify_more_information",
    "render",
    "send",
    "send_daily_digest",
    "use_task_names",
]


def init_app(app: Flask) -> None:
    """Fill in the MAIL_* defaults and register the citizen-notice transition listener."""
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    citizen.init_app(app)
