#!/usr/bin/env python
"""How long the process designer takes to open a large diagram in headless Chromium.

Run with `.venv/bin/python tests/bench/designer_open.py [--json]`. Not a test: it never
asserts on time; the figures of the large diagrams stand beside a small diagram's, measured
in the same run on the same browser. About 1-1.5 minutes on 2 cores.

The script builds an app on its own SQLite file in a temp dir (`create_app` with
`SCHEDULER=off`), seeds the demo users (`seed_demo_users`: the default tenant and the
process owner `eier`) and stores one draft per size with `drafts.create`: a generated,
laid-out BPMN diagram of exactly N elements (10, 100, 300: a pool with two lanes, a start
event, a chain of user and script tasks with parallel split/join blocks, an end event, each
sequence flow with waypoints; no draft problems but the catalogue card's). The app is
served by werkzeug's `make_server` in a thread, as tests/e2e serves it, and Debian's
Chromium is driven by Playwright with the browser tests' flags, in two set-ups:

  profile  a persistent browser profile (launch_persistent_context): HTTP cache on disk and
           V8's code cache, the browser of a process owner who opens the editor regularly;
  context  Playwright's default context, as the browser tests use: off the record, so the
           HTTP cache is in memory and V8 keeps no code cache (every open compiles the
           1.8 MB bundle again).

In each: log in, two priming opens (Chromium stores a script's code cache on its second load
and uses it from the third), then per size one warm-up and five timed opens, each in a fresh
page. An open is timed from `page.goto(editor URL)` until `#modeler-app[data-ready="true"]`
(the editor sets it after `importXML`, the problems and the zoom to fit) with one
`.djs-element` per diagram element. An init script (added over DevTools; the page's own code
is untouched) records `performance.now()` at bpmn-js's import events and when data-ready
turns true; navigation and resource timing come from the Performance API; the renderer's
CPU counters from DevTools' `Performance.getMetrics`; a WSGI wrapper times each request in
the server. A last open of the 300-element diagram is traced (Chromium trace events) to split
it into phases by wall time and main-thread CPU time, and to show whether V8 used a code
cache for modeler.js.

Wall times depend on what else runs: the server, Playwright and Chromium share the CPUs, and
the script prints the load average. The CPU figures hold up better.

Progress goes to stderr; the table (or, with --json, the figures) to stdout. The figures are
also saved to tests/bench/results/designer_open.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import results_file  # noqa: E402  (beside this file)

SIZES = (10, 100, 300)
BASELINE, TARGET_SIZE = 10, 300
TARGET_MS = 1000.0
WARMUP, RUNS = 1, 5


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- the diagram

TASK_W, TASK_H = 100, 80
GW = 50
EV = 36
COL = 150  # column pitch
ROW_H = 240  # row pitch: the main line, a parallel branch 110 px below, the return path
COLUMNS = 12
POOL_X, POOL_Y, LANE_X = 120, 80, 150
BRANCH_DY = 110

NS = (
    'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
    'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
    'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" '
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"'
)
FORMS = {"soknad.json": "Søknad", "oppgave.json": "Vurdering"}
LANES = ("Innbygger", "Saksbehandler")


def plan(n: int) -> tuple[int, int]:
    """(tasks, blocks) so that pool + 2 lanes + start + tasks + blocks + end = n elements.

    A task in the chain costs 2 elements (the shape and its incoming flow), a parallel
    block 9 (split, two tasks, join and 5 flows), the end event 2, the pool and lanes 3,
    the start event 1.
    """
    rest = n - 6
    if rest < 0:
        raise ValueError("a diagram needs at least 6 elements")
    blocks = round(rest * 0.35 / 9)
    if (rest - 9 * blocks) % 2:
        blocks += 1 if blocks == 0 or rest - 9 * (blocks + 1) >= 0 else -1
    if rest - 9 * blocks < 0 or (rest - 9 * blocks) % 2:
        raise ValueError(f"no diagram of exactly {n} elements with this pattern")
    return (rest - 9 * blocks) // 2, blocks


class Diagram:
    """Collects nodes (with bounds) and flows (with waypoints) on a row-wise grid."""

    def __init__(self) -> None:
        self.nodes: list[dict[str, Any]] = []
        self.flows: list[dict[str, Any]] = []
        self.row, self.col = 0, 0
        self.last: dict[str, Any] | None = None
        self.serial = 0

    def _id(self, prefix: str) -> str:
        self.serial += 1
        return f"{prefix}_{self.serial}"

    def centre(self, row: int, col: int, dy: int = 0) -> tuple[int, int]:
        return LANE_X + 40 + col * COL + COL // 2, POOL_Y + row * ROW_H + 70 + dy

    def node(self, kind: str, row: int, col: int, dy: int = 0, **extra: Any) -> dict[str, Any]:
        w, h = {"task": (TASK_W, TASK_H), "gateway": (GW, GW), "event": (EV, EV)}[
            "task"
            if kind in ("userTask", "scriptTask")
            else "gateway"
            if "Gateway" in kind
            else "event"
        ]
        cx, cy = self.centre(row, col, dy)
        node = {
            "id": extra.pop("id", None) or self._id(kind[:4].lower()),
            "kind": kind,
            "x": cx - w // 2,
            "y": cy - h // 2,
            "w": w,
            "h": h,
            "row": row,
            **extra,
        }
        self.nodes.append(node)
        return node

    def flow(self, source: dict[str, Any], target: dict[str, Any], points: list[tuple]) -> None:
        self.flows.append(
            {"id": self._id("flow"), "source": source, "target": target, "points": points}
        )

    @staticmethod
    def right(node: dict[str, Any]) -> tuple[int, int]:
        return node["x"] + node["w"], node["y"] + node["h"] // 2

    @staticmethod
    def left(node: dict[str, Any]) -> tuple[int, int]:
        return node["x"], node["y"] + node["h"] // 2

    def place(self, width: int) -> tuple[int, int, bool]:
        """The row and column for `width` columns; wraps to the next row when full."""
        wrapped = False
        if self.col + width > COLUMNS:
            self.row, self.col, wrapped = self.row + 1, 0, True
        row, col = self.row, self.col
        self.col += width
        return row, col, wrapped

    def connect(self, target: dict[str, Any], wrapped: bool) -> None:
        """A flow from the last node on the main line to `target`."""
        source = self.last
        assert source is not None
        sx, sy = self.right(source)
        tx, ty = self.left(target)
        if wrapped:  # back to the left edge below the row, then down to the next row
            below = source["y"] + source["h"] // 2 + BRANCH_DY + 65
            back = LANE_X + 15
            points = [
                (sx, sy),
                (sx + 25, sy),
                (sx + 25, below),
                (back, below),
                (back, ty),
                (tx, ty),
            ]
        else:
            points = [(sx, sy), (tx, ty)]
        self.flow(source, target, points)

    def task(self, i: int) -> None:
        row, col, wrapped = self.place(1)
        if i % 2:
            node = self.node("scriptTask", row, col, name=f"Beregn {i}", script=f"steg_{i} = {i}")
        else:
            node = self.node("userTask", row, col, name=f"Vurder {i}", form="oppgave.json")
        self.connect(node, wrapped)
        self.last = node

    def block(self, i: int) -> None:
        row, col, wrapped = self.place(3)
        split = self.node("parallelGateway", row, col)
        self.connect(split, wrapped)
        a = self.node("userTask", row, col + 1, name=f"Kontroller {i}a", form="oppgave.json")
        b = self.node("scriptTask", row, col + 1, BRANCH_DY, name=f"Hent {i}b", script="x = 1")
        join = self.node("parallelGateway", row, col + 2)
        gx, gy = self.right(split)
        self.flow(split, a, [(gx, gy), self.left(a)])
        sb = (split["x"] + GW // 2, split["y"] + GW)
        bl = self.left(b)
        self.flow(split, b, [sb, (sb[0], bl[1]), bl])
        self.flow(a, join, [self.right(a), self.left(join)])
        br = self.right(b)
        jb = (join["x"] + GW // 2, join["y"] + GW)
        self.flow(b, join, [br, (jb[0], br[1]), jb])
        self.last = join


def generate(n: int, key: str) -> str:
    """A laid-out, parseable BPMN diagram of exactly `n` elements (shapes + flows)."""
    tasks, blocks = plan(n)
    d = Diagram()
    row, col, _ = d.place(1)
    d.last = d.node("startEvent", row, col, id="start", form="soknad.json")
    units = ["task"] * tasks
    if blocks:  # spread the blocks evenly through the chain
        step = (tasks + blocks) / blocks
        for b in range(blocks):
            units.insert(min(len(units), int(b * step) + 1), "block")
    for i, unit in enumerate(units, start=1):
        if unit == "block":
            d.block(i)
        else:
            d.task(i)
    row, col, wrapped = d.place(1)
    end = d.node("endEvent", row, col, id="end")
    d.connect(end, wrapped)
    rows = d.row + 1
    citizen_rows = (rows + 1) // 2
    return _xml(d, key, rows, citizen_rows)


def _xml(d: Diagram, key: str, rows: int, citizen_rows: int) -> str:
    width = LANE_X - POOL_X + 40 + COLUMNS * COL + 40
    lane_w = width - (LANE_X - POOL_X)
    heights = (citizen_rows * ROW_H, max(1, rows - citizen_rows) * ROW_H)
    incoming: dict[str, list[str]] = {}
    outgoing: dict[str, list[str]] = {}
    for f in d.flows:
        outgoing.setdefault(f["source"]["id"], []).append(f["id"])
        incoming.setdefault(f["target"]["id"], []).append(f["id"])
    lane_nodes: tuple[list[str], list[str]] = ([], [])
    for node in d.nodes:
        lane_nodes[0 if node["row"] < citizen_rows else 1].append(node["id"])
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<bpmn:definitions {NS} id="{key}_definitions" targetNamespace="http://flytverk.no/bpmn">',
        f'  <bpmn:collaboration id="{key}_collaboration">',
        f'    <bpmn:participant id="pool" name="Kommunen" processRef="{key}" />',
        "  </bpmn:collaboration>",
        f'  <bpmn:process id="{key}" name="Stor prosess" isExecutable="true">',
        '    <bpmn:laneSet id="lanes">',
    ]
    for i, name in enumerate(LANES):
        out.append(f'      <bpmn:lane id="lane_{i}" name="{name}">')
        out += [f"        <bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>" for n in lane_nodes[i]]
        out.append("      </bpmn:lane>")
    out.append("    </bpmn:laneSet>")
    for node in d.nodes:
        tag = node["kind"]
        name = f' name="{node["name"]}"' if node.get("name") else ""
        out.append(f'    <bpmn:{tag} id="{node["id"]}"{name}>')
        if node.get("form"):
            out += [
                "      <bpmn:extensionElements><spiffworkflow:properties>",
                '        <spiffworkflow:property name="formJsonSchemaFilename" '
                f'value="{node["form"]}" />',
                "      </spiffworkflow:properties></bpmn:extensionElements>",
            ]
        out += [f"      <bpmn:incoming>{f}</bpmn:incoming>" for f in incoming.get(node["id"], [])]
        out += [f"      <bpmn:outgoing>{f}</bpmn:outgoing>" for f in outgoing.get(node["id"], [])]
        if node.get("script"):
            out.append(f"      <bpmn:script>{node['script']}</bpmn:script>")
        out.append(f"    </bpmn:{tag}>")
    for f in d.flows:
        out.append(
            f'    <bpmn:sequenceFlow id="{f["id"]}" sourceRef="{f["source"]["id"]}" '
            f'targetRef="{f["target"]["id"]}" />'
        )
    out += [
        "  </bpmn:process>",
        f'  <bpmndi:BPMNDiagram id="{key}_diagram">',
        f'    <bpmndi:BPMNPlane id="{key}_plane" bpmnElement="{key}_collaboration">',
        _shape("pool", POOL_X, POOL_Y, width, sum(heights), horizontal=True),
        _shape("lane_0", LANE_X, POOL_Y, lane_w, heights[0], horizontal=True),
        _shape("lane_1", LANE_X, POOL_Y + heights[0], lane_w, heights[1], horizontal=True),
    ]
    out += [_shape(n["id"], n["x"], n["y"], n["w"], n["h"]) for n in d.nodes]
    for f in d.flows:
        out.append(f'      <bpmndi:BPMNEdge id="{f["id"]}_di" bpmnElement="{f["id"]}">')
        out += [f'        <di:waypoint x="{x}" y="{y}" />' for x, y in f["points"]]
        out.append("      </bpmndi:BPMNEdge>")
    out += ["    </bpmndi:BPMNPlane>", "  </bpmndi:BPMNDiagram>", "</bpmn:definitions>", ""]
    return "\n".join(out)


def _shape(element: str, x: int, y: int, w: int, h: int, horizontal: bool = False) -> str:
    attr = ' isHorizontal="true"' if horizontal else ""
    return (
        f'      <bpmndi:BPMNShape id="{element}_di" bpmnElement="{element}"{attr}>'
        f'<dc:Bounds x="{x}" y="{y}" width="{w}" height="{h}" /></bpmndi:BPMNShape>'
    )


def element_count(xml: str) -> int:
    """Shapes + edges in the diagram's DI: what the canvas should show."""
    return xml.count("<bpmndi:BPMNShape ") + xml.count("<bpmndi:BPMNEdge ")


