"""Helpers of the crash-safety test: a citizen's browser over HTTP, and the processes it kills.

Standard library only, so the client processes (started with `spawn`) import nothing heavy.
Every loop here is bounded in count and in time.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
APPLY = "/services/leisure_subsidy/apply"
CASE = re.compile(r"/cases/(\d{4}-\d{6})")
TEN_YEARS_AGO = f"{time.gmtime().tm_year - 10}-03-01"
# The clear-grant path: income under the limit, a child of ten, fee and equipment.
FORM: list[tuple[str, str]] = [
    ("national_id", "15818012001"),
    ("household_income", "380000"),
    ("account_number", "1234 56 78903"),
    ("child_name", "Emma"),
    ("child_birth_date", TEN_YEARS_AGO),
    ("activity_name", "Fotball, Skotfoss IL"),
    ("costs", "fee"),
    ("costs", "equipment"),
    ("activity_fee", "2400"),
    ("equipment_cost", "2000"),
    ("_hidden", ""),
]
MAX_ATTEMPTS = 60  # per request of one application, across restarts of the server
RETRY_PAUSE = 0.25
HOLD_SECONDS = 5.0  # a held POST's longest wait for the test to kill the server


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Forms(HTMLParser):
    """The POST forms of a page with their action, class and hidden inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._open = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._open = found.get("method", "get").lower() == "post"
            if self._open:
                self.forms.append({**found, "hidden": {}})
        elif tag == "input" and self._open and found.get("type") == "hidden" and "name" in found:
            self.forms[-1]["hidden"][found["name"]] = found.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = False


def hidden_fields(page: str) -> dict[str, str]:
    """Hidden fields of the page's main form (as tests.factories.Browser.hidden_fields)."""
    parser = _Forms()
    parser.feed(page)
    forms = [
        form
        for form in parser.forms
        if "lang-switch" not in form.get("class", "")
        and not form.get("action", "").endswith("/logout")
    ]
    if not forms:
        raise LookupError("no form on the page")
    return dict(forms[-1]["hidden"])


class Lost(Exception):
    """The request got no usable answer: connection refused or reset, timeout, 5xx."""


class Browser:
    """A citizen's browser: a session cookie, a new connection per request (servers die)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        body: list[tuple[str, str]] | None = None,
        pause: Callable[[], None] | None = None,
    ) -> tuple[int, str, str]:
        """(status, Location, body); Lost for anything a dying server can answer.

        With `pause`, the body's last byte waits until pause() returns: the request is in
        the server's hands meanwhile (a client on a slow line)."""
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        try:
            if pause is not None and data:
                conn.putrequest(method, path)
                for name, value in {**headers, "Content-Length": str(len(data))}.items():
                    conn.putheader(name, value)
                conn.endheaders(data[:-1].encode())
                pause()
                conn.send(data[-1:].encode())
            else:
                conn.request(method, path, body=data, headers=headers)
            response = conn.getresponse()
            text = response.read().decode(errors="replace")
        except (OSError, http.client.HTTPException) as err:
            raise Lost(f"{method} {path}: {type(err).__name__}: {err}") from err
        finally:
            conn.close()
        if response.status >= 500:
            raise Lost(f"{method} {path}: HTTP {response.status}")
        for header in response.headers.get_all("Set-Cookie") or []:
            for key, morsel in SimpleCookie(header).items():
                self.cookies[key] = morsel.value
        return response.status, response.headers.get("Location", ""), text

    def retried(
        self,
        method: str,
        path: str,
        body: list[tuple[str, str]] | None,
        deadline: float,
        pause: Callable[[], None] | None = None,
    ) -> tuple[int, str, str, int]:
        """The request, sent again while its answer is lost; (status, Location, body, lost).
        `pause` (see request) holds the first try only."""
        lost = 0
        while True:
            try:
                return (*self.request(method, path, body, pause if not lost else None), lost)
            except Lost:
                lost += 1
                if lost >= MAX_ATTEMPTS or time.monotonic() > deadline:
                    raise
                time.sleep(RETRY_PAUSE)

    def login(self, deadline: float) -> None:
        """Log in as the demo citizen kari (a session of its own)."""
        self.cookies.clear()
        status, _, page, _ = self.retried("GET", "/login", None, deadline)
        fields = {**hidden_fields(page), "username": "kari", "password": "demo"}
        status, location, _, _ = self.retried("POST", "/login", list(fields.items()), deadline)
        if status != 302 or "/login" in location:
            raise RuntimeError(f"login failed: {status} {location}")


@dataclass
class Outcome:
    """What one application's client saw."""

    tag: str
    key: str = ""
    case_no: str | None = None
    lost: int = 0  # answers lost (connection errors, timeouts, 5xx), each one retried
    posts_lost: int = 0  # of them, answers to the application's POST
    receipt: str = ""  # "first", "repeat" (answered from the submission key) or "" (unread)
    error: str | None = None
    answers: list[str] = field(default_factory=list)


def _fresh_form(browser: Browser, deadline: float) -> dict[str, str]:
    for _ in range(3):  # logged out (a lost session): log in again, a bounded number of times
        status, location, page, _ = browser.retried("GET", APPLY, None, deadline)
        if not (status == 302 and "/login" in location):
            break
        browser.login(deadline)
    if status != 200:
        raise RuntimeError(f"GET {APPLY}: {status} {location}")
    return hidden_fields(page)


