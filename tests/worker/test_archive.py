"""Finished cases go to the archive once: after their decision letter is sent, never twice."""

from __future__ import annotations

import json
import os
import re
import threading
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from lxml import etree
from sqlalchemy import select, update

from designer.extensions import db
from designer.integrations.archive import (
    ARKIVMELDING,
    METADATAKATALOG,
    ArchiveMessage,
    FolderArchive,
)
from designer.models import Appeal, ArchiveHandover, DecisionLetter
from designer.worker import archive as archive_worker
from designer.worker.archive import CLAIM_LEASE, hand_over_finished
from designer.worker.tick import deliver_letters, work_once
from engine.api import ConnectorFailed
from engine.models import Instance, utcnow
from tests.factories import PARKING_APPLICATION

APPLY = "/services/parking_permit/apply"
NS = {"a": ARKIVMELDING, "m": METADATAKATALOG}
TRIES: list[ArchiveMessage] = []


class BrokenArchive:
    """An archive that is down (or refuses): `retry` says which."""

    retry = True

    def __init__(self, app: Flask) -> None:
        self.app = app

    def hand_over(self, message: ArchiveMessage) -> dict[str, Any]:
        TRIES.append(message)
        raise ConnectorFailed("The archive is closed for maintenance.", retry=self.retry)


def broken_archive(app: Flask) -> BrokenArchive:
    """What ARCHIVE_ADAPTER = "tests.worker.test_archive:broken_archive" names."""
    return BrokenArchive(app)


@pytest.fixture(autouse=True)
def archive_folder(app: Flask, tmp_path: Any) -> str:
    """The folder archive writes under the test's own folder."""
    app.config["ARCHIVE_FOLDER"] = folder = str(tmp_path / "archive")
    return folder


def _decided_case(login_as: Any) -> str:
    """Kari applies without a doctor's statement: the rules reject it at once."""
    kari = login_as("kari")
    response = kari.submit(APPLY, {**PARKING_APPLICATION, "doctor_statement": "no"})
    match = re.search(r"/cases/(\d{4}-\d{6})", response.headers["Location"])
    assert match, response.headers.get("Location")
    return match.group(1)


def _instance(case_no: str) -> Instance:
    db.session.expire_all()
    return db.session.scalars(select(Instance).where(Instance.case_no == case_no)).one()


def _handovers() -> list[ArchiveHandover]:
    db.session.expire_all()
    return list(db.session.scalars(select(ArchiveHandover).order_by(ArchiveHandover.id)))


def _folder(app: Flask, case_no: str) -> str:
    return os.path.join(app.config["ARCHIVE_FOLDER"], "default", case_no)


def test_a_finished_case_is_handed_over_once(app: Flask, login_as: Any) -> None:
    case_no = _decided_case(login_as)
    with app.app_context():
        assert _instance(case_no).status == "completed"
    assert hand_over_finished(app) == 0  # its letter is not sent yet
    deliver_letters(app)  # renders and sends the decision letter
    with app.app_context():
        [letter] = db.session.scalars(select(DecisionLetter)).all()
        assert letter.status == "sent", letter.error
        pdf, title = letter.pdf, letter.title
    assert hand_over_finished(app) == 1
    folder = _folder(app, case_no)
    names = sorted(os.listdir(folder))
    assert "arkivmelding.xml" in names and "1-1-soknad.json" in names
    assert "2-1-vedtak-1.pdf" in names
    with open(os.path.join(folder, "2-1-vedtak-1.pdf"), "rb") as handle:
        assert handle.read() == pdf
    with open(os.path.join(folder, "1-1-soknad.json"), encoding="utf-8") as handle:
        summary = json.load(handle)
    assert summary["case_no"] == case_no and summary["data"]["applicant_name"] == "Kari Nordmann"
    assert any(row["value"] == "Kari Nordmann" for row in summary["answers"])
    root = etree.parse(os.path.join(folder, "arkivmelding.xml")).getroot()
    assert [e.text for e in root.iterfind(".//a:journalposttype/m:kode", NS)] == ["I", "U"]
    assert root.findtext("a:mappe/a:referanseEksternNoekkel/m:noekkel", namespaces=NS) == case_no
    assert root.findtext("a:mappe/a:tittel", namespaces=NS).endswith("Kari Nordmann")
    posts = root.findall(".//a:registrering", NS)
    assert posts[0].findtext("a:tittel", namespaces=NS).startswith("Søknad: ")
    assert posts[1].findtext("a:tittel", namespaces=NS) == title
    assert posts[1].findtext(".//a:personid", namespaces=NS) == "15818012001"
    with app.app_context():
        [row] = _handovers()
        assert (row.status, row.external_key, row.attempts) == (
            "archived",
            f"flytverk:{case_no}",
            0,
        )
        assert row.receipt["status"] == "archived" and row.archived_at is not None
    before = {n: os.stat(os.path.join(folder, n)).st_mtime_ns for n in names}
    assert hand_over_finished(app) == 0  # the worker step again: nothing more happens
    assert hand_over_finished(app, utcnow() + timedelta(days=1)) == 0
    assert {n: os.stat(os.path.join(folder, n)).st_mtime_ns for n in names} == before
    with app.app_context():
        assert len(_handovers()) == 1


