"""Decision table cells, conditions and script decisions in words (designer.services.rulesdoc)."""

from __future__ import annotations

from typing import Any

import pytest
from flask_babel import force_locale

import forms
from designer.extensions import db
from designer.services import rulesdoc
from designer.services.rulesdoc.flow import script_decisions
from designer.services.rulesdoc.labels import Labels
from designer.services.rulesdoc.words import Ref, cell_words, condition_clauses, is_any
from designer.services.service_texts import Texts
from engine.models import ProcessModel

NBSP = "\u00a0"


def _plain(value: Any) -> str:
    if isinstance(value, Ref):
        return f"[{value.name}]"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return forms.format_number(value, "en")
    return f"“{value}”"


CELLS = [
    ("< 615590", "is less than 615,590"),
    ("<= 5", "is at most 5"),
    ("> 18", "is more than 18"),
    (">= 18", "is at least 18"),
    ("!= 3", "is not 3"),
    ("== 3", "is 3"),
    ("2", "is 2"),
    ("-5", "is -5"),
    ("1250.5", "is 1,250.5"),
    ('"ja"', "is “ja”"),
    ("'nei'", "is “nei”"),
    ("True", "is yes"),
    ('in ("a", "b")', "is one of “a”, “b”"),
    ('in ["a", "b", "c"]', "is one of “a”, “b”, “c”"),
    ('not in ["a"]', "is not one of “a”"),
    ("2 <= ? <= 5", "is from 2 to 5"),
    ("5 >= ? >= 2", "is from 2 to 5"),
    ("2 < ? < 5", "is more than 2 and less than 5"),
    ("2 <= ? < 5", "is at least 2 and less than 5"),
    ("2 < ? <= 5", "is more than 2 and at most 5"),
    ("? > 3", "is more than 3"),
    ("3 < ?", "is more than 3"),
    ("18 >= ?", "is at most 18"),
    ('"fee" in ?', "includes “fee”"),
    ('"fee" not in ?', "does not include “fee”"),
    ('? in ("a", "b")', "is one of “a”, “b”"),
    ("? > 2 and ? < 9", "is more than 2 and is less than 9"),
    ("? < 2 or ? > 9", "is less than 2 or is more than 9"),
    ("< max_price", "is less than [max_price]"),
    ("limit <= ?", "is at least [limit]"),
    ("low <= ? < high", "is at least [low] and less than [high]"),
    ("in allowed", "is one of [allowed]"),
    ('>= "2024-08-01"', "is on or after “2024-08-01”"),
    ('"2025-01-01" > ?', "is before “2025-01-01”"),
    ("?", "is yes"),
    ("not ?", "is no"),
]
NOT_SIMPLE = ["len(?) > 2", "? > limit + 1", "< f(x)", "? == ? + 1", "? is None", "foo(", "in []"]


@pytest.mark.parametrize(("cell", "words"), CELLS)
def test_every_simple_cell_shape_is_put_into_words(app, cell, words):
    with app.app_context(), force_locale("en"):
        assert cell_words(cell, _plain) == words


@pytest.mark.parametrize("cell", NOT_SIMPLE)
def test_other_cells_are_left_as_written(app, cell):
    with app.app_context(), force_locale("en"):
        assert cell_words(cell, _plain) is None


def test_a_dash_or_an_empty_cell_matches_anything():
    assert is_any("-") and is_any("") and is_any(None) and is_any("  -  ")
    assert not is_any("0") and not is_any('"-"')


def test_cells_are_in_the_page_language_and_amounts_in_kroner(app):
    def kroner(value: Any) -> str:
        return forms.format_amount(value, "nb")

    with app.app_context():
        with force_locale("nb"):
            assert cell_words("< 615590", kroner) == f"er under 615{NBSP}590{NBSP}kr"
            assert cell_words('"ja"', lambda v: f"«{v}»") == "er «ja»"
        with force_locale("nn"):
            assert cell_words("2 <= ? <= 5", str) == "er frå 2 til 5"
            assert cell_words("!= 1", str) == "er ikkje 1"


