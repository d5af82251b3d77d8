"""Parameters: named values a service's rules use, set by each municipality.

A bundle may hold `parameters.json`:

    {"parameters": [{"name": "income_limit", "type": "amount", "value": 450000, ...}]}

Conditions, scripts, timer expressions, connector parameters and decision-table cells
refer to a parameter as `param.<name>` (e.g. `household_income < param.income_limit`). When
a bundle is parsed, each reference is replaced by the parameter's value as a literal, so a
version's rules hold the values it was published with (a case runs with the values of its
version, and the compiled code stays cheap and cached). A reference to an unknown name is a
problem of the bundle. The engine reads only `name`, `type` and `value`; labels, units and
descriptions are the application's.
"""

from __future__ import annotations

import io
import json
import re
import tokenize
from collections.abc import Mapping
from datetime import date
from typing import Any

from lxml import etree

from .errors import Problem

FILE = "parameters.json"
PREFIX = "param"
MAX_PARAMETERS = 200
MAX_TEXT = 2000
NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
# What a parameter can be, and the JSON value each type takes.
TYPES = {
    "number": (int, float),
    "amount": (int, float),
    "percent": (int, float),
    "integer": (int,),
    "days": (int,),
    "weeks": (int,),
    "text": (str,),
    "date": (str,),
    "boolean": (bool,),
}
# Elements whose text is an expression (BPMN, Spiff extensions, DMN cells).
_EXPRESSION_TAGS = frozenset(
    {
        "conditionExpression",
        "script",
        "preScript",
        "postScript",
        "timeDuration",
        "timeDate",
        "timeCycle",
        "text",  # DMN inputExpression / inputEntry / outputEntry
    }
)
_EXPRESSION_ATTRIBUTES = frozenset({"value", "correlationKey"})  # spiffworkflow:parameter ...


class ParametersInvalid(ValueError):
    """parameters.json cannot be used; the message says why."""


def _kind_ok(kind: str, value: Any) -> bool:
    types = TYPES[kind]
    if isinstance(value, bool) and bool not in types:
        return False
    if kind == "date":
        try:
            date.fromisoformat(str(value))
        except ValueError:
            return False
    return isinstance(value, types)


def definitions(files: Mapping[str, str | bytes]) -> list[dict[str, Any]]:
    """The parameters of a bundle, checked (empty without parameters.json)."""
    raw = files.get(FILE)
    if raw in (None, "", b""):
        return []
    try:
        data = json.loads(raw)
    except (TypeError, ValueError) as err:
        raise ParametersInvalid(f"{FILE} is not valid JSON: {err}") from None
    items = data.get("parameters") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ParametersInvalid(f'{FILE} must be an object with a "parameters" list.')
    if len(items) > MAX_PARAMETERS:
        raise ParametersInvalid(f"{FILE} has more than {MAX_PARAMETERS} parameters.")
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, dict):
            raise ParametersInvalid(f"Every parameter in {FILE} must be an object.")
        name, kind = item.get("name"), item.get("type")
        if not isinstance(name, str) or not NAME.match(name):
            raise ParametersInvalid(
                f"The parameter name {name!r} must be lower-case letters, digits and _, "
                "starting with a letter."
            )
        if name in seen:
            raise ParametersInvalid(f"The parameter '{name}' is defined twice.")
        seen.add(name)
        if kind not in TYPES:
            raise ParametersInvalid(
                f"The parameter '{name}' has the unknown type {kind!r} "
                f"(one of: {', '.join(TYPES)})."
            )
        value = item.get("value")
        if value is None or not _kind_ok(kind, value):
            raise ParametersInvalid(f"The parameter '{name}' needs a value of type {kind}.")
        if isinstance(value, str) and len(value) > MAX_TEXT:
            raise ParametersInvalid(f"The value of the parameter '{name}' is too long.")
    return items


def values_of(files: Mapping[str, str | bytes]) -> dict[str, Any]:
    """The parameters' values by name (raises ParametersInvalid)."""
    return {item["name"]: item["value"] for item in definitions(files)}


def _literal(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return repr(int(value)) if abs(value) < 2**53 else repr(value)
    return repr(value)


def _offsets(text: str) -> list[int]:
    starts, total = [0], 0
    for line in text.splitlines(keepends=True):
        total += len(line)
        starts.append(total)
    return starts


def references(text: str) -> list[tuple[int, int, str]]:
    """Where `text` refers to a parameter: (start, end, name) of each `param.<name>`.

    Read with Python's tokenizer, so a `param.x` inside a string literal is not one; text
    the tokenizer cannot read has no references (its own error is reported elsewhere).
    """
    if PREFIX not in text:
        return []
    lines = _offsets(text)
    found: list[tuple[int, int, str]] = []
    try:
        tokens = [
            t
            for t in tokenize.generate_tokens(io.StringIO(text).readline)
            if t.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT)
        ]
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return []
    for i in range(len(tokens) - 2):
        first, dot, name = tokens[i], tokens[i + 1], tokens[i + 2]
        if not (first.type == tokenize.NAME and first.string == PREFIX):
            continue
        if dot.string != "." or name.type != tokenize.NAME:
            continue
        if i and tokens[i - 1].string == ".":
            continue  # something.param.x is an attribute, not a parameter
        start = lines[first.start[0] - 1] + first.start[1]
        end = lines[name.end[0] - 1] + name.end[1]
        found.append((start, end, name.string))
    return found


def substitute(text: str, values: Mapping[str, Any]) -> tuple[str, list[str]]:
    """`text` with each `param.<name>` replaced by its value; and the unknown names."""
    unknown: list[str] = []
    out, last = [], 0
    for start, end, name in references(text):
        if name not in values:
            unknown.append(name)
            continue
        out.append(text[last:start])
        out.append(_literal(values[name]))
        last = end
    if not out:
        return text, unknown
    out.append(text[last:])
    return "".join(out), unknown


def _local(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _owner_id(element: etree._Element) -> str | None:
    node: etree._Element | None = element
    while node is not None:
        found = node.get("id")
        if found:
            return str(found)
        node = node.getparent()
    return None


def apply(trees: Mapping[str, etree._Element], values: Mapping[str, Any]) -> list[Problem]:
    """Replace every parameter reference in `trees` (in place: trees parsed for this use,
    their line numbers kept); return the references to unknown names as problems."""
    problems: list[Problem] = []
    for filename, root in trees.items():
        for element in root.iter():
            places: list[tuple[str | None, str]] = []
            if _local(element.tag) in _EXPRESSION_TAGS and element.text:
                places.append((None, element.text))
            for name in _EXPRESSION_ATTRIBUTES:
                found = element.get(name)
                if found and PREFIX in found:
                    places.append((name, found))
            for attribute, text in places:
                new, unknown = substitute(text, values)
                for name in unknown:
                    problems.append(
                        Problem(
                            f"The parameter '{name}' (param.{name}) is not defined.",
                            element_id=_owner_id(element),
                            file=filename,
                            code="parameter_unknown",
                            params={"name": name},
                        )
                    )
                if new != text:
                    if attribute is None:
                        element.text = new
                    else:
                        element.set(attribute, new)
    return problems


def checked(files: Mapping[str, str | bytes]) -> tuple[dict[str, Any], list[Problem]]:
    """The parameters' values, or none and the problem that parameters.json has."""
    try:
        return values_of(files), []
    except ParametersInvalid as err:
        detail = str(err)
        return {}, [
            Problem(detail, file=FILE, code="parameters_invalid", params={"detail": detail})
        ]
