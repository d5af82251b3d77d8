"""Appeals and manual reviews (issue 15) through the real app and engine, as people do them.

An automatic rejection taken to manual review, a caseworker's decision appealed and kept
(forwarded to the appeal body) or reversed, a late appeal, someone else's case, a double
click. The kontingentkassa (leisure_subsidy) decides both ways: at once by its rules, or by a
caseworker for incomes near the limit.
"""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from typing import Any

import lxml.html
import pytest
from flask import Flask
from sqlalchemy import select

from designer.extensions import db
from designer.models import Appeal, Attachment, DecisionLetter
from designer.services import appeals
from designer.services.workdays import local_date
from engine.models import Event, HumanTask, Instance, ProcessModel
from tests.factories import Browser, text_of
from tests.processes.test_citizen_notice_languages import _second_citizen
from tests.processes.test_leisure_subsidy import _apply

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _case(case_no: str) -> Instance:
    db.session.expire_all()
    return db.session.scalars(select(Instance).where(Instance.case_no == case_no)).one()


def _appeals(case_no: str) -> list[Appeal]:
    return list(
        db.session.scalars(
            select(Appeal).where(Appeal.instance_id == _case(case_no).id).order_by(Appeal.id)
        )
    )


def _case_events(case_no: str) -> list[str]:
    rows = db.session.scalars(
        select(Event.kind).where(Event.instance_id == _case(case_no).id).order_by(Event.id)
    )
    return [kind for kind in rows if kind in appeals.EVENTS]


def _task_url(sara: Browser, name: str) -> str:
    """The inbox link of the open task called `name` (there is one)."""
    doc = lxml.html.fromstring(sara.get("/casework/").get_data(as_text=True))
    links = [a.get("href") for a in doc.iter("a") if name in a.text_content()]
    assert len(links) == 1, text_of(sara.get("/casework/"))
    return str(links[0])


def _decided_by_caseworker(app: Flask, kari: Browser, sara: Browser) -> str:
    """A borderline income: the caseworker refuses; return the case number."""
    case_no = _apply(kari, household_income="520000")
    done = sara.submit(
        _task_url(sara, "Vurder søknaden"),
        {
            "grant": "no",
            "review_reason": "Inntekten er over grensen, og det er ingen særlige grunner.",
        },
    )
    assert done.status_code == 302
    with app.app_context():
        assert _case(case_no).result["outcome"] == "rejected"
    return case_no


def test_an_automatic_rejection_is_reviewed_by_a_caseworker_who_approves_it(
    app: Flask, login_as: Any
) -> None:
    kari = login_as("kari")
    case_no = _apply(kari, household_income="800000")
    page = text_of(kari.get(f"/cases/{case_no}"))
    assert "Be om manuell vurdering" in page and "Klag på vedtaket" in page
    sent = kari.submit(
        f"/cases/{case_no}/review", {"appeal_text": "Inntekten vår falt i fjor: se vedlegget."}
    )
    assert sent.status_code == 303
    page = text_of(kari.get(f"/cases/{case_no}"))
    assert "Du ba om manuell vurdering" in page
    assert "En saksbehandler vurderer vedtaket på nytt." in page
    assert "Be om manuell vurdering" not in page  # one at a time

    # The task is in the service's caseworker group's inbox, with all the reviewer needs.
    sara = login_as("saksbehandler")
    task_url = _task_url(sara, "Manuell vurdering av automatisk vedtak")
    task = text_of(sara.get(task_url))
    assert "Kari Nordmann ber om manuell vurdering av det automatiske vedtaket" in task
    assert "Fotball, Skotfoss IL" in task and "800 000" in task  # the inputs
    assert "550 000 kr eller mer" in task  # the rule that fired, in words
    assert "automatisk behandling" in task  # who decided
    assert "Inntekten vår falt i fjor: se vedlegget." in task  # the citizen's words
    with app.app_context():
        [appeal] = _appeals(case_no)
        assert (appeal.kind, appeal.status) == ("review", "in_review")
        task_row = db.session.get(HumanTask, int(task_url.rsplit("/", 1)[1]))
        assert task_row.lane == "Saksbehandler"

    done = sara.submit(
        task_url,
        {"new_outcome": "approved", "decision_reason": "Inntekten i år er under grensen."},
    )
    assert done.status_code == 302
    with app.app_context():
        case = _case(case_no)
        assert case.result["outcome"] == "approved"
        assert case.result["reason"] == "Inntekten i år er under grensen."
        letters = db.session.scalars(
            select(DecisionLetter)
            .where(DecisionLetter.instance_id == case.id)
            .order_by(DecisionLetter.number)
        ).all()
        assert [letter.kind for letter in letters][-1] == "review"
        assert letters[-1].decided_by_name == "Sara Saksbehandler"
        [appeal] = _appeals(case_no)
        assert appeal.status == "reversed" and appeal.decided_by is not None
        handler_id = appeal.handler_instance_id
        assert _case_events(case_no) == ["review_requested", "appeal_in_review", "decision_changed"]
    page = text_of(kari.get(f"/cases/{case_no}"))
    assert "Vedtak: søknaden er innvilget" in page
    assert "Vedtaket er endret." in page
    # The new decision is by a person: it can be appealed, not sent to manual review again.
    assert "Klag på vedtaket" in page and "Be om manuell vurdering" not in page
    # Staff see the appeal on the case page and on its timeline.
    staff = text_of(sara.get(f"/casework/cases/{handler_id}"))
    assert "Manuell vurdering av sak" in staff