CONDITIONS = [
    ('route == "grant"', [("route", "is “grant”")], "and"),
    ("route != 'grant'", [("route", "is not “grant”")], "and"),
    ("auto_reject", [("auto_reject", "is yes")], "and"),
    ("not auto_reject", [("auto_reject", "is no")], "and"),
    ("age >= 18", [("age", "is at least 18")], "and"),
    ("income < 450000.5", [("income", "is less than 450,000.5")], "and"),
    ('kind in ["a", "b"]', [("kind", "is one of “a”, “b”")], "and"),
    ('"fee" in costs', [("costs", "includes “fee”")], "and"),
    ("a == 1 and b == True", [("a", "is 1"), ("b", "is yes")], "and"),
    ("a == 1 or 5 > b", [("a", "is 1"), ("b", "is less than 5")], "or"),
    ("income < limit", [("income", "is less than [limit]")], "and"),
]


@pytest.mark.parametrize(("expression", "clauses", "joiner"), CONDITIONS)
def test_condition_builder_shapes_are_put_into_words(app, expression, clauses, joiner):
    with app.app_context(), force_locale("en"):
        found = condition_clauses(expression, lambda _name, value: _plain(value))
    assert found is not None
    assert [(c.name, c.words) for c in found[0]] == clauses
    assert found[1] == joiner


@pytest.mark.parametrize(
    "expression", ["a == b + 1", "f(x) > 2", "a and (b or c)", "x.y == 1", "1", "a == a"]
)
def test_other_conditions_are_left_as_written(app, expression):
    with app.app_context(), force_locale("en"):
        assert condition_clauses(expression, lambda _name, value: _plain(value)) is None


def test_a_script_decision_without_a_person_is_documented_with_its_reason(app):
    texts = Texts(lang="en", base="nb", wanted={"reason/too_late": "Too late for {child}."})
    script = (
        'if late:\n    decision = {"outcome": "rejected", "decided_by": "automatic",'
        ' "rule": "too_late", "reason": "For sent."}\n'
        'else:\n    decision = {"outcome": "approved", "decided_by": "caseworker",'
        ' "reason": note}\n'
    )
    with app.app_context(), force_locale("en"):
        found = script_decisions(script, Labels({}, texts, "nb"))
    assert len(found) == 1
    assert found[0].outcome == "rejected"
    assert found[0].reason is not None
    assert (found[0].reason.text, found[0].reason.lang) == ("Too late for [child].", "en")


def test_a_decision_table_in_words_from_the_published_kontingentkassa(app):
    with app.app_context():
        model = db.session.query(ProcessModel).filter_by(key="leisure_subsidy").one()
        number = rulesdoc.live_number(db.session, model.tenant_id, model.key)
        version = rulesdoc.published_version(db.session, model.tenant_id, model.key, number)
        doc = rulesdoc.document(db.session, version, "en")
    tables = {t.decision_id: t for t in doc.tables}
    support = tables["leisure_support"]
    assert support.policy == "Every rule that matches counts, and their results are added up."
    assert [t.words for t in support.rules[0].tests] == ["includes “Membership fee”"]
    fee = support.rules[0].outputs[0]
    assert fee.expression == "min(activity_fee, param.fee_max)"  # as written, the parameter
    assert fee.notes == (  # named with the version's value
        ("param.fee_max", f"Highest support for membership fees a year (NOK{NBSP}3,000)"),
    )
    assert [n.text for n in support.used_by] == ["Beregn støtte"]
    assert support.name.lang == "nb"  # the table's name has no English: marked as written
    eligibility = tables["leisure_eligibility"]
    assert eligibility.rules[2].tests[0].words == (
        f"is less than Income limit for automatic grant (NOK{NBSP}450,000)"
    )
    assert eligibility.rules[4].tests == []  # all "-": any other case
    review = next(s for s in doc.steps if s.element_id == "review")
    assert review.kind == "caseworker" and review.group is not None
    assert {s.kind for s in doc.steps if s.element_id != "review"} == {"automated"}
