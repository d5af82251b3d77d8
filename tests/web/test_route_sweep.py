"""Route sweep: nothing a client can send makes any route answer 5xx.

Every registered route, by every method it allows, as every role (and anonymously), with a
valid CSRF token: ids out of the database's range or of the wrong type in the path, every
query argument the views read set to huge, negative and non-numeric values, malformed JSON
bodies (deep nesting, bare values, invalid UTF-8, the wrong content type) and form bodies
whose fields are all of the wrong kind. The ids that are not under test are real ones of the
user's own tenant, so the request gets past the lookup to the part that reads the input:
the routes of a decision (its letter, an appeal, a review) get a case that has one.
"""

from __future__ import annotations

import io
import itertools
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.routing import IntegerConverter, Rule

from designer.extensions import db
from designer.models import Appeal, Attachment, User
from engine import runtime
from engine.models import HumanTask, Instance, ProcessModel, ProcessVersion
from tests.factories import PARKING_APPLICATION, Browser
from tests.services.decision_cases import decided_by_caseworker, rejected_automatically

ROLES = ("anonymous", "kari", "saksbehandler", "leder", "eier", "admin", "kokk")
BAD_INTS = (
    str(2**63),
    str(2**64),
    str(2**31),
    "-1",
    "0",
    "abc",
    "\u00b2",  # a digit to str.isdigit(), not to int()
    "\u0661\u0662",  # Arabic-Indic digits: int() reads them
    "1e3",
)
BAD_TEXTS = ("abc", "x" * 500, "..%2f..%2fetc", "\u00b2")
QUERY_ARGS = (
    "a", "b", "draft", "page", "before", "user", "service", "view", "sort", "status", "q",
    "role", "answered", "received", "next", "error", "from", "to", "case_no", "action",
    "code", "state", "client_id", "redirect_uri", "run", "lang", "outcome", "by",
)  # fmt: skip
FORM_FIELDS = (
    "assignee", "user_id", "expected_version", "absent", "group", "username", "password",
    "text", "comment", "title", "file_name", "name", "key", "email", "roles", "lang", "next",
    "page", "submission_key", "action", "active", "new_password", "confirm", "slug", "file",
    "national_id", "pick", "code", "grant_type", "redirect_uri", "code_verifier",
    "appeal_text", "late_reason", "appeal_files", "_page", "nav", "_hidden", "revision",
    "nb:intro", "nn:approved", "en:rejected", "nb:contact",
    *PARKING_APPLICATION,
)  # fmt: skip
DEEP = b"[" * 100_000 + b"]" * 100_000
JSON_BODIES: tuple[tuple[bytes, str], ...] = (
    (DEEP, "application/json"),
    (b'{"a":' * 50_000 + b"1" + b"}" * 50_000, "application/json"),
    (b'{"definition":' + b"[" * 200 + b"]" * 200 + b', "revision": 1}', "application/json"),
    (b'"x"', "application/json"),
    (b"[]", "application/json"),
    (b"123", "application/json"),
    (b"null", "application/json"),
    (b'{"x": "\xff\xfe"}', "application/json"),
    (b"{not json", "application/json"),
    (b"1" * 5000, "application/json"),
    (b'{"bpmn": "<x/>", "revision": 1}', "text/plain"),
    (
        b'{"bpmn": 5, "xml": [], "revision": "x", "definition": [1], "name": {"a": 1},'
        b' "title": [], "correlation_key": {}, "payload": [], "citizen": 12345678901}',
        "application/json",
    ),
)
LAST = ("auth.logout", "modeler.archive", "modeler.unpublish", "admin.set_active")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# Routes that need a decided case (each its own: a POST may appeal it) or a service with
# decision tables: the route's argument -> the key of `_decided_values` that fills it.
DECIDED = {
    "portal.letter_pdf": {"case_no": "rejected_case_no", "number": "letter_number"},
    "portal.review": {"case_no": "rejected_case_no"},
    "portal.appeal": {"case_no": "decided_case_no"},
    "portal.appeal_file": {
        "case_no": "appealed_case_no",
        "appeal_id": "appeal_id",
        "attachment_id": "appeal_attachment_id",
    },
    "portal.withdraw": {"case_no": "appealed_case_no", "appeal_id": "appeal_id"},
    "casework.letter_pdf": {"instance_id": "decided_instance_id", "number": "letter_number"},
    "portal.rules": {"key": "rules_key", "number": "rules_number"},
    "portal.live_rules": {"key": "rules_key"},
}


