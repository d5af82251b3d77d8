#!/usr/bin/env python
"""Completed instances per second through HTTP, against the same work done in-process.

Run with `.venv/bin/python tests/bench/http_throughput.py [--clients 4] [--seconds 8]`. Not a
test: it never asserts on time; figures are printed with a baseline measured in the same run.

The process is the shipped parking permit, the instant-rejection path: one form (the
citizen's application), a script and one gateway, a decision, end. Each instance is one
HTTP POST of the application by a logged-in citizen (CSRF token, server-side validation of
every field, engine start, durable commit on a SQLite file with synchronous=FULL, redirect
to the receipt) and the GET of the receipt it redirects to, as a browser does; the clients
keep their connections and cookies like browsers do.

  (a) in-process: designer.cases.apply() in a loop, no HTTP (the floor for this server);
  (b) HTTP: the Flask app served by `flask run --with-threads` (the development server,
      one process), (c) by gunicorn 3 workers x 2 threads (what the README says to run) and
      (d) by gunicorn in BEST_SETTING (the best of --matrix on 2 cores), each loaded for
      --seconds by each count of --clients client processes.

Options:
  --matrix          gunicorn in every setting of MATRIX (or --settings 2x1 3x2 ...), for each
                    --clients (default 2 and 4), in --rounds (default 2): instances/s, ratio
                    to (a), the best setting (highest worst case over the client counts).
  --compare-serial  BEST_SETTING with FLYTVERK_SQLITE_SERIAL_WRITES=0 and =1, interleaved.
  --profile         the app in this process's Python driven by the werkzeug test client (no
                    sockets, one thread): per request the statements, commits, transactions
                    and writer-lock turns, and where the time goes, against cases.apply alone.

Every server starts on a fresh copy of one seeded database. "server CPU" is the server's
process tree (workers, their sandbox processes, reaped children) per instance, "client CPU"
the client processes'; "cap" is what that CPU allows with every core serving and nothing
else running, as a ratio to (a). This machine may be shared: "others" is how many cores
were busy with anything else meanwhile. A row is a point's best round; with a time budget
(--matrix, --compare-serial) disturbed points are measured again. "conns" is how the
kept-alive connections sat on the workers (gthread keeps a connection on the worker that
accepted it; sync workers close after each response). Progress to stderr, the tables to
stdout, figures to tests/bench/results/http_throughput.json.
"""

from __future__ import annotations

import argparse
import collections
import functools
import http.client
import multiprocessing
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import results_file  # noqa: E402  (beside this file)

from tests.factories import PARKING_APPLICATION  # noqa: E402

REJECTED = {**PARKING_APPLICATION, "doctor_statement": "no"}
APPLY = "/services/parking_permit/apply"
SERIAL_VARIABLE = "FLYTVERK_SQLITE_SERIAL_WRITES"

# gunicorn settings (workers, threads) measured by --matrix; 1 thread is gunicorn's sync
# worker (a new connection per request), more threads its gthread worker (kept alive).
MATRIX = ((1, 1), (1, 4), (2, 1), (2, 2), (2, 4), (3, 2), (4, 1), (4, 2))
README_SETTING = (3, 2)  # what the README tells production to run
# The best of MATRIX on 2 cores (--matrix, 2026-12-03, tests/bench/README.md): sync workers,
# one per core, balance every request; gthread keeps connections where they landed.
BEST_SETTING = (2, 1)
WARM_UP = 2  # applications each client sends before the clock starts


def _env(db_path: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db_path}",
        "FLYTVERK_SECRET_KEY": "bench",
        "FLYTVERK_SCHEDULER": "off",
        "FLYTVERK_SESSION_COOKIE_SECURE": "false",
        "FLYTVERK_LOGIN_IP_MAX_FAILURES": "100000",
        **(extra or {}),
    }


def _flask(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [str(ROOT / ".venv/bin/flask"), "--app", "designer", *args],
        env=env,
        check=True,
        capture_output=True,
        cwd=ROOT,
    )


