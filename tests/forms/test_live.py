"""live.js and lists.js in headless Chromium: conditions and rows without a reload.

The page is a form rendered by the macros plus a module script that drives it and
writes what it saw into <pre id="result">; Chromium's --dump-dom prints the page.
"""

from __future__ import annotations

import functools
import html
import json
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jinja2
import pytest

from forms import bind_options, build_form_class
from tests.forms.conftest import ALL_COMPONENTS, definition_of
from tests.forms.jsbridge import JS

SCENARIO = """
import { enhance } from '/forms/live.js';
const seen = {};
const form = document.querySelector('form');
const list = document.querySelector('[data-component="dynamiclist"]');
const rows = () => Array.from(list.querySelectorAll('[data-rows] > [data-row]'));
const hiddenNames = () => Element.prototype.querySelector.call(form, '[data-forms-hidden]').value;
const isHidden = (name) => document.querySelector(`[data-name="${name}"]`).hidden;
const type = (id, value) => {
  const input = document.getElementById(id);
  input.value = value;
  input.dispatchEvent(new Event('input', { bubbles: true }));
};
try {
  enhance(document);
  seen.start = [isHidden('colour_note'), hiddenNames()];
  const red = document.getElementById('colour-0');
  red.checked = true;
  red.dispatchEvent(new Event('change', { bubbles: true }));
  seen.red = [isHidden('colour_note'), hiddenNames()];
  type('count', '1 2');
  seen.count = document.querySelector('.form-text[data-hide-when]').hidden;
  list.querySelector('[data-list-add]').click();
  seen.added = rows().map((row) => row.querySelector('legend').textContent);
  seen.names = Array.from(rows()[1].querySelectorAll('[name]')).map((e) => e.name);
  seen.focus = document.activeElement.id;
  seen.newNeeds = isHidden('children-1-needs');
  type('children-1-age', '5');
  seen.needs = [isHidden('children-0-needs'), isHidden('children-1-needs')];
  rows()[0].querySelector('[data-list-remove]').click();
  seen.removed = rows().map((row) => [
    row.querySelector('legend').textContent,
    row.querySelector('[data-list-remove]').textContent,
    row.querySelector('label').htmlFor,
    document.getElementById('children-0-age').value,
  ]);
  seen.afterRemove = [document.activeElement.id, isHidden('children-0-needs')];
  for (let i = 0; i < 6; i++) list.querySelector('[data-list-add]').click();
  seen.full = [rows().length, list.querySelector('[data-list-add]').hidden];
  while (rows().length) rows()[0].querySelector('[data-list-remove]').click();
  seen.empty = [document.activeElement.name, hiddenNames()];
} catch (error) {
  seen.error = String(error.stack);
}
document.getElementById('result').textContent = JSON.stringify(seen);
"""


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture
def site(tmp_path: Path, env: jinja2.Environment) -> Iterator[str]:
    definition = definition_of(ALL_COMPONENTS)
    form = bind_options(build_form_class(definition)(), definition, {"municipalities": ["a"]})
    template = env.from_string(
        '{% import "forms/macros.html" as fm %}{{ fm.render_form(form, definition, "nb") }}'
    )
    body = template.render(form=form, definition=definition)
    page = (
        '<!doctype html><html lang="nb"><head><meta charset="utf-8"><title>t</title></head>'
        f'<body>{body}<pre id="result"></pre><script type="module">{SCENARIO}</script>'
        "</body></html>"
    )
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    shutil.copytree(JS, tmp_path / "forms")
    handler = functools.partial(_QuietHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/page.html"
    server.shutdown()
    server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_live_conditions_and_rows_in_chromium(site: str) -> None:
    chromium = _chromium()
    if chromium is None:
        pytest.skip("Chromium is not installed")
    result = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--virtual-time-budget=5000",
            "--dump-dom",
            site,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    match = re.search(r'<pre id="result">(.*?)</pre>', result.stdout, re.S)
    assert match and match.group(1), result.stderr[-2000:]
    seen = json.loads(html.unescape(match.group(1)))
    assert "error" not in seen, seen["error"]
    assert seen["start"] == [True, "colour_note children-0-needs"]
    assert seen["red"] == [False, "children-0-needs"]
    assert seen["count"] is False
    assert seen["added"] == ["Rad 1", "Rad 2"]
    assert seen["names"] == [
        "children-1-_row",
        "children-1-name",
        "children-1-age",
        "children-1-needs",
        "children-remove-1",
    ]
    assert seen["focus"] == "children-1-name" and seen["newNeeds"] is True
    assert seen["needs"] == [True, False]
    assert seen["removed"] == [["Rad 1", "Fjern rad 1", "children-0-name", "5"]]
    assert seen["afterRemove"] == ["children-0-name", False]
    assert seen["full"] == [4, True]
    assert seen["empty"] == ["children-add", ""]