# --------------------------------------------------------------------------- the app


def build_app(tmp: str, sizes: tuple[int, ...]) -> tuple[Any, dict[int, int]]:
    """An app on a SQLite file in `tmp`, the demo users, and one draft per size: {n: model id}."""
    from designer import create_app
    from designer.cli import seed_demo_users
    from designer.extensions import db
    from designer.models import User
    from designer.services import drafts

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "SQLITE_SYNCHRONOUS": "OFF",
            "SCHEDULER": "off",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{os.path.join(tmp, 'flytverk.sqlite')}",
            "UPLOAD_FOLDER": os.path.join(tmp, "uploads"),
            "ARCHIVE_FOLDER": os.path.join(tmp, "archive"),
        }
    )
    models = {}
    with app.app_context():
        db.create_all()
        seed_demo_users()  # the default tenant, and `eier`, a process owner
        session = db.session()  # the Session itself, not the scoped proxy
        owner = session.query(User).filter_by(username="eier").one()
        files = {f"forms/{name}": drafts.blank_form(name, title) for name, title in FORMS.items()}
        for n in sizes:
            xml = generate(n, f"stor_{n}")
            if element_count(xml) != n:
                raise AssertionError(f"the generated diagram has {element_count(xml)} elements")
            model = drafts.create(
                session, owner.tenant_id, f"Benk {n}", owner.name, bpmn_xml=xml, files=files
            )
            models[n] = model.id
        session.commit()
        db.session.remove()
    return app, models


