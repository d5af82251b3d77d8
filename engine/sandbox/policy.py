"""Restricted compiling: RestrictedPython's rules plus ours, and the refusals they find.

On top of RestrictedPython (no names or attributes starting with "_", guarded
attribute, item, iteration and write access) the policy

- calls `_tick_()` at the start of every loop body, function and lambda and for
  every comprehension item, so the run's CPU and memory budget is checked;
- routes `+ * ** << %` and f-string format specs through size guards;
- refuses `mro`, `format`, `format_map` and classes, and turns a bare
  `except:` into `except Exception:` so that a stopped script stays stopped;
- leaves `exec`, `eval` and `__import__` to run time, where they are missing
  or guarded (`engine.scripting.check_code` reports them at save time).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from types import CodeType
from typing import Any, Literal, cast

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.transformer import RestrictingNodeTransformer

from .cheap import is_cheap
from .guards import attribute_refusal
from .limits import ScriptRejected

FILENAME = "<string>"  # SpiffWorkflow looks for this name to report the failing line
Mode = Literal["eval", "exec"]
_OPERATOR_GUARDS: dict[type[ast.operator], str] = {
    ast.Add: "_add_",
    ast.Mult: "_mul_",
    ast.Pow: "_pow_",
    ast.LShift: "_lshift_",
    ast.Mod: "_mod_",
}
_LINE = re.compile(r"Line (\d+): ")


def _numeric(node: ast.expr, kinds: tuple[type, ...] = (int, float)) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, kinds)


def _cannot_grow(node: ast.BinOp) -> bool:
    """Whether the operands alone show that the result is a plain number."""
    if isinstance(node.op, ast.Add):
        return _numeric(node.left) or _numeric(node.right)
    if isinstance(node.op, ast.Mult):
        return _numeric(node.left, (float,)) or _numeric(node.right, (float,))
    return isinstance(node.op, ast.Mod) and _numeric(node.left)


def _call(name: str, args: list[ast.expr], at: ast.AST) -> ast.Call:
    call = ast.Call(func=ast.Name(name, ast.Load()), args=args, keywords=[])
    return ast.fix_missing_locations(ast.copy_location(call, at))


class Policy(RestrictingNodeTransformer):
    """RestrictedPython's transformer with our ticks, guards and refusals."""

    def _tick(self, at: ast.AST) -> ast.Call:
        self.used_names["_tick_"] = True  # tells the caller that the code needs a budget
        return _call("_tick_", [], at)

    def _tick_first(self, body: list[ast.stmt], at: ast.AST) -> None:
        body.insert(0, ast.copy_location(ast.Expr(self._tick(at)), at))

    def check_name(self, node: Any, name: str | None, allow_magic_methods: bool = False) -> None:
        """Names starting with "_" are reserved for the sandbox."""
        if name and name.startswith("_") and name != "_":
            self.error(node, f"Names starting with '_' are reserved; the script used '{name}'.")
        else:
            super().check_name(node, name, allow_magic_methods)

    def visit_Name(self, node: ast.Name) -> Any:
        """`__import__` may be read: it is the guarded import of the builtins."""
        if node.id == "__import__" and isinstance(node.ctx, ast.Load):
            return node
        return super().visit_Name(node)

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        """Refuse private and introspection attributes with a message for people."""
        refusal = attribute_refusal(node.attr)
        if refusal:
            self.error(node, refusal)
            return self.node_contents_visit(node)
        return super().visit_Attribute(node)

    def visit_Call(self, node: ast.Call) -> Any:
        """As RestrictedPython, but `exec(...)`/`eval(...)` fail at run time (not defined)."""
        wrap = any(isinstance(arg, ast.Starred) for arg in node.args) or any(
            keyword.arg is None for keyword in node.keywords
        )
        node = self.node_contents_visit(node)
        if wrap:
            node.args.insert(0, node.func)
            node.func = ast.copy_location(ast.Name("_apply_", ast.Load()), node.args[0])
        return node

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        """`a * b` -> `_mul_(a, b)` and so on, unless the result is surely a small number."""
        node = self.node_contents_visit(node)
        guard = _OPERATOR_GUARDS.get(type(node.op))
        if guard is None or _cannot_grow(node):
            return node
        return _call(guard, [node.left, node.right], node)

    def visit_FormattedValue(self, node: ast.FormattedValue) -> Any:
        """`f"{x:>{w}}"` -> `f"{_format_(x, -1, f'>{w}')}"`: widths are checked."""
        node = self.node_contents_visit(node)
        if node.format_spec is not None:
            args = [node.value, ast.Constant(node.conversion), node.format_spec]
            node.value = _call("_format_", args, node.value)
            node.conversion, node.format_spec = -1, None
        return node

    def visit_While(self, node: ast.While) -> Any:
        """Loops tick once per iteration."""
        node = cast(ast.While, super().visit_While(node))
        self._tick_first(node.body, node)
        return node

    def visit_For(self, node: ast.For) -> Any:
        """Loops tick once per iteration."""
        node = cast(ast.For, super().visit_For(node))
        self._tick_first(node.body, node)
        return node

    def visit_comprehension(self, node: ast.comprehension) -> Any:
        """Each comprehension item ticks (as a first condition that is always true)."""
        node = cast(ast.comprehension, super().visit_comprehension(node))
        node.ifs.insert(0, self._tick(node.iter))
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> Any:
        """Each call ticks, so recursion is budgeted too."""
        node = cast(ast.FunctionDef, super().visit_FunctionDef(node))
        self._tick_first(node.body, node)
        return node

    def visit_Lambda(self, node: ast.Lambda) -> Any:
        """`lambda: x` -> `lambda: _tick_() and x`."""
        node = cast(ast.Lambda, super().visit_Lambda(node))
        ticked = ast.BoolOp(op=ast.And(), values=[self._tick(node.body), node.body])
        node.body = ast.copy_location(ticked, node.body)
        return node

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> Any:
        """A bare `except:` catches what `except Exception:` catches, not a stop."""
        node = cast(ast.ExceptHandler, super().visit_ExceptHandler(node))
        if node.type is None:
            node.type = ast.copy_location(ast.Name("Exception", ast.Load()), node)
        return node

    def visit_ClassDef(self, node: ast.ClassDef) -> Any:
        """Classes could redefine dunder methods; scripts use functions and dicts."""
        self.error(node, "Classes are not allowed in process scripts; use functions and dicts.")
        return node


