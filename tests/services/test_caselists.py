"""Case lists: definitions checked, rows filtered, sorted, grouped, summed and exported."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale
from sqlalchemy import select

from designer.extensions import db
from designer.services.caselists import definitions, export, sources
from designer.services.caselists.compare import compare, matches
from designer.services.caselists.evaluate import ListResult, display, evaluate, run
from designer.services.errors import Invalid, Missing
from engine.models import Instance, ProcessModel
from tests.services.decision_cases import rejected_automatically

ROWS: list[dict[str, Any]] = [
    {"route": "Nord", "stop": 2, "name": "Anna", "dish": "Fisk", "size": "Stor",
     "diet": ["Glutenfri"], "quantity": 1, "day": date(2027, 3, 2)},
    {"route": "Nord", "stop": 10, "name": "Bjørn", "dish": "Kjøtt", "size": "Liten",
     "diet": [], "quantity": 2, "day": date(2027, 3, 1)},
    {"route": "Sør", "stop": 1, "name": "Cecilie", "dish": "Fisk", "size": "Stor",
     "diet": ["Glutenfri", "Laktosefri"], "quantity": 3, "day": None},
    {"route": "", "stop": None, "name": "Dag", "dish": "Fisk", "size": "Stor",
     "diet": ["Glutenfri"], "quantity": 4, "day": date(2027, 3, 3)},
]  # fmt: skip
FIELDS = {
    "route": ("Route", "text"),
    "stop": ("Stop", "int"),
    "name": ("Name", "text"),
    "dish": ("Dish", "text"),
    "size": ("Size", "text"),
    "diet": ("Diet", "list"),
    "quantity": ("Quantity", "int"),
    "day": ("Day", "date"),
}


@pytest.fixture
def ctx(app: Flask):  # type: ignore[no-untyped-def]
    """A request context with a test source `meals` registered."""
    sources.register(
        sources.Source(
            "meals", "Meals", FIELDS, True, lambda s, m, d, lang: [dict(r) for r in ROWS]
        )
    )
    with app.test_request_context("/"), force_locale("en"):
        yield
    sources.unregister("meals")


def _definition(**changes: Any) -> dict[str, Any]:
    return {
        "key": "meals",
        "name": {"nb": "Måltider", "en": "Meals"},
        "source": "meals",
        "groups": ["Kjøkkenet"],
        "columns": [{"field": "name"}, {"field": "quantity", "sum": True}],
        **changes,
    }


def _run(definition: dict[str, Any], filters: dict[str, str] | None = None) -> ListResult:
    assert definitions.problems([definition]) == []
    model = ProcessModel(id=0, tenant_id=0, key="x", name_nb="x", settings={})
    return run(db.session, model, definition, date(2027, 3, 1), filters or {}, "nb")


def _names(result: ListResult) -> list[str]:
    return [r["name"] for s in result.sections for r in s.rows]


def test_a_good_definition_has_no_problems(ctx: None) -> None:
    assert definitions.problems([_definition(), _definition(key="other")]) == []


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"source": "nowhere"}, "unknown source"),
        ({"columns": [{"field": "nosuch"}]}, "unknown field nosuch"),
        ({"columns": [{"field": "name", "sum": True}]}, "only a number can be summed"),
        ({"filters": [{"field": "name", "op": "like", "value": "a"}]}, "unknown op like"),
        ({"filters": [{"field": "name", "op": "in", "value": "a"}]}, "the value of in is a list"),
        ({"filters": [{"field": "name", "op": "eq"}]}, "give a value"),
        ({"name": {"en": "Meals"}}, "bokmål (nb) is missing"),
        ({"key": "Not OK"}, "use 1 to 40"),
        ({"sort": ["-nosuch"]}, "unknown field nosuch"),
        ({"group_by": "name"}, "write a list of field names"),
        ({"section_by": "x"}, "unknown field x"),
        ({"orientation": "sideways"}, "portrait or landscape"),
        ({"colums": []}, "colums: unknown setting"),
        ({"columns": []}, "at least one column"),
    ],
)
def test_problems_name_the_list_and_the_setting(ctx: None, changes: Any, said: str) -> None:
    found = definitions.problems([_definition(**changes)])
    assert found and said in found[0].message, found
    assert found[0].message.startswith("List ")


def test_duplicate_keys_and_not_a_list(ctx: None) -> None:
    found = definitions.problems([_definition(), _definition()])
    assert [p.index for p in found] == [1] and "same key" in found[0].message
    assert definitions.problems({"key": "x"})[0].index == -1
    assert "#2" in definitions.problems([_definition(), "x"])[0].message


def test_compare_puts_empty_last_and_numbers_numerically() -> None:
    values = [None, "10", 2, "", "b", "A"]
    import functools

    ordered = sorted(values, key=functools.cmp_to_key(compare))
    assert ordered[:4] == [2, "10", "A", "b"] and ordered[4:] in ([None, ""], ["", None])
    assert compare(None, 1, descending=True) == 1  # empty last also when descending
    assert compare(date(2027, 1, 2), "2027-01-01") == 1


@pytest.mark.parametrize(
    ("rule", "names"),
    [
        ({"field": "route", "op": "eq", "value": "Nord"}, ["Anna", "Bjørn"]),
        ({"field": "route", "op": "ne", "value": "Nord"}, ["Cecilie", "Dag"]),
        ({"field": "route", "op": "in", "value": ["Sør", "Vest"]}, ["Cecilie"]),
        ({"field": "diet", "op": "eq", "value": "Laktosefri"}, ["Cecilie"]),
        ({"field": "name", "op": "contains", "value": "an"}, ["Anna"]),
        ({"field": "quantity", "op": "gte", "value": 3}, ["Cecilie", "Dag"]),
        ({"field": "stop", "op": "lte", "value": "2"}, ["Anna", "Cecilie"]),
        ({"field": "day", "op": "gte", "value": "2027-03-02"}, ["Anna", "Dag"]),
        ({"field": "route", "op": "empty"}, ["Dag"]),
        ({"field": "diet", "op": "not_empty"}, ["Anna", "Cecilie", "Dag"]),
    ],
)
def test_fixed_filters(ctx: None, rule: dict[str, Any], names: list[str]) -> None:
    assert _names(_run(_definition(filters=[rule]))) == names


def test_sort_numbers_numerically_empty_last_and_descending(ctx: None) -> None:
    assert _names(_run(_definition(sort=["stop"]))) == ["Cecilie", "Anna", "Bjørn", "Dag"]
    assert _names(_run(_definition(sort=["-stop"]))) == ["Bjørn", "Anna", "Cecilie", "Dag"]
    assert _names(_run(_definition(sort=["route", "-quantity"]))) == [
        "Bjørn", "Anna", "Cecilie", "Dag",
    ]  # fmt: skip


def test_group_by_sums_one_row_per_combination(ctx: None) -> None:
    result = _run(
        _definition(
            columns=[{"field": "dish"}, {"field": "name"}, {"field": "quantity", "sum": True}],
            group_by=["dish", "size", "diet"],
        )
    )
    assert [c.field for c in result.columns] == ["size", "diet", "dish", "quantity"]
    rows = [
        (r["dish"], r["size"], display(r["diet"]), r["quantity"]) for r in result.sections[0].rows
    ]
    assert rows == [
        ("Fisk", "Stor", "Glutenfri", 5),
        ("Fisk", "Stor", "Glutenfri, Laktosefri", 3),
        ("Kjøtt", "Liten", "", 2),
    ]
    assert result.total == {"quantity": 10}


def test_group_by_without_sums_counts(ctx: None) -> None:
    result = _run(_definition(columns=[{"field": "dish"}], group_by=["dish"]))
    assert [(r["dish"], r["count"]) for r in result.sections[0].rows] == [("Fisk", 3), ("Kjøtt", 1)]


def test_sections_with_sums_and_a_total(ctx: None) -> None:
    result = _run(_definition(section_by="route", sort=["route", "stop"]))
    assert [(s.heading, s.sums["quantity"]) for s in result.sections] == [
        ("Nord", 3), ("Sør", 3), ("(none)", 4),
    ]  # fmt: skip
    assert _names(result) == ["Anna", "Bjørn", "Cecilie", "Dag"]
    assert result.total == {"quantity": 10}


def test_ask_filters_offer_the_values_found_and_refuse_others(ctx: None) -> None:
    definition = _definition(ask=["route", "diet"])
    result = _run(definition)
    assert result.options == {"route": ["Nord", "Sør"], "diet": ["Glutenfri", "Laktosefri"]}
    assert _names(_run(definition, {"route": "Sør"})) == ["Cecilie"]
    assert _names(_run(definition, {"diet": "Glutenfri", "route": ""})) == [
        "Anna",
        "Cecilie",
        "Dag",
    ]
    with pytest.raises(Invalid) as err:
        _run(definition, {"route": "Vest"})
    assert set(err.value.fields) == {"route"}


def test_csv_has_a_bom_semicolons_and_the_sums(ctx: None) -> None:
    result = _run(_definition(section_by="route", sort=["stop"]))
    text = export.csv_bytes(result).decode("utf-8")
    assert text.startswith("\ufeffSection;Name;Quantity\r\n")
    assert "Nord;Anna;1\r\n" in text and text.endswith("Total;;10\r\n")
    plain = export.csv_bytes(_run(_definition())).decode("utf-8")
    assert plain.splitlines()[-1] == "Total;10"
    assert export.file_name("måltid", result, "csv") == "m-ltid-meals-2027-03-01.csv"


def test_csv_cells_never_start_a_formula(ctx: None) -> None:
    ROWS.append({"name": "=HYPERLINK(1)", "quantity": -1})
    try:
        text = export.csv_bytes(_run(_definition())).decode("utf-8")
    finally:
        ROWS.pop()
    assert "'=HYPERLINK(1);-1" in text


def test_matches_reader_choice_as_shown() -> None:
    assert matches(date(2027, 3, 1), "eq", "01.03.2027", shown=display)
    assert not matches(["a", "b"], "ne", "a")


def test_the_cases_source_lists_the_services_cases(app: Flask, login_as: Any) -> None:
    case_no = rejected_automatically(login_as("kari"))
    with app.test_request_context("/"):
        model = db.session.scalar(select(ProcessModel).where(ProcessModel.key == "parking_permit"))
        assert model is not None
        model.settings = {
            **model.settings,
            "lists": [
                {
                    "key": "all",
                    "name": {"nb": "Alle saker"},
                    "source": "cases",
                    "columns": [{"field": "case_no"}, {"field": "status"}, {"field": "created_at"}],
                    "sort": ["-case_no"],
                }
            ],
        }
        db.session.commit()
        result = evaluate(db.session, model, "all", None, {}, "en")
        rows = result.sections[0].rows
        assert [r["case_no"] for r in rows] == [case_no]
        assert result.name == "Alle saker" and result.day is None
        assert isinstance(rows[0]["created_at"], date)
        with pytest.raises(Missing):
            evaluate(db.session, model, "nosuch", None, {}, "en")
        # A case received at 00:30 in Norway (23:30 UTC) was received that Norwegian day.
        case = db.session.scalar(select(Instance).where(Instance.case_no == case_no))
        case.created_at = datetime(2027, 1, 4, 23, 30)
        db.session.commit()
        [row] = evaluate(db.session, model, "all", None, {}, "en").sections[0].rows
        assert row["created_at"] == date(2027, 1, 5)


def test_the_shipped_lists_are_valid_and_run(app: Flask) -> None:
    with app.test_request_context("/"), force_locale("en"):
        models = db.session.scalars(select(ProcessModel)).all()
        shipped = [(m, d) for m in models for d in definitions.lists_of(m)]
        assert shipped  # the meal service ships its kitchen and driving lists
        for model, definition in shipped:
            assert definitions.problems([definition]) == [], definition["key"]
            result = evaluate(db.session, model, definition["key"], date(2020, 3, 2), {}, "nb")
            assert result.count >= 0
            if result.source.needs_day and "subscription" in model.settings:
                assert result.cutoff is not None and result.final is True
                later = evaluate(db.session, model, definition["key"], date(2099, 3, 2), {}, "nb")
                assert later.final is False