class Timed:
    """WSGI wrapper: the wall time of every request in the server, by path."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.log: list[tuple[str, float]] = []
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        started = time.perf_counter()
        try:
            body = list(self.app(environ, start_response))  # rendered and read: all server work
        finally:
            with self.lock:
                self.log.append((environ.get("PATH_INFO", ""), time.perf_counter() - started))
        return body

    def take(self) -> list[tuple[str, float]]:
        with self.lock:
            out, self.log = self.log, []
        return out


@contextmanager
def serving(app: Any) -> Iterator[tuple[str, Timed]]:
    """The app on 127.0.0.1 in a background thread, as tests/e2e/conftest.py serves it."""
    from werkzeug.serving import make_server

    timed = Timed(app.wsgi_app)
    app.wsgi_app = timed
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", timed
    finally:
        server.shutdown()
        thread.join(timeout=10)


# --------------------------------------------------------------------------- the browser

# Runs in every page before its own scripts (over DevTools, so the site's CSP does not apply).
# It only listens: each mark is performance.now() (ms since navigation start), also set as a
# performance.mark('bench_<name>') so that a trace can be cut at the same points.
INIT_SCRIPT = """
(() => {
  const marks = {};
  window.__benchMarks = marks;
  const mark = (name) => {
    if (!(name in marks)) { marks[name] = performance.now(); performance.mark('bench_' + name); }
  };
  let modeler;
  Object.defineProperty(window, 'flytverkModeler', {
    configurable: true,
    get() { return modeler; },
    set(value) {
      modeler = value;
      mark('modeler_created');
      const bus = value.get('eventBus');
      bus.on('import.parse.start', 10000, () => { mark('parse_start'); });
      bus.on('import.parse.complete', 10000, () => { mark('parse_done'); });
      bus.on('import.render.start', 10000, () => { mark('render_start'); });
      bus.on('import.render.complete', 10000, () => { mark('render_done'); });
      bus.on('import.done', 10000, () => { mark('import_done'); });
    },
  });
  document.addEventListener('DOMContentLoaded', () => {
    const app = document.getElementById('modeler-app');
    if (!app) { return; }
    const seen = () => {
      if (app.dataset.ready === 'true' && !('ready' in marks)) {
        mark('ready');
        requestAnimationFrame(() => { mark('frame'); });
      }
    };
    new MutationObserver(seen).observe(app, { attributes: true, attributeFilter: ['data-ready'] });
  }, { once: true });
})();
"""

COLLECT = """
() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const pick = (e) => ({
    start: e.startTime, request: e.requestStart, response_start: e.responseStart,
    response_end: e.responseEnd, transfer: e.transferSize, body: e.encodedBodySize,
  });
  const res = performance.getEntriesByType('resource');
  const find = (part) => res.filter((e) => new URL(e.name).pathname.endsWith(part)).map(pick);
  const app = document.getElementById('modeler-app');
  return {
    nav: {
      response_start: nav.responseStart, response_end: nav.responseEnd,
      dom_content_loaded: nav.domContentLoadedEventEnd, load: nav.loadEventEnd,
    },
    modeler_js: find('/modeler.js'), options: find('/options'), draft: find('/draft'),
    marks: window.__benchMarks,
    elements: document.querySelectorAll('#modeler-app .djs-element').length,
    problems: Number(app.dataset.problemCount || 0),
  };
}
"""

READY = """
n => {
  const app = document.getElementById('modeler-app');
  return !!app && app.dataset.ready === 'true'
    && document.querySelectorAll('#modeler-app .djs-element').length >= n;
}
"""

MODES = {
    "profile": "a browser profile on disk: HTTP cache and V8 code cache "
    "(a process owner's browser)",
    "context": "Playwright's default context, as tests/e2e: off the record, HTTP cache in memory, "
    "no V8 code cache",
}
# Performance.getMetrics counters of the page's renderer (seconds of thread time)
CPU_METRICS = {
    "main": "ThreadTime",  # the renderer's main thread
    "renderer": "ProcessTime",  # the whole renderer process (compositor, compile threads too)
    "layout": "LayoutDuration",
    "style": "RecalcStyleDuration",
}
PRIME = 2  # Chromium stores a script's code cache on its 2nd load and uses it from the 3rd
TRACE_CATEGORIES = [
    "toplevel",
    "blink.user_timing",
    "devtools.timeline",
    "disabled-by-default-devtools.timeline",
    "v8",
    "loading",
]


@contextmanager
def browser_context(playwright: Any, mode: str, executable: str, tmp: str) -> Iterator[Any]:
    """A logged-in browser context of `mode` with the marks' init script."""
    from tests.e2e.conftest import CHROMIUM_ARGS

    options: dict[str, Any] = {
        "locale": "nb-NO",
        "viewport": {"width": 1280, "height": 900},
    }
    browser = None
    if mode == "profile":
        context = playwright.chromium.launch_persistent_context(
            os.path.join(tmp, "chromium-profile"),
            executable_path=executable,
            args=CHROMIUM_ARGS,
            **options,
        )
    else:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        context = browser.new_context(**options)
    try:
        context.add_init_script(INIT_SCRIPT)
        yield context
    finally:
        context.close()
        if browser is not None:
            browser.close()


