"""Two services of a municipality never share a name (any case, Norwegian letters folded)."""

from __future__ import annotations

from sqlalchemy import func, select

from designer.extensions import db
from engine.models import ProcessModel
from tests.factories import text_of


def _count(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(ProcessModel)) or 0)


def test_creating_a_service_with_a_taken_name_is_refused(app, login_as) -> None:  # type: ignore[no-untyped-def]
    owner = login_as("eier")
    assert (
        owner.submit(
            "/modeler/", {"create-name": "Søknad om hundeløyve"}, action="/modeler/new"
        ).status_code
        == 302
    )
    before = _count(app)
    refused = owner.submit(
        "/modeler/", {"create-name": "SØKNAD OM HUNDELØYVE"}, action="/modeler/new"
    )
    assert refused.status_code == 302 and refused.headers["Location"].endswith("/modeler/")
    assert _count(app) == before
    assert "En annen tjeneste har allerede dette navnet" in text_of(owner.client.get("/modeler/"))
