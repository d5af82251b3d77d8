"""Tests for forms.conditions and forms.expressions: the FEEL subset in Python."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from forms.conditions import ConditionError, check, equal, evaluate, is_hidden, to_value
from forms.expressions import MAX_LENGTH, parse


@pytest.mark.parametrize(
    "expression",
    [
        "",
        "=",
        "a <",
        "a < b < c",
        "not a",
        "not(a",
        "(a",
        "a)",
        "[1, 2",
        "[1,]",
        "a.",
        "a..b",
        "a.1",
        ".5",
        "1.",
        '"open',
        '"bad \\q escape"',
        "a = = b",
        "a ! b",
        "a == b",
        "a && b",
        "1a b",
        "true false",
        "a in",
        "x $ y",
        "and",
        "in = 1",
        "'single'",
        "æ‿b",
    ],
)
def test_rejects_what_is_not_in_the_grammar(expression: str) -> None:
    with pytest.raises(ConditionError):
        parse(expression)
    message = check(expression)
    assert isinstance(message, str) and message


def test_error_messages_say_where() -> None:
    assert check("a <") == "Unexpected the end at 3: expected a value."
    assert check("not x") == "Unexpected 'x' at 4: expected '('."
    assert check("x $") == "Unexpected '$' at 2."


def test_limits() -> None:
    assert check("(" * 31 + "1" + ")" * 31) == "The expression is nested too deeply."
    assert check("(" * 29 + "1" + ")" * 29) is None
    assert check("-" * 40 + "1") == "The expression is nested too deeply."
    assert "too many operators" in str(check("+".join(["1"] * 102)))
    assert check("+".join(["1"] * 100)) is None
    assert "longer than" in str(check("a" * (MAX_LENGTH + 1)))
    assert check(None) == "The expression must be text."
    assert check(["a"]) == "The expression must be text."
    assert check(5) == "The expression must be text."


def test_leading_equals_sign_is_optional() -> None:
    assert evaluate("=1 + 2", {}) == evaluate("1 + 2", {}) == 3.0


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("1 + 2 * 3", 7.0),
        ("(1 + 2) * 3", 9.0),
        ("10 - 4 - 3", 3.0),
        ("8 / 2 / 2", 2.0),
        ("-2 * -3", 6.0),
        ("1 + 2 = 3 and 2 < 3", True),
        ("true or false and false", True),
        ("(true or false) and false", False),
        ("not(1 = 1) or 2 = 2", True),
        ("a.b.c", "deep"),
        ("a.b", {"c": "deep"}),
        ("a.x.c", None),
        ("list = [1, 2]", True),
        ('"x" in ["y", "x"]', True),
        ("2 in 2", True),
        ("[] = []", True),
    ],
)
def test_precedence_and_values(expression: str, expected: Any) -> None:
    data = {"a": {"b": {"c": "deep"}}, "list": [1, 2]}
    assert evaluate(expression, data) == expected


def test_is_hidden_only_for_true() -> None:
    assert is_hidden("a = 1", {"a": 1})
    assert not is_hidden("a = 1", {"a": 2})
    assert not is_hidden("a < 1", {})  # null: shown
    assert not is_hidden("a", {"a": 1})  # a number, not true: shown
    assert not is_hidden('"true"', {})


def test_to_value_types_python_data() -> None:
    assert to_value(3) == 3.0 and isinstance(to_value(3), float)
    assert to_value(Decimal("1.50")) == 1.5
    assert to_value(True) is True
    assert to_value(10**400) is None
    assert to_value(float("nan")) is None and to_value(float("inf")) is None
    assert to_value(date(2024, 5, 17)) == "2024-05-17"
    assert to_value((1, [2])) == [1.0, [2.0]]
    assert to_value({1: "a"}) == {"1": "a"}
    assert to_value(object()) is None
    nested: Any = "bottom"
    for _ in range(40):
        nested = [nested]
    deep = to_value(nested)
    for _ in range(33):
        deep = deep[0]
    assert deep is None


def test_equality_is_strict_and_deep() -> None:
    assert not equal(True, 1.0) and not equal(1.0, True)
    assert not equal("1", 1.0)
    assert equal(None, None) and not equal(None, False)
    assert equal({"a": [1.0]}, {"a": [1.0]})
    assert not equal({"a": 1.0}, {"b": 1.0})
    assert not equal([1.0], {"0": 1.0})


def test_bool_data_is_not_a_number() -> None:
    assert evaluate("a + 1", {"a": True}) is None
    assert evaluate("a = 1", {"a": True}) is False
    assert evaluate("a < 2", {"a": False}) is None


def test_strings_compare_by_code_point() -> None:
    assert evaluate('"\uffff" < "😀"', {}) is True
    assert evaluate('"B" < "a"', {}) is True
    assert evaluate('"ab" < "abc"', {}) is True