class Databases:
    """One seeded database, copied fresh for every variant (none runs on another's cases)."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.template = f"{folder}/template.sqlite"
        env = _env(self.template)
        _flask(env, "db", "upgrade")
        _flask(env, "seed", "--demo-users")
        self.made = 0

    def fresh(self) -> str:
        self.made += 1
        path = f"{self.folder}/bench{self.made}.sqlite"
        for suffix in ("", "-wal"):
            if os.path.exists(self.template + suffix):
                shutil.copyfile(self.template + suffix, path + suffix)
        return path


def _tree_cpu(root: int) -> float:
    """CPU seconds (user + system) of a process and its descendants, living or reaped."""
    tick = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = collections.defaultdict(list)
    cpu: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children[int(fields[1])].append(int(entry))
        # utime + stime, and cutime + cstime: the children it has waited for (a retired
        # sandbox process, say) count as its own.
        cpu[int(entry)] = sum(int(x) for x in fields[11:15]) / tick
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += cpu.get(pid, 0.0)
        todo.extend(children.get(pid, ()))
    return total


def _application(user: Any) -> tuple[Any, dict[str, Any]]:
    """The parking permit's live version and the rejected application's typed data."""
    from werkzeug.datastructures import MultiDict

    from designer.services import cases
    from designer.web.portal.forms import form_class as make_form_class
    from forms import typed_data

    _model, version = cases.published_version(user.tenant_id, "parking_permit")
    definition = cases.start_definition(version)
    assert definition is not None
    form = make_form_class(definition)(formdata=MultiDict(REJECTED), meta={"csrf": False})
    assert form.validate(), form.errors
    return version, typed_data(form, definition)


def in_process(db_path: str, n: int) -> dict[str, float]:
    """(a): instances per second with designer.cases.apply, no HTTP, and CPU per instance."""
    from designer import create_app
    from designer.extensions import db, db_session
    from designer.models import User
    from designer.services import cases

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}",
            "SECRET_KEY": "bench",
            "SCHEDULER": "off",
        }
    )
    with app.test_request_context():
        user = db.session.query(User).filter_by(username="kari").one()
        version, data = _application(user)
        cases.apply(db_session, user, version, data)  # warm caches
        cpu, busy, started = _tree_cpu(os.getpid()), _busy_cpu(), time.perf_counter()
        for _ in range(n):
            cases.apply(db_session, user, version, data)
        elapsed = time.perf_counter() - started
        cpu, busy = _tree_cpu(os.getpid()) - cpu, _busy_cpu() - busy
        db_session.remove()  # type: ignore[attr-defined]
    with app.app_context():
        db.engine.dispose()
    return {
        "instances_per_s": n / elapsed,
        "latency_p50_ms": elapsed / n * 1000,
        "server_cpu_ms": cpu / n * 1000,
        "others_cores": max(busy - cpu, 0.0) / elapsed,
    }


class Client:
    """One browser: a kept-alive connection (reopened when the server closes it), cookies."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}
        self.location = ""

    def request(
        self, method: str, path: str, body: dict[str, str] | None = None
    ) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        text = response.read().decode()
        self.location = response.headers.get("Location", "")
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(header)
            for key, morsel in cookie.items():
                self.cookies[key] = morsel.value
        return response.status, text

    def apply(self, token: str) -> tuple[int, str]:
        """POST the application; return the status and where it redirects to."""
        status, _ = self.request("POST", APPLY, {"csrf_token": token, **REJECTED})
        return status, urllib.parse.urlsplit(self.location).path + "?received=1"

    def login(self, username: str) -> str:
        _status, page = self.request("GET", "/login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        status, _ = self.request(
            "POST", "/login", {"csrf_token": token, "username": username, "password": "demo"}
        )
        assert status == 302, f"login failed: {status}"
        _status, page = self.request("GET", APPLY)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def _browse(port: int, seconds: float, ready: Any, results: Any) -> None:
    """One browser in its own process: log in, then apply for `seconds`, reading receipts."""
    browser = Client(port)
    token = browser.login("kari")
    for _ in range(WARM_UP):
        status, location = browser.apply(token)
        assert status == 302, status
        browser.request("GET", location)
    ready.wait(120)
    errors, latencies = [], []
    cpu, deadline = time.process_time(), time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.perf_counter()
        status, location = browser.apply(token)
        if status != 302:
            errors.append(status)
            continue
        status, _ = browser.request("GET", location)  # the receipt, as a browser does
        if status != 200:
            errors.append(status)
            continue
        latencies.append(time.perf_counter() - started)
    results.put((latencies, errors, time.process_time() - cpu))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def flask_server(port: int, _folder: str) -> tuple[list[str], Callable[[], bool]]:
    command = [
        str(ROOT / ".venv/bin/flask"),
        "--app",
        "designer",
        "run",
        "--port",
        str(port),
        "--with-threads",
        "--no-reload",
        "--no-debugger",
    ]
    return command, lambda: True


