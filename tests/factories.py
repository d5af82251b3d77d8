"""Small helpers for tests: a form-filling test browser and process factories."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import lxml.html
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

DEMO_PASSWORD = "demo"


class TestFile(str):
    """A file to attach, named by its path: plain text where data goes straight to the
    engine, a file where a form is posted (Werkzeug's test client opens the path anew for
    every post because the value has a `read`)."""

    __test__ = False  # not a test class for pytest

    def __reduce__(self) -> tuple[type, tuple[str]]:  # copies and pickles are plain text
        return str, (str(self),)

    def read(self, size: int = -1) -> bytes:
        with open(self, "rb") as handle:
            return handle.read(size)


DOCTOR_STATEMENT = TestFile(Path(__file__).parent / "data" / "legeerklaering.pdf")
PARKING_APPLICATION = {
    "applicant_name": "Kari Nordmann",
    "national_id": "15818012001",
    "address": "Storgata 1",
    "postal_code": "3674",
    "city": "Notodden",
    "role": "driver",
    "need_description": "Jeg kan bare gå noen få meter uten hjelp.",
    "doctor_statement": "yes",
    "doctor_statement_file": DOCTOR_STATEMENT,  # the upload the answer "yes" requires
    "period_years": "2",
}


class Browser:
    """Drives the app like a person: reads forms, keeps hidden fields, posts them."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def get(self, url: str, **kwargs: Any) -> TestResponse:
        return self.client.get(url, **kwargs)

    def hidden_fields(self, url: str, form_index: int = -1) -> dict[str, str]:
        page = self.client.get(url)
        assert page.status_code == 200, (url, page.status_code)
        doc = lxml.html.fromstring(page.get_data(as_text=True))
        forms = [
            f
            for f in doc.forms
            if f.get("method", "get").lower() == "post"
            and "lang-switch" not in (f.get("class") or "")
            and not (f.action or "").endswith("/logout")
        ]
        form = forms[form_index]
        return {
            i.name: i.value or ""
            for i in form.inputs
            if i.name and getattr(i, "type", "") == "hidden"
        }

    def submit(
        self,
        url: str,
        data: dict[str, Any],
        form_index: int = -1,
        action: str | None = None,
        **kwargs: Any,
    ) -> TestResponse:
        """GET the page, then POST one of its forms with hidden fields kept and `data` filled in.

        The form is picked by `action` (a suffix of its action URL) or by position.
        """
        page = self.client.get(url)
        assert page.status_code == 200, (url, page.status_code)
        forms = self._forms(page.get_data(as_text=True))
        if action is not None:
            forms = [f for f in forms if (f.get("action") or "").endswith(action)]
        form = forms[form_index]
        fields = {
            i.name: i.value or ""
            for i in form.inputs
            if i.name and getattr(i, "type", "") == "hidden"
        }
        fields.update({k: v for k, v in data.items() if v is not None})
        target = form.get("action") or url
        return self.client.post(target, data=fields, **kwargs)

    @staticmethod
    def _forms(html: str) -> list[Any]:
        doc = lxml.html.fromstring(html)
        return [
            f
            for f in doc.forms
            if f.get("method", "get").lower() == "post"
            and "lang-switch" not in (f.get("class") or "")
            and not (f.get("action") or "").endswith("/logout")
        ]

    def set_language(self, lang: str, page: str = "/") -> TestResponse:
        """Use the header's language switch."""
        doc = lxml.html.fromstring(self.client.get(page).get_data(as_text=True))
        token = doc.xpath(
            '//form[contains(@class, "lang-switch")]//input[@name="csrf_token"]/@value'
        )[0]
        return self.client.post("/lang", data={"csrf_token": token, "lang": lang, "next": page})

    def csrf(self, page: str = "/") -> str:
        """A CSRF token from a page (for JSON requests, sent as X-CSRFToken)."""
        doc = lxml.html.fromstring(self.client.get(page).get_data(as_text=True))
        found = doc.xpath(
            '//input[@name="csrf_token"]/@value | //*[@data-csrf-token]/@data-csrf-token'
        )
        return str(found[0])

    def post_json(self, url: str, body: dict[str, Any], token: str) -> TestResponse:
        """POST JSON the way the editor does."""
        return self.client.post(url, json=body, headers={"X-CSRFToken": token})

    def login(self, username: str, password: str = DEMO_PASSWORD) -> TestResponse:
        response = self.submit("/login", {"username": username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response


def text_of(response: TestResponse) -> str:
    """The visible text of an HTML response, whitespace folded."""
    doc = lxml.html.fromstring(response.get_data(as_text=True))
    return " ".join(doc.text_content().split())


REGISTER_SECRET = "register-secret"


def add_api_token(name: str = "register", secret: str = REGISTER_SECRET) -> str:
    """Give the default tenant a `messages` API token (inside an app context); return it."""
    from designer.extensions import db
    from designer.models import ApiToken
    from designer.web.api.views import hash_token
    from engine.models import Tenant

    tenant = db.session.query(Tenant).one()
    db.session.add(
        ApiToken(tenant_id=tenant.id, name=name, token_hash=hash_token(secret), scopes="messages")
    )
    db.session.commit()
    return secret


def call_context(**changes: Any) -> Any:
    """A connector's call context for tests of connectors outside a running case."""
    from engine.api import CallContext

    values: dict[str, Any] = {
        "tenant_id": 1,
        "instance_id": 1,
        "case_no": "2026-000001",
        "owner": None,
        "job_id": 1,
        "attempt": 1,
        "element_id": "call",
    }
    return CallContext(**{**values, **changes})