def _own_values(app: Flask) -> dict[str, Any]:
    """Real ids of the first tenant: a service, a case waiting for a caseworker, a citizen."""
    with app.app_context():
        kari = db.session.scalars(select(User).where(User.username == "kari")).one()
        model = db.session.scalars(
            select(ProcessModel).where(
                ProcessModel.tenant_id == kari.tenant_id, ProcessModel.key == "parking_permit"
            )
        ).one()
        version = db.session.get(ProcessVersion, model.published_version_id)
        assert version is not None
        instance = runtime.start(
            db.session,
            version,
            data=dict(PARKING_APPLICATION),
            actor=kari.actor,
            owner=kari.actor,
            subject=kari.name,
        )
        task = db.session.scalars(
            select(HumanTask).where(HumanTask.instance_id == instance.id)
        ).first()
        assert task is not None
        decisions = db.session.scalars(
            select(ProcessModel).where(
                ProcessModel.tenant_id == kari.tenant_id, ProcessModel.key == "kindergarten"
            )
        ).one()
        return {
            "decision_model_id": decisions.id,
            "model_id": model.id,
            "instance_id": instance.id,
            "task_id": task.id,
            "case_no": instance.case_no,
            "user_id": kari.id,
            "number": version.number,
            "key": "parking_permit",
            "name": "application.json",
            "draft_id": 1,
            "attachment_id": 1,
            "message_id": 1,
            "token": "abc",
        }


def _decided_values(app: Flask, login_as: Any) -> dict[str, Any]:
    """Decided cases of kari's, each with its letter 1: rejected by the rules (a review may
    be asked for), decided by a caseworker (appealed; its staff PDF), and one appealed with
    a file; the leisure fund's live version (its rules page has decision tables)."""
    kari, sara = login_as("kari"), login_as("saksbehandler")
    rejected = rejected_automatically(kari)
    decided = decided_by_caseworker(kari, sara)
    appealed = rejected_automatically(kari)
    sent = kari.submit(
        f"/cases/{appealed}/appeal",
        {"appeal_text": "Inntekten er feil.", "appeal_files": (io.BytesIO(PDF), "brev.pdf")},
    )
    assert sent.status_code == 303, sent.status_code
    with app.app_context():
        tenant_id = db.session.scalars(select(User.tenant_id).where(User.username == "kari")).one()
        appeal = db.session.scalars(select(Appeal)).one()
        attachment = db.session.scalars(
            select(Attachment).where(Attachment.instance_id == appeal.handler_instance_id)
        ).one()
        leisure = db.session.scalars(
            select(ProcessModel).where(
                ProcessModel.tenant_id == tenant_id, ProcessModel.key == "leisure_subsidy"
            )
        ).one()
        live = db.session.get(ProcessVersion, leisure.published_version_id)
        assert live is not None
        return {
            "rejected_case_no": rejected,
            "decided_case_no": decided,
            "decided_instance_id": db.session.scalars(
                select(Instance.id).where(
                    Instance.tenant_id == tenant_id, Instance.case_no == decided
                )
            ).one(),
            "appealed_case_no": appealed,
            "appeal_id": appeal.id,
            "appeal_attachment_id": attachment.id,
            "letter_number": 1,
            "rules_key": leisure.key,
            "rules_number": live.number,
        }


def _values_for(rule: Rule, own: dict[str, Any]) -> dict[str, Any]:
    """Decision-table routes need a service with one to get past the file name; the routes
    of a decision need a decided case."""
    if "/decisions/" in rule.rule:
        return {**own, "model_id": own["decision_model_id"], "name": "kindergarten_price.dmn"}
    picks = DECIDED.get(rule.endpoint, {})
    return {**own, **{name: own[key] for name, key in picks.items()}}


