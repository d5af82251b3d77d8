#!/usr/bin/env python
"""Completed instances per second through HTTP, against the same work done in-process.

Run with `.venv/bin/python tests/bench/http_throughput.py [--n 300] [--clients 4]`. Not a test: it
never asserts on time; figures are printed with a baseline measured in the same run.

The process is the shipped parking permit, the instant-rejection path: one form (the
citizen's application), a script and one gateway, a decision, end. Each instance is one
HTTP POST of the application by a logged-in citizen (CSRF token, server-side validation of
every field, engine start, durable commit on a SQLite file with synchronous=FULL, redirect
to the receipt); the clients keep their connections and cookies like browsers do.

  (a) in-process: designer.cases.apply() in a loop, no HTTP (the floor for this server);
  (b) HTTP: the Flask app served by `flask run --with-threads` (the development server,
      one process) and (c) by gunicorn (3 worker processes, 2 threads each), posted to by
      --clients client processes; each instance is the POST and the GET of the
      receipt it redirects to, as a browser does.

Progress to stderr, the table to stdout.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import results_file  # noqa: E402  (beside this file)

from tests.factories import PARKING_APPLICATION  # noqa: E402

REJECTED = {**PARKING_APPLICATION, "doctor_statement": "no"}
APPLY = "/services/parking_permit/apply"


def _env(db_path: str, instance: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db_path}",
        "FLYTVERK_SECRET_KEY": "bench",
        "FLYTVERK_SCHEDULER": "off",
        "FLYTVERK_SESSION_COOKIE_SECURE": "false",
        "FLYTVERK_LOGIN_IP_MAX_FAILURES": "100000",
    }


def _flask(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [str(ROOT / ".venv/bin/flask"), "--app", "designer", *args],
        env=env,
        check=True,
        capture_output=True,
        cwd=ROOT,
    )


def in_process(db_path: str, n: int) -> float:
    """(a): instances per second with designer.cases.apply, no HTTP."""
    from werkzeug.datastructures import MultiDict

    from designer import create_app
    from designer.extensions import db, db_session
    from designer.models import User
    from designer.services import cases
    from designer.web.portal.forms import form_class as make_form_class
    from forms import typed_data

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}",
            "SECRET_KEY": "bench",
            "SCHEDULER": "off",
        }
    )
    with app.test_request_context():
        user = db.session.query(User).filter_by(username="kari").one()
        _model, version = cases.published_version(user.tenant_id, "parking_permit")
        definition = cases.start_definition(version)
        form_class = make_form_class(definition)
        form = form_class(formdata=MultiDict(REJECTED), meta={"csrf": False})
        assert form.validate(), form.errors
        data = typed_data(form, definition)
        cases.apply(db_session, user, version, data)  # warm caches
        started = time.perf_counter()
        for _ in range(n):
            cases.apply(db_session, user, version, data)
        return n / (time.perf_counter() - started)


class Client:
    """One browser: a kept-alive connection and a session cookie."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
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


def _browse(port: int, count: int, ready: Any, results: Any) -> None:
    """One browser in its own process: log in, then apply `count` times, reading receipts."""
    browser = Client(port)
    token = browser.login("kari")
    status, location = browser.apply(token)  # warm up
    assert status == 302, status
    browser.request("GET", location)
    ready.wait()
    errors = []
    for _ in range(count):
        status, location = browser.apply(token)
        if status != 302:
            errors.append(status)
            continue
        status, _ = browser.request("GET", location)  # the receipt, as a browser does
        if status != 200:
            errors.append(status)
    results.put(errors)


SERVERS = {
    "flask": lambda port: [
        str(ROOT / ".venv/bin/flask"),
        "--app",
        "designer",
        "run",
        "--port",
        str(port),
        "--with-threads",
        "--no-reload",
        "--no-debugger",
    ],
    "gunicorn": lambda port: [
        str(ROOT / ".venv/bin/gunicorn"),
        "--workers",
        "3",
        "--threads",
        "2",
        "--bind",
        f"127.0.0.1:{port}",
        "designer:create_app()",
    ],
}


def over_http(
    db_path: str, instance: str, n: int, clients: int, server_kind: str = "flask"
) -> float:
    """(b): instances per second posted over HTTP by `clients` threads."""
    port = 5900 + os.getpid() % 90
    command = SERVERS[server_kind](port)
    server = subprocess.Popen(
        command,
        env=_env(db_path, instance),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/login")
                break
            except OSError:
                time.sleep(0.1)
        per_client = n // clients
        ready = multiprocessing.Barrier(clients + 1)
        results: multiprocessing.Queue[list[int]] = multiprocessing.Queue()
        browsers = [
            multiprocessing.Process(target=_browse, args=(port, per_client, ready, results))
            for _ in range(clients)
        ]
        for browser in browsers:
            browser.start()
        ready.wait()  # every browser has logged in and warmed up
        started = time.perf_counter()
        errors = [status for _ in browsers for status in results.get()]
        elapsed = time.perf_counter() - started
        for browser in browsers:
            browser.join()
        if errors:
            print(f"  {len(errors)} requests failed: {sorted(set(errors))}", file=sys.stderr)
        return per_client * clients / elapsed
    finally:
        server.terminate()
        server.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--clients", type=int, default=6)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        db_path, instance = f"{tmp}/bench.sqlite", f"{tmp}/instance"
        env = _env(db_path, instance)
        print("setting up the database", file=sys.stderr)
        _flask(env, "db", "upgrade")
        _flask(env, "seed", "--demo-users")
        print(f"(a) in-process, {args.n} instances", file=sys.stderr)
        floor = in_process(db_path, args.n)
        rows.append(("(a) in-process cases.apply (one thread)", floor))
        for kind, label in (
            ("flask", "(b) HTTP, flask run --with-threads"),
            ("gunicorn", "(c) HTTP, gunicorn 3 workers x 2 threads"),
        ):
            print(f"{label}: {args.n} instances, {args.clients} clients", file=sys.stderr)
            rows.append((label, over_http(db_path, instance, args.n, args.clients, kind)))
    results_file.save(
        "http_throughput",
        {
            "n": args.n,
            "clients": args.clients,
            "variants": [
                {"variant": label, "instances_per_s": rate, "vs_in_process": rate / floor}
                for label, rate in rows
            ],
        },
    )
    print(f"{'variant (SQLite, synchronous=FULL)':44} {'instances/s':>12} {'vs (a)':>8}")
    for label, rate in rows:
        print(f"{label:44} {rate:12.0f} {rate / floor:8.2f}")


if __name__ == "__main__":
    main()
