"""Browser fixtures: the app served on a loopback port, driven by Playwright in real Chromium."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _chromium() -> str | None:
    explicit = os.environ.get("FLYTVERK_CHROMIUM")
    if explicit:
        return explicit if os.path.exists(explicit) else None
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _unavailable(reason: str) -> None:
    if os.environ.get("FLYTVERK_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests are required here but cannot run: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium driven by Playwright (its own browser download is not used)."""
    executable = _chromium()
    if executable is None:
        _unavailable("no Chromium found (install Debian's 'chromium' or set FLYTVERK_CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """Serve the test app on 127.0.0.1 in a background thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    """A fresh Norwegian-language browser page."""
    context = browser.new_context(locale="nb-NO", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _no_csp_violations(request):  # type: ignore[no-untyped-def]
    """Fail a browser test if the page broke the Content-Security-Policy."""
    if "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    violations: list[str] = []
    page.on(
        "console",
        lambda m: (
            violations.append(m.text)
            if "Content Security Policy" in m.text and "style" not in m.text
            else None
        ),
    )
    yield
    assert violations == [], violations


AXE = os.path.join(os.path.dirname(__file__), "..", "..", "node_modules", "axe-core", "axe.min.js")


def axe_violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Run axe-core (WCAG 2.0/2.1 A and AA) on the page; injected over DevTools, not as an
    inline <script>, so the site's CSP (no inline scripts) stays in force."""
    import json

    if not os.path.exists(AXE):
        pytest.fail("axe-core is missing: run `npm ci` (make setup does)")
    with open(AXE, encoding="utf-8") as handle:
        page.evaluate(handle.read())
    found = page.evaluate(
        "async () => JSON.stringify((await axe.run(document, {runOnly: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})).violations)"
    )
    return [f"{v['id']}: {v['help']}" for v in json.loads(found)]


def log_in(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    """Log in as a demo user by the login form's accessible names."""
    page.goto(f"{base}/login")
    page.get_by_label("Brukernavn").fill(username)
    page.get_by_label("Passord").fill("demo")
    page.get_by_role("main").get_by_role("button", name="Logg inn").click()
    page.wait_for_url(lambda url: "/login" not in url)


def open_general(page) -> None:  # type: ignore[no-untyped-def]
    """Open the properties panel's *Generelt* group of the selected element.

    The header toggles, and the panel may re-render for a new selection between finding
    the header and the click: click only while the group is closed, read the state from
    the header's ``open`` class, and try again when the panel re-rendered meanwhile.
    """
    group = page.locator('.bio-properties-panel-group[data-group-id="group-general"]')
    header = group.locator(".bio-properties-panel-group-header")
    is_open = (
        "() => { const h = document.querySelector("
        "'[data-group-id=\"group-general\"] .bio-properties-panel-group-header');"
        " return !!h && h.classList.contains('open'); }"
    )
    for _ in range(6):
        try:
            header.wait_for(timeout=3000)
            if not page.evaluate(is_open):
                header.click(timeout=3000)
            page.wait_for_function(is_open, timeout=2000)
            group.get_by_label("Navn", exact=True).wait_for(timeout=2000)
            return
        except Exception:  # noqa: BLE001 - Playwright's errors: the panel re-rendered
            continue
    raise AssertionError("the Generelt group never opened")
