"""The identity modules import each other one way only (no oidc <-> devidp cycle)."""

from __future__ import annotations

import subprocess
import sys


def _loaded_after(module: str) -> set[str]:
    code = f"import sys, {module}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_the_dev_idp_does_not_import_the_oidc_client():
    assert "designer.identity.oidc" not in _loaded_after("designer.identity.devidp")


def test_the_password_policy_needs_no_flask_request_machinery():
    loaded = _loaded_after("designer.services.passwords")
    assert "flask_login" not in loaded and "flask_wtf" not in loaded