def _sent_case(app: Flask, login_as: Any) -> str:
    case_no = _decided_case(login_as)
    deliver_letters(app)
    return case_no


def test_a_case_another_worker_holds_is_left_to_it(app: Flask, login_as: Any) -> None:
    case_no = _sent_case(app, login_as)
    now = utcnow()
    with app.app_context():
        instance = _instance(case_no)
        db.session.add(
            ArchiveHandover(
                tenant_id=instance.tenant_id,
                instance_id=instance.id,
                external_key=f"flytverk:{case_no}",
                claimed_at=now,
            )
        )
        db.session.commit()
    assert hand_over_finished(app, now + CLAIM_LEASE - timedelta(seconds=1)) == 0
    assert not os.path.exists(_folder(app, case_no))
    # That worker died: once its claim is older than the lease, another takes over.
    assert hand_over_finished(app, now + CLAIM_LEASE + timedelta(seconds=1)) == 1
    with app.app_context():
        assert [r.status for r in _handovers()] == ["archived"]
    assert os.path.exists(os.path.join(_folder(app, case_no), "arkivmelding.xml"))


def test_a_package_written_before_a_crash_is_not_written_again(app: Flask, login_as: Any) -> None:
    _sent_case(app, login_as)
    assert hand_over_finished(app) == 1
    with app.app_context():  # as if the worker died after writing, before recording it
        db.session.execute(
            update(ArchiveHandover).values(status="pending", claimed_at=None, archived_at=None)
        )
        db.session.commit()
    assert hand_over_finished(app) == 1
    with app.app_context():
        [row] = _handovers()
        assert row.status == "archived" and row.receipt["status"] == "already archived"


def test_an_archive_that_is_down_is_tried_again_later(app: Flask, login_as: Any) -> None:
    case_no = _sent_case(app, login_as)
    TRIES.clear()
    app.config["ARCHIVE_ADAPTER"] = "tests.worker.test_archive:broken_archive"
    now = utcnow()
    assert hand_over_finished(app, now) == 0
    assert len(TRIES) == 1 and TRIES[0].external_key == f"flytverk:{case_no}"
    with app.app_context():
        [row] = _handovers()
        assert (row.status, row.attempts, row.claimed_at) == ("pending", 1, None)
        assert "maintenance" in (row.error or "") and row.next_attempt_at > now
        again_at = row.next_attempt_at
    assert hand_over_finished(app, now + timedelta(seconds=5)) == 0  # not due yet
    assert len(TRIES) == 1
    app.extensions.pop("flytverk_archive")
    app.config["ARCHIVE_ADAPTER"] = "folder"  # the archive is back
    assert hand_over_finished(app, again_at) == 1
    with app.app_context():
        [row] = _handovers()
        assert row.status == "archived" and row.error is None


