"""Server/browser parity: conditions.js, values.js and live.js against forms/ under node."""

from __future__ import annotations

import json
import string
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from forms import FormDefinition, build_form_class
from forms.conditions import ConditionError, evaluate
from forms.visibility import field_value
from tests.forms.conftest import definition_of
from tests.forms.jsbridge import Node

DATA = {
    "n": 5,
    "x": 2.5,
    "zero": 0,
    "s": "abc",
    "one": "1",
    "t": True,
    "f": False,
    "nothing": None,
    "items": ["a", "b"],
    "nums": [1, 2, 3],
    "person": {"name": "Kari", "age": 40, "address": {"city": "Bø"}},
    "æøå": "norsk",
    "empty": [],
    "__proto__": "own",
}

# (expression, expected value, or ConditionError when it must not parse)
TABLE: list[tuple[str, Any]] = [
    ("=n = 5", True),
    ("n != 5", False),
    ("n > 4 and n < 6", True),
    ("n >= 5 and n <= 5", True),
    ("x * 2 = n", True),
    ("n / 2", 2.5),
    ("n / zero", None),
    ("n - 10", -5),
    ("-n", -5),
    ("- -n", 5),
    ("1 + 2 * 3 - 4 / 2", 5),
    ("0.1 + 0.2", 0.30000000000000004),
    ("0.1 + 0.2 = 0.3", False),
    ('"1" = 1', False),
    ("one = 1", False),
    ('one = "1"', True),
    ('s + "def"', "abcdef"),
    ("s + 1", None),
    ('s < "abd"', True),
    ("s < 1", None),
    ('"Z" < "a"', True),
    ('"\uffff" < "😀"', True),
    ('"😀" > "\uffff"', True),
    ("t and f", False),
    ("t and nothing", None),
    ("f and nothing", False),
    ("t or nothing", True),
    ("f or nothing", None),
    ("nothing or nothing", None),
    ("not(t)", False),
    ("not(nothing)", None),
    ("not(n)", None),
    ("missing", None),
    ("missing = null", True),
    ("nothing = null", True),
    ("null = null", True),
    ("f = null", False),
    ("missing < 1", None),
    ('"a" in items', True),
    ('"c" in items', False),
    ("2 in nums", True),
    ('"2" in nums', False),
    ("n in [1, 5, 9]", True),
    ("n in 5", True),
    ("[] = empty", True),
    ('items = ["a", "b"]', True),
    ("[n, s]", [5, "abc"]),
    ('person.name = "Kari"', True),
    ("person.age + 2", 42),
    ("person.address.city", "Bø"),
    ("person.address.zip", None),
    ("s.length", None),
    ("æøå", "norsk"),
    ("__proto__", "own"),
    ("constructor", None),
    ("toString", None),
    ("person = {}", ConditionError),
    ("1 + 1e3", ConditionError),
    ("n ** 2", ConditionError),
    ("a < b < c", ConditionError),
    ("not n", ConditionError),
    ('"tab\\t" = "tab\t"', True),
    ('"quote\\"" + "\\\\"', 'quote"\\'),
    ('"bad \\u0041"', ConditionError),
    ("(((((n)))))", 5),
    ("1" + "0" * 400, ConditionError),
    ("99999999999999999999 = 100000000000000000000", True),
    ("true = 1", False),
    ("nums = [1, 2, 3]", True),
    ("person = person", True),
]


def same(left: Any, right: Any) -> bool:
    """Equal and of the same JSON kind all the way down (True is not 1)."""
    if isinstance(left, bool) or isinstance(right, bool) or left is None or right is None:
        return left is right
    if isinstance(left, int | float) or isinstance(right, int | float):
        # JSON from JavaScript writes 6.8e16 as 68000000000000000: compare as doubles.
        numbers = isinstance(left, int | float) and isinstance(right, int | float)
        return numbers and float(left) == float(right)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(same, left, right))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(same(left[k], right[k]) for k in left)
    return isinstance(left, str) and left == right


def python_answers(cases: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    answers: list[dict[str, Any]] = []
    for expression, data in cases:
        try:
            value = evaluate(expression, data)
        except ConditionError as exc:
            answers.append({"error": str(exc)})
        else:
            answers.append({"value": json.loads(json.dumps(value))})
    return answers


def assert_same_answers(node: Node, cases: list[tuple[str, Any]]) -> None:
    expected = python_answers(cases)
    actual = node.call("evaluate", cases=[list(case) for case in cases])
    for case, ours, theirs in zip(cases, expected, actual, strict=True):
        if "error" in ours:
            assert "error" in theirs, (case, ours, theirs)
        else:
            assert "value" in theirs and same(ours["value"], theirs["value"]), (
                case,
                ours,
                theirs,
            )


def test_table_has_enough_cases() -> None:
    assert len(TABLE) >= 40


@pytest.mark.parametrize(("expression", "expected"), TABLE)
def test_table_in_python(expression: str, expected: Any) -> None:
    if expected is ConditionError:
        with pytest.raises(ConditionError):
            evaluate(expression, DATA)
    else:
        assert same(json.loads(json.dumps(evaluate(expression, DATA))), expected)


def test_table_in_node(node: Node) -> None:
    assert_same_answers(node, [(expression, DATA) for expression, _ in TABLE])


NAMES = ["a", "b", "c", "ø", "items"]
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(blacklist_categories=("Cs",)), max_size=4)
    | st.sampled_from(["", "a", "b", "1", "😀", "\uffff"])
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["a", "b", "x"]), inner, max_size=3)
    ),
    max_leaves=6,
)
datas = st.dictionaries(st.sampled_from(NAMES), json_values, max_size=5)