def _receipt(browser: Browser, location: str, deadline: float) -> str:
    """Read the receipt as a browser does; which message it shows (for the test's account)."""
    try:
        _, _, page, _ = browser.retried("GET", urllib.parse.urlsplit(location).path, None, deadline)
    except Lost:
        return ""
    if "Vi hadde allerede mottatt søknaden din." in page:
        return "repeat"
    return "first" if "Søknaden din er sendt." in page else ""


def _held(hold: Any) -> Callable[[], None] | None:
    """When the test asks for it (hold 1), this client takes the hold (2) and its POST will
    wait in the server's hands until the test lets go (0) after killing the server."""
    if hold is None:
        return None
    with hold.get_lock():
        if hold.value != 1:
            return None
        hold.value = 2

    def pause() -> None:
        until = time.monotonic() + HOLD_SECONDS
        while hold.value == 2 and time.monotonic() < until:
            time.sleep(0.005)

    return pause


def apply_once(
    browser: Browser, tag: str, deadline: float, posting: Any = None, hold: Any = None
) -> Outcome:
    """One application: read the form's one-time key, post it until an answer arrives.
    `posting` (a shared counter) counts the clients whose POST awaits its answer; `hold`
    (see _held) lets the test kill the server while a POST is surely in flight."""
    outcome = Outcome(tag)
    try:
        hidden = _fresh_form(browser, deadline)
        outcome.key = hidden.get("submission_key", "")
        if not outcome.key:
            raise RuntimeError("the form has no submission_key")
        while len(outcome.answers) < MAX_ATTEMPTS:
            # "_hidden" as a browser with JavaScript sends it: it showed the cost fields.
            body = [*((k, v) for k, v in hidden.items() if k != "_hidden")]
            body += [("applicant_name", tag), *FORM]
            if posting is not None:
                with posting.get_lock():
                    posting.value += 1
            try:
                status, location, _, lost = browser.retried(
                    "POST", APPLY, body, deadline, _held(hold)
                )
            finally:
                if posting is not None:
                    with posting.get_lock():
                        posting.value -= 1
            outcome.lost += lost
            outcome.posts_lost += lost
            outcome.answers.append(f"{status} {location}")
            if status == 302 and "/login" in location:  # the session was lost: log in again
                browser.login(deadline)
                hidden = {**_fresh_form(browser, deadline), "submission_key": outcome.key}
                continue
            found = CASE.search(location) if status == 302 else None
            if found is None:
                raise RuntimeError(f"unexpected answer {status} {location}")
            outcome.case_no = found.group(1)
            outcome.receipt = _receipt(browser, location, deadline)
            return outcome
        raise RuntimeError("no answer after every attempt")
    except (Lost, RuntimeError, LookupError) as err:
        outcome.error = str(err)
        return outcome


def run_client(
    port: int,
    client: int,
    count: int,
    progress: Any,
    results: Any,
    budget: float,
    posting: Any = None,
    hold: Any = None,
) -> None:
    """A client process: log in, then apply `count` times; put its outcomes on `results`."""
    deadline = time.monotonic() + budget
    outcomes: list[dict[str, Any]] = []
    browser = Browser(port)
    try:
        browser.login(deadline)
    except (Lost, RuntimeError, LookupError) as err:
        results.put((client, [], f"login: {err}"))
        return
    for number in range(count):
        if time.monotonic() > deadline:
            break
        tag = f"Kari Nordmann k{client}n{number}"  # tells each application from the others
        outcomes.append(asdict(apply_once(browser, tag, deadline, posting, hold)))
        with progress.get_lock():
            progress.value += 1
    results.put((client, outcomes, None))


class Service:
    """A server or worker process in its own process group, so kill -9 takes all of it."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], logs: Path) -> None:
        self.name, self.command, self.env, self.logs = name, command, env, logs
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        """Start (again), appending to the log."""
        self.starts += 1
        with open(self.logs / f"{self.name}.log", "ab") as log:
            log.write(f"\n===== start {self.starts}\n".encode())
            log.flush()
            self.process = subprocess.Popen(  # its own session: kill() takes the group
                self.command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def alive(self) -> bool:
        """Whether the process still runs."""
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """kill -9 of the whole process group (a gunicorn master and its workers)."""
        if self.process is None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with suppress(subprocess.TimeoutExpired):  # SIGKILL is not ignored: a short wait
            self.process.wait(timeout=10)
        self.process = None

    def tail(self, chars: int = 4000) -> str:
        """The end of the process's log, for a failure message."""
        path = self.logs / f"{self.name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return f"--- {self.name}.log\n{text[-chars:]}"


def gunicorn(port: int) -> list[str]:
    """The web server as production runs it: gunicorn, 2 workers x 2 threads."""
    options = ["-w", "2", "--threads", "2", "--graceful-timeout", "2", "-b", f"127.0.0.1:{port}"]
    return [sys.executable, "-m", "gunicorn", *options, "designer:create_app()"]


def flask_worker() -> list[str]:
    """The background worker: timers, connector jobs (letters, payments), the outbox."""
    return [sys.executable, "-m", "flask", "--app", "designer", "worker"]


def wait_until_serving(port: int, server: Service, seconds: float = 60.0) -> None:
    """Poll GET /login until the server answers 200; RuntimeError with its log if not."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not server.alive():
            raise RuntimeError(f"the server exited\n{server.tail()}")
        try:
            status, _, _ = Browser(port).request("GET", "/login")
            if status == 200:
                return
        except Lost:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer within {seconds:.0f} s\n{server.tail()}")