def gunicorn_server(workers: int, threads: int) -> Callable[..., Any]:
    """A gunicorn command; ready once every worker has loaded the app (post_worker_init)."""

    def make(port: int, folder: str) -> tuple[list[str], Callable[[], bool]]:
        ready = Path(tempfile.mkdtemp(dir=folder, prefix="ready"))
        config = ready.with_suffix(".conf.py")
        config.write_text(
            "from pathlib import Path\n\n\n"
            "def post_worker_init(worker):\n"
            f"    (Path({str(ready)!r}) / str(worker.pid)).touch()\n",
            encoding="utf-8",
        )
        command = [
            str(ROOT / ".venv/bin/gunicorn"),
            "--config",
            str(config),
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--bind",
            f"127.0.0.1:{port}",
            "designer:create_app()",
        ]
        return command, lambda: len(os.listdir(ready)) >= workers

    return make


def _busy_cpu() -> float:
    """CPU seconds the whole machine has been busy (all cores, /proc/stat)."""
    with open("/proc/stat", encoding="ascii") as handle:
        fields = [int(x) for x in handle.readline().split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _wait_for(process: subprocess.Popen[bytes], port: int, booted: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}: {process.args!r}")
        try:
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            probe.request("GET", "/login")
            probe.getresponse().read()
            probe.close()
            if booted():
                return
        except OSError:
            pass
        time.sleep(0.1)


def _placement(port: int, server_pid: int) -> str:
    """How the clients' open connections sit on the server's workers, e.g. "1+3"."""
    inodes = set()
    with open("/proc/net/tcp", encoding="ascii") as handle:
        for line in handle.read().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "01" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{fields[9]}]")  # established, server side
    try:
        with open(f"/proc/{server_pid}/task/{server_pid}/children", encoding="ascii") as handle:
            workers = [int(pid) for pid in handle.read().split()] or [server_pid]
    except OSError:
        workers = [server_pid]
    counts = []
    for worker in workers:
        try:
            fds = os.listdir(f"/proc/{worker}/fd")
        except OSError:
            continue
        held = 0
        for fd in fds:
            try:
                held += os.readlink(f"/proc/{worker}/fd/{fd}") in inodes
            except OSError:
                pass
        counts.append(held)
    return "+".join(str(c) for c in sorted(counts)) if any(counts) else ""  # "": none kept


