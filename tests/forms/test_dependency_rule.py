"""The dependency rule of forms/README.md: no Flask, Flask-WTF, engine or designer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("flask", "flask_wtf", "flask_babel", "engine", "designer", "SpiffWorkflow")

PROGRAM = f"""
import sys
import forms, forms.jinja, forms.validators
loaded = sorted(
    name for name in sys.modules
    if name.split(".")[0] in {FORBIDDEN!r}
)
print(",".join(loaded))
"""


def test_importing_forms_loads_no_flask_engine_or_designer() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "flask" not in result.stdout.lower()
    assert result.stdout.strip() == ""


def test_forms_sources_do_not_name_forbidden_packages() -> None:
    for path in (ROOT / "forms").rglob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            words = line.replace(",", " ").split()
            if words[:1] in (["import"], ["from"]):
                assert words[1].split(".")[0] not in FORBIDDEN, f"{path}: {line}"