def test_an_appeal_the_unit_keeps_goes_to_the_appeal_body_with_the_documents(
    app: Flask, login_as: Any
) -> None:
    kari, sara = login_as("kari"), login_as("saksbehandler")
    case_no = _decided_by_caseworker(app, kari, sara)
    page = text_of(kari.get(f"/cases/{case_no}"))
    assert "Klag på vedtaket" in page and "Be om manuell vurdering" not in page
    sent = kari.submit(
        f"/cases/{case_no}/appeal",
        {
            "appeal_text": "Vi har tre barn og høye boutgifter.",
            "appeal_files": (io.BytesIO(PDF), "husleie.pdf"),
        },
    )
    assert sent.status_code == 303, text_of(sent)
    page = kari.get(f"/cases/{case_no}")
    assert "Klagen er mottatt" in text_of(page)
    file_link = re.search(r'href="(/cases/[^"]+/files/\d+)"', page.get_data(as_text=True))
    assert file_link and _download(kari, file_link.group(1)) == (200, PDF)

    task_url = _task_url(sara, "Vurder klagen")
    task = text_of(sara.get(task_url))
    assert "Vi har tre barn og høye boutgifter." in task and "husleie.pdf" in task
    assert "Sara Saksbehandler" in task  # the decision was hers
    done = sara.submit(
        task_url,
        {"appeal_action": "forward", "decision_reason": "Klagen gir ingen nye opplysninger."},
    )
    assert done.status_code == 302
    with app.app_context():
        [appeal] = _appeals(case_no)
        assert appeal.status == "upheld_forwarded"
        assert appeal.forwarded_to == "kommunens klagenemnd"
        documents = appeal.package["documents"]
        titles = [d["filename"] for d in documents]
        assert titles[0] == f"klage-{case_no}.html" and documents[0]["role"] == "main"
        assert "husleie.pdf" in titles and f"soknad-{case_no}.html" in titles
        assert any(t.startswith(f"vedtak-{case_no}-1") for t in titles)  # the letter
        assert _case(case_no).result["outcome"] == "rejected"  # kept
        kinds = _case_events(case_no)
        assert kinds == ["appeal_received", "appeal_in_review", "appeal_forwarded"]
    page = text_of(kari.get(f"/cases/{case_no}"))
    assert "Klagen er sendt til kommunens klagenemnd" in page
    assert "Klag på vedtaket" not in page  # it is with the appeal body now
    staff = text_of(sara.get(f"/casework/cases/{_case_id(app, case_no)}"))
    assert "Klage sendt til klageinstansen" in staff and "husleie.pdf" in staff


def _download(browser: Browser, url: str) -> tuple[int, bytes]:
    response = browser.get(url)
    try:
        return response.status_code, response.data
    finally:
        response.close()


def _case_id(app: Flask, case_no: str) -> int:
    with app.app_context():
        return _case(case_no).id


