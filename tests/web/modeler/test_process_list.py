"""The process list costs the same number of queries however many services there are."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import event, select

from designer.extensions import db
from designer.services import drafts, publishing
from engine.models import ProcessModel


@contextmanager
def _counting(app: Flask) -> Iterator[list[str]]:
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _publish_more(app: Flask, how_many: int) -> None:
    with app.test_request_context():
        parking = db.session.scalars(
            select(ProcessModel).where(ProcessModel.key == "parking_permit")
        ).one()
        tenant_id, xml, files = parking.tenant_id, parking.draft_bpmn, dict(parking.draft_files)
        for n in range(how_many):
            model = drafts.create(
                db.session, tenant_id, f"Tjeneste {n}", "eier", bpmn_xml=xml, files=files
            )
            model.description_nb = f"Beskrivelse {n}"  # the catalogue card is complete
            publishing.publish(db.session, model, "eier", "first")
            db.session.commit()


def test_the_process_list_does_not_query_once_per_service(app: Flask, login_as) -> None:
    owner = login_as("eier")
    assert owner.get("/modeler/").status_code == 200  # warm: sessions, caches
    with _counting(app) as before:
        assert owner.get("/modeler/").status_code == 200
    _publish_more(app, 4)
    with _counting(app) as after:
        page = owner.get("/modeler/")
    assert page.status_code == 200 and "Tjeneste 3" in page.get_data(as_text=True)
    assert len(after) == len(before), after


def test_renaming_to_another_services_name_is_refused_ignoring_case(app: Flask, login_as) -> None:
    owner = login_as("eier")
    with app.app_context():
        parking = db.session.scalars(
            select(ProcessModel).where(ProcessModel.key == "parking_permit")
        ).one()
        other = drafts.create(db.session, parking.tenant_id, "Ny tjeneste", "eier")
        db.session.commit()
        other_id = other.id
    token = owner.csrf("/modeler/")
    refused = owner.client.post(
        f"/modeler/{other_id}/rename",
        data={"csrf_token": token, "name_nb": "parkeringstillatelse FOR forflytningshemmede"},
    )
    assert refused.status_code == 400
    with app.app_context():
        assert db.session.get(ProcessModel, other_id).name_nb == "Ny tjeneste"
    # Norwegian letters fold alike: "SØKNAD OM BÅT" is taken by "Søknad om båt".
    owner.client.post(
        f"/modeler/{other_id}/rename", data={"csrf_token": token, "name_nb": "Søknad om båt"}
    )
    third_id = _created(app, "Tredje")
    again = owner.client.post(
        f"/modeler/{third_id}/rename", data={"csrf_token": token, "name_nb": "SØKNAD OM BÅT"}
    )
    assert again.status_code == 400


def _created(app: Flask, name: str) -> int:
    with app.app_context():
        tenant_id = db.session.scalars(select(ProcessModel.tenant_id).limit(1)).one()
        model = drafts.create(db.session, tenant_id, name, "eier")
        db.session.commit()
        return model.id
