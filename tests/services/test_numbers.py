"""Numbers from query strings: only ASCII digits in the database's range count."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from designer.services.audit import AuditQuery
from designer.services.inbox import InboxQuery
from designer.services.numbers import DB_INT_MAX, parse_int


def test_only_plain_digits_in_range_are_numbers() -> None:
    assert parse_int("42") == 42
    assert parse_int(str(DB_INT_MAX)) == DB_INT_MAX
    for raw in ("²", "١٢", "2147483648", "9223372036854775808", "-1", "1e3", "", None, True):
        assert parse_int(raw) is None, raw


def test_filters_ignore_numbers_that_are_not_plain_or_too_large() -> None:
    inbox = InboxQuery.from_args(MultiDict({"service": "²", "page": "9223372036854775808"}))
    assert inbox.service is None and inbox.page == 1
    audit = AuditQuery.from_args(MultiDict({"user": "²", "before": "99999999999"}))
    assert audit.actor_id is None and audit.before is None