def test_an_archive_that_refuses_the_case_is_not_asked_again(
    app: Flask, login_as: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _sent_case(app, login_as)
    TRIES.clear()
    monkeypatch.setattr(BrokenArchive, "retry", False)
    app.config["ARCHIVE_ADAPTER"] = "tests.worker.test_archive:broken_archive"
    assert hand_over_finished(app) == 0
    assert hand_over_finished(app, utcnow() + timedelta(days=2)) == 0
    assert len(TRIES) == 1
    with app.app_context():
        [row] = _handovers()
        assert row.status == "failed" and row.next_attempt_at is None


def test_test_runs_and_open_cases_are_not_archived(app: Flask, login_as: Any) -> None:
    kari = login_as("kari")
    kari.submit(APPLY, PARKING_APPLICATION)  # waits for a caseworker
    case_no = _sent_case(app, login_as)
    with app.app_context():
        db.session.execute(update(Instance).where(Instance.case_no == case_no).values(is_test=True))
        db.session.commit()
    assert hand_over_finished(app) == 0
    with app.app_context():
        assert _handovers() == []


def test_an_open_appeal_holds_the_case_back(app: Flask, login_as: Any) -> None:
    case_no = _sent_case(app, login_as)
    with app.app_context():
        instance = _instance(case_no)
        appeal = Appeal(
            tenant_id=instance.tenant_id,
            instance_id=instance.id,
            kind="appeal",
            owner=instance.owner or "",
            text="Jeg har legeerklæring.",
        )
        db.session.add(appeal)
        db.session.commit()
        appeal_id = appeal.id
    assert hand_over_finished(app) == 0
    with app.app_context():
        db.session.execute(update(Appeal).where(Appeal.id == appeal_id).values(status="confirmed"))
        db.session.commit()
    assert hand_over_finished(app) == 1


def test_the_appeal_process_s_own_case_is_not_archived(app: Flask, login_as: Any) -> None:
    case_no = _sent_case(app, login_as)
    handler_no = _sent_case(app, login_as)  # stands in for the appeal task's instance
    with app.app_context():
        case, handler = _instance(case_no), _instance(handler_no)
        db.session.add(
            Appeal(
                tenant_id=case.tenant_id,
                instance_id=case.id,
                kind="appeal",
                owner=case.owner or "",
                status="reversed",
                handler_instance_id=handler.id,
            )
        )
        db.session.commit()
    assert hand_over_finished(app) == 1
    with app.app_context():
        assert [row.external_key for row in _handovers()] == [f"flytverk:{case_no}"]


class CountingArchive(FolderArchive):
    """The folder archive, counting its hand-overs."""

    calls: list[str] = []

    def hand_over(self, message: ArchiveMessage) -> dict[str, Any]:
        self.calls.append(message.external_key)
        return super().hand_over(message)


def counting_archive(app: Flask) -> CountingArchive:
    """What ARCHIVE_ADAPTER = "tests.worker.test_archive:counting_archive" names."""
    return CountingArchive(app.instance_path, app.config["ARCHIVE_FOLDER"])


def test_two_workers_at_once_hand_the_case_over_once(
    app: Flask, login_as: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_no = _sent_case(app, login_as)
    CountingArchive.calls = []
    app.config["ARCHIVE_ADAPTER"] = "tests.worker.test_archive:counting_archive"
    both_saw_it = threading.Barrier(2, timeout=10)
    real_due = archive_worker.due

    def due_then_wait(*args: Any, **kwargs: Any) -> list[int]:
        found = real_due(*args, **kwargs)
        both_saw_it.wait()  # both workers found the case before either claims it
        return found

    monkeypatch.setattr(archive_worker, "due", due_then_wait)
    results: list[int] = []
    workers = [
        threading.Thread(target=lambda: results.append(hand_over_finished(app))) for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert sorted(results) == [0, 1]
    assert CountingArchive.calls == [f"flytverk:{case_no}"]
    with app.app_context():
        assert [row.status for row in _handovers()] == ["archived"]


def test_the_tick_sends_the_letter_and_then_hands_the_case_over(app: Flask, login_as: Any) -> None:
    case_no = _decided_case(login_as)
    work_once(app, daily=False)
    assert "arkivmelding.xml" in os.listdir(_folder(app, case_no))
    with app.app_context():
        assert db.session.scalars(select(ArchiveHandover)).one().status == "archived"