def log_in(context: Any, base: str) -> str:
    """Log in as the process owner `eier`; return the browser's version."""
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("#username", "eier")
    page.fill("#password", "demo")
    page.click("main button[type=submit]")
    page.wait_for_selector(".flash--success")
    version = context.new_cdp_session(page).send("Browser.getVersion")["product"]
    page.close()
    return str(version).split("/")[-1]


def _server_figures(timed: Timed) -> dict[str, float]:
    server: dict[str, float] = {}
    for path, seconds in timed.take():
        last = path.rstrip("/").rsplit("/", 1)[-1]
        kind = {"edit": "page", "draft": "draft", "options": "options"}.get(last, "static")
        server[kind] = server.get(kind, 0.0) + seconds * 1000
    return server


def open_once(
    context: Any, url: str, expected: int, timed: Timed, trace: bool = False
) -> dict[str, Any]:
    """One open in a fresh page: wall time in Python, the page's timings, the server's; with
    `trace`, also a Chromium trace of it."""
    page = context.new_page()
    page.set_default_timeout(30000)
    events: list[dict[str, Any]] = []
    done = threading.Event()
    cdp = context.new_cdp_session(page)
    # the renderer's own counters, in CPU time: they hold up when other work shares the CPUs
    cdp.send("Performance.enable", {"timeDomain": "threadTicks"})
    if trace:
        cdp.on("Tracing.dataCollected", lambda e: events.extend(e["value"]))
        cdp.on("Tracing.tracingComplete", lambda _e: done.set())
        cdp.send(
            "Tracing.start",
            {
                "traceConfig": {"includedCategories": TRACE_CATEGORIES},
                "transferMode": "ReportEvents",
            },
        )
    timed.take()
    try:
        started = time.perf_counter()
        page.goto(url, wait_until="commit")
        page.wait_for_function(READY, arg=expected, polling="raf")
        wall_ms = (time.perf_counter() - started) * 1000
        page.wait_for_function("() => 'frame' in (window.__benchMarks || {})")
        metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        figures = page.evaluate(COLLECT)
        if trace:
            cdp.send("Tracing.end")
            deadline = time.monotonic() + 30
            while not done.is_set() and time.monotonic() < deadline:
                page.wait_for_timeout(50)
    finally:
        page.close()
    figures["wall_ms"] = wall_ms
    figures["server_ms"] = _server_figures(timed)
    figures["cpu_ms"] = {key: metrics.get(name, 0.0) * 1000 for key, name in CPU_METRICS.items()}
    if trace:
        figures["trace_events"] = events
    return figures