def _load(port: int, seconds: float, clients: int, server_pid: int) -> dict[str, Any]:
    """`clients` browsers apply for `seconds` against a running server."""
    ready = multiprocessing.Barrier(clients + 1)
    results: multiprocessing.Queue[tuple[list[float], list[int], float]]
    results = multiprocessing.Queue()
    browsers = [
        multiprocessing.Process(target=_browse, args=(port, seconds, ready, results))
        for _ in range(clients)
    ]
    for browser in browsers:
        browser.start()
    ready.wait(120)  # every browser has logged in and warmed up
    cpu, busy, started = _tree_cpu(server_pid), _busy_cpu(), time.perf_counter()
    placement: list[str] = []
    look = threading.Timer(seconds / 2, lambda: placement.append(_placement(port, server_pid)))
    look.start()
    outcomes = [results.get(timeout=seconds + 120) for _ in browsers]
    look.join()
    elapsed = time.perf_counter() - started
    cpu, busy = _tree_cpu(server_pid) - cpu, _busy_cpu() - busy
    for browser in browsers:
        browser.join()
    errors = [status for _done, failed, _cpu in outcomes for status in failed]
    if errors:
        print(f"  {len(errors)} requests failed: {sorted(set(errors))}", file=sys.stderr)
    latencies = sorted(t for done, _failed, _cpu in outcomes for t in done)
    done = max(len(latencies), 1)
    client_cpu = sum(c for _done, _failed, c in outcomes)
    return {
        "clients": clients,
        "instances": len(latencies),
        "instances_per_s": len(latencies) / elapsed,
        "latency_p50_ms": latencies[len(latencies) // 2] * 1000 if latencies else 0.0,
        "latency_p95_ms": latencies[int(len(latencies) * 0.95)] * 1000 if latencies else 0.0,
        "server_cpu_ms": cpu / done * 1000,
        "client_cpu_ms": client_cpu / done * 1000,
        # Cores busy with anything else on the machine meanwhile (other sessions' work).
        "others_cores": max(busy - cpu - client_cpu, 0.0) / elapsed,
        "errors": len(errors),
        # Kept-alive connections stay on the worker that accepted them (gthread); a sync
        # worker closes after each response, so mid-run most show as 0.
        "connections_per_worker": placement[0] if placement else "",
    }


def over_http(
    db_path: str,
    folder: str,
    seconds: float,
    clients: list[int],
    server: Callable[..., Any],
    extra_env: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """One server; for each count of client processes, instances/s and CPU per instance."""
    port = _free_port()
    command, booted = server(port, folder)
    process = subprocess.Popen(
        command,
        env=_env(db_path, extra_env),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(process, port, booted)
        return [_load(port, seconds, count, process.pid) for count in clients]
    finally:
        process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown; Ctrl-C for flask run
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- where the time of one HTTP instance goes (--profile) -------------------------------------


class Parts:
    """Exclusive wall time, statements and commits of labelled calls (innermost label wins)."""

    def __init__(self) -> None:
        self.seconds: collections.Counter[str] = collections.Counter()  # of float seconds
        self.statements: collections.Counter[str] = collections.Counter()
        self.commits: collections.Counter[str] = collections.Counter()
        self.stack: list[list[Any]] = []

    REST = "rest"

    def current(self) -> str:
        return self.stack[-1][0] if self.stack else self.REST

    def wrap(self, label: str, func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def timed(*args: Any, **kwargs: Any) -> Any:
            frame: list[Any] = [label, time.perf_counter(), 0.0]
            self.stack.append(frame)
            try:
                return func(*args, **kwargs)
            finally:
                self.stack.pop()
                spent = time.perf_counter() - frame[1]
                self.seconds[label] += spent - frame[2]  # type: ignore[assignment]
                if self.stack:
                    self.stack[-1][2] += spent

        return timed

    def patch(self, owner: Any, name: str, label: str) -> None:
        setattr(owner, name, self.wrap(label, getattr(owner, name)))

    def clear(self) -> None:
        self.seconds.clear()
        self.statements.clear()
        self.commits.clear()


def _instrument(app: Any, parts: Parts) -> None:
    """Label the pieces of the apply POST and the receipt GET (the views' own look-ups)."""
    import flask.wrappers
    import flask_wtf

    import designer.web.portal.views as views
    from designer.extensions import csrf, login_manager
    from designer.services import decisions
    from designer.services.letters import render
    from engine.sandbox import pool

    interface = app.session_interface
    parts.patch(interface, "open_session", "session cookie: open (itsdangerous)")
    parts.patch(interface, "save_session", "session cookie: save (itsdangerous)")
    parts.patch(login_manager, "_user_callback", "login: load user + server-side session")
    parts.patch(csrf, "protect", "CSRF check (before_request)")
    parts.patch(flask.wrappers.Request, "_load_form_data", "form body parsing (werkzeug)")
    for key, functions in app.before_request_funcs.items():
        app.before_request_funcs[key] = [
            f if getattr(f, "__name__", "") == "csrf_protect" else parts.wrap("other hooks", f)
            for f in functions
        ]
    for key, functions in app.after_request_funcs.items():
        app.after_request_funcs[key] = [parts.wrap("other hooks", f) for f in functions]
    app.teardown_appcontext_funcs[:] = [
        parts.wrap("teardown (session remove)", f) for f in app.teardown_appcontext_funcs
    ]
    service = "POST: service + form definition look-up"
    parts.patch(views.cases, "published_version", service)
    parts.patch(views.cases, "start_definition", service)
    parts.patch(views, "form_class", service)
    parts.patch(flask_wtf.FlaskForm, "__init__", "POST: form build + validation")
    parts.patch(flask_wtf.FlaskForm, "validate_on_submit", "POST: form build + validation")
    parts.patch(views.forms, "page_step", "POST: form build + validation")
    parts.patch(views.forms, "typed_data", "POST: form build + validation")
    parts.patch(views.submissions, "claim", "POST: submission key claim")
    parts.patch(views.cases, "apply", "POST: cases.apply (the in-process path)")
    parts.patch(views, "flash", "flash + redirect")
    parts.patch(views, "redirect", "flash + redirect")
    reads = "receipt: case reads (views' service calls)"
    for owner, name in (
        (views.cases, "citizen_case"),
        (views.cases, "case_data"),
        (views.cases, "status_key"),
        (views.cases, "submitted_summary"),
        (views.cases, "information_requests"),
        (views.cases, "explanations"),
        (views.citizen_tasks, "open_tasks"),
        (views.citizen_tasks, "my_answers"),
        (views.applications, "attachments_of"),
        (views.connectors, "letters_of"),
        (decisions, "letters_of"),
    ):
        parts.patch(owner, name, reads)
    parts.patch(views, "render_template", "receipt: page render (Jinja)")
    parts.patch(render, "page_html", "receipt: letter HTML cleaned (nh3)")
    parts.patch(pool.Pool, "call", "sandbox round trip (script in its process)")


def _count_statements(engine: Any, parts: Parts, totals: collections.Counter[str]) -> None:
    from sqlalchemy import event

    @event.listens_for(engine, "before_cursor_execute")
    def _statement(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        parts.statements[parts.current()] += 1
        totals["statements"] += 1
        totals[statement.lstrip().split(None, 1)[0].upper()] += 1

    @event.listens_for(engine, "commit")
    def _commit(_conn: Any) -> None:
        parts.commits[parts.current()] += 1
        totals["commits"] += 1

    @event.listens_for(engine, "rollback")
    def _rollback(_conn: Any) -> None:
        totals["rollbacks"] += 1

    @event.listens_for(engine, "begin")
    def _begin(_conn: Any) -> None:
        totals["transactions"] += 1


def _writer_turns() -> int | None:
    """How often engine.writers' SQLite writer locks were taken (None: no such module)."""
    try:
        from engine import writers
    except ImportError:
        return None
    return sum(lock.taken for lock in getattr(writers, "_LOCKS", {}).values())


def _token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def _profile_child(db_path: str, n: int, results: Any) -> None:
    """In a fresh interpreter: the test-client loop, instrumented, and cases.apply alone."""
    os.environ.update(_env(db_path))
    from designer import create_app
    from designer.extensions import db, db_session
    from designer.models import User
    from designer.services import cases

    app = create_app()
    parts = Parts()
    totals: collections.Counter[str] = collections.Counter()
    with app.app_context():
        _count_statements(db.engine, parts, totals)
    client = app.test_client()
    client.get("/login")
    login = client.get("/login").get_data(as_text=True)
    assert (
        client.post(
            "/login", data={"csrf_token": _token(login), "username": "kari", "password": "demo"}
        ).status_code
        == 302
    )
    token = _token(client.get(APPLY).get_data(as_text=True))
    form = {"csrf_token": token, **REJECTED}

    def instance() -> Iterator[tuple[str, float, collections.Counter[str]]]:
        for method in ("POST", "GET"):
            before, started = totals.copy(), time.perf_counter()
            if method == "POST":
                response = client.post(APPLY, data=form)
                assert response.status_code == 302, response.status_code
                receipt = response.headers["Location"]
            else:
                assert client.get(receipt).status_code == 200
            yield method, time.perf_counter() - started, totals - before

    for _ in range(WARM_UP):
        list(instance())
    plain: dict[str, float] = {}
    started = time.perf_counter()
    for _ in range(n):
        for method, seconds, _counts in instance():
            plain[method] = plain.get(method, 0.0) + seconds
    plain_total = time.perf_counter() - started
    _instrument(app, parts)
    per_request: dict[str, collections.Counter[str]] = {
        "POST": collections.Counter(),
        "GET": collections.Counter(),
    }
    turns = _writer_turns()
    parts.clear()
    started = time.perf_counter()
    for _ in range(n):
        for method, _seconds, counts in instance():
            per_request[method] += counts
    instrumented = time.perf_counter() - started
    turns_http = None if turns is None else (_writer_turns() or 0) - turns
    spent, statements, commits = parts.seconds.copy(), parts.statements.copy(), parts.commits.copy()
    # cases.apply alone, as (a) runs it, in the same process and database.
    with app.test_request_context():
        user = db.session.query(User).filter_by(username="kari").one()
        version, data = _application(user)
        cases.apply(db_session, user, version, data)
        before, turns = totals.copy(), _writer_turns()
        started = time.perf_counter()
        for _ in range(n):
            cases.apply(db_session, user, version, data)
        alone = time.perf_counter() - started
        alone_counts = totals - before
        turns_alone = None if turns is None else (_writer_turns() or 0) - turns
    results.put(
        {
            "n": n,
            "test_client_ms": {m: s / n * 1000 for m, s in plain.items()},
            "test_client_instances_per_s": n / plain_total,
            "instrumented_ms": instrumented / n * 1000,
            "in_process_apply_ms": alone / n * 1000,
            "parts_ms": {k: v / n * 1000 for k, v in spent.most_common()},
            "parts_statements": {k: v / n for k, v in statements.items()},
            "parts_commits": {k: v / n for k, v in commits.items()},
            "per_request": {m: {k: v / n for k, v in c.items()} for m, c in per_request.items()},
            "in_process_apply": {k: v / n for k, v in alone_counts.items()},
            "writer_lock_turns_per_instance": {
                "http": None if turns_http is None else turns_http / n,
                "in_process": None if turns_alone is None else turns_alone / n,
            },
        }
    )


def profile(db_path: str, n: int) -> dict[str, Any]:
    """Run _profile_child in a spawned interpreter (its patches die with it)."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    child = context.Process(target=_profile_child, args=(db_path, n, results))
    child.start()
    found = results.get(timeout=900)
    child.join()
    return found  # type: ignore[no-any-return]


def print_profile(found: dict[str, Any]) -> None:
    n = found["n"]
    ms = found["test_client_ms"]
    print(
        f"\nOne thread, werkzeug test client (no sockets), {n} instances: POST {ms['POST']:.1f} ms"
        f" + receipt GET {ms['GET']:.1f} ms = {ms['POST'] + ms['GET']:.1f} ms per instance"
        f" ({found['test_client_instances_per_s']:.0f}/s); cases.apply alone"
        f" {found['in_process_apply_ms']:.1f} ms"
    )
    print(
        f"{'per request':26} {'statements':>10} {'SELECT':>7} {'INSERT':>7} {'UPDATE':>7}", end=""
    )
    print(f" {'DELETE':>7} {'commits':>8} {'rollbacks':>9} {'transactions':>12}")
    rows = {**found["per_request"], "cases.apply alone": found["in_process_apply"]}
    for label, counts in rows.items():
        print(f"{label:26} {counts.get('statements', 0):10.1f}", end="")
        for key in ("SELECT", "INSERT", "UPDATE", "DELETE"):
            print(f" {counts.get(key, 0):7.1f}", end="")
        print(
            f" {counts.get('commits', 0):8.1f} {counts.get('rollbacks', 0):9.1f}"
            f" {counts.get('transactions', 0):12.1f}"
        )
    turns = found["writer_lock_turns_per_instance"]
    if turns["http"] is None:
        print("writer-lock turns: engine.writers is not there (no in-process serialisation)")
    else:
        print(
            f"writer-lock turns per instance: HTTP {turns['http']:.2f},"
            f" cases.apply alone {turns['in_process']:.2f}"
        )
    total = found["instrumented_ms"]
    print(
        f"\n{'where the time goes (exclusive, instrumented run)':52} {'ms':>6} {'share':>6}", end=""
    )
    print(f" {'stmts':>6} {'commits':>7}")
    for label, spent in found["parts_ms"].items():
        print(
            f"{label:52} {spent:6.2f} {spent / total:6.1%}"
            f" {found['parts_statements'].get(label, 0):6.1f}"
            f" {found['parts_commits'].get(label, 0):7.1f}"
        )
    rest = total - sum(found["parts_ms"].values())
    label = "rest: Flask dispatch, werkzeug test client, GC"
    print(f"{label:52} {rest:6.2f} {rest / total:6.1%}", end="")
    print(f" {found['parts_statements'].get(Parts.REST, 0):6.1f}")
    print(f"{'total per instance':52} {total:6.2f}")


# --- main ----------------------------------------------------------------------------------


def _label(workers: int, threads: int) -> str:
    kind = "sync" if threads == 1 else "gthread"
    return f"gunicorn {workers}w x {threads}t ({kind})"


Point = tuple[str, Callable[..., Any], dict[str, Any]]  # label, server, what the row says


class Runner:
    """Measures points in rounds (every other round backwards); a row is a point's best round.

    On a machine shared with other work the best round is the one least disturbed; every
    round's rate is kept in the row, and `others_cores` says how busy the rest was.
    """

    def __init__(self, args: argparse.Namespace, databases: Databases, folder: str) -> None:
        self.args, self.databases, self.folder = args, databases, folder
        self.baselines: list[dict[str, float]] = []
        self.deadline = time.monotonic() + args.budget - 20  # 20 s: the last baseline

    def baseline(self) -> float:
        print(f"(a) in-process, {self.args.n} instances", file=sys.stderr)
        self.baselines.append(in_process(self.databases.fresh(), self.args.n))
        return self.floor

    @property
    def floor(self) -> float:
        return max(b["instances_per_s"] for b in self.baselines)

    def floor_row(self) -> dict[str, Any]:
        best = max(self.baselines, key=lambda b: b["instances_per_s"])
        rates = [b["instances_per_s"] for b in self.baselines]
        return {"variant": "(a) in-process cases.apply (one thread)", **best, "rounds": rates}

    def run(self, points: list[Point], clients: list[int], rounds: int) -> list[dict[str, Any]]:
        found: dict[tuple[int, int], list[dict[str, Any]]] = collections.defaultdict(list)
        took: dict[int, float] = {}

        def measure(index: int, step: str) -> None:
            label, server, extra = points[index]
            print(f"[{step}] {label}: {self.args.seconds:g} s x {clients} clients", file=sys.stderr)
            started = time.monotonic()
            for row in over_http(
                self.databases.fresh(),
                self.folder,
                self.args.seconds,
                clients,
                server,
                extra.get("env"),
            ):
                found[index, int(row["clients"])].append(row)
            took[index] = time.monotonic() - started

        def best(index: int, count: int) -> dict[str, Any]:
            return max(found[index, count], key=lambda r: r["instances_per_s"])

        for round_ in range(rounds):
            order = list(range(len(points)))
            for index in order if round_ % 2 == 0 else order[::-1]:
                measure(index, f"{round_ + 1}/{rounds}")
        # While time is left: measure again the point whose best round was most disturbed
        # (each point at most twice more: other work that lasts is not waited out).
        again: collections.Counter[int] = collections.Counter()
        while True:
            disturbed = [
                (max(best(i, c)["others_cores"] for c in clients), i)
                for i in range(len(points))
                if again[i] < 2
            ]
            others, index = max(disturbed, default=(0.0, 0))
            if others <= self.args.max_others or time.monotonic() + took[index] > self.deadline:
                break
            again[index] += 1
            measure(index, f"again, {others:.2f} cores were busy elsewhere")
        rows = []
        for count in clients:
            for index, (label, _server, extra) in enumerate(points):
                shown = {k: v for k, v in extra.items() if k != "env"}
                rows.append(
                    {
                        "variant": label,
                        **shown,
                        **best(index, count),
                        "rounds": [r["instances_per_s"] for r in found[index, count]],
                    }
                )
        return rows

    def ratios(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for row in rows:
            row["vs_in_process"] = row["instances_per_s"] / self.floor
            # What the CPU of one instance allows when every core serves and nothing else runs.
            cpu_ms = row["server_cpu_ms"] + row.get("client_cpu_ms", 0.0)
            row["cap_vs_in_process"] = (os.cpu_count() or 1) * 1000 / cpu_ms / self.floor
        return rows


COLUMNS = (
    ("clients", "", 7),
    ("inst/s", "", 7),
    ("rounds", "", 11),
    ("vs (a)", "", 7),
    ("p50 ms", "", 7),
    ("server", "CPU ms", 7),
    ("client", "CPU ms", 7),
    ("cap", "vs (a)", 7),
    ("others", "cores", 7),
    ("conns", "/worker", 7),
)


def _print_rows(title: str, rows: list[dict[str, Any]]) -> None:
    print(f"\n{title:44} " + " ".join(f"{name:>{width}}" for name, _unit, width in COLUMNS))
    print(f"{'':44} " + " ".join(f"{unit:>{width}}" for _name, unit, width in COLUMNS))
    for row in rows:
        rates = row.get("rounds") or [row["instances_per_s"]]
        spread = f"{min(rates):.0f}-{max(rates):.0f}" if len(rates) > 1 else "-"
        client = row.get("client_cpu_ms")
        print(
            f"{row['variant']:44} {row.get('clients', '-')!s:>7} {row['instances_per_s']:7.1f}"
            f" {spread:>11} {row['vs_in_process']:7.2f} {row['latency_p50_ms']:7.1f}"
            f" {row['server_cpu_ms']:7.1f}"
            + (f" {client:7.1f}" if client is not None else f" {'-':>7}")
            + (f" {row['cap_vs_in_process']:7.2f}" if "cap_vs_in_process" in row else f" {'-':>7}")
            + f" {row['others_cores']:7.2f} {row.get('connections_per_worker') or '-':>7}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300, help="instances of (a) and --profile")
    parser.add_argument(
        "--seconds", type=float, help="of load per HTTP point (default 8; --matrix: 4)"
    )
    parser.add_argument(
        "--clients", type=int, nargs="+", help="client processes (default 4; --matrix: 2 4)"
    )
    parser.add_argument("--rounds", type=int, help="of every point (default 1; --matrix: 2)")
    parser.add_argument(
        "--budget",
        type=float,
        help="seconds a run may take, measuring disturbed points again (default 0; --matrix:"
        " 330; --compare-serial: 150)",
    )
    parser.add_argument(
        "--max-others",
        type=float,
        default=0.15,
        help="cores busy with other work above which a point counts as disturbed",
    )
    parser.add_argument("--matrix", action="store_true", help="every gunicorn setting")
    parser.add_argument(
        "--settings",
        nargs="+",
        metavar="WxT",
        help="the matrix's gunicorn settings, workers x threads (default: MATRIX)",
    )
    parser.add_argument("--compare-serial", action="store_true", help=f"{SERIAL_VARIABLE}=0/1")
    parser.add_argument("--profile", action="store_true", help="per-request breakdown")
    args = parser.parse_args()
    settings = (
        [tuple(int(x) for x in s.split("x")) for s in args.settings] if args.settings else MATRIX
    )
    long_run = args.matrix or args.compare_serial
    clients = args.clients or ([2, 4] if long_run else [4])
    rounds = args.rounds or (2 if long_run else 1)
    args.seconds = args.seconds or (4.0 if long_run else 8.0)
    if args.budget is None:
        args.budget = (330 if args.matrix else 0) + (150 if args.compare_serial else 0)
    figures: dict[str, Any] = {
        "n": args.n,
        "seconds": args.seconds,
        "clients": clients,
        "rounds": rounds,
        "load_average_before": os.getloadavg(),
    }
    with tempfile.TemporaryDirectory() as tmp:
        print("setting up the database", file=sys.stderr)
        runner = Runner(args, Databases(tmp), tmp)
        runner.baseline()
        tables: list[tuple[str, list[dict[str, Any]]]] = []
        if args.matrix:
            points: list[Point] = [
                (_label(w, t), gunicorn_server(w, t), {"workers": w, "threads": t})
                for w, t in settings
            ]
            matrix = runner.run(points, clients, rounds)
            figures["matrix"] = matrix
            for count in clients:
                tables.append(
                    (f"gunicorn, {count} clients", [r for r in matrix if r["clients"] == count])
                )
        if args.compare_serial:
            w, t = BEST_SETTING
            points = [
                (
                    f"{w}w x {t}t, {SERIAL_VARIABLE}={value}",
                    gunicorn_server(w, t),
                    {"env": {SERIAL_VARIABLE: value}, "serial_writes": value},
                )
                for value in ("0", "1")
            ]
            figures["compare_serial"] = runner.run(points, clients, rounds)
            tables.append(("SQLite writers serialised in-process?", figures["compare_serial"]))
        if not (long_run or args.profile):
            points = [
                ("(b) flask run --with-threads", flask_server, {}),
                (f"(c) {_label(*README_SETTING)}", gunicorn_server(*README_SETTING), {}),
            ]
            if BEST_SETTING != README_SETTING:
                points.append(
                    (f"(d) {_label(*BEST_SETTING)}, best", gunicorn_server(*BEST_SETTING), {})
                )
            figures["variants"] = runner.run(points, clients, rounds)
            tables.append(("HTTP (SQLite, synchronous=FULL)", figures["variants"]))
        if args.profile:
            print(f"profile: {args.n} instances through the test client", file=sys.stderr)
            figures["profile"] = profile(runner.databases.fresh(), args.n)
        if long_run:
            runner.baseline()  # again at the end: the best of both is the floor
        floor_row = runner.floor_row()
        floor_row["vs_in_process"] = 1.0
        _print_rows("(a) baseline", [floor_row])
        for title, rows in tables:
            _print_rows(title, runner.ratios(rows))
        if args.matrix:
            best = _best_setting(figures["matrix"])
            figures["best_setting"] = best
            print(
                f"\nbest setting (highest worst case over {clients} clients):"
                f" {best['workers']} workers x {best['threads']} threads,"
                f" {best['worst']:.1f} instances/s = {best['worst'] / runner.floor:.2f} of"
                f" in-process (BEST_SETTING in this file: {BEST_SETTING[0]}x{BEST_SETTING[1]})"
            )
        if args.profile:
            print_profile(figures["profile"])
        figures["in_process"] = floor_row
        figures["in_process_floor"] = runner.floor
        figures["load_average_after"] = os.getloadavg()
    results_file.save("http_throughput", figures)
    print(f"\nload average before {figures['load_average_before'][0]:.1f},", end="")
    print(f" after {figures['load_average_after'][0]:.1f}; others = cores busy with other work")


def _best_setting(matrix: list[dict[str, Any]]) -> dict[str, Any]:
    """The setting whose lowest rate over the client counts is highest."""
    by_setting: dict[tuple[int, int], list[float]] = collections.defaultdict(list)
    for row in matrix:
        by_setting[row["workers"], row["threads"]].append(row["instances_per_s"])
    workers, threads = max(by_setting, key=lambda s: min(by_setting[s]))
    rates = by_setting[workers, threads]
    return {"workers": workers, "threads": threads, "worst": min(rates), "best": max(rates)}


if __name__ == "__main__":
    main()