def _string_literal(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


literals = (
    st.integers(0, 10**6).map(str)
    | st.tuples(st.integers(0, 999), st.integers(0, 999)).map(lambda p: f"{p[0]}.{p[1]}")
    | st.sampled_from(["true", "false", "null", "0", "1", "2"])
    | st.text(st.sampled_from('ab1 "\\\nø😀'), max_size=4).map(_string_literal)
    | st.sampled_from(NAMES)
    | st.tuples(st.sampled_from(NAMES), st.sampled_from(["a", "b", "x"])).map(".".join)
)
OPERATORS = ["=", "!=", "<", "<=", ">", ">=", "in", "and", "or", "+", "-", "*", "/"]


def _combine(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return (
        st.tuples(inner, st.sampled_from(OPERATORS), inner).map(" ".join)
        | inner.map(lambda e: f"({e})")
        | inner.map(lambda e: f"not({e})")
        | inner.map(lambda e: f"-{e}")
        | st.lists(inner, max_size=3).map(lambda items: "[" + ", ".join(items) + "]")
    )


expressions = st.recursive(literals, _combine, max_leaves=8) | st.text(
    st.sampled_from(string.ascii_lowercase[:3] + '=<>!()[]. "-+*/,01'), max_size=12
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(cases=st.lists(st.tuples(expressions, datas), min_size=20, max_size=20))
def test_generated_expressions_agree(node: Node, cases: list[tuple[str, Any]]) -> None:
    assert_same_answers(node, cases)


# Typing of submitted text: values.js against the real fields.
TYPED_COMPONENTS = [
    {"type": "number", "key": "decimal"},
    {"type": "number", "key": "integer", "decimalDigits": 0},
    {"type": "datetime", "subtype": "date", "key": "day"},
    {"type": "textfield", "key": "plain"},
    {"type": "textarea", "key": "long"},
    *[
        {"type": "textfield", "key": kind, "properties": {"type": kind}}
        for kind in (
            "fodselsnummer",
            "organisasjonsnummer",
            "postnummer",
            "kontonummer",
        )
    ],
    {"type": "checkbox", "key": "tick"},
]
TYPED_DEFINITION = definition_of(TYPED_COMPONENTS)
FORMATS = {
    "integer": "integer",
    **{k: k for k in ("fodselsnummer", "organisasjonsnummer")},
}
FORMATS.update(postnummer="postnummer", kontonummer="kontonummer")

inputs = st.text(
    st.sampled_from("0123456789 ,.-+\u2212\u00a0\u202f\t\n\r\x1c\x85\ufeff٣a-/ T:"),
    max_size=14,
) | st.sampled_from(
    [
        "17.05.2024",
        "2024-02-29",
        "2023-02-29",
        "1.1.2024",
        "2024-1-5",
        "2024-01- 5",
        "0000-01-01",
        "31.04.2024",
        "1 234,50",
        "−12",
        "+0",
        "170585 12311",
        "1234.56.78903",
        " 0123 ",
        "1" * 31,
        "٣",
        "y",
        "false",
        "",
    ]
)


def _server_values(definition: FormDefinition, text: str) -> dict[str, Any]:
    form = build_form_class(definition)(MultiDict({c["key"]: text for c in TYPED_COMPONENTS}))
    return {c["key"]: field_value(c, form[c["key"]]) for c in definition.input_components}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(inputs, min_size=10, max_size=10))
def test_submitted_text_is_typed_alike(node: Node, texts: list[str]) -> None:
    cases = []
    expected = []
    for text in texts:
        server = _server_values(TYPED_DEFINITION, text)
        for component in TYPED_COMPONENTS:
            key = component["key"]
            cases.append([component["type"], FORMATS.get(key, ""), [text]])
            expected.append(json.loads(json.dumps(server[key])))
    answers = node.call("typed", cases=cases)
    for case, ours, theirs in zip(cases, expected, answers, strict=True):
        assert same(ours, theirs["value"]), (case, ours, theirs)


def test_unticked_controls_submit_nothing(node: Node) -> None:
    answers = node.call(
        "typed",
        cases=[
            ["checkbox", "", []],
            ["checklist", "", []],
            ["radio", "", []],
            ["number", "", []],
        ],
    )
    assert [a["value"] for a in answers] == [False, [], None, None]
