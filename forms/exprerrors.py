"""Why an expression does not parse: ConditionError, for developers and for the catalogue.

``str(error)`` is word for word the message static/src/forms/expressions.js gives (so the
two parsers can be compared); ``error.text`` says the same in words for the people who
wrote the condition, as a catalogue text (`errors.text`), positions counted from 1.
"""

from __future__ import annotations

from typing import Any

from .errors import text
from .messages import N_
from .names import quoted

Text = dict[str, Any]
Expected = tuple[str, Text]  # what the parser expected: (message, text)


class ConditionError(ValueError):
    """An expression is not in the supported FEEL subset."""

    def __init__(self, message: str, said: Text) -> None:
        super().__init__(message)
        self.text: Text = said


EXPECTED_VALUE: Expected = ("expected a value", text(N_("expected a value")))
EXPECTED_END: Expected = (
    "expected an operator or the end",
    text(N_("expected an operator or the end")),
)
EXPECTED_NAME: Expected = (
    "expected a name after '.'",
    text(N_("expected a name after %(symbol)s"), symbol=quoted(".")),
)


def expected(op: str) -> Expected:
    """The parser expected the operator `op`."""
    return f"expected {op!r}", text(N_("expected %(symbol)s"), symbol=quoted(op))


def unexpected(kind: str, value: Any, position: int, what: Expected) -> ConditionError:
    """A token (or the end) where the parser expected `what`."""
    message, said = what
    if kind == "end":
        return ConditionError(
            f"Unexpected the end at {position}: {message}.",
            text(N_("the expression ends too soon: %(expected)s"), expected=said),
        )
    return ConditionError(
        f"Unexpected {value!r} at {position}: {message}.",
        text(
            N_("unexpected %(found)s at character %(position)s: %(expected)s"),
            found=quoted(_shown(value)),
            position=position + 1,
            expected=said,
        ),
    )


def unexpected_character(char: str, position: int) -> ConditionError:
    """A character that starts no token."""
    return ConditionError(
        f"Unexpected {char!r} at {position}.",
        text(
            N_("unexpected %(found)s at character %(position)s"),
            found=quoted(char),
            position=position + 1,
        ),
    )


def unknown_escape(escaped: str, position: int) -> ConditionError:
    """A backslash escape a string may not contain."""
    return ConditionError(
        f"Unknown escape \\{escaped} at {position}.",
        text(
            N_("unknown escape sequence %(escape)s at character %(position)s"),
            escape=quoted("\\" + escaped),
            position=position + 1,
        ),
    )


def number_too_large(position: int) -> ConditionError:
    """A number beyond the largest double."""
    return ConditionError(
        f"The number at {position} is too large.",
        text(N_("the number at character %(position)s is too large"), position=position + 1),
    )


def too_deep(limit: int) -> ConditionError:
    """More than `limit` levels of nesting."""
    return ConditionError(
        "The expression is nested too deeply.",
        text(N_("the expression is nested too deeply (more than %(limit)s levels)"), limit=limit),
    )


def too_many_operators(limit: int) -> ConditionError:
    """A chain of more than `limit` operators."""
    return ConditionError(
        "The expression has too many operators in a row.",
        text(
            N_("the expression has too many operators in a row (more than %(limit)s)"),
            limit=limit,
        ),
    )


def too_long(limit: int) -> ConditionError:
    """An expression of more than `limit` characters."""
    return ConditionError(
        f"The expression is longer than {limit} characters.",
        text(N_("the expression is longer than %(limit)s characters"), limit=limit),
    )


def not_text() -> ConditionError:
    """An expression that is not a string."""
    return ConditionError("The expression must be text.", text(N_("the expression must be text")))


def _shown(value: Any) -> str:
    """A token as the author wrote it (whole numbers without a trailing .0)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)
