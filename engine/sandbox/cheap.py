"""Which expressions are provably cheap, so they may run in the server's own process.

An expression is cheap when its syntax alone bounds its work and memory by its own
length and the size of the case data it reads (which the output limits bound):
names, constants, attribute and item access, slices, comparisons, `and`/`or`/
`not`, `x if c else y`, literal tuples/lists/sets, `len(...)`, and arithmetic
that cannot build something large: `+ - / //`, `%` and `*` only with a small
numeric constant on one side (the size guards still apply). `in`/`not in` only
against a literal tuple, list, set or text. Everything else — other calls
(`str(x)` of a huge list, `max(...)`), `**`, `<<`, comprehensions, lambdas,
f-strings, `:=` — runs in a sandbox process. At most `MAX_NODES` nodes.
"""

from __future__ import annotations

import ast

MAX_NODES = 64
_SMALL = 100  # the largest int constant `*` may multiply by in-process

_LEAVES = (ast.Name, ast.Constant, ast.Load, ast.Expression)
_PLAIN = (
    ast.Attribute,
    ast.Subscript,
    ast.Slice,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.IfExp,
    ast.Tuple,
    ast.List,
    ast.Set,
)
_COMPARE = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Is, ast.IsNot)
_UNARY = (ast.Not, ast.USub, ast.UAdd)
_ADDITIVE = (ast.Add, ast.Sub, ast.Div, ast.FloorDiv)


def _small_number(node: ast.expr) -> bool:
    if not isinstance(node, ast.Constant) or isinstance(node.value, bool):
        return False
    if isinstance(node.value, float):
        return True
    return isinstance(node.value, int) and abs(node.value) <= _SMALL


def _literal(node: ast.expr) -> bool:
    return isinstance(node, (ast.Tuple, ast.List, ast.Set)) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str)
    )


def _node_ok(node: ast.AST) -> bool:
    if isinstance(node, _LEAVES + _PLAIN + _COMPARE + _UNARY):
        return True
    if isinstance(node, ast.UnaryOp):
        return isinstance(node.op, _UNARY)
    if isinstance(node, ast.Compare):
        return all(
            _literal(right) if isinstance(op, (ast.In, ast.NotIn)) else isinstance(op, _COMPARE)
            for op, right in zip(node.ops, node.comparators, strict=True)
        )
    if isinstance(node, (ast.In, ast.NotIn)):
        return True  # checked with its Compare
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, _ADDITIVE):
            return True
        if isinstance(node.op, (ast.Mult, ast.Mod)):
            return _small_number(node.left) or _small_number(node.right)
        return False
    if isinstance(node, ast.operator):
        return True  # checked with its BinOp
    if isinstance(node, ast.Call):
        return (
            isinstance(node.func, ast.Name)
            and node.func.id == "len"
            and len(node.args) == 1
            and not node.keywords
            and not isinstance(node.args[0], ast.Starred)
        )
    return False


def is_cheap(source: str) -> bool:
    """Whether the expression `source` may be evaluated in-process (see the module)."""
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError:
        return False
    nodes = list(ast.walk(tree))
    return len(nodes) <= MAX_NODES and all(_node_ok(node) for node in nodes)