def test_the_unit_may_reverse_its_own_decision_with_a_new_letter(app: Flask, login_as: Any) -> None:
    kari, sara = login_as("kari"), login_as("saksbehandler")
    case_no = _decided_by_caseworker(app, kari, sara)
    kari.submit(f"/cases/{case_no}/appeal", {"appeal_text": "Vi har tre barn og høye boutgifter."})
    done = sara.submit(
        _task_url(sara, "Vurder klagen"),
        {
            "appeal_action": "reverse",
            "new_outcome": "approved",
            "decision_reason": "Tre barn er en særlig grunn.",
            "_hidden": "",  # a browser without JavaScript shows the revealed field first
        },
    )
    assert done.status_code == 302
    with app.app_context():
        case = _case(case_no)
        assert case.result["outcome"] == "approved"
        kinds = db.session.scalars(
            select(DecisionLetter.kind)
            .where(DecisionLetter.instance_id == case.id)
            .order_by(DecisionLetter.number)
        ).all()
        assert kinds == ["decision", "appeal"]
        assert _appeals(case_no)[0].status == "reversed"
    page = text_of(kari.get(f"/cases/{case_no}"))
    assert "Vedtak: søknaden er innvilget" in page and "Tre barn er en særlig grunn." in page


def test_after_the_deadline_the_case_explains_it_and_a_late_appeal_gives_its_reason(
    app: Flask, login_as: Any
) -> None:
    kari = login_as("kari")
    case_no = _apply(kari, household_income="800000")
    with app.app_context():
        case = _case(case_no)
        case.completed_at = case.completed_at - timedelta(weeks=3, days=1)
        db.session.commit()
    page = text_of(kari.get(f"/cases/{case_no}"))
    assert "Fristen for å klage var" in page and "har gått ut" in page
    assert "forvaltningsloven § 31" in page
    assert "Be om manuell vurdering" not in page
    refused = kari.get(f"/cases/{case_no}/review")
    assert refused.status_code == 302  # explained on the case page
    form = text_of(kari.get(f"/cases/{case_no}/appeal"))
    assert "Hvorfor klager du etter fristen?" in form
    missing = kari.submit(f"/cases/{case_no}/appeal", {"appeal_text": "Inntekten er feil."})
    assert missing.status_code == 422
    sent = kari.submit(
        f"/cases/{case_no}/appeal",
        {"appeal_text": "Inntekten er feil.", "late_reason": "Jeg lå på sykehus i tre uker."},
    )
    assert sent.status_code == 303
    with app.app_context():
        [appeal] = _appeals(case_no)
        assert appeal.late and appeal.late_reason == "Jeg lå på sykehus i tre uker."
    task = text_of(login_as("saksbehandler").get("/casework/"))
    assert "Vurder klagen" in task


def test_only_the_owner_may_appeal_and_a_double_click_makes_one_appeal(
    app: Flask, login_as: Any
) -> None:
    kari = login_as("kari")
    case_no = _apply(kari, household_income="800000")
    _second_citizen(app)
    nils = login_as("nils")
    assert nils.get(f"/cases/{case_no}/appeal").status_code == 404
    token = nils.csrf("/cases")
    other = nils.client.post(
        f"/cases/{case_no}/appeal",
        data={"csrf_token": token, "appeal_text": "Ikke min sak, men likevel."},
    )
    assert other.status_code == 404
    fields = {**kari.hidden_fields(f"/cases/{case_no}/appeal"), "appeal_text": "Inntekten er feil."}
    review = {**kari.hidden_fields(f"/cases/{case_no}/review"), "appeal_text": "Se på det igjen."}
    first = kari.client.post(f"/cases/{case_no}/appeal", data=fields)
    again = kari.client.post(f"/cases/{case_no}/appeal", data=fields)
    assert (first.status_code, again.status_code) == (303, 303)
    assert "Vi hadde allerede mottatt dette" in text_of(kari.get(f"/cases/{case_no}"))
    # Another submission (a form opened before) while the first is open is refused, and
    # says why; the form is not even shown any more.
    second = kari.client.post(f"/cases/{case_no}/review", data=review)
    assert second.status_code == 303
    assert "Du har allerede en klage" in text_of(kari.get(f"/cases/{case_no}"))
    assert kari.get(f"/cases/{case_no}/review").status_code == 302
    with app.app_context():
        assert len(_appeals(case_no)) == 1
        assert len(_case_events(case_no)) == 2  # received, in review


