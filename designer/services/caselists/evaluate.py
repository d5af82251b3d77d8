"""A list evaluated: filtered, sorted, grouped and summed, in sections; what every page,
CSV and PDF of the list is rendered from.

`evaluate(session, model, list_key, day, filters, lang)` is the whole thing from Python.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from designer.services.caselists import definitions
from designer.services.caselists.compare import compare, empty, matches
from designer.services.caselists.sources import SOURCES, Source
from designer.services.errors import Invalid
from engine.models import ProcessModel, utcnow

COUNT = "count"  # the rows a grouped row stands for, when the list sums nothing


@dataclass(frozen=True)
class Column:
    """A column as shown: its field, label (in the language asked for), type, summed or not."""

    field: str
    label: str
    type: str
    sum: bool = False


@dataclass
class Section:
    """The rows under one heading (`heading` None: the list has no sections), with sums."""

    heading: str | None
    rows: list[dict[str, Any]]
    sums: dict[str, int] = field(default_factory=dict)


@dataclass
class ListResult:
    """A list evaluated."""

    key: str
    name: str
    description: str
    source: Source
    columns: list[Column]
    sections: list[Section]
    total: dict[str, int]
    day: date | None
    chosen: dict[str, str]  # the reader's filters (ask field -> value)
    options: dict[str, list[str]]  # what the reader can choose per ask field
    ask_labels: dict[str, str]
    orientation: str = "portrait"
    cutoff: datetime | None = None  # needs_day: after this (naive UTC), the day is final
    final: bool | None = None

    @property
    def has_sums(self) -> bool:
        """Whether any column is summed."""
        return any(c.sum for c in self.columns)

    @property
    def count(self) -> int:
        """How many rows the list shows."""
        return sum(len(s.rows) for s in self.sections)


def display(value: Any, kind: str = "text") -> str:
    """A value as a cell shows it: a date as 31.12.2026, a list joined, nothing as ""."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(display(v) for v in value if not empty(v))
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(value)


def _columns(definition: dict[str, Any], source: Source, lang: str) -> list[Column]:
    shown = []
    for column in definition.get("columns", []):
        name = column["field"]
        label = definitions.text_in(column.get("label"), lang) or str(source.fields[name][0])
        shown.append(Column(name, label, source.type_of(name), bool(column.get("sum"))))
    grouped = definition.get("group_by") or []
    if not grouped:
        return shown
    kept = [c for c in shown if c.field in grouped or c.sum]
    missing = [
        Column(g, str(source.fields[g][0]), source.type_of(g))
        for g in grouped
        if g not in {c.field for c in kept}
    ]
    kept = missing + kept
    if not any(c.sum for c in kept):
        kept.append(Column(COUNT, _("Number"), "int", True))
    return kept


def _options(rows: list[dict[str, Any]], name: str) -> list[str]:
    values: set[str] = set()
    for row in rows:
        value = row.get(name)
        for item in value if isinstance(value, (list, tuple)) else [value]:
            if not empty(item):
                values.add(display(item))
    return sorted(values, key=functools.cmp_to_key(compare))


def _sorted(rows: list[dict[str, Any]], order: list[str]) -> list[dict[str, Any]]:
    def by(a: dict[str, Any], b: dict[str, Any]) -> int:
        for spec in order:
            name, down = (spec[1:], True) if spec.startswith("-") else (spec, False)
            said = compare(a.get(name), b.get(name), descending=down)
            if said:
                return said
        return 0

    return sorted(rows, key=functools.cmp_to_key(by)) if order else list(rows)