def run_mode(
    playwright: Any,
    mode: str,
    executable: str,
    tmp: str,
    base: str,
    models: dict[int, int],
    timed: Timed,
) -> dict[str, Any]:
    """Prime the caches, then per size 1 warm-up and 5 timed opens; one traced open at the end."""
    runs: dict[int, list[dict[str, Any]]] = {}
    with browser_context(playwright, mode, executable, tmp) as context:
        version = log_in(context, base)

        def url(n: int) -> str:
            return f"{base}/modeler/{models[n]}/edit"

        for _ in range(PRIME):
            open_once(context, url(BASELINE), BASELINE, timed)
        for n in SIZES:
            for i in range(WARMUP + RUNS):
                figures = open_once(context, url(n), n, timed)
                label = "warm-up" if i < WARMUP else f"run {i - WARMUP + 1}"
                progress(
                    f"  {mode}: {n:>4} elements, {label}: {figures['wall_ms']:.0f} ms "
                    f"(data-ready at {figures['marks'].get('ready', 0):.0f} ms in the page)"
                )
                if i >= WARMUP:
                    runs.setdefault(n, []).append(figures)
        progress(f"  {mode}: one traced open of {TARGET_SIZE} elements")
        traced = open_once(context, url(TARGET_SIZE), TARGET_SIZE, timed, trace=True)
    return {"version": version, "runs": runs, "trace": analyse_trace(traced)}


# --------------------------------------------------------------------------- the trace

PHASES = (
    ("load", None, "modeler_created", "HTML, bundle compile + run, new Modeler"),
    ("fetch", "modeler_created", "parse_start", "GET options, then GET draft"),
    ("import", "parse_start", "import_done", "importXML (parse + render)"),
    ("after", "import_done", "ready", "problems, canvas names, fit"),
    ("frame", "ready", "frame", "to the next frame"),
)