@dataclass(frozen=True)
class Compiled:
    """Restricted code and whether it needs a CPU budget (it has loops or functions)."""

    code: CodeType
    budgeted: bool
    cheap: bool = False  # an expression that may run in-process (see `cheap`)


def _restricted(source: str, mode: Mode) -> tuple[CodeType | None, list[str], bool]:
    tree = cast(ast.Module | ast.Expression, ast.parse(source, FILENAME, mode))  # SyntaxError
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    result = compiler(tree, FILENAME, policy=Policy)
    return result.code, list(result.errors), "_tick_" in result.used_names


def _located(error: str) -> tuple[int, str]:
    match = _LINE.match(error)
    return (int(match[1]), error[match.end() :]) if match else (1, error)


def compile_code(source: str, mode: Mode) -> Compiled:
    """Compile under the policy; SyntaxError or ScriptRejected (first rule broken)."""
    code, errors, budgeted = _restricted(source, mode)
    if errors or code is None:
        line, message = _located(errors[0] if errors else "The script could not be compiled.")
        raise ScriptRejected(f"{message} (line {line})")
    return Compiled(code, budgeted, mode == "eval" and not budgeted and is_cheap(source))


def problems(source: str, mode: Mode) -> list[tuple[int, str]]:
    """(line, message) of every rule the source breaks at compile time, syntax first."""
    try:
        _, errors, _ = _restricted(source, mode)
    except SyntaxError as err:
        return [(err.lineno or 1, f"Syntax error: {err.msg}")]
    return [_located(error) for error in errors]
