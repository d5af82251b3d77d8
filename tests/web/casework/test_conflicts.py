"""Conflicts answer 409 with people's words, in bokmål and in English; never the engine's text."""

from __future__ import annotations

import re
from typing import Any

import pytest
from babel.messages.pofile import read_po

from designer.web import messages
from engine import errors as codes
from engine.errors import Conflict, EngineError, TaskNotReady
from tests.factories import PARKING_APPLICATION, Browser, text_of

APPLY = "/services/parking_permit/apply"
REVIEW = {"review_decision": "rejected", "review_reason": "Ikke dokumentert."}
ENGLISH = {"Accept-Language": "en"}


def _task(login_as: Any, who: str = "saksbehandler") -> tuple[Browser, str]:
    login_as("kari").submit(APPLY, PARKING_APPLICATION)
    browser = login_as(who)
    found = re.search(r'href="(/casework/tasks/\d+)"', browser.get("/casework/").get_data(True))
    assert found
    return browser, found.group(1)


def test_a_post_to_a_completed_task_is_409_in_both_languages(login_as: Any) -> None:
    sara, url = _task(login_as)
    fields = sara.hidden_fields(url)
    assert sara.submit(url, REVIEW).status_code == 302
    again = sara.client.post(url, data={**fields, **REVIEW})
    assert again.status_code == 409  # was 200
    assert "Denne oppgaven er ikke lenger åpen" in text_of(again)
    english = sara.client.post(url, data={**fields, **REVIEW}, headers=ENGLISH)
    assert english.status_code == 409
    assert "This task has already been completed." in text_of(english)


def test_a_stale_version_is_told_in_the_readers_language(login_as: Any) -> None:
    sara, url = _task(login_as)
    fields = sara.hidden_fields(url)
    fields["expected_version"] = str(int(fields["expected_version"]) - 1)
    stale = sara.client.post(url, data={**fields, **REVIEW})
    assert stale.status_code == 409
    assert "Saken er endret etter at du åpnet den." in text_of(stale)
    english = sara.client.post(url, data={**fields, **REVIEW}, headers=ENGLISH)
    assert english.status_code == 409
    assert "The case changed after you opened it." in text_of(english)


def test_a_task_a_colleague_took_is_explained_not_in_engine_english(login_as: Any) -> None:
    sara, url = _task(login_as)
    task_id = url.rsplit("/", 1)[1]
    claim = f"/casework/tasks/{task_id}/claim"
    csrf = sara.hidden_fields(url)["csrf_token"]
    assert sara.client.post(claim, data={"csrf_token": csrf}).status_code == 302
    ola = login_as("ola")
    csrf = ola.hidden_fields(url)["csrf_token"]
    taken = ola.client.post(claim, data={"csrf_token": csrf}, headers=ENGLISH)
    assert taken.status_code == 303
    page = text_of(ola.get(url, headers=ENGLISH))
    assert "Someone else has already taken this task." in page


@pytest.mark.parametrize(
    ("error", "english"),
    [
        (TaskNotReady("x", code=codes.TASK_COMPLETED), "This task has already been completed."),
        (Conflict("x", code=codes.TASK_TAKEN), "Someone else has already taken this task."),
        (Conflict("x", code=codes.CASE_CHANGED), "The case changed after you opened it."),
        (TaskNotReady("x"), "This task is no longer open."),
        (EngineError("x", code="something_new"), "Someone else changed this at the same time."),
    ],
)
def test_engine_errors_map_by_code_then_by_type(app: Any, error: EngineError, english: str) -> None:
    with app.test_request_context(headers=ENGLISH):
        assert messages.engine_text(error).startswith(english)


def test_every_engine_text_has_a_bokmal_translation(app: Any) -> None:
    with open(app.root_path + "/translations/nb/LC_MESSAGES/messages.po", "rb") as handle:
        catalog = read_po(handle)
    with app.test_request_context(headers=ENGLISH):
        texts = messages._texts().values()
    missing = [t for t in texts if not (catalog.get(t) and catalog.get(t).string)]
    assert missing == []
