"""Definition problems as catalogue templates, shown in nb, nn and en (issues 13 and 14)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from wtforms import Form

from forms import DefinitionError, FormDefinition, build_form_class, problem_text
from forms.conditions import reason
from forms.errors import problem, render
from forms.i18n import catalogue
from forms.messages import N_

FORMS = Path(__file__).resolve().parents[2] / "forms"
# Words that only English texts have (labels and keys below are Norwegian).
ENGLISH = re.compile(
    r"\b(the|of|must|is|be|and|with|has|cannot|field|key|choose|remove|option|value|"
    r"expected|character|custom|property|only|form|list|group|page|file|date|unexpected)\b",
    re.IGNORECASE,
)
PLACEHOLDER = re.compile(r"%\(|%[sd]")


def _field(**extra: Any) -> dict[str, Any]:
    return {"type": "textfield", "key": "navn", "label": "Navn", **extra}


def _choice(**extra: Any) -> dict[str, Any]:
    return {"type": "radio", "key": "farge", "label": "Farge", **extra}


def _file(**extra: Any) -> dict[str, Any]:
    return {"type": "filepicker", "key": "vedlegg", "label": "Vedlegg", **extra}


def _rows(*components: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "type": "dynamiclist",
        "path": "barn",
        "label": "Barn",
        "components": list(components),
        **extra,
    }


def _nested(component: dict[str, Any], levels: int) -> dict[str, Any]:
    for _ in range(levels):
        component = {"type": "group", "label": "Gruppe", "components": [component]}
    return component


def _form(*components: Any, **extra: Any) -> dict[str, Any]:
    return {"type": "default", "components": list(components), **extra}


def _pages(*components: Any) -> dict[str, Any]:
    return _form(*components, properties={"pages": True})


def _page(*components: Any, **extra: Any) -> dict[str, Any]:
    return {"type": "group", "label": "Side", "components": list(components), **extra}


# One definition for each kind of problem (the test below proves every kind is here).
CASES: dict[str, Any] = {
    "json": "{ikke json",
    "json_text": b"\xff\xfe\x00",
    "not_text": 42,
    "not_object": "[1, 2]",
    "not_plain": {"components": [], "ekstra": {1, 2}},
    "no_components": {"type": "default"},
    "not_component": _form("tekst"),
    "no_type": _form({"key": "navn"}),
    "unknown_type": _form({"type": "image", "key": "bilde", "label": "Bilde"}),
    "text_text": _form(
        {"type": "group", "label": "Valg", "components": [{"type": "text", "text": ["x"]}]}
    ),
    "text_not_string": _form({"type": "text", "text": 5}),
    "no_key": _form({"type": "textfield", "label": "Navn"}),
    "same_key": _form(_field(), {**_field(), "label": "Etternavn"}),
    "bad_key": _form(_field(key="for navn")),
    "reserved": _form(_field(key="data")),
    "label": _form(_field(label=["x"])),
    "validate": _form(_field(validate=[])),
    "required": _form(_field(validate={"required": "ja"})),
    "min_length": _form(_field(validate={"minLength": "3"})),
    "min": _form({"type": "number", "key": "alder", "label": "Alder", "validate": {"min": "1"}}),
    "range": _form(_field(validate={"minLength": 5, "maxLength": 2})),
    "pattern": _form(_field(validate={"pattern": "(uavsluttet"})),
    "pattern_size": _form(_field(validate={"pattern": "a{99999999999}"})),
    "pattern_text": _form(_field(validate={"pattern": 5})),
    "validation_type": _form(_field(validate={"validationType": "url"})),
    "properties": _form(_field(properties="x")),
    "label_en": _form(_field(properties={"label_en": 3})),
    "type_on_number": _form(
        {"type": "number", "key": "alder", "label": "Alder", "properties": {"type": "postnummer"}}
    ),
    "unknown_type_property": _form(_field(properties={"type": "personnummer"})),
    "min_date": _form(
        {"type": "datetime", "key": "dato", "dateLabel": "Dato", "properties": {"minDate": "i går"}}
    ),
    "time": _form({"type": "datetime", "key": "dato", "dateLabel": "Dato", "subtype": "datetime"}),
    "decimals": _form({"type": "number", "key": "alder", "label": "Alder", "decimalDigits": -1}),
    "conditional": _form(_field(conditional="=alder")),
    "hide": _form(_field(conditional={"hide": 5})),
    "hide_unreadable": _form(_field(conditional={"hide": "=alder <"})),
    "values_key": _form(_choice(valuesKey="")),
    "no_options": _form(_choice()),
    "option_value": _form(_choice(values=[{"label": "Rød"}])),
    "option_empty": _form(_choice(values=[{"value": ""}])),
    "option_repeated": _form(_choice(values=[{"value": "rød"}, {"value": "rød"}])),
    "option_label": _form(_choice(values=[{"value": "rød", "label": 1}])),
    "option_label_en": _form(_choice(values=[{"value": "rød", "label_en": 1}])),
    "file_in_list": _form(_rows(_file())),
    "accept_text": _form(_file(accept=[".pdf"])),
    "accept_unknown": _form(_file(accept=".pdf,.exe")),
    "accept_none": _form(_file(accept=" , ")),
    "multiple": _form(_file(multiple="ja")),
    "size": _form(_file(properties={"maxSizeMB": 0})),
    "rows_properties": _form(_rows(_field(), properties=[])),
    "rows_limit": _form(_rows(_field(), properties={"minRows": -1})),
    "rows_max": _form(_rows(_field(), properties={"maxRows": 0})),
    "repetitions": _form(_rows(_field(), defaultRepetitions="2")),
    "add_remove": _form(_rows(_field(), allowAddRemove="ja")),
    "list_no_path": _form({"type": "dynamiclist", "label": "Barn", "components": []}),
    "list_in_list": _form(_rows(_rows(_field()))),
    "list_no_components": _form({"type": "dynamiclist", "path": "barn", "label": "Barn"}),
    "too_deep": _form(_nested(_field(), 12)),
    "group_no_components": _form({"type": "group", "label": "Gruppe"}),
    "no_pages": _pages(),
    "page_not_group": _pages(_field()),
    "page_condition": _pages(_page(conditional={"hide": "=true"})),
    "file_not_last": _pages(_page(_file()), _page()),
    "compare_unreadable": _form(_field(validate={"compare": ">= start"})),
    "compare_operator": _form(
        _field(key="a"), _field(validate={"compare": {"op": "=>", "key": "a"}})
    ),
    "compare_unknown": _form(_field(validate={"compare": {"op": "=", "key": "andre"}})),
    "compare_itself": _form(_field(validate={"compare": {"op": "=", "key": "navn"}})),
    "compare_order": _form(_field(key="a"), _field(validate={"compare": {"op": "<", "key": "a"}})),
    "compare_kinds": _form(
        {"type": "checkbox", "key": "ok", "label": "OK"},
        _field(validate={"compare": {"op": "=", "key": "ok"}}),
    ),
}


class _Base(Form):
    kommune = "an attribute a key would hide"


def _problems(source: Any) -> list[dict[str, Any]]:
    with pytest.raises(DefinitionError) as caught:
        FormDefinition.from_json(source)
    return caught.value.problems


def _clash() -> list[dict[str, Any]]:
    definition = FormDefinition.from_json(_form(_field(key="kommune", label="Kommune")))
    with pytest.raises(DefinitionError) as caught:
        build_form_class(definition, base=_Base)
    return caught.value.problems


def _every_problem() -> Iterator[tuple[str, dict[str, Any]]]:
    for name, source in CASES.items():
        for found in _problems(source):
            yield name, found
    for found in _clash():
        yield "clash", found


def _templates(found: Any) -> Iterator[str]:
    """The template of a problem or text and of every text nested in its params."""
    if isinstance(found, dict) and isinstance(found.get("template"), str):
        yield found["template"]
        for value in (found.get("params") or {}).values():
            yield from _templates(value)


def _template_of(node: ast.AST | None) -> str | None:
    """The message id of an ``N_("...")`` call, else None."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "N_"
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        return node.args[0].value
    return None


