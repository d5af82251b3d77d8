"""People's words for engine situations: one map from `EngineError.code` to a msgid.

The engine speaks English for logs and developers; every view shows `engine_text(err)`.
"""

from __future__ import annotations

from flask_babel import gettext as _

from engine import errors as codes
from engine.errors import EngineError, InstanceClosed, NotFound, TaskNotReady


def _texts() -> dict[str, str]:
    return {
        codes.TASK_COMPLETED: _("This task has already been completed."),
        codes.TASK_NOT_OPEN: _("This task is no longer open."),
        codes.TASK_TAKEN: _("Someone else has already taken this task."),
        codes.TASK_CHANGED_HANDS: _("The task changed hands meanwhile; look at it again."),
        codes.CASE_CHANGED: _("The case changed after you opened it."),
        codes.CONCURRENT_CHANGE: _("Someone else changed this case at the same time."),
        codes.CONFLICT: _("Someone else changed this at the same time. Reload and try again."),
        codes.CASE_CLOSED: _("This case is closed."),
        codes.NO_INCIDENT: _("This case has no incident to retry."),
        codes.JOB_NOT_FAILED: _("Only a failed step can be tried again."),
        codes.JOB_NOT_WAITING: _("This step is no longer waiting for its connector."),
        codes.NOT_FOUND: _("We could not find the page you asked for."),
        codes.CASE_NOT_FOUND: _("We could not find the case."),
        codes.TASK_NOT_FOUND: _("We could not find the task."),
        codes.JOB_NOT_FOUND: _("We could not find the step."),
        codes.STEP_FAILED: _("An automatic step failed. The case is marked for follow-up."),
        codes.CASE_CORRUPT: _("The case could not be read. It is marked for follow-up."),
        "task_assigned_elsewhere": _(
            "This task is assigned to a colleague. Ask them or your team lead."
        ),
    }


def engine_text(err: EngineError) -> str:
    """The translated text for an engine error (by code; by type for an unknown code)."""
    texts = _texts()
    text = texts.get(getattr(err, "code", ""))
    if text is not None:
        return text
    if isinstance(err, TaskNotReady):
        return texts[codes.TASK_NOT_OPEN]
    if isinstance(err, InstanceClosed):
        return texts[codes.CASE_CLOSED]
    if isinstance(err, NotFound):
        return texts[codes.NOT_FOUND]
    return texts[codes.CONFLICT]
