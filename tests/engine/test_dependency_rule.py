"""The dependency rule of engine/README.md: no Flask, no forms, no designer."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import engine

ROOT = Path(__file__).resolve().parents[2]
ENGINE_MODULES = sorted(f"engine.{info.name}" for info in pkgutil.iter_modules(engine.__path__))


def _loaded_after(imports: str) -> list[str]:
    """The top-level packages loaded by `imports` in a fresh interpreter."""
    program = (
        "import json, sys\n"
        f"{imports}\n"
        "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return list(json.loads(result.stdout))


def test_engine_has_modules_to_check() -> None:
    assert {"engine.runtime", "engine.bpmn", "engine.store"} <= set(ENGINE_MODULES)


def test_importing_engine_and_forms_loads_no_flask() -> None:
    imports = "\n".join(["import forms", *(f"import {name}" for name in ENGINE_MODULES)])
    loaded = _loaded_after(imports)
    assert "engine" in loaded and "forms" in loaded and "SpiffWorkflow" in loaded
    assert [name for name in loaded if name.lower().startswith("flask")] == []
    assert "designer" not in loaded


def test_engine_does_not_import_forms_or_designer() -> None:
    loaded = _loaded_after("\n".join(f"import {name}" for name in ENGINE_MODULES))
    assert "engine" in loaded
    assert {"forms", "designer", "wtforms", "flask", "jinja2", "werkzeug"}.isdisjoint(loaded)


def test_engine_sources_name_no_forbidden_package() -> None:
    forbidden = {"flask", "flask_sqlalchemy", "forms", "designer", "wtforms"}
    for path in (ROOT / "engine").rglob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            words = line.strip().split()
            if words[:1] in (["import"], ["from"]) and len(words) > 1:
                assert words[1].split(".")[0] not in forbidden, f"{path.name}: {line}"


def test_no_engine_module_passes_300_lines() -> None:
    # STYLE.md: split a module that passes ~300 lines.
    sizes = {
        str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for path in (ROOT / "engine").rglob("*.py")
    }
    assert {name: n for name, n in sizes.items() if n > 300} == {}
