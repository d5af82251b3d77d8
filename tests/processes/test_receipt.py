"""The receipt shows the state the citizen's submission produced, whether or not the
background worker has already run the connectors the decision queued (issue 15).

The kontingentkassa grants a clear case at once, then waits for the payment notice and the
payment (connector jobs). The receipt used to show "Mottatt", no decision and an empty
"Dette sendte du" until the worker had finished, and the decision when it had: once in two
tries with the in-process worker thread.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from designer.worker import work_once
from tests.factories import Browser, text_of
from tests.processes.test_leisure_subsidy import _apply

DECIDED = "StatusInnvilget"
REASON = "Du får 3 900 kr i støtte til Fotball, Skotfoss IL."


def _receipt(kari: Browser, case_no: str) -> str:
    return text_of(kari.get(f"/cases/{case_no}?received=1"))


def _shows_the_decision(page: str) -> None:
    assert DECIDED in page and "StatusMottatt" not in page
    assert "Vedtak: søknaden er innvilget" in page and REASON in page
    assert "Avgjort av Automatisk behandling etter reglene for tjenesten" in page
    assert "Dette sendte du" in page and "Aktivitet og lag eller forening" in page
    assert "Fotball, Skotfoss IL" in page.split("Dette sendte du", 1)[1]


@pytest.mark.parametrize("worker_first", [False, True], ids=["worker-later", "worker-first"])
def test_the_receipt_shows_the_instant_decision_whenever_the_worker_runs(
    app: Flask, login_as: Any, worker_first: bool
) -> None:
    kari = login_as("kari")
    case_no = _apply(kari)
    if worker_first:
        assert work_once(app) == 1 and work_once(app) == 1  # the notice, the payment
    _shows_the_decision(_receipt(kari, case_no))
    assert f"{case_no}" in text_of(kari.get("/cases"))
    assert "Innvilget" in text_of(kari.get("/cases")).split(case_no, 1)[1][:200]
    if not worker_first:
        assert work_once(app) == 1 and work_once(app) == 1
    _shows_the_decision(text_of(kari.get(f"/cases/{case_no}")))


def test_a_case_that_waits_for_a_caseworker_is_still_in_progress(login_as: Any) -> None:
    kari = login_as("kari")
    case_no = _apply(kari, household_income="500000")  # borderline: a caseworker decides
    page = _receipt(kari, case_no)
    assert "StatusUnder behandling" in page and "Vedtak:" not in page


def test_a_caseworkers_grant_shows_while_the_payment_waits(app: Flask, login_as: Any) -> None:
    import re

    kari = login_as("kari")
    case_no = _apply(kari, household_income="500000", costs=["fee"], equipment_cost="")
    sara = login_as("saksbehandler")
    inbox = sara.get(f"/casework/?q={case_no}").get_data(as_text=True)
    task = re.search(r'href="(/casework/tasks/\d+)"', inbox)
    assert task
    answer = {"_hidden": "", "grant": "yes", "support": "2000", "review_reason": "Særlige grunner."}
    assert sara.submit(task.group(1), answer).status_code == 302
    page = text_of(kari.get(f"/cases/{case_no}"))  # before the worker has paid
    assert DECIDED in page and "Begrunnelse Særlige grunner." in page
    assert "Avgjort av En saksbehandler" in page