def analyse_trace(run: dict[str, Any]) -> dict[str, Any]:
    """Wall and main-thread CPU time per phase of one open, and how modeler.js was compiled."""
    events = run.pop("trace_events", [])
    marks = run["marks"]
    stamps = {
        e["name"][len("bench_") :]: (e["ts"], e["pid"], e["tid"])
        for e in events
        if str(e.get("name", "")).startswith("bench_") and "ts" in e
    }
    if "modeler_created" not in stamps or not events:
        return {"error": "no marks in the trace"}
    ts, pid, tid = stamps["modeler_created"]
    origin = ts - marks["modeler_created"] * 1000  # navigation start on the trace's clock

    def at(name: str | None) -> float:
        return origin if name is None else stamps[name][0]

    main = [
        e
        for e in events
        if e.get("pid") == pid and e.get("tid") == tid and e.get("ph") == "X" and "dur" in e
    ]
    tasks = [e for e in main if e["name"] == "RunTask"]
    phases = {}
    for key, start, end, label in PHASES:
        if (start is not None and start not in stamps) or end not in stamps:
            continue
        a, b = at(start), at(end)
        cpu = 0.0
        for task in tasks:
            lo, hi = max(a, task["ts"]), min(b, task["ts"] + task["dur"])
            if hi > lo and task["dur"] > 0:
                cpu += task.get("tdur", task["dur"]) * (hi - lo) / task["dur"]
        phases[key] = {"label": label, "wall_ms": (b - a) / 1000, "main_cpu_ms": cpu / 1000}
    script: dict[str, Any] = {}
    for e in main:
        data = (e.get("args") or {}).get("data") or {}
        if not str(data.get("url", "")).endswith("/static/modeler.js"):
            continue
        if e["name"] == "EvaluateScript":
            script["evaluate_wall_ms"] = e["dur"] / 1000
            script["evaluate_cpu_ms"] = e.get("tdur", 0) / 1000
        elif e["name"] == "v8.compile":
            script["code_cache_bytes"] = data.get("consumedCacheSize", 0)
            script["streamed"] = data.get("streamed")
    layout = sum(
        e.get("tdur", e["dur"])
        for e in main
        if e["name"] in ("UpdateLayoutTree", "Layout")
        and at("parse_start") <= e["ts"] <= at("ready")
    )
    return {
        "wall_ms": run["wall_ms"],
        "phases": phases,
        "modeler_js": script,
        "style_layout_cpu_ms_import_to_ready": layout / 1000,
        "events": len(events),
    }


# --------------------------------------------------------------------------- figures


def _median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def _first(entries: list[dict[str, Any]], key: str) -> float | None:
    """A field of the first resource entry of a kind (one fetch of each per page)."""
    return entries[0].get(key) if entries else None


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def _mark(name: str) -> Callable[[dict[str, Any]], float | None]:
    return lambda r: r["marks"].get(name)


# (key, label, from one run), in the order things happen: ms since navigation start
STEPS: list[tuple[str, str, Callable[[dict[str, Any]], float | None]]] = [
    ("html_response_end", "HTML received (responseEnd)", lambda r: r["nav"]["response_end"]),
    (
        "modeler_js_end",
        "modeler.js received (304)",
        lambda r: _first(r["modeler_js"], "response_end"),
    ),
    ("modeler_created", "bundle run, Modeler constructed", _mark("modeler_created")),
    ("dom_content_loaded", "DOMContentLoaded", lambda r: r["nav"]["dom_content_loaded"]),
    ("options_end", "GET options received", lambda r: _first(r["options"], "response_end")),
    ("load", "load event", lambda r: r["nav"]["load"] or None),
    ("draft_start", "GET draft sent", lambda r: _first(r["draft"], "start")),
    ("draft_end", "GET draft received", lambda r: _first(r["draft"], "response_end")),
    ("parse_start", "importXML: parse start", _mark("parse_start")),
    ("render_start", "importXML: render start", _mark("render_start")),
    ("import_done", "importXML: import.done", _mark("import_done")),
    ("ready", "data-ready (problems, fit done)", _mark("ready")),
    ("frame", "next animation frame", _mark("frame")),
]

# durations within one run (ms), medians over the runs
DURATIONS: list[tuple[str, str, Callable[[dict[str, Any]], float | None]]] = [
    (
        "draft_wait",
        "GET draft: request to first byte",
        lambda r: _diff(_first(r["draft"], "response_start"), _first(r["draft"], "request")),
    ),
    (
        "parse",
        "importXML: parse (moddle)",
        lambda r: _diff(r["marks"].get("parse_done"), r["marks"].get("parse_start")),
    ),
    (
        "render",
        "importXML: render the shapes",
        lambda r: _diff(r["marks"].get("render_done"), r["marks"].get("render_start")),
    ),
    (
        "after_import",
        "import.done to data-ready",
        lambda r: _diff(r["marks"].get("ready"), r["marks"].get("import_done")),
    ),
    ("server_page", "server: editor page", lambda r: r["server_ms"].get("page")),
    ("server_options", "server: GET options", lambda r: r["server_ms"].get("options")),
    ("server_draft", "server: GET draft (with problems)", lambda r: r["server_ms"].get("draft")),
    ("server_static", "server: static files (all 304)", lambda r: r["server_ms"].get("static")),
]


