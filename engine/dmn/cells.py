"""How a DMN cell becomes a Python expression (shared by the checks and the evaluator).

Cells are Python, as in SpiffWorkflow: an input cell that is an expression on
its own is compared with `==` ("2", '"driver"'); one that starts with an
operator is appended to the input ("< 615590", 'in ["a", "b"]'); a `?` outside
quotes stands for the input value ("2 <= ? <= 5"). `-` or an empty cell
matches anything. Unlike SpiffWorkflow, the input is evaluated once per
decision and the operator form gets a space ("in [...]" works).
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..scripting import check_syntax

INPUT_NAME = "dmninputexpr"
_QUESTION = re.compile(r"""\?(?=(?:[^'"]|['"][^'"]*['"])*$)""")
HINT = "Write a Python test such as '< 615590', '2 <= ? <= 5', '\"driver\"' or 'in [1, 2]'."

HIT_POLICIES = ("UNIQUE", "FIRST", "PRIORITY", "ANY", "COLLECT", "RULE ORDER", "OUTPUT ORDER")
SINGLE_HIT = frozenset({"UNIQUE", "FIRST", "PRIORITY", "ANY"})
AGGREGATIONS = ("SUM", "MIN", "MAX", "COUNT")
ORDERED = frozenset({"PRIORITY", "OUTPUT ORDER"})


def is_any(cell: str | None) -> bool:
    """Whether an input cell matches every value ('-' or empty)."""
    return cell is None or cell.strip() in ("", "-")


@lru_cache(maxsize=4096)
def input_test(cell: str) -> str:
    """The Python expression that tests `dmninputexpr` against an input cell."""
    cell = cell.strip()
    if _QUESTION.search(cell):
        return _QUESTION.sub(INPUT_NAME, cell)
    if check_syntax(cell, "eval") is None:
        return f"{INPUT_NAME} == ({cell})"
    return f"{INPUT_NAME} {cell}"


def input_error(cell: str) -> SyntaxError | None:
    """The SyntaxError of an input cell, or None when it compiles."""
    return None if is_any(cell) else check_syntax(input_test(cell), "eval")


def expression_error(text: str | None) -> SyntaxError | None:
    """The SyntaxError of an output cell or default (empty is fine), or None."""
    if text is None or not text.strip():
        return None
    return check_syntax(text.strip(), "eval")
