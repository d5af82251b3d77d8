"""Every action the audit log records has a label in the UI language (not its code)."""

from __future__ import annotations

import pathlib
import re

from designer.services.audit import ACTION_LABELS

ROOT = pathlib.Path(__file__).resolve().parents[2] / "designer"
# Action codes as the views write them: "case.view", "model.publish", "admin.user.create"...
# (admin.* endpoints such as "admin.users" have one dot; admin actions two.)
CALLS = re.compile(
    r"\"((?:case|task|attachment|incident|audit|model)\.[a-z_]+(?:\.[a-z_]+)*"
    r"|admin\.[a-z_]+\.[a-z_.]+)\""
)
NOT_ACTIONS = {"audit.csv"}  # the export's file name
SKIP = {ROOT / "services" / "audit.py"}


def test_every_recorded_action_has_a_label() -> None:
    found = {
        match
        for path in ROOT.rglob("*.py")
        if path not in SKIP
        for match in CALLS.findall(path.read_text(encoding="utf-8"))
    }
    assert len(found) > 35  # the scan finds the calls
    assert sorted(found - NOT_ACTIONS - set(ACTION_LABELS)) == []