def _frozen(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _grouped(rows: list[dict[str, Any]], by: list[str], sums: list[str]) -> list[dict[str, Any]]:
    found: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        key = tuple(_frozen(row.get(name)) for name in by)
        into = found.setdefault(key, {**{n: row.get(n) for n in by}, **dict.fromkeys(sums, 0)})
        for name in sums:
            into[name] += 1 if name == COUNT else _number(row.get(name))
    return list(found.values())


def _number(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _sums(rows: list[dict[str, Any]], columns: list[Column]) -> dict[str, int]:
    return {c.field: sum(_number(r.get(c.field)) for r in rows) for c in columns if c.sum}


def run(
    session: Session,
    model: ProcessModel,
    definition: dict[str, Any],
    day: date | None,
    filters: dict[str, str],
    lang: str,
) -> ListResult:
    """Evaluate one (checked) definition; Invalid when a reader's filter has no such value."""
    source = SOURCES[definition["source"]]
    rows = source.rows(session, model, day if source.needs_day else None, lang)
    for rule in definition.get("filters") or []:
        rows = [r for r in rows if matches(r.get(rule["field"]), rule["op"], rule.get("value"))]
    asked = [a for a in definition.get("ask") or [] if a in source.fields]
    options = {name: _options(rows, name) for name in asked}
    chosen = {k: v for k, v in filters.items() if k in asked and v != ""}
    wrong = {
        k: _("There is no %(value)s to choose.", value=v)
        for k, v in chosen.items()
        if v not in options[k]
    }
    if wrong:
        raise Invalid(_("Choose one of the values offered."), fields=wrong)
    for name, value in chosen.items():
        rows = [r for r in rows if matches(r.get(name), "eq", value, shown=display)]
    columns = _columns(definition, source, lang)
    order = list(definition.get("sort") or [])
    grouped = list(definition.get("group_by") or [])
    section_by = definition.get("section_by")
    rows = _sorted(rows, order)
    parts: list[tuple[str | None, list[dict[str, Any]]]] = [(None, rows)]
    if section_by:
        down = f"-{section_by}" in order
        keys = sorted(
            {_frozen(r.get(section_by)) for r in rows},
            key=functools.cmp_to_key(lambda a, b: compare(a, b, descending=down)),
        )
        parts = [(display(k), [r for r in rows if _frozen(r.get(section_by)) == k]) for k in keys]
    sections = []
    summed = [c.field for c in columns if c.sum]
    for heading, part in parts:
        if grouped:
            part = _sorted(_grouped(part, grouped, summed), order or grouped)
        sections.append(Section(heading or (_("(none)") if section_by else None), part))
        sections[-1].sums = _sums(part, columns)
    result = ListResult(
        key=definition["key"],
        name=definitions.text_in(definition.get("name"), lang),
        description=definitions.text_in(definition.get("description"), lang),
        source=source,
        columns=columns,
        sections=sections,
        total=_sums([r for s in sections for r in s.rows], columns),
        day=day if source.needs_day else None,
        chosen=chosen,
        options=options,
        ask_labels={a: str(source.fields[a][0]) for a in asked},
        orientation=definition.get("orientation") or "portrait",
    )
    if source.needs_day and day is not None:
        result.cutoff = cutoff_of(session, model, day)
        result.final = None if result.cutoff is None else utcnow() >= result.cutoff
    return result


def cutoff_of(session: Session, model: ProcessModel, day: date) -> datetime | None:
    """When changes to `day` close, for a service with subscriptions (else None)."""
    if not isinstance((model.settings or {}).get("subscription"), dict):
        return None
    try:
        from designer.services.subscriptions import rows
    except ImportError:  # the subscriptions package is not there yet
        return None
    moment = rows.cutoff_of(session, model, day)
    return moment if isinstance(moment, datetime) else None


def evaluate(
    session: Session,
    model: ProcessModel,
    list_key: str,
    day: date | None,
    filters: dict[str, str],
    lang: str,
) -> ListResult:
    """The service's list `list_key` for `day` with the reader's `filters`, in `lang`.

    Missing when there is no such list, Invalid when it is not valid or a filter is wrong.
    """
    definition = definitions.find(model, list_key)
    said = definitions.problems([definition])
    if said:
        raise Invalid(said[0].message)
    return run(session, model, definition, day, filters, lang)
