"""Sharing services between municipalities: the rules of designer.services.sharing.

Values typed in a form, what counts as a change of the service (and makes an adoption a
copy), what is offered to whom, adopting (refused for one's own service, a missing
connector, a second time; a repeated submission finds the first), and taking an update
over (parameters, texts and groups kept; one of two at once wins).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from lxml import etree
from sqlalchemy import select

from designer.extensions import db
from designer.integrations import registry_of
from designer.models import Adoption, SharedService, SubmissionKey
from designer.services import drafts, publishing
from designer.services.catalog import install, read_folder
from designer.services.errors import Forbidden, Invalid
from designer.services.sharing import adopt, catalogue, following, updates, values
from engine.errors import Conflict
from engine.models import ProcessModel, Tenant
from tests.processes.test_sharing_journey import CEILING, origin_bundle, second_version

GROUP = "Fritidskontoret"


# --- values typed in a form -----------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        ("amount", "450 000", 450000),
        ("amount", "12,5", 12.5),
        ("number", "-3", -3),
        ("percent", "6", 6),
        ("integer", " 18 ", 18),
        ("days", "10", 10),
        ("boolean", "yes", True),
        ("boolean", "no", False),
        ("date", "01.08.2026", "2026-08-01"),
        ("date", "2026-08-01", "2026-08-01"),
        ("text", "  Kultur   og fritid ", "Kultur og fritid"),
    ],
)
def test_values_are_read_by_their_type(app: Flask, kind: str, raw: str, expected: Any) -> None:
    with app.test_request_context():
        assert values.parse(kind, raw) == expected
        assert values.parse(kind, values.shown(kind, expected)) == expected


@pytest.mark.parametrize(
    ("kind", "raw"),
    [("amount", ""), ("amount", "fire"), ("integer", "1,5"), ("boolean", "kanskje"),
     ("date", "31.02.2026"), ("text", "x" * 2001)],
)  # fmt: skip
def test_a_value_of_the_wrong_kind_says_what_is_wrong(app: Flask, kind: str, raw: str) -> None:
    with app.test_request_context(), pytest.raises(ValueError) as err:
        values.parse(kind, raw)
    assert str(err.value)


def test_values_keep_the_origins_definitions(app: Flask) -> None:
    bundle, limit = origin_bundle()
    files = values.with_values(bundle.files, {limit: 300000})
    found = {p["name"]: p for p in values.definitions(files)}
    origin = {p["name"]: p for p in values.definitions(bundle.files)}
    assert found[limit]["value"] == 300000
    assert {k: v for k, v in found[limit].items() if k != "value"} == {
        k: v for k, v in origin[limit].items() if k != "value"
    }
    with pytest.raises(ValueError):
        values.with_values(bundle.files, {limit: "many"})  # the engine's check too


# --- what counts as a change of the service -------------------------------------------
def _reindented(xml: str) -> str:
    parser = etree.XMLParser(remove_blank_text=True)
    root = etree.fromstring(xml.encode("utf-8"), parser)
    xsi = "{http://www.w3.org/2001/XMLSchema-instance}type"
    for node in root.iter():
        if isinstance(node.tag, str) and node.get("x") is not None:
            node.set("x", str(float(node.get("x") or 0) + 40))  # a shape moved
        if isinstance(node.tag, str) and etree.QName(node).localname == "conditionExpression":
            node.set(xsi, "bpmn:tFormalExpression")  # as bpmn-js writes it
    return etree.tostring(root, pretty_print=True, encoding="unicode")


def test_layout_and_formatting_do_not_change_the_service() -> None:
    bundle, _limit = origin_bundle()
    moved = _reindented(bundle.bpmn)
    assert moved != bundle.bpmn
    assert following.same_service(bundle.bpmn, bundle.files, moved, bundle.files)
    pretty = {k: json.dumps(json.loads(v), indent=4) if k.startswith("forms/") else v
              for k, v in bundle.files.items()}  # fmt: skip
    texts = {**bundle.files, "texts.nn.json": "{}"}
    assert following.same_service(bundle.bpmn, bundle.files, bundle.bpmn, pretty)
    assert following.same_service(bundle.bpmn, bundle.files, bundle.bpmn, texts)


def test_attributes_at_their_default_do_not_change_the_service() -> None:
    bundle = read_folder("processes/kindergarten")
    assert 'cancelActivity="true"' in bundle.bpmn
    written = bundle.bpmn.replace(' cancelActivity="true"', "")  # as bpmn-js writes it
    assert following.same_service(bundle.bpmn, bundle.files, written, bundle.files)
    interrupting = bundle.bpmn.replace('cancelActivity="true"', 'cancelActivity="false"')
    assert not following.same_service(bundle.bpmn, bundle.files, interrupting, bundle.files)


def test_a_changed_task_form_or_table_changes_the_service() -> None:
    bundle, _limit = origin_bundle()
    renamed = bundle.bpmn.replace('name="Vurder søknaden"', 'name="Se på søknaden"')
    assert renamed != bundle.bpmn
    assert not following.same_service(bundle.bpmn, bundle.files, renamed, bundle.files)
    form = json.loads(bundle.files["forms/application.json"])
    form["components"] = form["components"][:-1]
    changed = {**bundle.files, "forms/application.json": json.dumps(form)}
    assert not following.same_service(bundle.bpmn, bundle.files, bundle.bpmn, changed)
    table = bundle.files["decisions/leisure_support.dmn"].replace('"fee" in ?', '"fee" not in ?')
    tables = {**bundle.files, "decisions/leisure_support.dmn": table}
    assert not following.same_service(bundle.bpmn, bundle.files, bundle.bpmn, tables)


# --- the world: a shared service and a neighbour that adopts it -----------------------
@dataclass
class World:
    app: Flask
    origin_id: int
    neighbour_id: int
    shared_id: int
    limit: str


@pytest.fixture
def world(app: Flask) -> Iterator[World]:
    bundle, limit = origin_bundle()
    with app.test_request_context():
        origin = db.session.scalars(select(Tenant).where(Tenant.slug == "default")).one()
        model = install(db.session, origin, bundle).model
        neighbour = Tenant(slug="nabo", name="Nabokommune")
        db.session.add(neighbour)
        db.session.flush()
        shared = catalogue.share(db.session, model, "Per Prosesseier", "Bruk gjerne")
        db.session.commit()
        yield World(app, model.id, neighbour.id, shared.id, limit)


def _adopt(world: World, key: str = "key-1", limit: int = 300000) -> tuple[ProcessModel, bool]:
    tenant = db.session.get(Tenant, world.neighbour_id)
    assert tenant is not None
    item = catalogue.offer(db.session, tenant.id, world.shared_id)
    needed = item.package(db.session).manifest["connectors"]
    found = catalogue.connectors(needed, registry_of(world.app), [], "nb")
    choices = adopt.Choices({"Saksbehandler": GROUP}, {world.limit: limit})
    return adopt.adopt(db.session, tenant, item, choices, "Nils", key, found)


def test_offers_are_other_municipalities_active_published_services(world: World) -> None:
    assert catalogue.offers(db.session, world.neighbour_id)[0].shared.id == world.shared_id
    assert catalogue.offers(db.session, _origin_tenant()) == []  # not one's own
    model = db.session.get(ProcessModel, world.origin_id)
    assert model is not None
    catalogue.unshare(db.session, model)
    assert catalogue.offers(db.session, world.neighbour_id) == []
    catalogue.share(db.session, model, "Per")
    publishing.unpublish(db.session, model, "Per")
    assert catalogue.offers(db.session, world.neighbour_id) == []  # nothing live to offer
    with pytest.raises(Invalid):
        catalogue.share(db.session, model, "Per")  # an unpublished service


def _origin_tenant() -> int:
    return int(db.session.scalars(select(Tenant.id).where(Tenant.slug == "default")).one())


def test_adopting_makes_a_following_draft_with_the_adopters_groups_and_values(
    world: World,
) -> None:
    model, first = _adopt(world)
    db.session.commit()
    assert first and model.tenant_id == world.neighbour_id and model.published_version_id is None
    assert f'name="{GROUP}"' in model.draft_bpmn and 'name="Saksbehandler"' not in model.draft_bpmn
    assert values.values(model.draft_files)[world.limit] == 300000
    assert model.settings["origin"] == {
        "tenant": "default",
        "municipality": "Demo kommune",
        "key": "leisure_subsidy",
        "shared_id": world.shared_id,
    }
    adoption = following.adoption_of(db.session, model.id)
    assert adoption is not None and adoption.status == "following"
    assert following.follows(db.session, model, adoption)
    assert catalogue.usage(db.session, [world.shared_id]) == {world.shared_id: 1}


def test_a_repeated_submission_finds_the_first_service(world: World) -> None:
    model, _first = _adopt(world)
    db.session.commit()
    again, first = _adopt(world)
    assert (again.id, first) == (model.id, False)
    assert len(db.session.scalars(select(Adoption)).all()) == 1
    with pytest.raises(Invalid):  # a new submission, while the municipality follows it
        _adopt(world, key="key-2")
    db.session.rollback()
    assert db.session.scalars(select(SubmissionKey.key)).all() == ["key-1"]


def test_ones_own_service_is_not_adopted(world: World) -> None:
    tenant = db.session.get(Tenant, _origin_tenant())
    assert tenant is not None
    item = catalogue.offer(db.session, tenant.id, world.shared_id)
    with pytest.raises(Forbidden):
        adopt.adopt(db.session, tenant, item, adopt.Choices(), "Per", "k", [])


def test_a_missing_connector_or_host_refuses_the_adoption(world: World) -> None:
    tenant = db.session.get(Tenant, world.neighbour_id)
    assert tenant is not None
    item = catalogue.offer(db.session, tenant.id, world.shared_id)
    needed = [{"name": "archive_x"}, {"name": "http", "hosts": ["api.example.no"]}]
    found = catalogue.connectors(needed, registry_of(world.app), ["*.other.no"], "nb")
    assert [(c.known, c.available) for c in found] == [(False, False), (True, False)]
    allowed = catalogue.connectors(needed[1:], registry_of(world.app), ["api.example.no"], "nb")
    assert allowed[0].available
    with pytest.raises(Invalid) as err:
        adopt.adopt(db.session, tenant, item, adopt.Choices(), "Nils", "k", found)
    assert "archive_x" in err.value.message
    assert db.session.scalars(select(Adoption)).all() == []


def test_groups_map_to_own_groups_or_new_names(app: Flask) -> None:
    with app.test_request_context():
        mapping, errors = adopt.read_groups(
            ["A", "B", "C", "D"],
            ["Fritid"],
            {"A": ("Fritid", ""), "B": ("", "Ny gruppe"), "C": ("Ukjent", ""), "D": ("", "")},
        )
    assert mapping == {"A": "Fritid", "B": "Ny gruppe"}
    assert set(errors) == {"C", "D"}


def test_a_change_of_the_diagram_or_a_form_makes_a_copy_not_a_text(world: World) -> None:
    model, _first = _adopt(world)
    db.session.commit()
    texts = {**model.draft_files, "texts.nn.json": json.dumps({"end/granted/name": "Ja"})}
    drafts.write_files(db.session, model, texts, "Nils")
    assert not following.copies_made(db.session, model.id)
    drafts.save(db.session, model, _reindented(model.draft_bpmn), model.draft_revision, "Nils")
    assert not following.copies_made(db.session, model.id)  # only drawn differently
    assert following.adoption_of(db.session, model.id).status == "following"  # type: ignore[union-attr]
    drafts.save_form(db.session, model, "application.json", {"components": []}, "Nils")
    assert following.copies_made(db.session, model.id)
    assert not following.copies_made(db.session, model.id)  # told once
    adoption = following.adoption_of(db.session, model.id)
    assert adoption is not None and adoption.status == "copy"
    assert "origin" not in model.settings
    assert updates.following_of(db.session, model).following is False  # type: ignore[union-attr]


# --- updates --------------------------------------------------------------------------
def _definition(name: str, kind: str = "amount", unit: str = "kr", **more: Any) -> dict[str, Any]:
    return {"name": name, "type": kind, "unit": unit, "value": 1, **more}


def _files(*items: dict[str, Any]) -> dict[str, str]:
    return {"parameters.json": json.dumps({"parameters": list(items)})}


def test_parameter_changes_keep_values_and_flag_new_and_changed_meanings() -> None:
    current = _files(
        _definition("kept"), _definition("relabelled", label={"nb": "A"}),
        _definition("retyped"), _definition("gone"),
    )  # fmt: skip
    newer = _files(
        _definition("kept"), _definition("relabelled", label={"nb": "B"}),
        _definition("retyped", kind="integer", unit="dager", value=5), _definition("new", value=7),
    )  # fmt: skip
    own = _files(
        {**_definition("kept"), "value": 100}, {**_definition("relabelled"), "value": 200},
        {**_definition("retyped"), "value": 300}, _definition("gone"),
    )  # fmt: skip
    found = {c.name: c for c in updates.parameter_changes(current, newer, own)}
    assert {n: (c.status, c.suggestion, c.flagged) for n, c in found.items()} == {
        "kept": ("kept", 100, False),
        "relabelled": ("meaning", 200, True),  # the type and unit are the same: keep it
        "retyped": ("meaning", 5, True),  # another type: the origin's value, checked
        "new": ("added", 7, True),
        "gone": ("removed", None, False),
    }


def test_texts_the_adopter_changed_win_and_the_others_come_from_the_new_version() -> None:
    def texts(**found: str) -> dict[str, str]:
        return {"texts.nn.json": json.dumps(found)}

    current = texts(a="A1", b="B1", c="C1", d="D1", e="E1")
    own = texts(a="A-own", b="B1", c="C1", e="E-own", mine="Mine")  # d removed by the adopter
    newer = texts(a="A2", b="B2", d="D2", new="New")  # c and e removed by the origin
    merged = json.loads(updates.merged_texts(current, own, newer)["texts.nn.json"])
    assert merged == {"a": "A-own", "b": "B2", "mine": "Mine", "new": "New"}


def _publish_second(world: World) -> None:
    bundle, limit = origin_bundle()
    origin = db.session.get(Tenant, _origin_tenant())
    assert origin is not None
    install(db.session, origin, second_version(bundle, limit))
    db.session.commit()


def test_taking_an_update_over_keeps_values_groups_and_publishes(world: World) -> None:
    model, _first = _adopt(world)
    publishing.publish(db.session, model, "Nils", "v1")
    db.session.commit()
    assert updates.following_of(db.session, model).newer is None  # type: ignore[union-attr]
    _publish_second(world)
    found = updates.update_of(db.session, model)
    by_name = {p.name: p for p in found.parameters}
    assert by_name[world.limit].suggestion == 300000 and not by_name[world.limit].flagged
    assert by_name[CEILING].status == "added" and by_name[CEILING].suggestion == 3000
    assert found.new_groups == []
    chosen = {p.name: p.suggestion for p in found.parameters if p.status != "removed"}
    version = updates.take_over(db.session, found, adopt.Choices({}, chosen), "Nils")
    db.session.commit()
    assert version.number == 2 and values.values(version.files)[world.limit] == 300000
    assert f'name="{GROUP}"' in version.bpmn
    adoption = following.adoption_of(db.session, model.id)
    assert adoption is not None and adoption.status == "following"
    assert adoption.origin_version == found.newer.number
    assert updates.following_of(db.session, model).newer is None  # type: ignore[union-attr]
    with pytest.raises(Conflict):  # the same update a second time
        updates.take_over(db.session, found, adopt.Choices({}, chosen), "Nils")


def test_of_two_take_overs_at_once_one_wins(world: World) -> None:
    model, _first = _adopt(world)
    publishing.publish(db.session, model, "Nils", "v1")
    db.session.commit()
    _publish_second(world)
    model_id = model.id
    barrier = threading.Barrier(2)
    results: list[Any] = [None, None]

    def run(index: int) -> None:
        with world.app.test_request_context():
            found = updates.update_of(db.session, db.session.get(ProcessModel, model_id))
            chosen = {p.name: p.suggestion for p in found.parameters if p.status != "removed"}
            barrier.wait()
            try:
                version = updates.take_over(db.session, found, adopt.Choices({}, chosen), "N")
                db.session.commit()
                results[index] = version.number
            except Conflict as err:
                db.session.rollback()
                results[index] = err
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(map(type, results), key=str) == sorted([int, Conflict], key=str), results
    db.session.expire_all()
    again = db.session.get(ProcessModel, model_id)
    assert again is not None
    assert [v.number for v in publishing.versions(db.session, again)] == [2, 1]


def test_no_update_for_a_copy_or_a_withdrawn_service(world: World) -> None:
    model, _first = _adopt(world)
    publishing.publish(db.session, model, "Nils", "v1")
    db.session.commit()
    _publish_second(world)
    assert updates.following_of(db.session, model).newer is not None  # type: ignore[union-attr]
    shared = db.session.get(SharedService, world.shared_id)
    assert shared is not None
    shared.active = False
    db.session.flush()
    assert updates.following_of(db.session, model).newer is None  # type: ignore[union-attr]
    assert updates.pending(db.session, world.neighbour_id) == []
    shared.active = True
    drafts.save_form(db.session, model, "application.json", {"components": []}, "Nils")
    assert updates.following_of(db.session, model).newer is None  # type: ignore[union-attr]