def _marked(statements: list[ast.AST]) -> dict[str, str]:
    """Names whose every assignment in `statements` is an ``N_("...")`` template."""
    templates: dict[str, str | None] = {}
    for node in statements:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    known = templates.get(target.id, "")
                    found = _template_of(node.value)
                    templates[target.id] = found if known is not None and found else None
    return {name: template for name, template in templates.items() if template}


def _calls_in(source: str) -> Iterator[tuple[int, str | None]]:
    """Every ``problem(key, template, ...)`` call in `source`: (line, template or None).

    The template must be an ``N_("...")`` literal, or a name assigned only such templates in
    the same function (or at the top of the module); anything else (an f-string, a text
    built at run time) yields None.
    """
    tree = ast.parse(source)
    module = _marked(list(tree.body))
    found: dict[tuple[int, int], str | None] = {}
    for scope in ast.walk(tree):
        if not isinstance(scope, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        local = {} if isinstance(scope, ast.Module) else _marked(list(ast.walk(scope)))
        for call in ast.walk(scope):
            if not (
                isinstance(call, ast.Call)
                and isinstance(call.func, ast.Name)
                and call.func.id == "problem"
            ):
                continue
            arg = call.args[1] if len(call.args) > 1 else None
            template = _template_of(arg)
            if isinstance(arg, ast.Name):
                template = local.get(arg.id) or module.get(arg.id)
            place = (call.lineno, call.col_offset)
            found[place] = found.get(place) or template
    for (line, _), template in sorted(found.items()):
        yield line, template


def _problem_calls() -> Iterator[tuple[str, int, str | None]]:
    for path in sorted(FORMS.glob("*.py")):
        for line, template in _calls_in(path.read_text(encoding="utf-8")):
            yield path.name, line, template


def test_every_problem_call_uses_a_catalogue_template() -> None:
    calls = list(_problem_calls())
    assert len(calls) > 50
    assert [(name, line) for name, line, template in calls if template is None] == []


@pytest.mark.parametrize(
    "source",
    [
        'def bad(key):\n    return problem(key, f"{key} is wrong")\n',
        'def bad(key):\n    return problem(key, "Plain " + key)\n',
        'def bad(key):\n    template = f"{key}"\n    return problem(key, template)\n',
        "def bad(key):\n    return problem(key)\n",
        'def bad(key):\n    template = N_("Fine.")\n    template = key\n'
        "    return problem(key, template)\n",
        'template = "Plain"\n\n\ndef bad(key):\n    return problem(key, template)\n',
    ],
)
def test_the_scanner_catches_a_problem_without_a_template(source: str) -> None:
    [(line, template)] = list(_calls_in(source))
    assert template is None and source.splitlines()[line - 1].strip().startswith("return")


def test_the_scanner_accepts_templates_inline_and_in_a_local_name() -> None:
    source = (
        "def good(key):\n"
        '    template = N_("%(field)s is wrong.")\n'
        '    return [problem(key, template, field=key), problem(key, N_("Also wrong."))]\n'
    )
    assert list(_calls_in(source)) == [(3, "%(field)s is wrong."), (3, "Also wrong.")]


def test_every_kind_of_problem_has_a_case() -> None:
    used = {template for _, _, template in _problem_calls() if template}
    seen = {t for _, found in _every_problem() for t in _templates(found)}
    assert sorted(used - seen) == []


@pytest.mark.parametrize("locale", ["nb", "nn"])
def test_every_problem_renders_in_norwegian_without_english(locale: str) -> None:
    wrong = []
    for name, found in _every_problem():
        shown = problem_text(found, locale)
        english = problem_text(found, "en")
        if PLACEHOLDER.search(shown) or shown == english or ENGLISH.search(shown):
            wrong.append(f"{name}: {shown}")
    assert wrong == []


def test_english_is_the_message_and_has_no_placeholders_left() -> None:
    for name, found in _every_problem():
        assert problem_text(found, "en") == found["message"], name
        assert found["message"].strip(), name
        assert not PLACEHOLDER.search(found["message"]), (name, found["message"])


# Every way an expression can fail to parse, as conditions.js words it and for people.
EXPRESSIONS = [
    "a <",
    "not x",
    "x $",
    "a b",
    "a.",
    "a = )",
    '"\\q"',
    "1" + "0" * 400,
    "(" * 31 + "1" + ")" * 31,
    "+".join(["1"] * 102),
    "a" * 2001,
    None,
]


def test_every_expression_error_is_translated() -> None:
    seen: set[str] = set()
    for expression in EXPRESSIONS:
        error = reason(expression)
        assert error is not None, expression
        seen.update(_templates(error.text))
        english = render(error.text["template"], error.text["params"], lambda t: t)
        for locale in ("nb", "nn"):
            shown = render(error.text["template"], error.text["params"], catalogue(locale).gettext)
            assert shown != english and not ENGLISH.search(shown), (expression, shown)
            assert not PLACEHOLDER.search(shown)
    tree = ast.parse((FORMS / "exprerrors.py").read_text(encoding="utf-8"))
    marked = {t for node in ast.walk(tree) if (t := _template_of(node))}
    assert sorted(marked - seen) == []


def test_components_are_named_by_label_and_key_else_by_type_and_place() -> None:
    [unreadable] = _problems(CASES["hide_unreadable"])
    assert problem_text(unreadable, "nb") == (
        "Betingelsen for å skjule «Navn» (navn) kan ikke leses: uttrykket slutter for tidlig: "
        "forventet en verdi. Bygg den med «Vis feltet når» eller rett uttrykket under «Skjul hvis»."
    )
    assert problem_text(unreadable, "nn").startswith(
        "Vilkåret for å skjule «Navn» (navn) kan ikkje lesast: uttrykket sluttar for tidleg: "
        "venta ein verdi."
    )
    [text] = _problems(CASES["text_text"])
    assert problem_text(text, "nb") == "«Tekst» for Tekst nr. 1 i «Valg» må være tekst."
    assert problem_text(text, "en") == "“Text” of Text view no. 1 in “Valg” must be text."
    [unnamed] = _problems(_form({"type": "separator"}, {"type": "textfield"}))
    assert problem_text(unnamed, "nn").startswith("Tekstfelt nr. 2 har ingen nøkkel")
    [unknown] = _problems(CASES["unknown_type"])
    assert "av typen «Bilde»" in problem_text(unknown, "nb")


def test_a_translation_that_does_not_fit_its_params_falls_back_to_english() -> None:
    found = problem(
        "navn",
        N_("%(field)s has no key: fill in “Key” (the name its answer is stored under)."),
        field="Navn",
    )

    def broken(template: str) -> str:
        return "%(felt)s mangler"

    assert render(found["template"], found["params"], broken) == found["message"]
    plain = {"key": None, "message": "Laget for hånd."}
    assert problem_text(plain, "nb") == "Laget for hånd."
    assert DefinitionError([plain]).problems[0]["template"] is None
