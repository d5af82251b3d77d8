"""Roles and groups are rows (user_role, group_member): queried by JOIN, never by LIKE."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from designer.extensions import db
from designer.models import GroupMember, User, UserRole
from designer.services import accounts, people
from engine.models import Tenant


def _tenant_id() -> int:
    return int(db.session.scalar(select(Tenant.id).where(Tenant.slug == "default")))


def _add(username: str, roles: str, groups: str = "", **fields: object) -> User:
    user = User(
        tenant_id=_tenant_id(),
        username=username,
        name=fields.pop("name", username.title()),
        roles=roles,
        groups=groups,
        **fields,
    )
    db.session.add(user)
    db.session.flush()
    return user


def test_constructor_keywords_fill_the_tables(app):
    with app.app_context():
        user = _add("tor", "caseworker,team_lead", "Saksbehandler,Teamleder")
        db.session.commit()
        rows = db.session.execute(
            select(GroupMember.group_name, GroupMember.tenant_id, GroupMember.position)
            .where(GroupMember.user_id == user.id)
            .order_by(GroupMember.position)
        ).all()
        assert rows == [("Saksbehandler", user.tenant_id, 0), ("Teamleder", user.tenant_id, 1)]
        roles = db.session.scalars(select(UserRole.role).where(UserRole.user_id == user.id))
        assert sorted(roles) == ["caseworker", "team_lead"]
        assert user.roles == "caseworker,team_lead" and user.groups == "Saksbehandler,Teamleder"
        assert user.has_role("team_lead") and not user.has_role("admin")


def test_assignment_replaces_rows_and_keeps_those_kept(app):
    with app.app_context():
        user = _add("tor", "caseworker", "A,B")
        db.session.commit()
        user.groups = "B,C"  # B is kept: no delete+insert of one key in one flush
        user.roles = ["caseworker", "admin"]
        db.session.commit()
        db.session.expire_all()
        again = db.session.get(User, user.id)
        assert again.group_list == ["B", "C"] and again.role_set == {"caseworker", "admin"}


def test_a_new_user_is_a_citizen_by_default(app):
    with app.app_context():
        user = User(tenant_id=_tenant_id(), username="ny", name="Ny")
        db.session.add(user)
        db.session.commit()
        assert user.role_set == {"citizen"}


def test_deleting_a_user_deletes_their_rows(app):
    with app.app_context():
        user = _add("tor", "caseworker", "A")
        db.session.commit()
        db.session.execute(delete(User).where(User.id == user.id))
        db.session.commit()
        assert (
            db.session.scalars(select(GroupMember).where(GroupMember.user_id == user.id)).all()
            == []
        )
        assert db.session.scalars(select(UserRole).where(UserRole.user_id == user.id)).all() == []


def test_role_filter_matches_whole_roles_only(app):
    with app.app_context():
        tenant_id = _tenant_id()
        _add("x1", "team_lead")  # 'lead' and 'team' must not match
        names = {u.username for u in accounts.users(db.session, tenant_id, role="team_lead")}
        assert names == {"leder", "x1"}
        assert accounts.users(db.session, tenant_id, role="lead") == []


def test_group_and_role_queries(app):
    with app.app_context():
        tenant_id = _tenant_id()
        _add("away", "caseworker", "Saksbehandler", active=False)
        _add("lead_only", "team_lead", "Saksbehandler")
        in_group = people.users_in_group(db.session, tenant_id, "Saksbehandler")
        assert [u.username for u in in_group] == ["leder", "ola", "saksbehandler"]
        assert [u.username for u in people.users_with_role(db.session, tenant_id, "admin")] == [
            "admin"
        ]
        sara = db.session.scalar(select(User).where(User.username == "saksbehandler"))
        assert {u.username for u in people.colleagues(db.session, sara)} == {
            "ola",
            "leder",
            "saksbehandler",
        }
        assert (
            people.colleagues(db.session, db.session.get(User, _add("solo", "caseworker").id)) == []
        )


def test_members_of_any_of_some_groups(app):
    with app.app_context():
        tenant_id = _tenant_id()
        _add("tl", "caseworker", "Teamleder")
        found = people.members_of(db.session, tenant_id, ["Teamleder"])
        assert [u.username for u in found] == ["leder", "tl"]
        assert people.members_of(db.session, tenant_id, []) == []


def test_another_tenants_groups_are_not_mixed_in(app):
    with app.app_context():
        other = Tenant(slug="andre", name="Andre kommune")
        db.session.add(other)
        db.session.flush()
        db.session.add(
            User(
                tenant_id=other.id,
                username="o1",
                name="O",
                roles="caseworker",
                groups="Saksbehandler",
            )
        )
        db.session.flush()
        names = {
            u.username for u in people.users_in_group(db.session, _tenant_id(), "Saksbehandler")
        }
        assert "o1" not in names
        page = people.groups_with_members(db.session, _tenant_id())
        assert "o1" not in {u.username for u in page.members["Saksbehandler"]}


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("øystein", "Øystein Ås"),
        ("ÆRE", "Ærefrykt Ærlig"),
        ("å", "Øystein Ås"),
        ("ØYS", "Øystein Ås"),
    ],
)
def test_admin_search_folds_norwegian_letters(app, query, found):
    with app.app_context():
        _add("oystein", "caseworker", name="Øystein Ås")
        _add("aere", "caseworker", name="ærefrykt ærlig".title())
        names = [u.name for u in accounts.users(db.session, _tenant_id(), q=query)]
        assert found in names


def test_user_pages(app):
    with app.app_context():
        for n in range(7):
            _add(f"p{n}", "caseworker", name=f"Person {n}")
        first = accounts.user_page(db.session, _tenant_id(), q="Person", page=1, size=3)
        last = accounts.user_page(db.session, _tenant_id(), q="Person", page=3, size=3)
        assert [u.username for u in first.users] == ["p0", "p1", "p2"] and first.has_next
        assert [u.username for u in last.users] == ["p6"] and not last.has_next
        assert accounts.counts(db.session, _tenant_id()) == (15, 14)  # 8 demo users + 7
