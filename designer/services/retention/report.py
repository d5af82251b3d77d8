"""What a retention run did (or, in a dry run, would do), per service and in total."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from engine.models import Instance


@dataclass
class ServiceReport:
    """What retention did (or, in a dry run, would do) to one service's cases."""

    tenant: str
    service: str
    action: str
    retention_days: int
    anonymised: int = 0
    deleted: int = 0
    kept_for_accounting: int = 0
    files_removed: int = 0
    oldest_completed_at: datetime | None = None
    newest_completed_at: datetime | None = None

    def count(self, instance: Instance) -> None:
        """Widen the completed_at range by one case."""
        at = instance.completed_at
        if at is None:
            return
        if self.oldest_completed_at is None or at < self.oldest_completed_at:
            self.oldest_completed_at = at
        if self.newest_completed_at is None or at > self.newest_completed_at:
            self.newest_completed_at = at


@dataclass
class Report:
    """The whole run: one entry per service that had eligible cases."""

    dry_run: bool
    now: datetime
    services: list[ServiceReport] = field(default_factory=list)

    @property
    def anonymised(self) -> int:
        """Cases anonymised in all services."""
        return sum(s.anonymised for s in self.services)

    @property
    def deleted(self) -> int:
        """Cases deleted in all services."""
        return sum(s.deleted for s in self.services)

    def as_dict(self) -> dict[str, Any]:
        """The report as plain data (for JSON or logs)."""
        return asdict(self)

    def lines(self) -> list[str]:
        """The report as text, one line per service and a total."""
        head = "DRY RUN, nothing changed: " if self.dry_run else ""
        out = []
        for s in self.services:
            out.append(
                f"{head}{s.tenant}/{s.service}: {s.action} after {s.retention_days} days, "
                f"anonymised {s.anonymised}, deleted {s.deleted}, "
                f"kept for accounting {s.kept_for_accounting}, files removed {s.files_removed}, "
                f"completed {_day(s.oldest_completed_at)} .. {_day(s.newest_completed_at)}"
            )
        out.append(f"{head}total: anonymised {self.anonymised}, deleted {self.deleted}")
        return out


def _day(value: datetime | None) -> str:
    return value.date().isoformat() if value else "-"
