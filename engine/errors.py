"""Engine error types; SpiffWorkflow exceptions are wrapped into these."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Problem:
    """One validation finding, tied to a diagram element where known."""

    message: str
    element_id: str | None = None
    line: int | None = None
    file: str | None = None

    def as_dict(self) -> dict[str, object]:
        """Return the problem as a JSON-friendly dict."""
        return asdict(self)


class EngineError(Exception):
    """Base of every error the engine raises."""

    def __init__(self, message: str, *, element_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.element_id = element_id


class ModelInvalid(EngineError):
    """A process bundle failed validation; `problems` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        summary = "; ".join(p.message for p in problems[:3])
        super().__init__(f"The process is not valid: {summary}")
        self.problems = problems


class NotFound(EngineError):
    """An instance, task or version does not exist (for this tenant)."""


class Conflict(EngineError):
    """A concurrent writer got there first; nothing was written."""

    def __init__(self, message: str, *, current_version: int | None = None) -> None:
        super().__init__(message)
        self.current_version = current_version


class TaskNotReady(Conflict):
    """The task was already completed, cancelled or is not yet reachable."""


class InstanceClosed(Conflict):
    """The instance has ended; no further transitions are possible."""


class StepFailed(EngineError):
    """An automated step (script, condition) failed; the step was rolled back.

    `instance` is the case as committed (status 'incident'), when there is one.
    """

    instance: object | None = None


class InstanceCorrupt(EngineError):
    """The workflow state is inconsistent; the step was refused to protect the case."""
