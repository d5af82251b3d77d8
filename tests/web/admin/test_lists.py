"""Admin lists are paged and cost the same number of queries for 6 users or 60."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event, select

from designer.extensions import db
from designer.models import User
from engine.models import Tenant


def _add_staff(app, count: int, group: str = "Saksbehandler") -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == "default"))
        for n in range(count):
            db.session.add(
                User(
                    tenant_id=tenant_id,
                    username=f"staff{n:03d}",
                    name=f"Staff {n:03d}",
                    roles="caseworker",
                    groups=group,
                )
            )
        db.session.commit()


@contextmanager
def _counting(app):  # type: ignore[no-untyped-def]
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_the_user_list_has_no_n_plus_1(app, login_as):
    admin = login_as("admin")
    with _counting(app) as few:
        assert admin.get("/admin/users").status_code == 200
    _add_staff(app, 40)
    with _counting(app) as many:
        assert admin.get("/admin/users").status_code == 200
    assert len(many) == len(few)


def test_the_user_list_is_paged(app, login_as):
    _add_staff(app, 60)
    admin = login_as("admin")
    first = admin.get("/admin/users").get_data(as_text=True)
    assert "Staff 000" in first and "Staff 060" not in first and 'rel="next"' in first
    assert 'rel="prev"' not in first
    second = admin.get("/admin/users?page=2").get_data(as_text=True)
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert "Staff 059" in second and "Staff 000" not in second
    assert admin.get("/admin/users?page=zz").status_code == 200
    found = admin.get("/admin/users?q=staff 05&role=caseworker").get_data(as_text=True)
    assert "Staff 050" in found and "Staff 049" not in found


def test_the_group_list_is_paged_without_n_plus_1(app, login_as):
    admin = login_as("admin")
    with _counting(app) as few:
        assert admin.get("/admin/groups").status_code == 200
    with app.app_context():
        tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == "default"))
        for n in range(30):
            db.session.add(
                User(
                    tenant_id=tenant_id,
                    username=f"g{n:02d}",
                    name=f"G {n:02d}",
                    roles="caseworker",
                    groups=f"Gruppe {n:02d},Saksbehandler",
                )
            )
        db.session.commit()
    with _counting(app) as many:
        page = admin.get("/admin/groups").get_data(as_text=True)
    assert len(many) == len(few)
    assert 'rel="next"' in page
    later = admin.get("/admin/groups?page=2").get_data(as_text=True)
    assert "Gruppe 29" in later or "Saksbehandler" in later
