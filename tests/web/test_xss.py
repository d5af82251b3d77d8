"""XSS payloads in every text a person can type show up escaped on every page that shows it."""

from __future__ import annotations

import re

from tests.factories import PARKING_APPLICATION

PAYLOADS = (
    "<script>alert('x1')</script>",
    '"><img src=x onerror=alert(2)>',
    "<svg onload=alert(3)>",
    "javascript:alert(4)//<a href='javascript:alert(5)'>k</a>",
)
RAW = re.compile(r"<script>alert|<img src=x onerror|<svg onload|href='javascript:", re.I)
APPLY = "/services/parking_permit/apply"


def _assert_escaped(html: str, where: str) -> None:
    found = RAW.findall(html)
    assert not found, (where, found)


def test_payloads_in_an_application_comments_and_requests_are_escaped_everywhere(login_as):
    kari = login_as("kari")
    text = " ".join(PAYLOADS)
    application = {
        **PARKING_APPLICATION,
        "applicant_name": PAYLOADS[0],
        "address": PAYLOADS[1],
        "city": PAYLOADS[2],
        "need_description": text,
    }
    sent = kari.submit(APPLY, application)
    assert sent.status_code == 302, sent.status_code
    case_url = sent.headers["Location"].split("?")[0]
    case_no = case_url.rsplit("/", 1)[1]

    sara = login_as("saksbehandler")
    inbox = sara.get(f"/casework/?q={case_no}").get_data(as_text=True)
    _assert_escaped(inbox, "inbox")
    task = re.search(r'href="(/casework/tasks/\d+)"', inbox).group(1)
    page = sara.get(task).get_data(as_text=True)
    _assert_escaped(page, "task page")
    assert "&lt;script&gt;alert(&#39;x1&#39;)&lt;/script&gt;" in page  # shown, as text
    instance_link = re.search(r'href="(/casework/cases/\d+)"', page).group(1)
    for form_action, field in (("/comments", "text"), ("/information-request", "text")):
        answer = sara.submit(instance_link, {field: text}, action=form_action)
        assert answer.status_code in (302, 303)
    _assert_escaped(sara.get(instance_link).get_data(as_text=True), "case page")
    _assert_escaped(kari.get(case_url).get_data(as_text=True), "citizen case page")
    _assert_escaped(kari.get("/cases").get_data(as_text=True), "my cases")


def test_payloads_in_a_service_name_are_escaped_in_the_designer_and_catalogue(login_as):
    owner = login_as("eier")
    created = owner.submit("/modeler/", {"create-name": PAYLOADS[1]}, action="/modeler/new")
    assert created.status_code == 302
    _assert_escaped(owner.get("/modeler/").get_data(as_text=True), "process list")
    _assert_escaped(owner.get(created.headers["Location"]).get_data(as_text=True), "editor")