def _routes(app: Flask) -> list[Rule]:
    rules = [r for r in app.url_map.iter_rules() if r.endpoint != "static"]
    return sorted(rules, key=lambda r: (r.endpoint in LAST, r.rule))


def _methods(rule: Rule) -> list[str]:
    return sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


def _path(rule: Rule, values: dict[str, Any], bad: dict[str, str] | None = None) -> str:
    """The rule's URL with `values`, and `bad` put in raw (it need not match the converter)."""
    marks = {name: 987654320 + i for i, name in enumerate(bad or {})}
    filled = {k: marks.get(k, values.get(k, 1)) for k in rule.arguments}
    url = str(rule.build(filled, append_unknown=False)[1])
    for name, raw in (bad or {}).items():
        url = url.replace(str(marks[name]), quote(raw, safe="%"))
    return url


class Sweep:
    """Sends requests and collects every 5xx (all are reported at once)."""

    def __init__(self, browser: Browser, token: str) -> None:
        self.browser, self.token, self.sent = browser, token, 0
        self.failures: list[tuple[str, str, str, int]] = []

    def send(self, method: str, url: str, what: str, **kwargs: Any) -> None:
        headers = {"X-CSRFToken": self.token, **kwargs.pop("headers", {})}
        self.sent += 1
        try:  # under TESTING an unhandled error propagates instead of becoming a 500
            response = self.browser.client.open(url, method=method, headers=headers, **kwargs)
            status = response.status_code
            response.close()  # a file download keeps its file open until then
        except Exception as err:  # noqa: BLE001 - every unhandled error is a 500
            status, what = 500, f"{what}: {type(err).__name__}"
        if status >= 500:
            self.failures.append((method, url[:120], what, status))


def _browser(app: Flask, login_as: Any, username: str) -> Browser:
    return Browser(app.test_client()) if username == "anonymous" else login_as(username)