def test_a_withdrawn_appeal_cancels_its_task(app: Flask, login_as: Any) -> None:
    kari = login_as("kari")
    case_no = _apply(kari, household_income="800000")
    kari.submit(f"/cases/{case_no}/appeal", {"appeal_text": "Inntekten er feil."})
    withdrawn = kari.submit(f"/cases/{case_no}", {}, action="/withdraw")
    assert withdrawn.status_code == 303
    with app.app_context():
        [appeal] = _appeals(case_no)
        assert appeal.status == "withdrawn"
        handler = db.session.get(Instance, appeal.handler_instance_id)
        assert handler is not None and handler.status == "cancelled"
    assert "Vurder klagen" not in text_of(login_as("saksbehandler").get("/casework/"))
    assert "Klag på vedtaket" in text_of(kari.get(f"/cases/{case_no}"))  # may appeal again


def test_the_appeal_process_is_installed_but_never_in_the_catalogue(
    app: Flask, client: Any
) -> None:
    with app.app_context():
        model = db.session.scalars(
            select(ProcessModel).where(ProcessModel.key == appeals.PLATFORM_KEY)
        ).one()
        assert model.published_version_id is not None
    assert "Klager og manuelle vurderinger" not in text_of(client.get("/"))


@pytest.mark.parametrize(
    ("settings", "weeks", "body"),
    [
        ({}, 3, "kommunens klagenemnd"),
        ({"health_care": True}, 4, "Statsforvalteren"),
        ({"appeal_weeks": 6, "appeal_body": "Klagenemnda for skole"}, 6, "Klagenemnda for skole"),
    ],
)
def test_the_deadline_and_the_appeal_body_follow_the_service_settings(
    app: Flask, login_as: Any, settings: dict[str, Any], weeks: int, body: str
) -> None:
    kari = login_as("kari")
    case_no = _apply(kari, household_income="800000")
    with app.test_request_context():
        case = _case(case_no)
        model = case.process_version.model
        model.settings = {**model.settings, **settings}
        db.session.commit()
        found = appeals.standing(db.session, case)
        assert found.deadline == local_date(case.completed_at) + timedelta(weeks=weeks)
        assert found.within and found.can_review and found.terms.body == body
        late = appeals.standing(
            db.session, case, case.completed_at + timedelta(weeks=weeks, days=1)
        )
        assert not late.within and not late.can_review and late.can_appeal


def test_appeal_attachments_are_the_appeal_task_files_not_someone_elses(
    app: Flask, login_as: Any
) -> None:
    kari = login_as("kari")
    case_no = _apply(kari, household_income="800000")
    kari.submit(
        f"/cases/{case_no}/appeal",
        {"appeal_text": "Se vedlegget.", "appeal_files": (io.BytesIO(PDF), "brev.pdf")},
    )
    with app.app_context():
        [appeal] = _appeals(case_no)
        [attachment] = db.session.scalars(select(Attachment)).all()
        assert attachment.instance_id == appeal.handler_instance_id
        url = f"/cases/{case_no}/appeals/{appeal.id}/files/{attachment.id}"
    assert _download(kari, url) == (200, PDF)
    other = f"/cases/{case_no}/appeals/{appeal.id}/files/{attachment.id + 1}"
    assert _download(kari, other)[0] == 404


def test_every_text_of_the_appeal_process_is_in_nynorsk_and_english(app: Flask) -> None:
    from designer.services import text_table
    from tests.processes.test_service_languages import BOKMAL_ONLY

    with app.test_request_context():
        model = db.session.scalars(
            select(ProcessModel).where(ProcessModel.key == appeals.PLATFORM_KEY)
        ).one()
        rows = text_table.rows_of(model)
    # The task instructions are the case's own brief ("=appeal_brief"): written per case.
    rows = [r for r in rows if not r.base.startswith("=")]
    lacking = {lang: [r.text_id for r in rows if r.missing(lang)] for lang in ("nn", "en")}
    assert lacking == {"nn": [], "en": []}
    nynorsk = [r.values.get("nn", "") for r in rows]
    assert [t for t in nynorsk if BOKMAL_ONLY.search(t)] == []


def test_a_nynorsk_reader_appeals_in_nynorsk(app: Flask, login_as: Any) -> None:
    kari = login_as("kari")
    case_no = _apply(kari, household_income="800000")
    assert kari.set_language("nn").status_code == 302
    page = text_of(kari.get(f"/cases/{case_no}"))
    assert "Klag på vedtaket" in page and "Be om manuell vurdering" in page
    form = text_of(kari.get(f"/cases/{case_no}/appeal"))
    assert "Kva er du usamd i, og kvifor?" in form and "Vedlegg (valfritt)" in form
    kari.submit(f"/cases/{case_no}/appeal", {"appeal_text": "Inntekta er feil."})
    page = text_of(kari.get(f"/cases/{case_no}"))
    assert "Klaga er motteken" in page and "Klagen" not in page


