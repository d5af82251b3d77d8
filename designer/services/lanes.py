"""Whose a lane is: a citizen lane's tasks belong to the case's owner, any other to a group."""

from __future__ import annotations

# Compared case-insensitively. A staff group with one of these names is ignored: a
# caseworker must never see, open or complete the citizen's own tasks.
CITIZEN_LANES = frozenset({"søker", "innbygger", "citizen", "applicant"})


def is_citizen_lane(lane: str | None) -> bool:
    """True when tasks in `lane` are answered by the citizen who owns the case."""
    return bool(lane) and str(lane).strip().casefold() in CITIZEN_LANES
