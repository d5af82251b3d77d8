"""The one exception type of the forms package."""

from __future__ import annotations


class DefinitionError(Exception):
    """A form definition is malformed; ``problems`` lists each fault found."""

    def __init__(self, problems: list[dict[str, str | None]]) -> None:
        self.problems: list[dict[str, str | None]] = [
            {"key": p.get("key"), "message": str(p.get("message") or "")} for p in problems
        ]
        super().__init__(self._describe())

    def _describe(self) -> str:
        parts = []
        for problem in self.problems:
            key = problem["key"]
            prefix = f"{key}: " if key else ""
            parts.append(f"{prefix}{problem['message']}")
        return "Invalid form definition: " + "; ".join(parts)

    def __str__(self) -> str:
        return self._describe()


def problem(key: str | None, message: str) -> dict[str, str | None]:
    """Build one entry for ``DefinitionError.problems``."""
    return {"key": key, "message": message}