def summarise(runs: list[dict[str, Any]], n: int, xml_bytes: int) -> dict[str, Any]:
    walls = [r["wall_ms"] for r in runs]
    return {
        "elements": n,
        "elements_on_canvas": min(r["elements"] for r in runs),
        "problems": runs[-1]["problems"],
        "bpmn_bytes": xml_bytes,
        "modeler_js_transfer_bytes": _first(runs[-1]["modeler_js"], "transfer"),
        "runs": len(runs),
        "wall_ms_median": statistics.median(walls),
        "wall_ms_max": max(walls),
        "wall_ms": walls,
        "ready_ms_median": _median([r["marks"].get("ready") for r in runs]),
        "cpu_ms_median": {key: _median([r["cpu_ms"][key] for r in runs]) for key in CPU_METRICS},
        "timeline_ms": {key: _median([get(r) for r in runs]) for key, _label, get in STEPS},
        "durations_ms": {key: _median([get(r) for r in runs]) for key, _label, get in DURATIONS},
    }


def verdict(row: dict[str, Any]) -> str:
    if row["wall_ms_max"] < TARGET_MS:
        return "met"
    if row["wall_ms_median"] < TARGET_MS:
        return "met by the median, not by the max"
    return "NOT met"


def fmt(value: float | None, digits: int = 0) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def render(figures: dict[str, Any]) -> str:
    meta = figures["meta"]
    lines = [
        f"Flytverk designer open  (Chromium {meta['chromium']} headless, "
        f"bpmn-js {meta['bpmn_js']}, Python {meta['python']}, {meta['cpus']} CPU(s))",
        f"  per size: {meta['warmup']} warm-up + {meta['runs']} timed opens, each in a fresh "
        "page of one logged-in browser context",
        '  open = page.goto(editor URL) until #modeler-app[data-ready="true"] and one .djs-element',
        "  per diagram element; CPU = the renderer's own counters (Performance.getMetrics)",
        f"  modeler.js {meta['modeler_js_bytes'] / 1e6:.2f} MB minified; static files have no"
        " max-age: each open revalidates (304)",
    ]
    for mode, result in figures["modes"].items():
        sizes = result["sizes"]
        keys = list(sizes)

        def row(label: str, values: list[str]) -> str:
            return f"  {label:<38}" + "".join(f"{v:>10}" for v in values)

        described = MODES[mode].replace(": ", ":\n  ", 1)
        lines += [
            "",
            f"{mode}: {described}",
            "",
            row("elements", [f"{k} el." for k in keys]),
            row(
                "on the canvas (.djs-element)", [str(sizes[k]["elements_on_canvas"]) for k in keys]
            ),
            row("problems listed", [str(sizes[k]["problems"]) for k in keys]),
            row("diagram size (KB)", [f"{sizes[k]['bpmn_bytes'] / 1000:.1f}" for k in keys]),
            row("open, median ms", [fmt(sizes[k]["wall_ms_median"]) for k in keys]),
            row("open, max ms", [fmt(sizes[k]["wall_ms_max"]) for k in keys]),
            row(
                f"vs {meta['baseline']} elements (median)",
                [fmt(sizes[k]["ratio_to_baseline"], 2) for k in keys],
            ),
            row(
                "main-thread CPU, median ms", [fmt(sizes[k]["cpu_ms_median"]["main"]) for k in keys]
            ),
            row(
                "renderer CPU, median ms",
                [fmt(sizes[k]["cpu_ms_median"]["renderer"]) for k in keys],
            ),
            row(
                "  of it style + layout",
                [
                    fmt(sizes[k]["cpu_ms_median"]["style"] + sizes[k]["cpu_ms_median"]["layout"])
                    for k in keys
                ],
            ),
            row(
                f"main-thread CPU vs {meta['baseline']} elements",
                [fmt(sizes[k]["cpu_ratio_to_baseline"], 2) for k in keys],
            ),
            "",
            "  timeline, median ms since navigation start",
        ]
        for key, label, _get in STEPS:
            lines.append(row(label, [fmt(sizes[k]["timeline_ms"][key]) for k in keys]))
        lines += ["", "  durations, median ms"]
        for key, label, _get in DURATIONS:
            lines.append(row(label, [fmt(sizes[k]["durations_ms"][key], 1) for k in keys]))
        trace = result["trace"]
        if "phases" in trace:
            script = trace["modeler_js"]
            lines += [
                "",
                f"  one traced open of {TARGET_SIZE} elements ({trace['wall_ms']:.0f} ms): "
                "wall and renderer main-thread CPU",
            ]
            for phase in trace["phases"].values():
                lines.append(
                    f"  {phase['label']:<38}{phase['wall_ms']:>10.0f} ms wall"
                    f"{phase['main_cpu_ms']:>8.0f} ms CPU"
                )
            lines.append(
                f"  modeler.js: run {fmt(script.get('evaluate_wall_ms'))} ms wall, "
                f"{fmt(script.get('evaluate_cpu_ms'))} ms CPU; V8 code cache used: "
                f"{script.get('code_cache_bytes', 0) / 1e6:.2f} MB"
            )
            lines.append(
                f"  style + layout from importXML to data-ready: "
                f"{trace['style_layout_cpu_ms_import_to_ready']:.0f} ms CPU"
            )
        target, small = sizes[str(TARGET_SIZE)], sizes[str(meta["baseline"])]
        lines += [
            "",
            f"  {TARGET_SIZE - meta['baseline']} more elements cost "
            f"{target['wall_ms_median'] - small['wall_ms_median']:.0f} ms wall and "
            f"{target['cpu_ms_median']['main'] - small['cpu_ms_median']['main']:.0f} ms "
            f"main-thread CPU;",
            f"  the {meta['baseline']}-element open itself takes {small['wall_ms_median']:.0f} ms",
            f"  target, {TARGET_SIZE} elements in under {TARGET_MS:.0f} ms: {verdict(target)} "
            f"(median {target['wall_ms_median']:.0f} ms, max {target['wall_ms_max']:.0f} ms)",
            f"  ratio {TARGET_SIZE}/{meta['baseline']}: "
            f"{fmt(target['ratio_to_baseline'], 2)} wall, "
            f"{fmt(target['cpu_ratio_to_baseline'], 2)} main-thread CPU",
        ]
    before, after = meta["load_average_1min"]
    lines += [
        "",
        f"total run time {meta['total_s']:.1f} s; load average {before:.1f} before, "
        f"{after:.1f} after, on {meta['cpus']} CPU(s)",
    ]
    if max(before, after) > (meta["cpus"] or 1) * 0.75:
        lines.append(
            "warning: other work shared the CPUs; the wall times are inflated, the CPU times "
            "much less so"
        )
    return "\n".join(lines)


