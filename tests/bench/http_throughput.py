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
  (b) HTTP: the Flask app served by `flask run --with-threads` in its own process, posted
      to by --clients client threads in this process.

Progress to stderr, the table to stdout.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

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

    from designer import cases, create_app
    from designer.extensions import db
    from designer.models import User
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
        form_class = cases.form_class(definition)
        form = form_class(formdata=MultiDict(REJECTED), meta={"csrf": False})
        assert form.validate(), form.errors
        data = typed_data(form, definition)
        cases.apply(user, version, data)  # warm caches
        started = time.perf_counter()
        for _ in range(n):
            cases.apply(user, version, data)
        return n / (time.perf_counter() - started)


class Client:
    """One browser: a kept-alive connection and a session cookie."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

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
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(header)
            for key, morsel in cookie.items():
                self.cookies[key] = morsel.value
        return response.status, text

    def login(self, username: str) -> str:
        _status, page = self.request("GET", "/login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        status, _ = self.request(
            "POST", "/login", {"csrf_token": token, "username": username, "password": "demo"}
        )
        assert status == 302, f"login failed: {status}"
        _status, page = self.request("GET", APPLY)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def over_http(db_path: str, instance: str, n: int, clients: int) -> float:
    """(b): instances per second posted over HTTP by `clients` threads."""
    port = 5900 + os.getpid() % 90
    server = subprocess.Popen(
        [
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
        browsers = [Client(port) for _ in range(clients)]
        tokens = [b.login("kari") for b in browsers]
        for browser, token in zip(browsers, tokens, strict=True):  # warm up
            status, _ = browser.request("POST", APPLY, {"csrf_token": token, **REJECTED})
            assert status == 302, status
        per_client = n // clients
        errors: list[int] = []

        def run(browser: Client, token: str) -> None:
            for _ in range(per_client):
                status, _ = browser.request("POST", APPLY, {"csrf_token": token, **REJECTED})
                if status != 302:
                    errors.append(status)

        threads = [
            threading.Thread(target=run, args=(b, t)) for b, t in zip(browsers, tokens, strict=True)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        if errors:
            print(f"  {len(errors)} requests failed: {sorted(set(errors))}", file=sys.stderr)
        return per_client * clients / elapsed
    finally:
        server.terminate()
        server.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db_path, instance = f"{tmp}/bench.sqlite", f"{tmp}/instance"
        env = _env(db_path, instance)
        print("setting up the database", file=sys.stderr)
        _flask(env, "db", "upgrade")
        _flask(env, "seed", "--demo-users")
        print(f"(a) in-process, {args.n} instances", file=sys.stderr)
        floor = in_process(db_path, args.n)
        print(f"(b) HTTP, {args.n} instances, {args.clients} clients", file=sys.stderr)
        served = over_http(db_path, instance, args.n, args.clients)
    print(f"{'variant':44} {'instances/s':>12} {'vs (a)':>8}")
    print(f"{'(a) in-process cases.apply, SQLite FULL':44} {floor:12.0f} {1.0:8.2f}")
    print(f"{'(b) HTTP POST, flask run --with-threads':44} {served:12.0f} {served / floor:8.2f}")


if __name__ == "__main__":
    main()