@pytest.mark.parametrize("username", ROLES)
def test_no_route_answers_5xx(app: Flask, login_as: Any, username: str) -> None:
    decided = _decided_values(app, login_as)  # first: the caseworker takes the inbox's task
    own = {**_own_values(app), **decided}
    browser = _browser(app, login_as, username)
    sweep = Sweep(browser, browser.csrf("/"))
    rules = _routes(app)
    int_values = itertools.cycle(BAD_INTS)
    text_values = itertools.cycle(BAD_TEXTS)
    form_values = itertools.cycle((*BAD_INTS, *BAD_TEXTS))
    for rule in rules:
        values = _values_for(rule, own)
        ints = [n for n, c in rule._converters.items() if isinstance(c, IntegerConverter)]
        texts = [n for n in rule.arguments if n not in ints]
        for method in _methods(rule):
            # Out-of-range and wrongly typed ids, one argument at a time.
            for name in ints:
                for raw in BAD_INTS:
                    sweep.send(method, _path(rule, values, {name: raw}), f"id {name}={raw}")
            for name in texts:
                raw = next(text_values)
                sweep.send(method, _path(rule, values, {name: raw}), f"text {name}={raw}")
            url = _path(rule, values)
            if method == "GET":
                # Every query argument the views read, all wrong at once, in every way.
                for raw in (*BAD_INTS, *BAD_TEXTS):
                    query = urlencode(dict.fromkeys(QUERY_ARGS, raw))
                    sweep.send(method, f"{url}?{query}", f"query {raw[:20]}")
                continue
            query = urlencode({name: next(int_values) for name in QUERY_ARGS})
            sweep.send(method, f"{url}?{query}", "query")
            for body, content_type in JSON_BODIES:
                sweep.send(method, url, f"json {body[:30]!r}", data=body, content_type=content_type)
            form = {name: next(form_values) for name in FORM_FIELDS}
            sweep.send(method, url, "form", data={**form, "csrf_token": sweep.token})
            sweep.send(
                method,
                url,
                "form bytes",
                data=b"a=%ff%fe&expected_version=" + str(2**64).encode(),
                content_type="application/x-www-form-urlencoded",
            )
            junks = [b"PK\x03\x04junk"]
            if "import" in rule.rule:
                junks.append(b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>")
            for junk in junks:
                files = {"file": (io.BytesIO(junk), "x.zip"), "csrf_token": sweep.token}
                sweep.send(method, url, "file", data=files, content_type="multipart/form-data")
            sweep.send(
                method,
                url,
                "broken multipart",
                data=b'--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb',
                content_type="multipart/form-data; boundary=x",
            )
    assert sweep.sent > 1000  # the sweep really ran over the app's routes
    assert not sweep.failures, sweep.failures


@pytest.mark.parametrize(
    ("username", "method", "endpoint", "query", "status"),
    [
        ("kari", "GET", "portal.letter_pdf", "", 200),
        ("kari", "GET", "portal.review", "", 200),
        ("kari", "GET", "portal.appeal", "", 200),
        ("kari", "GET", "portal.appeal_file", "", 200),
        ("kari", "POST", "portal.withdraw", "", 303),
        ("saksbehandler", "GET", "casework.letter_pdf", "", 200),
        ("anonymous", "GET", "portal.live_rules", "", 302),
        ("anonymous", "GET", "portal.rules", "", 200),
        ("eier", "GET", "modeler.letter", "lang=en&outcome=approved&by=caseworker", 200),
        ("eier", "GET", "modeler.letter_pdf", "lang=nn&outcome=rejected&by=rules", 200),
    ],
)
def test_the_sweep_values_get_past_the_lookups_of_the_decision_routes(
    app: Flask, login_as: Any, username: str, method: str, endpoint: str, query: str, status: int
) -> None:
    decided = _decided_values(app, login_as)
    own = {**_own_values(app), **decided}
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    browser = _browser(app, login_as, username)
    token = browser.csrf("/")
    url = f"{_path(rule, _values_for(rule, own))}?{query}"
    response = browser.client.open(
        url, method=method, data={"csrf_token": token} if method == "POST" else None
    )
    response.close()  # a file download keeps its file open until then
    assert response.status_code == status, (url, response.status_code)


def test_every_int_route_uses_the_bounded_converter(app: Flask) -> None:
    for rule in app.url_map.iter_rules():
        for name, converter in rule._converters.items():
            assert type(converter).__name__ != "IntegerConverter", (rule.rule, name)


@pytest.mark.parametrize(
    "url",
    [
        "/casework/tasks/9223372036854775808",
        "/casework/tasks/18446744073709551616",
        "/casework/cases/2147483648",
        "/modeler/9223372036854775808/edit",
        "/outbox/99999999999999999999",
    ],
)
def test_ids_out_of_range_are_not_found(login_as: Any, url: str) -> None:
    browser = login_as("admin" if url.startswith("/outbox") else "saksbehandler")
    if url.startswith("/modeler"):
        browser = login_as("eier")
    assert browser.get(url).status_code == 404


@pytest.mark.parametrize(
    ("query", "status"),
    [
        (f"draft={2**63}", 404),
        (f"draft={2**64}", 404),
        (f"draft={2**31}", 404),
        ("draft=0", 404),
        ("draft=abc", 400),
        ("draft=-1", 400),
        ("draft=%C2%B2", 400),
        ("draft=", 200),
    ],
)
def test_a_draft_id_that_cannot_exist_is_not_found(login_as: Any, query: str, status: int) -> None:
    response = login_as("kari").get(f"/services/parking_permit/apply?{query}")
    assert response.status_code == status


@pytest.mark.parametrize(
    ("url", "username"),
    [
        (f"/casework/?service={2**63}&page={2**64}", "saksbehandler"),
        ("/casework/?service=%C2%B2&page=%C2%B2", "saksbehandler"),
        (f"/admin/audit?user={2**40}&before={2**63}", "admin"),
        ("/admin/audit?user=%C2%B2&before=%D9%A1", "admin"),
        (f"/admin/users?page={2**63}", "admin"),
        ("/admin/groups?page=%C2%B2", "admin"),
        (f"/modeler/1/compare?a={2**63}&b={2**64}", "eier"),
    ],
)
def test_malformed_query_numbers_are_ignored_or_refused(
    login_as: Any, url: str, username: str
) -> None:
    assert login_as(username).get(url).status_code in (200, 400, 404)
