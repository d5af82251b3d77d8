"""The test-run page's sentences: what each connector call would have done."""

from __future__ import annotations

from flask import Flask

from designer.services.testruns import account, describe, kroner


def test_amounts_and_accounts_are_written_the_norwegian_way() -> None:
    assert kroner("3900") == "3\u00a0900\u00a0kr"
    assert kroner("1250.5") == "1\u00a0250,50\u00a0kr"
    assert account("12345678903") == "1234.56.78903"
    assert account("123") == "123"


def test_every_connector_call_is_described_in_words(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "en"}):
        paid = describe(
            "payment",
            {"amount": 3900, "account": "1234 56 78903", "recipient": "Kari", "reference": "K-1"},
        )
        assert paid == ("Would have paid NOK\u00a03,900 to 1234.56.78903 (Kari), reference: K-1.")
        assert describe("http", {"url": "https://api.example.no/x", "body": {}}) == (
            "Would have called POST https://api.example.no/x."
        )
        assert describe("mail", {"to": "kari@example.no", "subject": "Hei"}) == (
            "Would have sent an e-mail to kari@example.no: “Hei”."
        )
        assert "“Vedtak”" in describe("letter", {"title": "Vedtak"})
        assert describe("archive", {}) == "Would have called the connector 'archive'."
