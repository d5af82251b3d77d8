"""The form editor's condition builder: every expression shape it writes
(static/src/formeditor/condition-rules.js, run under node) is accepted by forms/checks.py
and hides or shows the component as "show the field when …" means, on the server and in
the browser's evaluator; what it reads back, and which fields it offers."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from werkzeug.datastructures import MultiDict

from forms import FormDefinition, build_form_class, typed_data
from forms.checks import check_conditional
from forms.visibility import form_values, visibility
from tests.forms.conftest import definition_of
from tests.forms.jsbridge import Node, node_available

RULES = Path(__file__).resolve().parents[2] / "static" / "src" / "formeditor" / "condition-rules.js"

PROGRAM = """
import { candidateFields, readHide, writeHide } from '%s';
const find = (components, key) => {
  for (const c of components || []) {
    if (c.key === key || c.label === key) return c;
    const inner = find(c.components, key);
    if (inner) return inner;
  }
  return null;
};
let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const request = JSON.parse(input);
  const root = { type: 'default', components: request.components };
  // the fields offered to `request.selected` (a key or label; none: the top level's)
  const fields = candidateFields(root, find(root.components, request.selected));
  const ops = {
    write: () => request.cases.map(([key, state]) => {
      const hide = writeHide(state, fields.find((f) => f.key === key) || null);
      return { hide, read: readHide(hide, fields) };
    }),
    read: () => request.cases.map((hide) => readHide(hide, fields)),
    candidates: () => request.cases.map((key) => (
      candidateFields(root, find(root.components, key)).map((f) => f.key)
    )),
  };
  process.stdout.write(JSON.stringify(ops[request.op]()));
});
"""


def rules(
    op: str, components: list[dict[str, Any]], cases: list[Any], selected: str | None = None
) -> list[Any]:
    """Run condition-rules.js under node on a batch of cases."""
    if not node_available():
        pytest.skip("node is not installed")
    done = subprocess.run(
        [
            "node",
            "--disable-warning=MODULE_TYPELESS_PACKAGE_JSON",
            "--input-type=module",
            "-e",
            PROGRAM % RULES.as_uri(),
        ],
        input=json.dumps(
            {"op": op, "components": components, "cases": cases, "selected": selected}
        ),
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=True,
    )
    result: list[Any] = json.loads(done.stdout)
    return result


SOURCES: list[dict[str, Any]] = [
    {"type": "textfield", "key": "city", "label": "Poststed"},
    {
        "type": "textfield",
        "key": "zip",
        "label": "Postnummer",
        "properties": {"type": "postnummer"},
    },
    {"type": "textarea", "key": "story", "label": "Fortell"},
    {"type": "number", "key": "age", "label": "Alder"},
    {"type": "checkbox", "key": "consent", "label": "Jeg samtykker"},
    {
        "type": "radio",
        "key": "has_pet",
        "label": "Har du dyr?",
        "values": [{"label": "Ja", "value": "yes"}, {"label": "Nei", "value": "no"}],
    },
    {
        "type": "select",
        "key": "years",
        "label": "Antall år",
        "values": [{"label": "Ett", "value": 1}, {"label": "To", "value": 2}],
    },
    {
        "type": "checklist",
        "key": "food",
        "label": "Tillegg",
        "values": [{"label": "Pai", "value": "pie"}, {"label": "Is", "value": "ice"}],
    },
    {"type": "datetime", "subtype": "date", "key": "when", "dateLabel": "Dato"},
]
TARGET = {
    "type": "textfield",
    "key": "follow_up",
    "label": "Oppfølging",
    "validate": {"required": True},
}
Posted = list[tuple[str, str]]

# (source key, operator, value, the hide expression it writes, posts that show the
# target, posts that hide it); posts are query strings split by "|", "" posts nothing
SHAPES: list[tuple[str, str, str, str, str, str]] = [
    ("city", "eq", " Oslo ", '=city != "Oslo"', "city=Oslo|city= Oslo ", "city=Bergen|"),
    ("city", "ne", "Oslo", '=city = "Oslo"', "city=Bergen|", "city=Oslo"),
    ("city", "eq", 'a "b" \\ c', '=city != "a \\"b\\" \\\\ c"', 'city=a "b" \\ c', "city=a b c"),
    ("city", "filled", "", "=city = null", "city=x", "|city=  "),
    ("city", "empty", "", "=city != null", "|city= ", "city=x"),
    ("zip", "eq", "01 50", '=zip != "0150"', "zip=0150|zip= 01 50", "zip=0151"),
    ("story", "eq", "Ja", '=story != "Ja"', "story=Ja%0A", "story=Nei"),
    ("age", "eq", "18", "=age != 18", "age=18", "age=17|"),
    ("age", "ne", "18", "=age = 18", "age=17|", "age=18"),
    ("age", "gt", "18", "=age = null or age <= 18", "age=19", "age=18|"),
    ("age", "ge", "18", "=age = null or age < 18", "age=18|age=40", "age=17||age=x"),
    ("age", "lt", "2,5", "=age = null or age >= 2.5", "age=2|age=-1", "age=2,5|"),
    ("age", "le", "-5", "=age = null or age > -5", "age=-5", "age=0|"),
    ("consent", "checked", "", "=consent != true", "consent=y", ""),
    ("consent", "unchecked", "", "=consent = true", "", "consent=y"),
    ("has_pet", "is", "yes", '=has_pet != "yes"', "has_pet=yes", "has_pet=no||has_pet=cat"),
    ("has_pet", "is_not", "yes", '=has_pet = "yes"', "has_pet=no|", "has_pet=yes"),
    ("years", "is", "1", '=years != "1"', "years=1", "years=2|"),
    ("food", "contains", "pie", '=not("pie" in food)', "food=pie|food=ice&food=pie", "food=ice|"),
    ("when", "filled", "", "=when = null", "when=17.05.2026|when=2026-05-17", "|when=31.02.2026"),
    ("when", "empty", "", "=when != null", "", "when=2026-05-17"),
]  # fmt: skip
IDS = [f"{key}-{op}" for key, op, *_ in SHAPES]


def _post(query: str) -> Posted:
    return parse_qsl(query, keep_blank_values=True)


@pytest.fixture(scope="module")
def written() -> list[dict[str, Any]]:
    cases = [[key, {"key": key, "op": op, "value": value}] for key, op, value, *_ in SHAPES]
    return rules("write", SOURCES, cases)


def _definition(hide: str) -> FormDefinition:
    return definition_of([*SOURCES, {**TARGET, "conditional": {"hide": hide}}])


def _bound(definition: FormDefinition, posted: Posted) -> Any:
    form = build_form_class(definition)(MultiDict(posted))
    form.validate()
    return form


def test_the_builder_writes_these_shapes_and_reads_them_back(
    written: list[dict[str, Any]],
) -> None:
    for (key, op, value, hide, *_), answer in zip(SHAPES, written, strict=True):
        assert answer["hide"] == hide, (key, op, value)
        assert answer["read"]["key"] == key
        assert answer["read"]["op"] == op


@pytest.mark.parametrize(("key", "op", "value", "hide", "shown", "hidden"), SHAPES, ids=IDS)
def test_each_shape_is_accepted_and_hides_when_the_condition_does_not_hold(
    key: str, op: str, value: str, hide: str, shown: str, hidden: str, node: Node
) -> None:
    component = {**TARGET, "conditional": {"hide": hide}}
    assert check_conditional("components[9]", "follow_up", component) == []
    definition = _definition(hide)
    target = definition.component("follow_up")
    for posted in map(_post, shown.split("|")):
        form = _bound(definition, posted)
        assert not visibility(form, definition).is_hidden(target), posted
        assert "follow_up" in form.errors, posted  # shown, so required
        filled = _bound(definition, [*posted, ("follow_up", "ja")])
        assert typed_data(filled, definition)["follow_up"] == "ja"
    for posted in map(_post, hidden.split("|")):
        form = _bound(definition, [*posted, ("follow_up", "ja")])
        assert visibility(form, definition).is_hidden(target), posted
        assert "follow_up" not in form.errors, posted  # hidden, so not required
        assert "follow_up" not in typed_data(form, definition)
    # the browser's evaluator (static/src/forms/conditions.js) agrees
    cases = [(q, False) for q in shown.split("|")] + [(q, True) for q in hidden.split("|")]
    for query, expected in cases:
        values = form_values(_bound(definition, _post(query)), definition)
        [answer] = node.call("evaluate", cases=[[hide, values]])
        assert (answer.get("value") is True) == expected, (query, answer)


def test_a_row_field_can_depend_on_its_row() -> None:
    school = {
        "type": "textfield",
        "key": "school",
        "label": "Skole",
        "validate": {"required": True},
        "conditional": {"hide": "=age = null or age < 6"},
    }
    children = {
        "type": "dynamiclist",
        "path": "children",
        "label": "Barn",
        "defaultRepetitions": 2,
        "components": [{"type": "number", "key": "age", "label": "Alder"}, school],
    }
    assert rules("candidates", [children], ["school"]) == [["age"]]
    state = {"key": "age", "op": "ge", "value": "6"}
    [answer] = rules("write", [children], [["age", state]], selected="school")
    assert answer["hide"] == school["conditional"]["hide"]
    definition = definition_of([children])
    posted = [
        ("children-0-_row", "1"),
        ("children-0-age", "7"),
        ("children-1-_row", "1"),
        ("children-1-age", "3"),
    ]
    form = _bound(definition, posted)
    first, second = form.errors["children"]
    assert "school" in first  # 7 years: shown, so required
    assert "school" not in second  # 3 years: hidden


def test_only_exact_builder_shapes_are_read_back() -> None:
    cases = [
        '  has_pet!="yes"',  # spaces and the leading "=" do not matter
        '=has_pet != "yes" and age < 18',  # two conditions
        "=age > 18",  # no null guard: not what the builder writes
        "=age != null",  # "is empty" is not offered for numbers
        '=not("yes" in has_pet)',  # "contains" is for lists
        '=unknown != "x"',  # no such field
        "=consent = false",
        '=city != " Oslo"',  # the builder would write "Oslo"
        "",
    ]
    read = rules("read", SOURCES, cases)
    assert read[0] == {"key": "has_pet", "op": "is", "value": "yes"}
    assert read[1:-1] == [None] * (len(cases) - 2)
    assert read[-1] == {"key": "", "op": "", "value": ""}


def test_the_fields_offered_for_a_condition() -> None:
    components = [
        {"type": "text", "text": "Hei"},
        {"type": "textfield", "key": "name", "label": "Navn"},
        {
            "type": "group",
            "label": "Gruppe",
            "components": [
                {"type": "number", "key": "age", "label": "Alder"},
                {"type": "filepicker", "key": "file", "label": "Vedlegg"},
            ],
        },
        {
            "type": "dynamiclist",
            "path": "rows",
            "label": "Rader",
            "components": [
                {"type": "checkbox", "key": "row_ok", "label": "OK"},
                {"type": "textfield", "key": "row_note", "label": "Merknad"},
            ],
        },
        {"type": "textfield", "key": "later", "label": "Senere"},
    ]
    definition_of(components)  # a real definition
    offered = rules("candidates", components, ["Hei", "name", "Gruppe", "row_note", "Rader"])
    assert offered == [
        ["name", "age", "later"],
        ["age", "later"],  # not the component itself
        ["name", "later"],  # not what is inside it
        ["name", "age", "row_ok", "later"],  # a row field also sees its row
        ["name", "age", "later"],
    ]
