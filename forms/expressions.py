"""The grammar of form conditions (a FEEL subset) and its parser; see conditions.py.

Grammar (whitespace is space, tab, CR and LF)::

    expression  = disjunction
    disjunction = conjunction { "or" conjunction }
    conjunction = comparison { "and" comparison }
    comparison  = sum [ ("=" | "!=" | "<" | "<=" | ">" | ">=" | "in") sum ]
    sum         = product { ("+" | "-") product }
    product     = unary { ("*" | "/") unary }
    unary       = "-" unary | primary
    primary     = number | string | "true" | "false" | "null"
                | "not" "(" expression ")" | "(" expression ")"
                | "[" [ expression { "," expression } ] "]"
                | name { "." name }
    number      = digit { digit } [ "." digit { digit } ]
    string      = '"' { character | '\\' ('"' | '\\' | "n" | "r" | "t") } '"'
    name        = letter { letter | digit }   (not a keyword; letters are A-Z,
                  a-z, "_" and the Latin-1 letters À-Ö Ø-ö ø-ÿ)

Semantics live in conditions.py; static/src/forms/conditions.js implements
the same grammar and semantics for the browser.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from . import exprerrors as faults
from .exprerrors import ConditionError

MAX_LENGTH = 2000
MAX_DEPTH = 30
MAX_HEIGHT = 100
KEYWORDS = frozenset({"true", "false", "null", "and", "or", "not", "in"})
_LETTERS = "A-Za-z_\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff"
_TOKEN = re.compile(
    rf"(?P<space>[ \t\r\n]+)"
    rf"|(?P<number>[0-9]+(?:\.[0-9]+)?)"
    rf"|(?P<name>[{_LETTERS}][{_LETTERS}0-9]*)"
    rf'|(?P<string>"(?:[^"\\]|\\[\s\S])*")'
    rf"|(?P<op><=|>=|!=|[=<>+\-*/()\[\],.])"
)
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t"}
_COMPARISONS = frozenset({"=", "!=", "<", "<=", ">", ">=", "in"})

Node = tuple[Any, ...]
Parsed = tuple[Node, int]


def _unescape(text: str, position: int) -> str:
    out: list[str] = []
    chars = iter(text)
    for char in chars:
        if char == "\\":
            escaped = next(chars)
            if escaped not in _ESCAPES:
                raise faults.unknown_escape(escaped, position)
            out.append(_ESCAPES[escaped])
        else:
            out.append(char)
    return "".join(out)


def _tokens(text: str) -> list[tuple[str, Any, int]]:
    tokens: list[tuple[str, Any, int]] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise faults.unexpected_character(text[position], position)
        kind = match.lastgroup or ""
        value = match.group()
        if kind == "number":
            number = float(value)
            if number == float("inf"):
                raise faults.number_too_large(position)
            tokens.append(("number", number, position))
        elif kind == "string":
            tokens.append(("string", _unescape(value[1:-1], position), position))
        elif kind == "name" and value in KEYWORDS:
            tokens.append(("op", value, position))
        elif kind != "space":
            tokens.append((kind, value, position))
        position = match.end()
    tokens.append(("end", None, position))
    return tokens


class _Parser:
    """Recursive descent; every method returns ``(node, height)``."""

    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.index = 0
        self.depth = 0

    def peek(self) -> tuple[str, Any, int]:
        return self.tokens[self.index]

    def accept(self, *ops: str) -> str | None:
        kind, value, _ = self.peek()
        if kind == "op" and value in ops:
            self.index += 1
            return str(value)
        return None

    def expect(self, op: str) -> None:
        if self.accept(op) is None:
            raise self.error(faults.expected(op))

    def error(self, what: faults.Expected) -> ConditionError:
        kind, value, position = self.peek()
        return faults.unexpected(kind, value, position, what)

    def parse(self) -> Node:
        node, _ = self.expression()
        if self.peek()[0] != "end":
            raise self.error(faults.EXPECTED_END)
        return node

    def nested(self, parse: Any) -> Parsed:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise faults.too_deep(MAX_DEPTH)
        result: Parsed = parse()
        self.depth -= 1
        return result

    def expression(self) -> Parsed:
        return self.nested(lambda: self.chain(("or",), self.conjunction))

    def conjunction(self) -> Parsed:
        return self.chain(("and",), self.comparison)

    def comparison(self) -> Parsed:
        left = self.sum()
        op = self.accept(*_COMPARISONS)
        if op is None:
            return left
        return _binary_node(op, left, self.sum())

    def sum(self) -> Parsed:
        return self.chain(("+", "-"), self.product)

    def product(self) -> Parsed:
        return self.chain(("*", "/"), self.unary)

    def chain(self, ops: tuple[str, ...], operand: Any) -> Parsed:
        left: Parsed = operand()
        op = self.accept(*ops)
        while op is not None:
            left = _binary_node(op, left, operand())
            op = self.accept(*ops)
        return left

    def unary(self) -> Parsed:
        if self.accept("-"):
            inner, height = self.nested(self.unary)
            return ("neg", inner), height + 1
        return self.primary()

    def primary(self) -> Parsed:
        kind, value, _ = self.peek()
        if kind in ("number", "string"):
            self.index += 1
            return ("value", value), 1
        if kind == "name":
            return self.path()
        literal = self.accept("true", "false", "null")
        if literal is not None:
            return ("value", {"true": True, "false": False, "null": None}[literal]), 1
        if self.accept("not"):
            self.expect("(")
            inner, height = self.expression()
            self.expect(")")
            return ("not", inner), height + 1
        if self.accept("("):
            result = self.expression()
            self.expect(")")
            return result
        if self.accept("["):
            return self.list_literal()
        raise self.error(faults.EXPECTED_VALUE)

    def path(self) -> Parsed:
        names = [str(self.peek()[1])]
        self.index += 1
        while self.accept("."):
            kind, value, _ = self.peek()
            if kind != "name":
                raise self.error(faults.EXPECTED_NAME)
            self.index += 1
            names.append(str(value))
        return ("path", tuple(names)), 1

    def list_literal(self) -> Parsed:
        items: list[Parsed] = []
        if not self.accept("]"):
            items.append(self.expression())
            while self.accept(","):
                items.append(self.expression())
            self.expect("]")
        height = 1 + max((h for _, h in items), default=0)
        return ("list", tuple(node for node, _ in items)), height


def _binary_node(op: str, left: Parsed, right: Parsed) -> Parsed:
    height = 1 + max(left[1], right[1])
    if height > MAX_HEIGHT:
        raise faults.too_many_operators(MAX_HEIGHT)
    return ("bin", op, left[0], right[0]), height


@functools.lru_cache(maxsize=1024)
def parse(expression: str) -> Node:
    """Parse an expression (a leading form-js ``=`` is allowed) into a tree."""
    if not isinstance(expression, str):
        raise faults.not_text()
    if len(expression) > MAX_LENGTH:
        raise faults.too_long(MAX_LENGTH)
    text = expression[1:] if expression.startswith("=") else expression
    return _Parser(text).parse()
