"""What a test run's service tasks would have done, in words for the test-run page.

Test runs call recording doubles (designer.integrations.testing), never the real adapters:
nothing is paid, sent or called. The connector jobs of the test instance keep the evaluated
parameters, so the page can say what a real case would have done.
"""

from __future__ import annotations

from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

import forms
from engine.models import ConnectorJob, Instance


def _language(locale: str | None) -> str:
    return locale or str(get_locale() or "nb")


def kroner(value: Any, locale: str | None = None) -> str:
    """An amount in `locale` (default: the UI language), written by forms.format_amount
    like every amount: '3 900 kr', '1 250,50 kr' (nb, nn), 'NOK 3,900' (en)."""
    return forms.format_amount(value, _language(locale))


def number(value: int | float, locale: str | None = None) -> str:
    """A number in `locale` (default: the UI language): '1 200 000', '1 250,5'."""
    return forms.format_number(value, _language(locale))


def account(value: Any) -> str:
    """An account number grouped 4.2.5 (1234.56.78903)."""
    digits = "".join(ch for ch in str(value or "") if ch.isdigit())
    if len(digits) != 11:
        return str(value or "")
    return f"{digits[:4]}.{digits[4:6]}.{digits[6:]}"


def describe(connector: str, params: dict[str, Any]) -> str:
    """One sentence: what the call with `params` would have done in a real case."""
    if connector == "payment":
        text = _(
            "Would have paid %(amount)s to %(account)s",
            amount=kroner(params.get("amount")),
            account=account(params.get("account")),
        )
        if params.get("recipient"):
            text += " (" + str(params["recipient"])[:200] + ")"
        if params.get("reference"):
            text += _(", reference: %(reference)s", reference=str(params["reference"])[:200])
        return text + "."
    if connector == "letter":
        return _(
            "Would have sent a letter to the applicant's digital mailbox: “%(title)s”.",
            title=str(params.get("title") or "")[:300],
        )
    if connector == "mail":
        return _(
            "Would have sent an e-mail to %(to)s: “%(subject)s”.",
            to=str(params.get("to") or "")[:200],
            subject=str(params.get("subject") or "")[:300],
        )
    if connector == "http":
        method = str(params.get("method") or ("POST" if "body" in params else "GET")).upper()
        return _(
            "Would have called %(method)s %(url)s.",
            method=method,
            url=str(params.get("url") or "")[:500],
        )
    return _("Would have called the connector '%(name)s'.", name=connector)


def would_have(session: Session, instance: Instance) -> list[dict[str, Any]]:
    """The test instance's connector calls, oldest first: element, sentence, status, error."""
    if not instance.is_test:
        return []
    jobs = session.scalars(
        select(ConnectorJob)
        .where(ConnectorJob.instance_id == instance.id)
        .order_by(ConnectorJob.id)
    )
    return [
        {
            "element_id": job.element_id,
            "name": job.name,
            "text": describe(job.connector, dict(job.params or {})),
            "status": job.status,
            "error": job.last_error if job.status == "failed" else None,
        }
        for job in jobs
    ]
