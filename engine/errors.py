"""Engine error types; SpiffWorkflow exceptions are wrapped into these.

Every error has a stable, machine-readable `code` (the English `message` is for logs and
developers): the application shows its own translated text per code.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

# Stable codes, one per situation a person may need explained.
MODEL_INVALID = "model_invalid"
NOT_FOUND = "not_found"
CASE_NOT_FOUND = "case_not_found"
TASK_NOT_FOUND = "task_not_found"
JOB_NOT_FOUND = "job_not_found"
NO_MESSAGE_START = "no_message_start"
CONFLICT = "conflict"
CASE_CHANGED = "case_changed"
CONCURRENT_CHANGE = "concurrent_change"
TASK_TAKEN = "task_taken"
TASK_CHANGED_HANDS = "task_changed_hands"
JOB_NOT_WAITING = "job_not_waiting"
JOB_NOT_FAILED = "job_not_failed"
NO_INCIDENT = "no_incident"
TASK_COMPLETED = "task_completed"
TASK_NOT_OPEN = "task_not_open"
CASE_CLOSED = "case_closed"
STEP_FAILED = "step_failed"
CASE_CORRUPT = "case_corrupt"


@dataclass(frozen=True)
class Problem:
    """One validation finding, tied to a diagram element where known.

    `code` names the finding for translation and `params` fills its text (element
    labels, not ids); `message` is the English text for logs and unknown codes.
    """

    message: str
    element_id: str | None = None
    line: int | None = None
    file: str | None = None
    code: str = ""
    params: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def as_dict(self) -> dict[str, object]:
        """Return the problem as a JSON-friendly dict."""
        return asdict(self)


class EngineError(Exception):
    """Base of every error the engine raises; `code` names the situation for translation."""

    code = "engine_error"

    def __init__(
        self, message: str, *, element_id: str | None = None, code: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.element_id = element_id
        if code is not None:
            self.code = code


class ModelInvalid(EngineError):
    """A process bundle failed validation; `problems` says where and why."""

    code = MODEL_INVALID

    def __init__(self, problems: list[Problem]) -> None:
        summary = "; ".join(p.message for p in problems[:3])
        super().__init__(f"The process is not valid: {summary}")
        self.problems = problems


class NotFound(EngineError):
    """An instance, task or version does not exist (for this tenant)."""

    code = NOT_FOUND


class Conflict(EngineError):
    """A concurrent writer got there first; nothing was written."""

    code = CONFLICT

    def __init__(
        self, message: str, *, current_version: int | None = None, code: str | None = None
    ) -> None:
        super().__init__(message, code=code)
        self.current_version = current_version


class TaskNotReady(Conflict):
    """The task was already completed, cancelled or is not yet reachable."""

    code = TASK_NOT_OPEN


class InstanceClosed(Conflict):
    """The instance has ended; no further transitions are possible."""

    code = CASE_CLOSED


class StepFailed(EngineError):
    """An automated step (script, condition) failed; the step was rolled back.

    `instance` is the case as committed (status 'incident'), when there is one.
    """

    code = STEP_FAILED
    instance: object | None = None


class InstanceCorrupt(EngineError):
    """The workflow state is inconsistent; the step was refused to protect the case."""

    code = CASE_CORRUPT
