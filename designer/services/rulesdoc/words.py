"""Decision table cells and gateway conditions in words, for the rules documentation.

Cells are Python (engine/dmn/cells.py): an expression on its own is compared with `==`
('"ja"', '2'), one that starts with an operator is appended to the input ('< 615590',
'in ("a", "b")'), a `?` stands for the input ('2 <= ? <= 5', '"fee" in ?'), and '-' or an
empty cell matches anything. Conditions are the shapes the condition builder writes
(`field`, `not field`, `field == "x"`, `field >= 18`, `field in ["a", "b"]`, `"x" in field`),
also joined by one `and` or `or`. A parameter (`param.income_limit`, engine/parameters.py)
is a value like a literal: the caller writes its label and value. Anything else is not put
into words: the caller shows the expression as written.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from designer.services.parameters import PREFIX

ANY = ("", "-")
_VALUE = "_rule_value_"  # stands for the input in a cell; never a name a cell can use
_QUESTION = re.compile(r"""\?(?=(?:[^'"]|['"][^'"]*['"])*$)""")  # as engine/dmn/cells.py
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_FLIP = {ast.Lt: ast.Gt, ast.LtE: ast.GtE, ast.Gt: ast.Lt, ast.GtE: ast.LtE}

Format = Callable[[str, Any], str]
"""How a value compared with a name is written: (name, value) -> '615 590 kr', '«ja»'."""


@dataclass(frozen=True)
class Ref:
    """A name a test compares with ('< max_price'): written as what the name stands for."""

    name: str


@dataclass(frozen=True)
class Param:
    """A parameter a test compares with ('< param.income_limit'): its label and value."""

    name: str


@dataclass(frozen=True)
class Clause:
    """One test of one name: the name and the test in words ('is less than 615 590')."""

    name: str
    words: str


def _dated(op: ast.cmpop, value: str) -> str | None:
    texts: dict[type, Callable[[], str]] = {
        ast.Lt: lambda: _("is before %(value)s", value=value),
        ast.LtE: lambda: _("is on or before %(value)s", value=value),
        ast.Gt: lambda: _("is after %(value)s", value=value),
        ast.GtE: lambda: _("is on or after %(value)s", value=value),
    }
    text = texts.get(type(op))
    return text() if text else _single(op, value)


def _single(op: ast.cmpop, value: str) -> str | None:
    texts: dict[type, Callable[[], str]] = {
        ast.Eq: lambda: _("is %(value)s", value=value),
        ast.NotEq: lambda: _("is not %(value)s", value=value),
        ast.Lt: lambda: _("is less than %(value)s", value=value),
        ast.LtE: lambda: _("is at most %(value)s", value=value),
        ast.Gt: lambda: _("is more than %(value)s", value=value),
        ast.GtE: lambda: _("is at least %(value)s", value=value),
        ast.In: lambda: _("is one of %(values)s", values=value),
        ast.NotIn: lambda: _("is not one of %(values)s", values=value),
    }
    text = texts.get(type(op))
    return text() if text else None


def _range(low_op: ast.cmpop, low: str, high_op: ast.cmpop, high: str) -> str:
    closed_low, closed_high = isinstance(low_op, ast.LtE), isinstance(high_op, ast.LtE)
    if closed_low and closed_high:
        return _("is from %(low)s to %(high)s", low=low, high=high)
    if closed_low:
        return _("is at least %(low)s and less than %(high)s", low=low, high=high)
    if closed_high:
        return _("is more than %(low)s and at most %(high)s", low=low, high=high)
    return _("is more than %(low)s and less than %(high)s", low=low, high=high)


def _literal(node: ast.expr, subject: str | None = None) -> tuple[bool, Any]:
    """A constant, a `Param`, or a `Ref` to a name other than the subject; else (False, None)."""
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == PREFIX
    ):
        return True, Param(node.attr)
    if isinstance(node, ast.Name):
        return (node.id != subject and node.id != _VALUE), Ref(node.id)
    try:
        return True, ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False, None


def _is_date(value: Any) -> bool:
    return isinstance(value, str) and _ISO_DATE.match(value) is not None


def _subject(node: ast.expr, wanted: str | None) -> str | None:
    if isinstance(node, ast.Name) and (wanted is None or node.id == wanted):
        return node.id
    return None


def _values(name: str, value: Any, fmt: Format) -> str | None:
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else list(value)
        return ", ".join(fmt(name, item) for item in items) if items else None
    return None


def _compare(node: ast.Compare, wanted: str | None, fmt: Format) -> Clause | None:
    ops, left, rights = node.ops, node.left, node.comparators
    if len(ops) == 2:  # 2 <= ? <= 5, or 5 >= ? >= 2
        name = _subject(rights[0], wanted)
        (ok_low, low), (ok_high, high) = _literal(left, name), _literal(rights[1], name)
        if name is None or not (ok_low and ok_high):
            return None
        first, second = ops
        if all(isinstance(op, ast.Gt | ast.GtE) for op in ops):
            low, high = high, low
            first, second = _FLIP[type(second)](), _FLIP[type(first)]()
        if not all(isinstance(op, ast.Lt | ast.LtE) for op in (first, second)):
            return None
        return Clause(name, _range(first, fmt(name, low), second, fmt(name, high)))
    if len(ops) != 1:
        return None
    op, right = ops[0], rights[0]
    name = _subject(left, wanted)
    if name is not None:  # name <op> literal
        ok, value = _literal(right, name)
        if not ok:
            return None
        if isinstance(op, ast.In | ast.NotIn):
            listed = (
                fmt(name, value) if isinstance(value, Ref | Param) else _values(name, value, fmt)
            )
            words = _single(op, listed) if listed is not None else None
        else:
            words = (_dated if _is_date(value) else _single)(op, fmt(name, value))
        return Clause(name, words) if words else None
    name = _subject(right, wanted)
    ok, value = _literal(left, name)
    if name is None or not ok:
        return None
    shown = fmt(name, value)
    if isinstance(op, ast.In):  # "x" in name: a list that holds the value
        return Clause(name, _("includes %(value)s", value=shown))
    if isinstance(op, ast.NotIn):
        return Clause(name, _("does not include %(value)s", value=shown))
    flipped = _FLIP.get(type(op))
    words = (_dated if _is_date(value) else _single)(flipped() if flipped else op, shown)
    return Clause(name, words) if words else None


def _clause(node: ast.expr, wanted: str | None, fmt: Format) -> Clause | None:
    if isinstance(node, ast.Compare):
        return _compare(node, wanted, fmt)
    name = _subject(node, wanted)
    if name is not None:
        return Clause(name, _("is yes"))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        name = _subject(node.operand, wanted)
        return Clause(name, _("is no")) if name is not None else None
    return None


def _clauses(node: ast.expr, wanted: str | None, fmt: Format) -> tuple[list[Clause], str] | None:
    parts, joiner = [node], "and"
    if isinstance(node, ast.BoolOp):
        parts, joiner = list(node.values), "and" if isinstance(node.op, ast.And) else "or"
    found = [_clause(part, wanted, fmt) for part in parts]
    if any(clause is None for clause in found):
        return None
    return [clause for clause in found if clause is not None], joiner


def _parse(text: str) -> ast.expr | None:
    try:
        return ast.parse(text, mode="eval").body
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None


def parameter_of(expression: str) -> str | None:
    """The parameter's name when `expression` is just `param.<name>`, else None."""
    node = _parse(expression.strip())
    ok, value = _literal(node) if node is not None else (False, None)
    return value.name if ok and isinstance(value, Param) else None


def is_any(cell: str | None) -> bool:
    """Whether an input cell matches every value ('-' or empty)."""
    return cell is None or cell.strip() in ANY


def joiner_word(joiner: str) -> str:
    """'and' or 'or' in the current language."""
    return _("and") if joiner == "and" else _("or")


def joined(words: list[str], joiner: str) -> str:
    """Tests joined by 'and' or 'or' in the current language."""
    return f" {joiner_word(joiner)} ".join(words)


def cell_words(cell: str, fmt: Callable[[Any], str]) -> str | None:
    """An input cell's test in words ('is from 2 to 5'); None when it is not a simple shape.

    `fmt` writes a value the cell compares with (the caller knows whether the input is an
    amount, and the labels of its options). A '-' or empty cell is not a test: ask `is_any`.
    """
    text = cell.strip()
    if _QUESTION.search(text):
        source = _QUESTION.sub(_VALUE, text)
    elif _parse(text) is not None:
        source = f"{_VALUE} == ({text})"
    else:
        source = f"{_VALUE} {text}"
    node = _parse(source)
    found = _clauses(node, _VALUE, lambda _name, value: fmt(value)) if node is not None else None
    if found is None:
        return None
    clauses, joiner = found
    return joined([clause.words for clause in clauses], joiner)


def condition_clauses(expression: str, fmt: Format) -> tuple[list[Clause], str] | None:
    """A gateway condition as tests of names joined by 'and' or 'or'; None if not simple."""
    node = _parse(expression.strip())
    return _clauses(node, None, fmt) if node is not None else None