def test_a_purged_case_takes_its_appeals_along(app: Flask, login_as: Any) -> None:
    kari = login_as("kari")
    case_no = _apply(kari, household_income="800000")
    kari.submit(f"/cases/{case_no}/appeal", {"appeal_text": "Inntekten er feil."})
    with app.app_context():
        case = _case(case_no)
        [appeal] = _appeals(case_no)
        handler_id = appeal.handler_instance_id
        assert appeals.delete_for_cases(db.session, [case.id]) == [handler_id]
        db.session.commit()
        assert _appeals(case_no) == []


def test_the_appeal_answer_reads_the_case_fresh_even_if_it_was_loaded_before(
    app: Flask, login_as: Any
) -> None:
    """The engine keeps what a request read before the transition; the appeal's answer writes
    the appealed case, so it must not write a copy another request changed meanwhile."""
    from sqlalchemy import update
    from sqlalchemy.orm import Session as PlainSession

    from designer.models import User
    from designer.services import cases

    kari, sara = login_as("kari"), login_as("saksbehandler")
    case_no = _decided_by_caseworker(app, kari, sara)
    kari.submit(f"/cases/{case_no}/appeal", {"appeal_text": "Vi har tre barn."})
    with app.app_context():
        appealed = _case(case_no)  # loaded, as a page showing the case would
        handler_id = _appeals(case_no)[0].handler_instance_id
        task = db.session.scalars(
            select(HumanTask).where(HumanTask.instance_id == handler_id, HumanTask.status == "open")
        ).one()
        user = db.session.scalars(select(User).where(User.username == "saksbehandler")).one()
        with PlainSession(db.engine) as other:  # someone else touches the case meanwhile
            other.execute(
                update(Instance)
                .where(Instance.id == appealed.id)
                .values(version=Instance.version + 1, subject=Instance.subject)
            )
            other.commit()
        done = cases.complete_task(
            db.session,
            user,
            task,
            {"appeal_action": "reverse", "new_outcome": "approved", "decision_reason": "Ja."},
            None,
        )
        assert done.status == "completed"
        assert _case(case_no).result["outcome"] == "approved"


def test_a_tenant_gets_the_newer_appeal_process_once_and_keeps_it(app: Flask) -> None:
    """An installation made by an older Flytverk (other files) gets this one's appeal process
    at its next use — one new version, not one per call."""
    from engine.models import ProcessVersion, Tenant

    with app.app_context():
        tenant_id = db.session.scalars(select(Tenant.id)).first()
        first = appeals.platform_version(db.session, tenant_id)
        assert appeals.platform_version(db.session, tenant_id).id == first.id
        first.files = {**first.files, "forms/appeal.json": '{"components": []}'}  # older files
        db.session.flush()
        newer = appeals.platform_version(db.session, tenant_id)
        assert newer.id != first.id and newer.number == first.number + 1
        assert "reassess" in newer.files["forms/appeal.json"]
        assert appeals.platform_version(db.session, tenant_id).id == newer.id
        db.session.rollback()
        assert db.session.get(ProcessVersion, first.id) is not None


def test_the_appeal_deadline_counts_norwegian_days(app: Flask, login_as: Any) -> None:
    """A decision made at 00:30 in Norway (23:30 UTC the day before) is of the Norwegian day:
    three weeks from 5 January is 26 January, and an appeal on the 26th in Norway is in time."""
    from datetime import datetime

    kari, sara = login_as("kari"), login_as("saksbehandler")
    case_no = _decided_by_caseworker(app, kari, sara)
    with app.app_context():
        case = _case(case_no)
        case.completed_at = datetime(2027, 1, 4, 23, 30)
        db.session.flush()
        on_time = appeals.standing(db.session, case, now=datetime(2027, 1, 26, 22, 30))
        assert on_time.deadline == date(2027, 1, 26) and on_time.within  # 23:30 in Norway
        late = appeals.standing(db.session, case, now=datetime(2027, 1, 26, 23, 30))
        assert not late.within  # 00:30 on the 27th in Norway
        db.session.rollback()