def _package_version(name: str) -> str | None:
    try:
        with open(ROOT / "node_modules" / name / "package.json", encoding="utf-8") as handle:
            return json.load(handle).get("version")
    except OSError:
        return None


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    from tests.e2e.conftest import _chromium

    executable = _chromium()
    if executable is None:
        progress("no Chromium found (install Debian's 'chromium' or set FLYTVERK_CHROMIUM)")
        return 2
    from playwright.sync_api import sync_playwright

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log on stderr
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="flytverk-bench-") as tmp:
        progress("building the app and the drafts")
        app, models = build_app(tmp, SIZES)
        xml_bytes = {n: len(generate(n, f"stor_{n}").encode()) for n in SIZES}
        try:
            with serving(app) as (base, timed), sync_playwright() as playwright:
                for mode in MODES:
                    progress(f"{mode}: {MODES[mode]}")
                    results[mode] = run_mode(playwright, mode, executable, tmp, base, models, timed)
        finally:
            from designer.extensions import db

            with app.app_context():
                db.session.remove()
                db.engine.dispose()
    modes = {}
    for mode, result in results.items():
        sizes = {str(n): summarise(result["runs"][n], n, xml_bytes[n]) for n in SIZES}
        base_wall = sizes[str(BASELINE)]["wall_ms_median"]
        base_cpu = sizes[str(BASELINE)]["cpu_ms_median"]["main"]
        for row in sizes.values():
            row["ratio_to_baseline"] = row["wall_ms_median"] / base_wall if base_wall else None
            cpu = row["cpu_ms_median"]["main"]
            row["cpu_ratio_to_baseline"] = cpu / base_cpu if base_cpu and cpu else None
        modes[mode] = {"description": MODES[mode], "sizes": sizes, "trace": result["trace"]}
    figures = {
        "meta": {
            "chromium": next(iter(results.values()))["version"],
            "chromium_path": executable,
            "bpmn_js": _package_version("bpmn-js"),
            "modeler_js_bytes": (ROOT / "static" / "dist" / "modeler.js").stat().st_size,
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "prime": PRIME,
            "warmup": WARMUP,
            "runs": RUNS,
            "baseline": BASELINE,
            "target_size": TARGET_SIZE,
            "target_ms": TARGET_MS,
            "load_average_1min": [load_before, os.getloadavg()[0]],
            "total_s": time.perf_counter() - started,
        },
        "modes": modes,
        "target": {mode: verdict(m["sizes"][str(TARGET_SIZE)]) for mode, m in modes.items()},
    }
    results_file.publish("designer_open", figures, as_json=args.json, render=render)
    return 0


if __name__ == "__main__":
    sys.exit(main())
