"""FormDefinition: a checked, hashed form-js form definition."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator
from typing import Any

from .checks import list_key
from .errors import DefinitionError, problem
from .kinds import INPUT_TYPES
from .messages import N_
from .pagechecks import check_pages, wants_pages
from .relations import check_relations
from .schema import check_components


class FormDefinition:
    """A parsed and checked form-js definition; build it with ``from_json``."""

    def __init__(self, raw: dict[str, Any], digest: str) -> None:
        self.raw: dict[str, Any] = raw
        self.hash: str = digest
        raw_id = raw.get("id")
        self.id: str | None = raw_id if isinstance(raw_id, str) else None
        self.schema_version: Any = raw.get("schemaVersion")
        self.components: list[dict[str, Any]] = raw["components"]
        _normalize_list_keys(self.components)
        # One page per top-level group when "properties": {"pages": true}.
        self.multipage: bool = wants_pages(raw)
        self.input_components: list[dict[str, Any]] = [
            component
            for component in iter_components(self.components)
            if component["type"] in INPUT_TYPES
        ]
        self.keys: list[str] = [c["key"] for c in self.input_components]
        self._by_key = {c["key"]: c for c in self.input_components}

    @classmethod
    def from_json(cls, source: str | bytes | dict[str, Any]) -> FormDefinition:
        """Parse and check a definition given as JSON text or an already-loaded dict."""
        raw = _load(source)
        problems = check_components(raw.get("components"))
        problems += [p for p in check_pages(raw) if p not in problems]
        problems += check_relations(raw.get("components"))
        if problems:
            raise DefinitionError(problems)
        return cls(raw, _digest(raw))

    def component(self, key: str) -> dict[str, Any]:
        """Return the input component with data key ``key`` (KeyError if none)."""
        return self._by_key[key]

    def __repr__(self) -> str:
        return f"<FormDefinition id={self.id!r} hash={self.hash[:12]}>"


def iter_components(components: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Yield components depth-first in document order, descending into groups.

    A dynamic list is yielded but not entered: its rows are a namespace of their own.
    """
    for component in components:
        yield component
        if component.get("type") == "group":
            yield from iter_components(component["components"])


def row_components(dynamic_list: dict[str, Any]) -> list[dict[str, Any]]:
    """The input components of one row of a dynamic list, in document order."""
    return [
        component
        for component in iter_components(dynamic_list["components"])
        if component["type"] in INPUT_TYPES
    ]


def _normalize_list_keys(components: list[dict[str, Any]]) -> None:
    # form-js names a dynamic list's data key "path"; we read "key" everywhere.
    for component in iter_components(components):
        if component["type"] == "dynamiclist":
            component["key"] = list_key(component)


def _load(source: str | bytes | dict[str, Any]) -> dict[str, Any]:
    if isinstance(source, dict):
        raw: Any = copy.deepcopy(source)
    elif isinstance(source, str | bytes | bytearray):
        try:
            raw = json.loads(source)
        except json.JSONDecodeError as exc:
            template = N_(
                "The form file is not valid JSON: there is an error at line %(line)s, "
                "column %(column)s."
            )
            found = problem(None, template, line=exc.lineno, column=exc.colno)
            raise DefinitionError([found]) from exc
        except (ValueError, RecursionError) as exc:  # not UTF-8, or nested too deeply
            found = problem(None, N_("The form file is not valid JSON text."))
            raise DefinitionError([found]) from exc
    else:
        raise DefinitionError([problem(None, N_("The form must be given as JSON text."))])
    if not isinstance(raw, dict):
        template = N_(
            "The form file must hold one JSON object (the form), not a list or a single value."
        )
        raise DefinitionError([problem(None, template)])
    return raw


def _digest(raw: dict[str, Any]) -> str:
    try:
        canonical = json.dumps(
            raw,
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
            allow_nan=False,
        )
    except (TypeError, ValueError) as exc:
        template = N_(
            "The form is not plain JSON data: it may only hold texts, numbers, true, false, "
            "null, lists and objects."
        )
        raise DefinitionError([problem(None, template)]) from exc
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
