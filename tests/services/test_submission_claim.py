"""A submission's claim ends the read without reloading it and takes the SQLite writer's turn."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event, select

from designer.extensions import db
from designer.models import SubmissionKey
from designer.services import submissions
from engine import store
from engine.models import Tenant


def test_a_claim_keeps_what_was_read_and_waits_its_turn(app: Flask) -> None:
    with app.app_context():
        tenant = db.session.scalars(select(Tenant)).first()
        assert tenant is not None
        statements: list[str] = []

        def seen(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", seen)
        try:
            row, first = submissions.claim(db.session, tenant.id, "apply:x", "key-1", "kari")
            assert tenant.name  # still loaded: no SELECT of the tenant after the claim
        finally:
            event.remove(db.engine, "before_cursor_execute", seen)
        assert first and row.id
        assert not [s for s in statements if "FROM tenant" in s], statements
        # On SQLite the claim holds the writer lock until its transaction ends.
        sqlite = db.engine.dialect.name == "sqlite"
        assert (store.SERIAL in db.session().info) == sqlite
        db.session.commit()
        assert store.SERIAL not in db.session().info
        again, first = submissions.claim(db.session, tenant.id, "apply:x", "key-1", "kari")
        assert not first and again.id == row.id
        assert db.session.scalar(select(SubmissionKey.id).where(SubmissionKey.key == "key-1"))
